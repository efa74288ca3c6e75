//! OCI bundles for tests, built from Debian's busybox-static.
