//! `update`: change a container's resource limits, from `--resources FILE` (OCI
//! `linux.resources` JSON, `-` for stdin) or from flags.

use crate::args::update::UpdateArgs;
use std::io::Read;

use serde_json::{Value, json};

use super::container::Opened;
use crate::{
    error::{HostError, Result},
    services::Services,
};

fn resources(args: &UpdateArgs) -> Result<Value> {
    if let Some(file) = &args.resources {
        let mut raw = Vec::new();
        let read = if file.as_os_str() == "-" {
            std::io::stdin().read_to_end(&mut raw).map(|_| ())
        } else {
            std::fs::read(file).map(|r| raw = r)
        };
        read.map_err(|e| HostError::io(format!("cannot read {}", file.display()), e))?;
        let value: Value = serde_json::from_slice(&raw)
            .map_err(|e| HostError::invalid(format!("{} is malformed: {e}", file.display())))?;
        serde_json::from_value::<oci_spec::runtime::LinuxResources>(value.clone()).map_err(
            |e| {
                HostError::invalid(format!(
                    "{} is not OCI linux.resources: {e}",
                    file.display()
                ))
            },
        )?;
        return Ok(value);
    }
    let mut r = json!({});
    if args.memory.is_some() || args.memory_swap.is_some() {
        r["memory"] = json!({});
        if let Some(m) = args.memory {
            r["memory"]["limit"] = json!(m);
        }
        if let Some(s) = args.memory_swap {
            r["memory"]["swap"] = json!(s);
        }
    }
    if args.cpu_shares.is_some()
        || args.cpu_quota.is_some()
        || args.cpu_period.is_some()
        || args.cpuset_cpus.is_some()
    {
        let mut cpu = json!({});
        if let Some(v) = args.cpu_shares {
            cpu["shares"] = json!(v);
        }
        if let Some(v) = args.cpu_quota {
            cpu["quota"] = json!(v);
        }
        if let Some(v) = args.cpu_period {
            cpu["period"] = json!(v);
        }
        if let Some(v) = &args.cpuset_cpus {
            cpu["cpus"] = json!(v);
        }
        r["cpu"] = cpu;
    }
    if let Some(p) = args.pids_limit {
        r["pids"] = json!({"limit": p});
    }
    if r.as_object().is_some_and(|o| o.is_empty()) {
        return Err(HostError::invalid("nothing to update")
            .hint("pass --resources FILE or a limit flag such as --memory"));
    }
    Ok(r)
}

pub fn run(svc: &Services, args: &UpdateArgs) -> Result<i32> {
    let resources = resources(args)?;
    let c = Opened::open(svc, &args.id)?;
    c.backend.update(&args.id, &c.plugin_dir()?, &resources)?;
    crate::crash_point::here("update:updated");
    Ok(0)
}

#[cfg(test)]
mod tests {
    use lxcri_plugin_api::ErrorKind;

    use super::run;
    use crate::{args::update::UpdateArgs, testing::TestHost};

    fn update(id: &str) -> UpdateArgs {
        UpdateArgs {
            resources: None,
            memory: None,
            memory_swap: None,
            cpu_shares: None,
            cpu_quota: None,
            cpu_period: None,
            cpuset_cpus: None,
            pids_limit: None,
            id: id.into(),
        }
    }

    #[test]
    fn the_options_reach_the_backend_as_oci_resources() {
        let host = TestHost::new();
        host.running("c1", &["sleep", "1"]);
        let mut args = update("c1");
        args.memory = Some(1 << 20);
        args.pids_limit = Some(10);
        run(&host.svc, &args).unwrap();
        let resources = host.kept("c1").unwrap().resources.unwrap();
        assert_eq!(resources["memory"]["limit"], 1 << 20);
        assert_eq!(resources["pids"]["limit"], 10);
    }

    #[test]
    fn a_malformed_resources_file_is_refused() {
        let host = TestHost::new();
        host.running("c1", &["sleep", "1"]);
        let file = host.dir.path().join("r.json");
        std::fs::write(&file, b"{oops").unwrap();
        let mut args = update("c1");
        args.resources = Some(file);
        assert_eq!(
            run(&host.svc, &args).unwrap_err().kind,
            ErrorKind::InvalidInput
        );
        assert!(host.kept("c1").unwrap().resources.is_none());
    }
}
