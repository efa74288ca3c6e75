//! The control socket between the plugin and its helper (SOCK_SEQPACKET, one message
//! per write): the plan goes out; `ready`, `pid N` and `error: …` come back, `ready`
//! with the sender's credentials, so the kernel tells us the helper's host pid.

use std::os::fd::{AsRawFd, OwnedFd};

use lxcri_plugin_api::PluginError;
use nix::sys::socket::{
    AddressFamily, ControlMessageOwned, MsgFlags, SockFlag, SockType, UnixCredentials, recvmsg,
    setsockopt, socketpair, sockopt::PassCred,
};

/// A message from the helper.
#[derive(Debug, PartialEq, Eq)]
pub enum Message {
    /// Init is set up and waits for `start`; the helper's pid as the host sees it.
    Ready(i32),
    /// Exec: the new process's host pid.
    Pid(i32),
    /// What went wrong, and the sender's pid (init waits for us to close the socket
    /// before it exits, so its cgroups can still be found).
    Error(String, Option<i32>),
}

pub struct Ctl {
    sock: OwnedFd,
}

fn internal(what: &str, e: impl std::fmt::Display) -> PluginError {
    PluginError::internal(format!("{what}: {e}"))
}

impl Ctl {
    /// Our end and the helper's end (both close-on-exec; spawning places the helper's).
    pub fn pair() -> Result<(Ctl, OwnedFd), PluginError> {
        let (ours, theirs) = socketpair(
            AddressFamily::Unix,
            SockType::SeqPacket,
            None,
            SockFlag::SOCK_CLOEXEC,
        )
        .map_err(|e| internal("socketpair", e))?;
        setsockopt(&ours, PassCred, &true).map_err(|e| internal("SO_PASSCRED", e))?;
        Ok((Ctl { sock: ours }, theirs))
    }

    pub fn send(&self, bytes: &[u8]) -> Result<(), PluginError> {
        nix::sys::socket::send(self.sock.as_raw_fd(), bytes, MsgFlags::empty())
            .map(|_| ())
            .map_err(|e| internal("sending the plan to the helper", e))
    }

    /// The next message; `None` once every copy of the helper's end is closed (the
    /// helper exec'd the process or died).
    pub fn recv(&self) -> Result<Option<Message>, PluginError> {
        let mut buf = vec![0u8; 64 * 1024];
        let mut cmsg = nix::cmsg_space!(UnixCredentials);
        let (n, pid) = loop {
            let mut iov = [std::io::IoSliceMut::new(&mut buf)];
            match recvmsg::<()>(
                self.sock.as_raw_fd(),
                &mut iov,
                Some(&mut cmsg),
                MsgFlags::MSG_CMSG_CLOEXEC,
            ) {
                Ok(msg) => {
                    let pid = msg.cmsgs().ok().and_then(|mut c| {
                        c.find_map(|m| match m {
                            ControlMessageOwned::ScmCredentials(cred) => Some(cred.pid()),
                            _ => None,
                        })
                    });
                    break (msg.bytes, pid);
                }
                Err(nix::errno::Errno::EINTR) => continue,
                // The helper's end closed with our plan unread: it never ran.
                Err(nix::errno::Errno::ECONNRESET) => return Ok(None),
                Err(e) => return Err(internal("reading from the helper", e)),
            }
        };
        if n == 0 {
            return Ok(None);
        }
        let text = String::from_utf8_lossy(&buf[..n]).into_owned();
        Ok(Some(if text == "ready" {
            Message::Ready(pid.ok_or_else(|| internal("helper", "ready without credentials"))?)
        } else if let Some(p) = text.strip_prefix("pid ") {
            Message::Pid(p.trim().parse().map_err(|e| internal("helper pid", e))?)
        } else {
            Message::Error(
                text.strip_prefix("error: ").unwrap_or(&text).to_string(),
                pid,
            )
        }))
    }
}
