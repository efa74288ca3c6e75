//! Settings Proxmox grants only to root@pam (pve-container's
//! `check_ct_modify_config_perm`, fact 3 of reference/pve-api.md): bind mount points,
//! feature flags other than nesting, and any feature flag on a privileged CT. An API
//! token is never root@pam, so under a token such a create is refused here, in one
//! line, before anything is made.

use lxcri_plugin_api::PluginError;
use lxcri_pve_client::Params;

fn refuse(what: &str) -> PluginError {
    PluginError::permission(format!(
        "{what} only for root@pam, and this plugin does not log in as root@pam (an API token never is)"
    ))
    .with_hint(
        "set username = \"root@pam\" and password_file in [plugins.proxmox-lxc.api], \
         or drop the setting",
    )
}

/// Refuses root-only settings among the create parameters.
pub fn check(params: &Params) -> Result<(), PluginError> {
    let get = |k: &str| {
        params
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.as_str())
    };
    if let Some((_, bind)) = params
        .iter()
        .find(|(k, v)| k.starts_with("mp") && v.starts_with('/'))
    {
        let source = bind.split(',').next().unwrap_or_default();
        return Err(refuse(&format!(
            "the bind mount of {source} needs a mount point that Proxmox allows"
        )));
    }
    let privileged = get("unprivileged") == Some("0");
    if let Some(features) = get("features") {
        let flags: Vec<&str> = features
            .split(',')
            .filter(|f| !f.is_empty() && !f.ends_with("=0"))
            .collect();
        if privileged && !flags.is_empty() {
            return Err(refuse(&format!(
                "features ({features}) on a privileged container are allowed"
            )));
        }
        if let Some(flag) = flags.iter().find(|f| !f.starts_with("nesting")) {
            return Err(refuse(&format!("the feature flag {flag} is allowed")));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(pairs: &[(&str, &str)]) -> Params {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn root_only_settings_are_refused_with_the_reason() {
        assert!(check(&p(&[("unprivileged", "1"), ("features", "nesting=1")])).is_ok());
        let bind = check(&p(&[("mp0", "/srv/data,mp=/data")])).unwrap_err();
        assert!(bind.message.contains("/srv/data") && bind.message.contains("root@pam"));
        let keyctl = check(&p(&[
            ("unprivileged", "1"),
            ("features", "nesting=1,keyctl=1"),
        ]));
        assert!(keyctl.unwrap_err().message.contains("keyctl=1"));
        let privileged = check(&p(&[("unprivileged", "0"), ("features", "nesting=1")]));
        assert!(privileged.unwrap_err().message.contains("privileged"));
        assert!(
            check(&p(&[("unprivileged", "0")])).is_ok(),
            "Sys.Modify suffices"
        );
    }
}
