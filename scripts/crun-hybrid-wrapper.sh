#!/bin/sh
# crun 1.8 refuses a hybrid cgroup layout whose cgroup2 mount holds a controller
# ("cgroups in hybrid mode not supported"). This wrapper runs crun in a private mount
# namespace with the cgroup2 mount hidden, so crun sees pure cgroup v1; the host system
# stays unchanged. Point [plugins.crun] path at it on such hosts.
exec unshare -m --propagation private sh -c 'umount /sys/fs/cgroup/unified 2>/dev/null; exec crun "$@"' crun "$@"
