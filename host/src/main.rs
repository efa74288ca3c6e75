fn main() {
    // Output piped into `head` ends the process quietly, as for any Unix tool, instead
    // of a panic on the closed pipe (children get the default disposition anyway).
    // SAFETY: setting a signal disposition before any thread starts.
    unsafe {
        nix::libc::signal(nix::libc::SIGPIPE, nix::libc::SIG_DFL);
    }
    std::process::exit(proxmox_lxcri::cli::main());
}
