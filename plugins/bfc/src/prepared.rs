//! Small files made ready apart from the archive: read whole, checksummed and
//! compressed in memory. The writer appends them in walk order; when compressing, the
//! files of a batch are prepared on every CPU at once (each object is compressed on
//! its own, so the objects do not depend on each other).

use std::{io::Read, path::PathBuf};

use crate::BfcError;

/// What the archive records of a small file, and how to store it.
pub struct SmallFile {
    /// Its (claimed) path in the archive.
    pub path: String,
    pub size: u64,
    pub perm: u32,
    pub mtime_ns: u64,
    /// The zstd level, when it is to be compressed.
    pub zstd: Option<i32>,
}

/// A small file ready to be written as one object.
pub struct Prepared {
    pub file: SmallFile,
    /// BFC-CRC of the plain content.
    pub crc: u32,
    /// Whether `body` is compressed.
    pub compressed: bool,
    pub body: Vec<u8>,
}

/// A small file waiting in a batch.
pub struct Pending {
    pub fs_path: PathBuf,
    pub file: SmallFile,
}

/// A zstd context per thread, kept from batch to batch.
pub type Compressor = zstd::bulk::Compressor<'static>;

/// `data` compressed at `level` with `compressor` (made on first use), when that
/// makes it smaller.
pub fn compress(
    compressor: &mut Option<Compressor>,
    level: i32,
    data: &[u8],
) -> Result<Option<Vec<u8>>, BfcError> {
    let zstd = |e: std::io::Error| BfcError::io_at("zstd", &e);
    let c = match compressor {
        Some(c) => c,
        empty => empty.insert(Compressor::new(level).map_err(zstd)?),
    };
    c.set_compression_level(level).map_err(zstd)?;
    let packed = c.compress(data).map_err(zstd)?;
    Ok((packed.len() < data.len()).then_some(packed))
}

/// Reads `src` (which must hold `file.size` bytes) and compresses it at `file.zstd`
/// when that makes it smaller.
pub fn prepare(
    src: &mut dyn Read,
    file: SmallFile,
    compressor: &mut Option<Compressor>,
    mut plain: Vec<u8>,
) -> Result<Prepared, BfcError> {
    read_exactly(src, &file.path, file.size, &mut plain)?;
    let crc = crate::crc::checksum(&plain);
    let packed = match file.zstd {
        Some(level) => compress(compressor, level, &plain)?,
        None => None,
    };
    let (compressed, body) = match packed {
        Some(p) => (true, p),
        None => (false, plain),
    };
    Ok(Prepared {
        file,
        crc,
        compressed,
        body,
    })
}

/// Reads all of `src` into `plain`, which must come to `size` bytes: reading exactly
/// that much and then finding the end (no size lookup or seek per file).
fn read_exactly(
    src: &mut dyn Read,
    path: &str,
    size: u64,
    plain: &mut Vec<u8>,
) -> Result<(), BfcError> {
    plain.clear();
    plain.resize(size as usize, 0);
    let mut got = 0;
    while got < plain.len() {
        match src.read(&mut plain[got..]) {
            Ok(0) => return Err(crate::writer::size_changed(path, size, got as u64)),
            Ok(n) => got += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(BfcError::io_at(path, &e)),
        }
    }
    let mut more = [0u8; 1];
    loop {
        match src.read(&mut more) {
            Ok(0) => return Ok(()),
            Ok(_) => return Err(crate::writer::size_changed(path, size, size + 1)),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(BfcError::io_at(path, &e)),
        }
    }
}

fn prepare_pending(p: Pending, compressor: &mut Option<Compressor>) -> Result<Prepared, BfcError> {
    let mut src = std::fs::File::open(&p.fs_path).map_err(|e| BfcError::io_at(&p.file.path, &e))?;
    prepare(&mut src, p.file, compressor, Vec::new())
}

/// Prepares `batch` on up to `compressors.len()` threads, each taking a contiguous
/// run of it; the results come back in the batch's order.
pub fn prepare_all(
    batch: Vec<Pending>,
    compressors: &mut [Option<Compressor>],
) -> Vec<Result<Prepared, BfcError>> {
    let threads = compressors.len().clamp(1, batch.len().max(1));
    if threads == 1 {
        let c = &mut compressors[0];
        return batch.into_iter().map(|p| prepare_pending(p, c)).collect();
    }
    let per = batch.len().div_ceil(threads);
    let mut runs: Vec<Vec<Pending>> = Vec::with_capacity(threads);
    let mut rest = batch.into_iter();
    for _ in 0..threads {
        runs.push(rest.by_ref().take(per).collect());
    }
    std::thread::scope(|s| {
        let handles: Vec<_> = runs
            .into_iter()
            .zip(compressors.iter_mut())
            .map(|(run, c)| {
                s.spawn(move || {
                    run.into_iter()
                        .map(|p| prepare_pending(p, c))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| {
                h.join().unwrap_or_else(|_| {
                    vec![Err(BfcError::io_other("a compression thread panicked"))]
                })
            })
            .collect()
    })
}

/// How many threads prepare a batch.
pub fn threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}
