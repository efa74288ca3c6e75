//! A terminal for a container with `process.terminal`: a pty whose master goes to the
//! caller's console socket (as crun sends it) and whose slave becomes the stand-in's
//! stdio and controlling terminal.

use std::{
    os::{
        fd::{AsRawFd, FromRawFd, OwnedFd},
        unix::net::UnixStream,
    },
    path::Path,
};

use lxcri_plugin_api::PluginError;

fn os_err(what: &str) -> PluginError {
    PluginError::internal(format!(
        "stand-in: {what}: {}",
        std::io::Error::last_os_error()
    ))
}

/// Sends `fd` over `sock` (SCM_RIGHTS), with a name as the payload.
fn send_fd(sock: &UnixStream, fd: &OwnedFd) -> Result<(), PluginError> {
    let mut payload = *b"/dev/ptmx";
    let mut iov = libc::iovec {
        iov_base: payload.as_mut_ptr().cast(),
        iov_len: payload.len(),
    };
    // SAFETY: CMSG_SPACE is a pure computation.
    let space = unsafe { libc::CMSG_SPACE(std::mem::size_of::<i32>() as u32) } as usize;
    let mut control = vec![0u8; space];
    // SAFETY: an all-zero msghdr is valid; its pointers are set below.
    let mut msg: libc::msghdr = unsafe { std::mem::zeroed() };
    msg.msg_iov = &mut iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control.as_mut_ptr().cast();
    msg.msg_controllen = space as _;
    // SAFETY: `msg` has a control buffer of CMSG_SPACE(sizeof(int)) bytes.
    unsafe {
        let cmsg = libc::CMSG_FIRSTHDR(&msg);
        (*cmsg).cmsg_level = libc::SOL_SOCKET;
        (*cmsg).cmsg_type = libc::SCM_RIGHTS;
        (*cmsg).cmsg_len = libc::CMSG_LEN(std::mem::size_of::<i32>() as u32) as _;
        std::ptr::write_unaligned(libc::CMSG_DATA(cmsg).cast::<i32>(), fd.as_raw_fd());
        if libc::sendmsg(sock.as_raw_fd(), &msg, 0) < 0 {
            return Err(os_err("send the pty to the console socket"));
        }
    }
    Ok(())
}

/// Makes the pty, sends its master to `socket`, and puts its slave on fds 0, 1, 2.
pub fn attach(socket: &Path) -> Result<(), PluginError> {
    let (mut master, mut slave) = (0, 0);
    // SAFETY: out-pointers to two ints; no name, termios or winsize.
    if unsafe {
        libc::openpty(
            &mut master,
            &mut slave,
            std::ptr::null_mut(),
            std::ptr::null(),
            std::ptr::null(),
        )
    } < 0
    {
        return Err(os_err("openpty"));
    }
    // SAFETY: openpty returned two fresh fds that we own.
    let (master, slave) = unsafe { (OwnedFd::from_raw_fd(master), OwnedFd::from_raw_fd(slave)) };
    let sock = UnixStream::connect(socket).map_err(|e| {
        PluginError::invalid_input(format!(
            "cannot connect to the console socket {}: {e}",
            socket.display()
        ))
    })?;
    send_fd(&sock, &master)?;
    drop(master);
    // SAFETY: plain fd calls on fds we own.
    unsafe {
        libc::ioctl(slave.as_raw_fd(), libc::TIOCSCTTY, 0);
        for target in 0..3 {
            if libc::dup2(slave.as_raw_fd(), target) < 0 {
                return Err(os_err("dup2 the pty"));
            }
        }
    }
    Ok(())
}
