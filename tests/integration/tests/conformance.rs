//! The runtime-spec conformance suite, the same cases on every local backend: crun is
//! the yardstick, lxc must observe the same (docs/backends/lxc.md lists what LXC
//! cannot do).

use lxcri_test_support::{Host, conformance as c};

macro_rules! suite {
    ($backend:ident, $host:expr) => {
        mod $backend {
            use super::*;

            fn host() -> Host {
                $host
            }

            #[test]
            fn process_is_pid_one_and_its_status_is_returned() {
                c::process_is_pid_one_and_its_status_is_returned(&host());
            }
            #[test]
            fn mounts_are_as_listed() {
                c::mounts_are_as_listed(&host());
            }
            #[test]
            fn default_devices_exist() {
                c::default_devices_exist(&host());
            }
            #[test]
            fn capability_sets_are_applied() {
                c::capability_sets_are_applied(&host());
            }
            #[test]
            fn user_groups_and_umask_are_applied() {
                c::user_groups_and_umask_are_applied(&host());
            }
            #[test]
            fn rlimits_and_oom_score_adj_are_applied() {
                c::rlimits_and_oom_score_adj_are_applied(&host());
            }
            #[test]
            fn cgroups_path_and_resources_are_applied() {
                c::cgroups_path_and_resources_are_applied(&host(), stringify!($backend));
            }
            #[test]
            fn relative_cgroups_path_is_used() {
                c::relative_cgroups_path_is_used(&host(), stringify!($backend));
            }
            #[test]
            fn linux_devices_are_created() {
                c::linux_devices_are_created(&host());
            }
            #[test]
            fn sysctls_are_applied() {
                c::sysctls_are_applied(&host());
            }
            #[test]
            fn masked_and_readonly_paths_hold() {
                c::masked_and_readonly_paths_hold(&host());
            }
            #[test]
            fn readonly_root_is_readonly() {
                c::readonly_root_is_readonly(&host());
            }
            #[test]
            fn hostname_follows_the_uts_namespace() {
                c::hostname_follows_the_uts_namespace(&host());
            }
            #[test]
            fn namespace_path_of_the_wrong_type_is_refused() {
                c::namespace_path_of_the_wrong_type_is_refused(&host());
            }
            #[test]
            fn rootfs_propagation_is_applied() {
                c::rootfs_propagation_is_applied(&host());
            }
            #[test]
            fn seccomp_profile_is_enforced() {
                c::seccomp_profile_is_enforced(&host());
            }
            #[test]
            fn hooks_run_in_order_with_the_state() {
                c::hooks_run_in_order_with_the_state(&host());
            }
            #[test]
            fn user_namespace_maps_ids() {
                c::user_namespace_maps_ids(&host());
            }
            #[test]
            fn update_changes_the_limits() {
                c::update_changes_the_limits(&host(), stringify!($backend));
            }
            #[test]
            fn signals_reach_the_process() {
                c::signals_reach_the_process(&host());
            }
        }
    };
}

suite!(crun, Host::crun());
suite!(lxc, Host::lxc());
