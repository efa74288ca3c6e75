//! The few libc calls the helper makes that std does not wrap (x86_64 and aarch64
//! Linux, glibc linked statically).

use std::ffi::{CString, c_char, c_int, c_long, c_void};

unsafe extern "C" {
    fn __errno_location() -> *mut c_int;
    pub fn getpid() -> c_int;
    pub fn fork() -> c_int;
    pub fn setsid() -> c_int;
    pub fn dup2(old: c_int, new: c_int) -> c_int;
    pub fn close(fd: c_int) -> c_int;
    pub fn ioctl(fd: c_int, req: u64, ...) -> c_int;
    pub fn prctl(op: c_int, a: u64, b: u64, c: u64, d: u64) -> c_int;
    pub fn setgroups(n: usize, list: *const u32) -> c_int;
    pub fn setresgid(r: u32, e: u32, s: u32) -> c_int;
    pub fn setresuid(r: u32, e: u32, s: u32) -> c_int;
    pub fn umask(mask: u32) -> u32;
    pub fn setrlimit(resource: c_int, lim: *const [u64; 2]) -> c_int;
    pub fn setns(fd: c_int, nstype: c_int) -> c_int;
    pub fn waitpid(pid: c_int, status: *mut c_int, options: c_int) -> c_int;
    pub fn execve(path: *const c_char, argv: *const *const c_char, envp: *const *const c_char)
    -> c_int;
    pub fn syscall(n: c_long, ...) -> c_long;
    pub fn sendmsg(fd: c_int, msg: *const MsgHdr, flags: c_int) -> isize;
    pub fn open(path: *const c_char, flags: c_int, ...) -> c_int;
}

pub const O_RDWR: c_int = 0o2;
pub const O_NOCTTY: c_int = 0o400;
pub const O_CLOEXEC: c_int = 0o2000000;
pub const TIOCSCTTY: u64 = 0x540E;
pub const TIOCSPTLCK: u64 = 0x40045431;
pub const TIOCGPTN: u64 = 0x80045430;
pub const TIOCGPTPEER: u64 = 0x5441;
pub const PR_SET_KEEPCAPS: c_int = 8;
pub const PR_SET_SECCOMP: c_int = 22;
pub const PR_CAPBSET_DROP: c_int = 24;
pub const PR_SET_NO_NEW_PRIVS: c_int = 38;
pub const PR_CAP_AMBIENT: c_int = 47;
pub const PR_CAP_AMBIENT_RAISE: u64 = 2;
pub const PR_CAP_AMBIENT_CLEAR_ALL: u64 = 4;
pub const SECCOMP_MODE_FILTER: u64 = 2;
pub const SYS_CAPSET: c_long = if cfg!(target_arch = "aarch64") { 91 } else { 126 };
pub const SYS_CLOSE_RANGE: c_long = 436;
pub const CLOSE_RANGE_CLOEXEC: u32 = 4;
pub const CAP_LAST: u32 = 40;

/// `struct sock_fprog`.
#[repr(C)]
pub struct SockFprog {
    pub len: u16,
    pub filter: *const u8,
}

#[repr(C)]
pub struct IoVec {
    pub base: *const c_void,
    pub len: usize,
}

#[repr(C)]
pub struct MsgHdr {
    pub name: *mut c_void,
    pub namelen: u32,
    pub iov: *const IoVec,
    pub iovlen: usize,
    pub control: *mut c_void,
    pub controllen: usize,
    pub flags: c_int,
}

pub fn errno() -> std::io::Error {
    std::io::Error::from_raw_os_error(unsafe { *__errno_location() })
}

/// `Ok` for a call that returns non-negative, the OS error otherwise.
pub fn check(ret: c_int, what: &str) -> Result<c_int, String> {
    if ret < 0 {
        Err(format!("{what}: {}", errno()))
    } else {
        Ok(ret)
    }
}

pub fn cstr(s: &str) -> Result<CString, String> {
    CString::new(s).map_err(|_| format!("{s:?} holds a NUL byte"))
}

/// Sends `fd` over the unix socket `sock` (SCM_RIGHTS) with `name` as the payload.
pub fn send_fd(sock: c_int, fd: c_int, name: &str) -> Result<(), String> {
    // cmsghdr (len, level, type) then the fd, padded to 8 bytes.
    let mut control = [0u8; 24];
    control[..8].copy_from_slice(&20usize.to_ne_bytes());
    control[8..12].copy_from_slice(&1i32.to_ne_bytes()); // SOL_SOCKET
    control[12..16].copy_from_slice(&1i32.to_ne_bytes()); // SCM_RIGHTS
    control[16..20].copy_from_slice(&fd.to_ne_bytes());
    let iov = IoVec {
        base: name.as_ptr().cast(),
        len: name.len(),
    };
    let msg = MsgHdr {
        name: std::ptr::null_mut(),
        namelen: 0,
        iov: &iov,
        iovlen: 1,
        control: control.as_mut_ptr().cast(),
        controllen: control.len(),
        flags: 0,
    };
    if unsafe { sendmsg(sock, &msg, 0) } < 0 {
        return Err(format!("cannot send the terminal to the console socket: {}", errno()));
    }
    Ok(())
}
