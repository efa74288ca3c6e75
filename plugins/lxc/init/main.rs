//! `lxcri-init`: the lxc backend's helper. A static binary the plugin hands LXC as an
//! inherited memfd, so nothing is added to the bundle's rootfs.
//!
//! * `init`: LXC execs it as the container's init. It prepares the terminal, checks the
//!   executable, reports `ready` (the plugin reads its host pid from the socket
//!   credentials), waits until `start` connects, then becomes the bundle's process
//!   (user, groups, capabilities, rlimits, seccomp, cwd) and execs it with the same pid.
//! * `exec`: joins a running container's cgroups and namespaces, forks the new process
//!   into them, reports its pid and, unless detached, waits and returns its status.

#![allow(dead_code)] // plan.rs is shared with the plugin, which encodes

mod hooks;
mod plan;
mod setup;
mod sys;

use std::{
    ffi::{CString, c_char, c_int},
    fs::File,
    io::{BufRead, Read, Write},
    os::{
        fd::{FromRawFd, IntoRawFd},
        unix::{fs::PermissionsExt, net::UnixListener},
    },
    path::PathBuf,
};

use plan::{Plan, fd};

const DEFAULT_PATH: &str = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

fn main() {
    let code = match std::env::args().nth(1).as_deref() {
        Some("init") => init(),
        Some("exec") => exec(),
        _ => {
            eprintln!("lxcri-init: run by the proxmox-lxcri lxc plugin only");
            2
        }
    };
    std::process::exit(code);
}

/// A message to the plugin on the control socket (one SEQPACKET message).
fn report(msg: &str) {
    let mut ctl = unsafe { File::from_raw_fd(fd::CTL) };
    let _ = ctl.write_all(msg.as_bytes());
    let _ = ctl.into_raw_fd();
}

fn fail(msg: String) -> i32 {
    report(&format!("error: {msg}"));
    1
}

/// Init's failure: reported, then held until the plugin closes the socket, so the
/// plugin can still find the cgroups LXC made for it.
fn fail_init(msg: String) -> i32 {
    report(&format!("error: {msg}"));
    let mut ctl = unsafe { File::from_raw_fd(fd::CTL) };
    let mut buf = [0u8; 64];
    while matches!(ctl.read(&mut buf), Ok(n) if n > 0) {}
    1
}

fn read_plan() -> Result<Plan, String> {
    let mut ctl = unsafe { File::from_raw_fd(fd::CTL) };
    let mut buf = vec![0u8; 8 << 20];
    let n = ctl.read(&mut buf).map_err(|e| format!("reading the plan: {e}"));
    let _ = ctl.into_raw_fd();
    Plan::decode(&buf[..n?])
}

/// The process's stdio: the caller's, or the slave of a new pty in the container's
/// devpts whose master goes to the console socket.
fn stdio(plan: &Plan) -> Result<[c_int; 3], String> {
    if !plan.terminal {
        return Ok([fd::STDIN, fd::STDOUT, fd::STDERR]);
    }
    let flags = sys::O_RDWR | sys::O_NOCTTY | sys::O_CLOEXEC;
    let mut master = -1;
    for path in ["/dev/pts/ptmx", "/dev/ptmx"] {
        master = unsafe { sys::open(sys::cstr(path)?.as_ptr(), flags) };
        if master >= 0 {
            break;
        }
    }
    if master < 0 {
        return Err(format!(
            "cannot open /dev/ptmx in the container: {}",
            sys::errno()
        ));
    }
    let unlock: c_int = 0;
    sys::check(
        unsafe { sys::ioctl(master, sys::TIOCSPTLCK, &unlock) },
        "unlocking the pty",
    )?;
    let mut n: c_int = 0;
    sys::check(
        unsafe { sys::ioctl(master, sys::TIOCGPTN, &mut n) },
        "reading the pty number",
    )?;
    let slave = sys::check(
        unsafe { sys::ioctl(master, sys::TIOCGPTPEER, (flags) as u64) },
        "opening the pty",
    )?;
    sys::send_fd(fd::CONSOLE, master, &format!("/dev/pts/{n}"))?;
    unsafe {
        sys::close(master);
        sys::close(fd::CONSOLE);
    }
    Ok([slave, slave, slave])
}

fn env_path(plan: &Plan) -> String {
    plan.env
        .iter()
        .find_map(|e| e.strip_prefix("PATH="))
        .unwrap_or(DEFAULT_PATH)
        .to_string()
}

fn executable(p: &std::path::Path) -> bool {
    std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// The executable `args[0]` names, looked up in the process's PATH as crun does.
fn resolve(plan: &Plan) -> Result<PathBuf, String> {
    let name = &plan.args[0];
    let not_found = || format!("executable file `{name}` not found in $PATH: No such file or directory");
    if name.contains('/') {
        let p = PathBuf::from(name);
        return if p.exists() { Ok(p) } else { Err(not_found()) };
    }
    env_path(plan)
        .split(':')
        .map(|dir| PathBuf::from(if dir.is_empty() { "." } else { dir }).join(name))
        .find(|p| executable(p))
        .ok_or_else(not_found)
}

fn cap_set(mask: u64) -> [u32; 2] {
    [mask as u32, (mask >> 32) as u32]
}

/// Loads the seccomp filter. Without noNewPrivileges the kernel demands
/// CAP_SYS_ADMIN, so it is loaded before the capabilities drop (runc's order);
/// with it, last.
fn load_seccomp(plan: &Plan) -> Result<(), String> {
    if !plan.seccomp.is_empty() {
        let prog = sys::SockFprog {
            len: (plan.seccomp.len() / 8) as u16,
            filter: plan.seccomp.as_ptr(),
        };
        sys::check(
            unsafe {
                sys::prctl(
                    sys::PR_SET_SECCOMP,
                    sys::SECCOMP_MODE_FILTER,
                    &prog as *const _ as u64,
                    0,
                    0,
                )
            },
            "loading the seccomp filter",
        )?;
    }
    Ok(())
}

/// Credentials, limits and confinement, in crun's order; the last step before exec.
fn finalize(plan: &Plan) -> Result<(), String> {
    if let Some(adj) = plan.oom_score_adj {
        std::fs::write("/proc/self/oom_score_adj", adj.to_string())
            .map_err(|e| format!("setting oomScoreAdj {adj}: {e}"))?;
    }
    for r in &plan.rlimits {
        let lim = [r.soft, r.hard];
        sys::check(
            unsafe { sys::setrlimit(r.resource as c_int, &lim) },
            &format!("setrlimit {}", r.resource),
        )?;
    }
    if let Some(mask) = plan.umask {
        unsafe { sys::umask(mask) };
    }
    if !plan.no_new_privs {
        load_seccomp(plan)?;
    }
    if let Some(bounding) = plan.caps.bounding {
        for cap in 0..=sys::CAP_LAST {
            if bounding & (1 << cap) == 0 {
                // EINVAL: a capability this kernel does not know.
                unsafe { sys::prctl(sys::PR_CAPBSET_DROP, cap as u64, 0, 0, 0) };
            }
        }
    }
    unsafe { sys::prctl(sys::PR_SET_KEEPCAPS, 1, 0, 0, 0) };
    let groups = unsafe { sys::setgroups(plan.groups.len(), plan.groups.as_ptr()) };
    if groups < 0 && !plan.groups.is_empty() {
        return Err(format!("setgroups {:?}: {}", plan.groups, sys::errno()));
    }
    sys::check(
        unsafe { sys::setresgid(plan.gid, plan.gid, plan.gid) },
        &format!("setgid {}", plan.gid),
    )?;
    sys::check(
        unsafe { sys::setresuid(plan.uid, plan.uid, plan.uid) },
        &format!("setuid {}", plan.uid),
    )?;
    unsafe { sys::prctl(sys::PR_SET_KEEPCAPS, 0, 0, 0, 0) };
    let c = &plan.caps;
    if c.effective.is_some() || c.permitted.is_some() || c.inheritable.is_some() {
        let (e, p, i) = (
            cap_set(c.effective.unwrap_or(0)),
            cap_set(c.permitted.unwrap_or(0)),
            cap_set(c.inheritable.unwrap_or(0)),
        );
        let header: [u32; 2] = [0x2008_0522, 0];
        let data: [[u32; 3]; 2] = [[e[0], p[0], i[0]], [e[1], p[1], i[1]]];
        let ret = unsafe { sys::syscall(sys::SYS_CAPSET, header.as_ptr(), data.as_ptr()) };
        if ret < 0 {
            return Err(format!("setting the capabilities: {}", sys::errno()));
        }
    }
    if let Some(ambient) = c.ambient {
        unsafe { sys::prctl(sys::PR_CAP_AMBIENT, sys::PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) };
        for cap in 0..=sys::CAP_LAST {
            if ambient & (1 << cap) != 0 {
                // Like runc: a capability that is not permitted and inheritable stays out.
                unsafe {
                    sys::prctl(sys::PR_CAP_AMBIENT, sys::PR_CAP_AMBIENT_RAISE, cap as u64, 0, 0)
                };
            }
        }
    }
    if plan.no_new_privs {
        sys::check(
            unsafe { sys::prctl(sys::PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) },
            "no_new_privs",
        )?;
    }
    let cwd = if plan.cwd.is_empty() { "/" } else { &plan.cwd };
    std::env::set_current_dir(cwd)
        .map_err(|e| format!("chdir to cwd (\"{cwd}\") set in config.json failed: {e}"))?;
    if plan.no_new_privs {
        load_seccomp(plan)?;
    }
    Ok(())
}

/// Becomes the bundle's process: stdio, session, credentials, then exec. Returns only
/// on failure.
fn become_process(plan: &Plan, stdio: [c_int; 3], exe: &std::path::Path) -> String {
    for (target, src) in stdio.iter().enumerate() {
        if unsafe { sys::dup2(*src, target as c_int) } < 0 {
            return format!("setting up stdio: {}", sys::errno());
        }
    }
    if plan.terminal {
        unsafe {
            sys::setsid();
            if sys::ioctl(0, sys::TIOCSCTTY, 0u64) < 0 {
                return format!("setting the controlling terminal: {}", sys::errno());
            }
        }
    }
    // Everything above the preserved fds closes at exec, ours included.
    unsafe {
        sys::syscall(
            sys::SYS_CLOSE_RANGE,
            3 + plan.preserve_fds,
            u32::MAX,
            sys::CLOSE_RANGE_CLOEXEC,
        )
    };
    if let Err(e) = finalize(plan) {
        return e;
    }
    let to_c = |v: &[String]| v.iter().map(|s| sys::cstr(s)).collect::<Result<Vec<_>, _>>();
    let (args, env) = match (to_c(&plan.args), to_c(&plan.env)) {
        (Ok(a), Ok(e)) => (a, e),
        (Err(e), _) | (_, Err(e)) => return e,
    };
    let ptrs = |v: &[CString]| -> Vec<*const c_char> {
        v.iter().map(|s| s.as_ptr()).chain([std::ptr::null()]).collect()
    };
    let path = match sys::cstr(&exe.to_string_lossy()) {
        Ok(p) => p,
        Err(e) => return e,
    };
    unsafe { sys::execve(path.as_ptr(), ptrs(&args).as_ptr(), ptrs(&env).as_ptr()) };
    format!("exec {}: {}", exe.display(), sys::errno())
}

fn init() -> i32 {
    let plan = match read_plan() {
        Ok(p) => p,
        Err(e) => return fail_init(e),
    };
    let prepared = setup::apply(&plan.setup)
        .and_then(|()| stdio(&plan))
        .and_then(|s| resolve(&plan).map(|exe| (s, exe)));
    let (stdio, exe) = match prepared {
        Ok(p) => p,
        Err(e) => return fail_init(e),
    };
    report("ready");
    unsafe { sys::close(fd::CTL) };
    let listener = unsafe { UnixListener::from_raw_fd(fd::START) };
    let mut conn = loop {
        match listener.accept() {
            Ok((conn, _)) => break conn,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(_) => return 1,
        }
    };
    drop(listener);
    // `start` sends the container's state, for the startContainer hooks.
    let mut state = Vec::new();
    let _ = std::io::BufReader::new(&conn).read_until(b'\n', &mut state);
    for hook in &plan.start_hooks {
        if let Err(e) = hooks::run(hook, &state) {
            let _ = conn.write_all(format!("startContainer hook {}: {e}", hook.path).as_bytes());
            return 1;
        }
    }
    let err = become_process(&plan, stdio, &exe);
    let _ = conn.write_all(err.as_bytes());
    127
}

fn exec() -> i32 {
    let plan = match read_plan() {
        Ok(p) => p,
        Err(e) => return fail(e),
    };
    let pid = unsafe { sys::getpid() };
    for procs in &plan.cgroup_procs {
        if let Err(e) = std::fs::write(procs, pid.to_string()) {
            return fail(format!("joining the cgroup {procs}: {e}"));
        }
    }
    for (i, flag) in plan.namespaces.iter().enumerate() {
        let ns = fd::NS_BASE + i as c_int;
        if unsafe { sys::setns(ns, *flag as c_int) } < 0 {
            return fail(format!("joining namespace {flag:#x}: {}", sys::errno()));
        }
        unsafe { sys::close(ns) };
    }
    let prepared = stdio(&plan).and_then(|s| resolve(&plan).map(|exe| (s, exe)));
    let (stdio, exe) = match prepared {
        Ok(p) => p,
        Err(e) => return fail(e),
    };
    let child = unsafe { sys::fork() };
    if child < 0 {
        return fail(format!("fork: {}", sys::errno()));
    }
    if child == 0 {
        let err = become_process(&plan, stdio, &exe);
        report(&format!("error: {err}"));
        return 127;
    }
    report(&format!("pid {child}"));
    unsafe { sys::close(fd::CTL) };
    for f in [fd::STDIN, fd::STDOUT, fd::STDERR] {
        unsafe { sys::close(f) };
    }
    if plan.detach {
        return 0;
    }
    let mut status: c_int = 0;
    loop {
        let r = unsafe { sys::waitpid(child, &mut status, 0) };
        if r == child {
            break;
        }
        if r < 0 && sys::errno().kind() != std::io::ErrorKind::Interrupted {
            return 255;
        }
    }
    if status & 0x7f == 0 {
        (status >> 8) & 0xff
    } else {
        128 + (status & 0x7f)
    }
}
