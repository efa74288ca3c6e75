//! What both Proxmox backends share: the guest a container maps to, its marker and
//! local record, proving a vmid ours, making a guest safely under nextid races and
//! lost answers, finding guests again, and the lifecycle calls.

mod allocate;
mod find;
mod lifecycle;
mod marker;
mod owner;
mod record;

pub use allocate::NewGuest;
pub use find::{Found, choose_node, find, locate, record, tagged_guests};
pub use lifecycle::{Lifecycle, PowerAction, signal_action};
pub use marker::{Marker, TAG};
pub use owner::{Owner, node_of, owner, settle};
pub use record::GuestRecord;

/// LXC container or QEMU VM.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GuestKind {
    Lxc,
    Qemu,
}

impl GuestKind {
    pub fn path(self) -> &'static str {
        match self {
            GuestKind::Lxc => "lxc",
            GuestKind::Qemu => "qemu",
        }
    }
}
