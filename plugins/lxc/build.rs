//! Builds `lxcri-init` (init/main.rs), the helper the plugin embeds: a static binary,
//! because it runs inside containers whose rootfs has no libc of ours.

use std::{env, path::PathBuf, process::Command};

fn main() {
    let out = PathBuf::from(env::var("OUT_DIR").unwrap()).join("lxcri-init");
    for f in [
        "init/main.rs",
        "init/plan.rs",
        "init/setup.rs",
        "init/sys.rs",
    ] {
        println!("cargo:rerun-if-changed={f}");
    }
    let rustc = env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let target = env::var("TARGET").unwrap();
    let status = Command::new(rustc)
        .args([
            "--edition",
            "2024",
            "--crate-name",
            "lxcri_init",
            "--target",
            &target,
        ])
        .args([
            "-C",
            "opt-level=s",
            "-C",
            "panic=abort",
            "-C",
            "strip=symbols",
        ])
        .args(["-C", "target-feature=+crt-static", "-C", "codegen-units=1"])
        // The helper is outside cargo's lints: its warnings fail the build here.
        .args(["-D", "warnings"])
        .arg("init/main.rs")
        .arg("-o")
        .arg(&out)
        .env_remove("RUSTFLAGS")
        .status()
        .expect("running rustc for lxcri-init");
    assert!(status.success(), "building lxcri-init failed");
}
