//! The bfc integration through the host CLI.

use lxcri_test_support::Host;

fn host() -> Host {
    Host::with_plugins(&["lxcri_bfc"])
}

fn samples() -> std::path::PathBuf {
    lxcri_test_support::workspace_root().join("tests/fixtures/bfc-samples")
}

#[test]
fn create_list_info_verify_extract_through_the_cli() {
    let host = host();
    let src = host.scratch().join("src");
    std::fs::create_dir_all(src.join("d")).unwrap();
    std::fs::write(src.join("d/file.txt"), "hello ".repeat(100)).unwrap();
    let archive = host.scratch().join("x.bfc");
    let a = archive.to_str().unwrap();
    let pw = host.scratch().join("pw");
    std::fs::write(&pw, "pass phrase\n").unwrap();
    let run = host
        .run([
            "bfc",
            "create",
            "-c",
            "zstd",
            "--password-file",
            pw.to_str().unwrap(),
            a,
            src.to_str().unwrap(),
        ])
        .ok();
    assert!(run.stdout.contains("3 entries"), "{run:?}");
    let again = host
        .run(["bfc", "create", a, src.to_str().unwrap()])
        .failed();
    assert_eq!(again.code, 4, "exists: {again:?}");

    let list = host.run(["bfc", "list", "--json", a]).ok().json();
    assert_eq!(list.as_array().unwrap().len(), 3);
    assert_eq!(list[2]["path"], "src/d/file.txt");
    assert_eq!(list[2]["encrypted"], true);
    assert_eq!(list[2]["compressed"], true);
    let info = host.run(["bfc", "info", "--json", a]).ok().json();
    assert_eq!(info["files"], 1);
    assert_eq!(info["encrypted"], true);

    let wrong = host
        .run(["bfc", "verify", "--deep", "-p", "nope", a])
        .failed();
    assert_eq!(wrong.code, 9, "{wrong:?}");
    assert_eq!(wrong.error_lines().len(), 1);
    assert!(wrong.stderr.contains("wrong password"), "{wrong:?}");
    host.run([
        "bfc",
        "verify",
        "--deep",
        "--password-file",
        pw.to_str().unwrap(),
        a,
    ])
    .ok();

    let out = host.scratch().join("out");
    host.run([
        "bfc",
        "extract",
        "-C",
        out.to_str().unwrap(),
        "--password-file",
        pw.to_str().unwrap(),
        a,
    ])
    .ok();
    assert_eq!(
        std::fs::read_to_string(out.join("src/d/file.txt")).unwrap(),
        "hello ".repeat(100)
    );
}

#[test]
fn reference_samples_through_the_cli() {
    let host = host();
    let plain = samples().join("tree-plain.bfc");
    let list = host.run(["bfc", "list", plain.to_str().unwrap()]).ok();
    assert_eq!(list.stdout.lines().count(), 13);
    let enc = samples().join("tree-enc-password.bfc");
    let out = host.scratch().join("o");
    host.run([
        "bfc",
        "extract",
        "-C",
        out.to_str().unwrap(),
        "-p",
        "bfc-sample-password",
        enc.to_str().unwrap(),
    ])
    .ok();
    assert_eq!(
        std::fs::read_link(out.join("sample-tree/link-to-hello"))
            .unwrap()
            .to_str(),
        Some("hello.txt")
    );
    let trunc = host.scratch().join("t.bfc");
    std::fs::write(&trunc, &std::fs::read(&plain).unwrap()[..5000]).unwrap();
    let run = host
        .run(["bfc", "verify", trunc.to_str().unwrap()])
        .failed();
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains("corrupt"), "{run:?}");
}

#[test]
fn bundles_pack_and_unpack() {
    let host = host();
    let bundle = host.bundle("b", &["true"]).write();
    let archive = host.scratch().join("bundle.bfc");
    host.run([
        "bfc",
        "pack-bundle",
        "-c",
        "zstd",
        bundle.to_str().unwrap(),
        archive.to_str().unwrap(),
    ])
    .ok();
    let out = host.scratch().join("unpacked");
    host.run([
        "bfc",
        "unpack-bundle",
        archive.to_str().unwrap(),
        out.to_str().unwrap(),
    ])
    .ok();
    assert_eq!(
        std::fs::read(out.join("config.json")).unwrap(),
        std::fs::read(bundle.join("config.json")).unwrap()
    );
    assert!(out.join("rootfs/bin/busybox").is_file());
    assert_eq!(
        std::fs::read_link(out.join("rootfs/bin/sh"))
            .unwrap()
            .to_str(),
        Some("busybox")
    );
}
