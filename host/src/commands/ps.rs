//! `ps [--format table|json] ID [PS_ARGS...]`: processes of a container.

use std::io::Write;

use super::output;
use crate::args::Format;
use crate::args::ps::PsArgs;
use std::process::Command;

use super::container::Opened;
use crate::{
    error::{HostError, Result},
    services::Services,
};

pub fn run(svc: &Services, args: &PsArgs, out: &mut dyn Write) -> Result<i32> {
    let c = Opened::open(svc, &args.id)?;
    let pids = c.backend.ps(&args.id, &c.plugin_dir()?)?;
    match args.format {
        Format::Json => {
            writeln!(out, "{}", serde_json::to_string(&pids).unwrap_or_default()).map_err(output)?
        }
        Format::Table => {
            let ps_args = if args.ps_args.is_empty() {
                vec!["-ef".to_string()]
            } else {
                args.ps_args.clone()
            };
            let ps_out = Command::new("ps")
                .args(&ps_args)
                .output()
                .map_err(|e| HostError::io("cannot run ps", e))?;
            if !ps_out.status.success() {
                return Err(HostError::invalid(format!(
                    "ps {}: {}",
                    ps_args.join(" "),
                    String::from_utf8_lossy(&ps_out.stderr).trim()
                )));
            }
            let text = String::from_utf8_lossy(&ps_out.stdout);
            let mut lines = text.lines();
            let header = lines.next().unwrap_or_default();
            let pid_col = header
                .split_whitespace()
                .position(|h| h == "PID")
                .ok_or_else(|| HostError::invalid("ps output has no PID column"))?;
            writeln!(out, "{header}").map_err(output)?;
            for line in lines {
                let pid = line
                    .split_whitespace()
                    .nth(pid_col)
                    .and_then(|p| p.parse::<i32>().ok());
                if pid.is_some_and(|p| pids.contains(&p)) {
                    writeln!(out, "{line}").map_err(output)?;
                }
            }
        }
    }
    Ok(0)
}

#[cfg(test)]
mod tests {
    use super::run;
    use crate::{
        args::{Format, ps::PsArgs},
        testing::{TestHost, memory},
    };

    #[test]
    fn json_prints_the_pids_the_backend_reports() {
        let host = TestHost::new();
        host.running("c1", &["sleep", "1"]);
        let args = PsArgs {
            format: Format::Json,
            id: "c1".into(),
            ps_args: Vec::new(),
        };
        let mut out = Vec::new();
        run(&host.svc, &args, &mut out).unwrap();
        let pids: Vec<i32> = serde_json::from_slice(&out).unwrap();
        assert_eq!(pids, [memory::PID]);
    }
}
