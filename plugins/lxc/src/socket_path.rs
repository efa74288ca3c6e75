//! Unix sockets at paths longer than `sun_path` allows: the directory is reached
//! through `/proc/self/fd/N`, so a deep state root still works.

use std::{
    os::{
        fd::AsRawFd,
        unix::net::{UnixListener, UnixStream},
    },
    path::Path,
};

fn via_fd<T>(path: &Path, f: impl FnOnce(&Path) -> std::io::Result<T>) -> std::io::Result<T> {
    let (Some(dir), Some(name)) = (path.parent(), path.file_name()) else {
        return f(path);
    };
    let dir = std::fs::File::open(dir)?;
    let short = Path::new("/proc/self/fd")
        .join(dir.as_raw_fd().to_string())
        .join(name);
    f(&short)
}

pub fn bind(path: &Path) -> std::io::Result<UnixListener> {
    via_fd(path, |p| UnixListener::bind(p))
}

pub fn connect(path: &Path) -> std::io::Result<UnixStream> {
    via_fd(path, |p| UnixStream::connect(p))
}
