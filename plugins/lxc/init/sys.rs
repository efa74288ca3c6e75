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
    pub fn execve(
        path: *const c_char,
        argv: *const *const c_char,
        envp: *const *const c_char,
    ) -> c_int;
    pub fn syscall(n: c_long, ...) -> c_long;
    pub fn sendmsg(fd: c_int, msg: *const MsgHdr, flags: c_int) -> isize;
    pub fn open(path: *const c_char, flags: c_int, ...) -> c_int;
    pub fn mknod(path: *const c_char, mode: u32, dev: u64) -> c_int;
    pub fn mount(
        src: *const c_char,
        target: *const c_char,
        fstype: *const c_char,
        flags: u64,
        data: *const c_void,
    ) -> c_int;
    pub fn statvfs(path: *const c_char, buf: *mut StatVfs) -> c_int;
    pub fn poll(fds: *mut PollFd, n: u64, timeout: c_int) -> c_int;
}

#[repr(C)]
pub struct PollFd {
    pub fd: c_int,
    pub events: i16,
    pub revents: i16,
}

pub const SYS_PIDFD_OPEN: c_long = 434;

/// `struct statvfs` (64-bit glibc).
#[repr(C)]
#[derive(Default)]
pub struct StatVfs {
    pub bsize: u64,
    pub frsize: u64,
    pub blocks: u64,
    pub bfree: u64,
    pub bavail: u64,
    pub files: u64,
    pub ffree: u64,
    pub favail: u64,
    pub fsid: u64,
    pub flag: u64,
    pub namemax: u64,
    pub spare: [i32; 6],
}

pub const MS_RDONLY: u64 = 1;
pub const MS_NOSUID: u64 = 2;
pub const MS_NODEV: u64 = 4;
pub const MS_NOEXEC: u64 = 8;
pub const MS_REMOUNT: u64 = 32;
pub const MS_NOATIME: u64 = 1024;
pub const MS_NODIRATIME: u64 = 2048;
pub const MS_BIND: u64 = 4096;
pub const MS_REC: u64 = 16384;
pub const MS_RELATIME: u64 = 1 << 21;
pub const S_IFCHR: u32 = 0o020000;
pub const S_IFBLK: u32 = 0o060000;
pub const S_IFIFO: u32 = 0o010000;

pub fn makedev(major: u64, minor: u64) -> u64 {
    ((major & 0xfffff000) << 32)
        | ((major & 0xfff) << 8)
        | ((minor & 0xffffff00) << 12)
        | (minor & 0xff)
}

/// `mount(2)` with Rust strings (`None`: NULL).
pub fn mount_(
    src: Option<&str>,
    target: &str,
    fstype: Option<&str>,
    flags: u64,
    data: Option<&str>,
) -> Result<(), String> {
    let c = |s: Option<&str>| s.map(cstr).transpose();
    let (src_c, fs_c, data_c) = (c(src)?, c(fstype)?, c(data)?);
    let target_c = cstr(target)?;
    let p = |s: &Option<CString>| s.as_ref().map_or(std::ptr::null(), |s| s.as_ptr());
    let ret = unsafe {
        mount(
            p(&src_c),
            target_c.as_ptr(),
            p(&fs_c),
            flags,
            p(&data_c).cast(),
        )
    };
    check(ret, &format!("mounting {target}")).map(|_| ())
}

/// The MS_* flags a remount of `path` must keep (those a user namespace locks).
pub fn mount_flags(path: &str) -> u64 {
    let mut st = StatVfs::default();
    let Ok(c) = cstr(path) else { return 0 };
    if unsafe { statvfs(c.as_ptr(), &mut st) } < 0 {
        return 0;
    }
    // ST_* bits match MS_* except relatime (ST_RELATIME is 4096).
    let mut flags =
        st.flag & (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_NOATIME | MS_NODIRATIME);
    if st.flag & 4096 != 0 {
        flags |= MS_RELATIME;
    }
    flags
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
pub const SYS_CAPSET: c_long = if cfg!(target_arch = "aarch64") {
    91
} else {
    126
};
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
        return Err(format!(
            "cannot send the terminal to the console socket: {}",
            errno()
        ));
    }
    Ok(())
}
