//! The writer: objects are streamed to the file as they are added (a plain or
//! compressed file never sits in memory; an encrypted one does, as one AEAD message),
//! then the sorted index, the footer, and for encryption the final header.

use std::{
    collections::BTreeSet,
    fs::File,
    io::{BufWriter, Read, Seek, SeekFrom, Write},
    os::unix::fs::MetadataExt,
    path::Path,
};

use crate::{
    BfcError,
    crypto::ContentKey,
    layout::*,
    path::normalize,
    prepared::{Compressor, Pending, Prepared, SmallFile, prepare},
};

/// Compression of file contents.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    None,
    /// zstd at `level` for files of at least `threshold` bytes, kept only if smaller.
    Zstd {
        level: i32,
        threshold: u64,
    },
}

/// How contents are encrypted.
#[derive(Debug, Clone)]
pub enum Encryption {
    None,
    Password(String),
    /// A raw 32-byte key.
    Key(Vec<u8>),
}

/// Writer settings.
#[derive(Debug, Clone)]
pub struct WriteOptions {
    pub compression: Compression,
    pub encryption: Encryption,
    pub block_size: u32,
    /// Fixed header UUID (tests); random otherwise.
    pub uuid: Option<[u8; 16]>,
}

impl Default for WriteOptions {
    fn default() -> Self {
        Self {
            compression: Compression::None,
            encryption: Encryption::None,
            block_size: 4096,
            uuid: None,
        }
    }
}

/// An archive being written.
pub struct Writer {
    file: File,
    offset: u64,
    entries: Vec<Entry>,
    paths: BTreeSet<String>,
    header: Header,
    key: Option<ContentKey>,
    compression: Compression,
    /// One zstd context per thread for in-memory compression (creating one per file
    /// costs more than compressing a small file); the first is the writer's own.
    compressors: Vec<Option<Compressor>>,
    /// The read buffer of small files, reused from file to file.
    small: Vec<u8>,
}

/// Entries waiting to be written, in walk order: small files, prepared on any thread,
/// and anything else, added in its turn.
#[derive(Default)]
struct Batch {
    order: Vec<Slot>,
    small: Vec<Pending>,
    bytes: u64,
}

enum Slot {
    /// The next of the batch's small files.
    Small,
    Other {
        fs_path: std::path::PathBuf,
        name: String,
    },
}

impl Batch {
    fn full(&self) -> bool {
        self.small.len() >= BATCH_FILES || self.bytes >= BATCH_BYTES
    }
}

/// Small files wait in a batch until it holds this many files or bytes.
const BATCH_FILES: usize = 512;
const BATCH_BYTES: u64 = 16 << 20;

/// Files up to this size are read whole and written with their header in one write;
/// larger ones are streamed and never sit in memory.
pub const SMALL_FILE: u64 = 256 * 1024;

fn random<const N: usize>() -> Result<[u8; N], BfcError> {
    let mut b = [0u8; N];
    getrandom::getrandom(&mut b).map_err(|e| BfcError::Crypto(e.to_string()))?;
    Ok(b)
}

fn io(what: &str) -> impl Fn(std::io::Error) -> BfcError + '_ {
    move |e| BfcError::io_at(what, &e)
}

/// Whole seconds of a file's mtime in ns, like the reference CLI.
pub fn mtime_ns(meta: &std::fs::Metadata) -> u64 {
    (meta.mtime().max(0) as u64) * 1_000_000_000
}

impl Writer {
    /// Starts an archive in `file` (already created by the caller).
    pub fn new(mut file: File, opts: WriteOptions) -> Result<Self, BfcError> {
        let mut uuid = match opts.uuid {
            Some(u) => u,
            None => random::<16>()?,
        };
        if opts.uuid.is_none() {
            uuid[6] = (uuid[6] & 0x0f) | 0x40;
            uuid[8] = (uuid[8] & 0x3f) | 0x80;
        }
        let (key, salt) = match &opts.encryption {
            Encryption::None => (None, [0u8; 32]),
            Encryption::Password(pw) => {
                let salt = random::<32>()?;
                (Some(ContentKey::from_password(pw, &salt)?), salt)
            }
            Encryption::Key(bytes) => (Some(ContentKey::from_bytes(bytes)?), [0u8; 32]),
        };
        let mut features = 0;
        if matches!(opts.compression, Compression::Zstd { .. }) {
            features |= FEATURE_ZSTD;
        }
        // The final header (with salt and the AEAD bit) is written at finish.
        let header = Header {
            block_size: opts.block_size,
            features,
            uuid,
            salt: [0; 32],
        };
        file.write_all(&header.encode())
            .map_err(io("write header"))?;
        let header = if key.is_some() {
            Header {
                features: features | FEATURE_AEAD,
                salt,
                ..header
            }
        } else {
            header
        };
        Ok(Self {
            file,
            offset: HEADER_SIZE as u64,
            entries: Vec::new(),
            paths: BTreeSet::new(),
            header,
            key,
            compression: opts.compression,
            compressors: (0..crate::prepared::threads()).map(|_| None).collect(),
            small: Vec::new(),
        })
    }

    fn claim(&mut self, path: &str) -> Result<String, BfcError> {
        let path = normalize(path)?;
        if !self.paths.insert(path.clone()) {
            return Err(BfcError::BadPath(format!(
                "{path:?} is already in the archive"
            )));
        }
        Ok(path)
    }

    fn head_len(path: &str) -> usize {
        let head = OBJECT_HEADER_SIZE + path.len();
        head + pad16(head)
    }

    /// An object's header and padded name.
    fn object_head(path: &str, oh: &ObjectHeader) -> Vec<u8> {
        let mut head = Vec::with_capacity(Self::head_len(path));
        head.extend_from_slice(&oh.encode());
        head.extend_from_slice(path.as_bytes());
        head.resize(Self::head_len(path), 0);
        head
    }

    fn write_object_head(&mut self, path: &str, oh: &ObjectHeader) -> Result<(), BfcError> {
        let head = Self::object_head(path, oh);
        self.file
            .seek(SeekFrom::Start(self.offset))
            .map_err(io("seek"))?;
        self.file.write_all(&head).map_err(io("write object"))
    }

    fn record(&mut self, path: String, oh: &ObjectHeader, obj_size: u64) {
        self.entries.push(Entry {
            path,
            obj_offset: self.offset,
            obj_size,
            mode: oh.mode,
            mtime_ns: oh.mtime_ns,
            comp: oh.comp as u32,
            enc: oh.enc as u32,
            orig_size: oh.orig_size,
            crc: oh.crc,
        });
        self.offset += obj_size;
    }

    pub fn add_dir(&mut self, path: &str, perm: u32, mtime_ns: u64) -> Result<(), BfcError> {
        let path = self.claim(path)?;
        let oh = ObjectHeader {
            kind: TYPE_DIR,
            comp: 0,
            enc: 0,
            name_len: path.len() as u16,
            mode: S_IFDIR | (perm & 0o7777),
            mtime_ns,
            orig_size: 0,
            enc_size: 0,
            crc: 0,
        };
        self.write_object_head(&path, &oh)?;
        let size = Self::head_len(&path) as u64;
        self.record(path, &oh, size);
        Ok(())
    }

    pub fn add_symlink(
        &mut self,
        path: &str,
        target: &str,
        perm: u32,
        mtime_ns: u64,
    ) -> Result<(), BfcError> {
        let path = self.claim(path)?;
        let t = target.as_bytes();
        let oh = ObjectHeader {
            kind: TYPE_SYMLINK,
            comp: 0,
            enc: 0,
            name_len: path.len() as u16,
            mode: S_IFLNK | (perm & 0o7777),
            mtime_ns,
            orig_size: t.len() as u64,
            enc_size: t.len() as u64,
            crc: crate::crc::checksum(t),
        };
        self.write_object_head(&path, &oh)?;
        let mut body = t.to_vec();
        body.resize(t.len() + pad16(t.len()), 0);
        self.file.write_all(&body).map_err(io("write link"))?;
        let size = (Self::head_len(&path) + body.len()) as u64;
        self.record(path, &oh, size);
        Ok(())
    }

    /// `data` compressed at `level` with the writer's reused context, when that makes
    /// it smaller.
    fn compress(&mut self, data: &[u8], level: i32) -> Result<Option<Vec<u8>>, BfcError> {
        crate::prepared::compress(&mut self.compressors[0], level, data)
    }

    /// A small unencrypted file: read whole, compressed in memory, and written with its
    /// header in one write at the end of the archive.
    fn add_small_file(&mut self, file: SmallFile, mut src: Box<dyn Read>) -> Result<(), BfcError> {
        let plain = std::mem::take(&mut self.small);
        let prepared = prepare(&mut src, file, &mut self.compressors[0], plain)?;
        self.write_prepared(prepared)
    }

    /// Appends a prepared small file as one object, in one write.
    fn write_prepared(&mut self, p: Prepared) -> Result<(), BfcError> {
        let f = p.file;
        let oh = ObjectHeader {
            kind: TYPE_FILE,
            comp: u8::from(p.compressed),
            enc: 0,
            name_len: f.path.len() as u16,
            mode: S_IFREG | (f.perm & 0o7777),
            mtime_ns: f.mtime_ns,
            orig_size: f.size,
            enc_size: p.body.len() as u64,
            crc: p.crc,
        };
        let mut object = Self::object_head(&f.path, &oh);
        object.extend_from_slice(&p.body);
        std::os::unix::fs::FileExt::write_all_at(&self.file, &object, self.offset)
            .map_err(io("write"))?;
        let head = Self::head_len(&f.path) as u64;
        self.record(f.path, &oh, head + oh.enc_size);
        if !p.compressed {
            // The plain buffer is reused for the next file.
            self.small = p.body;
        }
        Ok(())
    }

    /// The zstd level for a file of `size` bytes, if it is to be compressed.
    fn zstd_level(&self, size: u64) -> Option<i32> {
        match self.compression {
            Compression::Zstd { level, threshold } if size >= threshold.max(1) => {
                Some(if level <= 0 { 3 } else { level.min(22) })
            }
            _ => None,
        }
    }

    /// Prepares the waiting small files on every thread, then appends the batch in
    /// order (other entries as they come), stopping at the first failure.
    fn flush_batch(
        &mut self,
        batch: &mut Batch,
        progress: &mut dyn FnMut(&str),
    ) -> Result<(), BfcError> {
        let Batch { order, small, .. } = std::mem::take(batch);
        let mut ready = crate::prepared::prepare_all(small, &mut self.compressors).into_iter();
        for slot in order {
            match slot {
                Slot::Small => {
                    let prepared = ready
                        .next()
                        .ok_or_else(|| BfcError::io_other("a prepared file went missing"))??;
                    let name = prepared.file.path.clone();
                    self.write_prepared(prepared)?;
                    progress(&name);
                }
                Slot::Other { fs_path, name } => {
                    if self.add_entry(&fs_path, &name)? {
                        progress(&name);
                    }
                }
            }
        }
        Ok(())
    }

    /// Adds a file whose content `open` yields (called twice when compression does
    /// not pay off and the raw bytes are stored instead).
    pub fn add_file_with<F>(
        &mut self,
        path: &str,
        size: u64,
        perm: u32,
        mtime_ns: u64,
        open: F,
    ) -> Result<(), BfcError>
    where
        F: Fn() -> std::io::Result<Box<dyn Read>>,
    {
        let path = self.claim(path)?;
        let head = Self::head_len(&path) as u64;
        let content_start = self.offset + head;
        let zstd = self.zstd_level(size);
        if self.key.is_none() && size <= SMALL_FILE {
            let src = open().map_err(io(&path))?;
            let file = SmallFile {
                path,
                size,
                perm,
                mtime_ns,
                zstd,
            };
            return self.add_small_file(file, src);
        }
        let (comp, enc_size, crc) = if self.key.is_some() {
            let mut plain = Vec::with_capacity(size as usize);
            open()
                .and_then(|mut r| r.read_to_end(&mut plain))
                .map_err(io(&path))?;
            let crc = crate::crc::checksum(&plain);
            let mut comp = 0u8;
            let mut body = plain;
            if let Some(level) = zstd
                && let Some(packed) = self.compress(&body, level)?
            {
                body = packed;
                comp = 1;
            }
            let key = self.key.as_ref().expect("checked above");
            let stored = key.encrypt(&path, &body)?;
            self.file
                .seek(SeekFrom::Start(content_start))
                .map_err(io("seek"))?;
            self.file.write_all(&stored).map_err(io("write"))?;
            (comp, stored.len() as u64, crc)
        } else {
            let mut written = None;
            if let Some(level) = zstd {
                self.file
                    .seek(SeekFrom::Start(content_start))
                    .map_err(io("seek"))?;
                let mut crc = crate::crc::digest();
                let mut counter = CountingWriter {
                    inner: BufWriter::new(&mut self.file),
                    count: 0,
                };
                {
                    let mut enc =
                        zstd::stream::Encoder::new(&mut counter, level).map_err(io("zstd"))?;
                    enc.set_pledged_src_size(Some(size)).map_err(io("zstd"))?;
                    enc.include_checksum(false).map_err(io("zstd"))?;
                    enc.include_contentsize(true).map_err(io("zstd"))?;
                    let mut src = open().map_err(io(&path))?;
                    copy_with_crc(&mut src, &mut enc, &mut crc, size, &path)?;
                    enc.finish().map_err(io("zstd"))?;
                }
                counter.inner.flush().map_err(io("write"))?;
                let packed = counter.count;
                drop(counter);
                if packed < size {
                    written = Some((1u8, packed, crc.finalize()));
                }
            }
            match written {
                Some(w) => w,
                None => {
                    self.file
                        .seek(SeekFrom::Start(content_start))
                        .map_err(io("seek"))?;
                    self.file.set_len(content_start).map_err(io("truncate"))?;
                    let mut crc = crate::crc::digest();
                    let mut out = BufWriter::new(&mut self.file);
                    let mut src = open().map_err(io(&path))?;
                    copy_with_crc(&mut src, &mut out, &mut crc, size, &path)?;
                    out.flush().map_err(io("write"))?;
                    (0u8, size, crc.finalize())
                }
            }
        };
        let oh = ObjectHeader {
            kind: TYPE_FILE,
            comp,
            enc: u8::from(self.key.is_some()),
            name_len: path.len() as u16,
            mode: S_IFREG | (perm & 0o7777),
            mtime_ns,
            orig_size: size,
            enc_size,
            crc,
        };
        self.write_object_head(&path, &oh)?;
        self.record(path, &oh, head + enc_size);
        self.file.set_len(self.offset).map_err(io("truncate"))?;
        Ok(())
    }

    /// Adds an in-memory file.
    pub fn add_bytes(
        &mut self,
        path: &str,
        data: &[u8],
        perm: u32,
        mtime_ns: u64,
    ) -> Result<(), BfcError> {
        let owned = data.to_vec();
        self.add_file_with(path, data.len() as u64, perm, mtime_ns, move || {
            Ok(Box::new(std::io::Cursor::new(owned.clone())))
        })
    }

    /// Adds `fs_path` (file, dir or symlink; dirs recursively, pre-order, sorted) as
    /// `name`. Special files are skipped.
    pub fn add_path(
        &mut self,
        fs_path: &Path,
        name: &str,
        progress: &mut dyn FnMut(&str),
    ) -> Result<(), BfcError> {
        let walk = walkdir::WalkDir::new(fs_path)
            .follow_links(false)
            .follow_root_links(false)
            .sort_by_file_name();
        // Compressed small files are prepared in batches on every CPU; the entries
        // between them wait in the batch, so everything is written in walk order.
        let batching = self.key.is_none() && matches!(self.compression, Compression::Zstd { .. });
        let mut batch = Batch::default();
        for entry in walk {
            let entry = entry.map_err(|e| BfcError::io_at(fs_path.display(), &e.into()))?;
            let mut entry_name = name.to_string();
            let rel = entry.path().strip_prefix(fs_path).unwrap_or(Path::new(""));
            for part in rel.components() {
                let part = part.as_os_str().to_str().ok_or_else(|| {
                    BfcError::BadPath(format!("{}: name is not UTF-8", entry.path().display()))
                })?;
                entry_name.push('/');
                entry_name.push_str(part);
            }
            if !batching {
                if self.add_entry(entry.path(), &entry_name)? {
                    progress(&entry_name);
                }
                continue;
            }
            let queued = if entry.file_type().is_file() {
                let meta = entry
                    .metadata()
                    .map_err(|e| BfcError::io_at(entry.path().display(), &e.into()))?;
                (meta.len() <= SMALL_FILE).then_some((meta.len(), meta))
            } else {
                None
            };
            match queued {
                Some((size, meta)) => {
                    let path = self.claim(&entry_name)?;
                    batch.bytes += size;
                    batch.order.push(Slot::Small);
                    batch.small.push(Pending {
                        fs_path: entry.path().to_path_buf(),
                        file: SmallFile {
                            path,
                            size,
                            perm: meta.mode() & 0o777,
                            mtime_ns: mtime_ns(&meta),
                            zstd: self.zstd_level(size),
                        },
                    });
                }
                None => batch.order.push(Slot::Other {
                    fs_path: entry.path().to_path_buf(),
                    name: entry_name,
                }),
            }
            if batch.full() {
                self.flush_batch(&mut batch, progress)?;
            }
        }
        self.flush_batch(&mut batch, progress)
    }

    /// Adds one file, dir or symlink (a dir without its contents); false for a special
    /// file, which is skipped.
    fn add_entry(&mut self, fs_path: &Path, name: &str) -> Result<bool, BfcError> {
        let meta =
            std::fs::symlink_metadata(fs_path).map_err(io(&fs_path.display().to_string()))?;
        let perm = meta.mode() & 0o777;
        let ft = meta.file_type();
        if ft.is_symlink() {
            let target = std::fs::read_link(fs_path).map_err(io("readlink"))?;
            let target = target.to_str().ok_or_else(|| {
                BfcError::BadPath(format!("{}: link target is not UTF-8", fs_path.display()))
            })?;
            self.add_symlink(name, target, perm, mtime_ns(&meta))?;
        } else if ft.is_dir() {
            self.add_dir(name, perm, mtime_ns(&meta))?;
        } else if ft.is_file() {
            let owned = fs_path.to_path_buf();
            self.add_file_with(name, meta.len(), perm, mtime_ns(&meta), move || {
                Ok(Box::new(File::open(&owned)?) as Box<dyn Read>)
            })?;
        } else {
            tracing::debug!("skipping special file {}", fs_path.display());
            return Ok(false);
        }
        Ok(true)
    }

    /// Writes the index, the footer and the final header; returns the entry count.
    pub fn finish(mut self) -> Result<usize, BfcError> {
        self.entries
            .sort_by(|a, b| a.path.as_bytes().cmp(b.path.as_bytes()));
        let index = encode_index(&self.entries);
        let footer = Footer {
            index_size: index.len() as u64,
            index_crc: crate::crc::checksum(&index),
            index_offset: self.offset,
        };
        self.file
            .seek(SeekFrom::Start(self.offset))
            .map_err(io("seek"))?;
        self.file.write_all(&index).map_err(io("write index"))?;
        self.file
            .write_all(&footer.encode())
            .map_err(io("write footer"))?;
        if self.key.is_some() {
            self.file.seek(SeekFrom::Start(0)).map_err(io("seek"))?;
            self.file
                .write_all(&self.header.encode())
                .map_err(io("write header"))?;
        }
        self.file.sync_all().map_err(io("sync"))?;
        Ok(self.entries.len())
    }
}

struct CountingWriter<W: Write> {
    inner: W,
    count: u64,
}

impl<W: Write> Write for CountingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.count += n as u64;
        Ok(n)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// A file that grew or shrank between its stat and its read.
pub(crate) fn size_changed(path: &str, size: u64, total: u64) -> BfcError {
    BfcError::io_other(format!(
        "{path}: changed size while being archived ({size} → {total} bytes)"
    ))
}

fn copy_with_crc(
    src: &mut dyn Read,
    dst: &mut dyn Write,
    crc: &mut crate::crc::Digest,
    size: u64,
    path: &str,
) -> Result<(), BfcError> {
    let mut buf = vec![0u8; crate::COPY_BUFFER];
    let mut total = 0u64;
    loop {
        let n = src.read(&mut buf).map_err(io(path))?;
        if n == 0 {
            break;
        }
        crc.update(&buf[..n]);
        dst.write_all(&buf[..n]).map_err(io("write"))?;
        total += n as u64;
    }
    if total != size {
        return Err(size_changed(path, size, total));
    }
    Ok(())
}
