fn main() {
    std::process::exit(proxmox_lxcri::cli::main());
}
