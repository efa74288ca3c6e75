//! The reader: validates footer, index and header like the reference reader (and
//! more: object bounds, duplicate and hostile paths), then streams entry contents with
//! their CRC checked.

use std::{
    collections::BTreeSet,
    fs::File,
    io::{Read, Seek, SeekFrom, Write},
    path::Path,
};

use crate::{BfcError, crypto::ContentKey, layout::*, path::normalize};

/// An open archive.
pub struct Archive {
    file: File,
    pub size: u64,
    pub header: Header,
    /// Entries sorted by path.
    pub entries: Vec<Entry>,
    pub index_offset: u64,
    key: Option<ContentKey>,
    /// One zstd context and one buffer for every small object (see [`SMALL_OBJECT`]).
    decompressor: Option<zstd::bulk::Decompressor<'static>>,
    small: Vec<u8>,
}

/// Objects up to this size (stored and decoded) are read in one piece and decoded with
/// the archive's reused zstd context; larger ones are streamed.
const SMALL_OBJECT: u64 = 256 * 1024;

fn io(e: std::io::Error) -> BfcError {
    BfcError::io(&e)
}

fn read_at(file: &mut File, at: u64, len: usize) -> Result<Vec<u8>, BfcError> {
    let mut buf = vec![0u8; len];
    file.seek(SeekFrom::Start(at)).map_err(io)?;
    file.read_exact(&mut buf)
        .map_err(|_| BfcError::Corrupt("archive is truncated".into()))?;
    Ok(buf)
}

impl Archive {
    pub fn open(path: &Path) -> Result<Self, BfcError> {
        let mut file = File::open(path).map_err(|e| BfcError::io_at(path.display(), &e))?;
        let size = file.metadata().map_err(io)?.len();
        if size < MIN_ARCHIVE_SIZE {
            return Err(BfcError::Corrupt(format!(
                "{size} bytes is too small for a BFC archive (truncated?)"
            )));
        }
        let footer = Footer::decode(&read_at(&mut file, size - FOOTER_SIZE as u64, FOOTER_SIZE)?)?;
        let index_end = footer.index_offset.checked_add(footer.index_size);
        if footer.index_size == 0
            || footer.index_offset < HEADER_SIZE as u64
            || index_end.is_none_or(|end| end > size - FOOTER_SIZE as u64)
        {
            return Err(BfcError::Corrupt("index location is out of bounds".into()));
        }
        let index = read_at(&mut file, footer.index_offset, footer.index_size as usize)?;
        if crate::crc::checksum(&index) != footer.index_crc {
            return Err(BfcError::Corrupt("index CRC mismatch".into()));
        }
        let mut entries = decode_index(&index)?;
        let header = Header::decode(&read_at(&mut file, 0, HEADER_SIZE)?)?;
        entries.sort_by(|a, b| a.path.as_bytes().cmp(b.path.as_bytes()));
        let mut seen = BTreeSet::new();
        for e in &entries {
            let normal = normalize(&e.path)
                .map_err(|err| BfcError::Hostile(format!("entry {:?}: {err}", e.path)))?;
            if normal != e.path {
                return Err(BfcError::Hostile(format!(
                    "entry {:?} is not a normalised path",
                    e.path
                )));
            }
            if !seen.insert(e.path.as_str()) {
                return Err(BfcError::Hostile(format!(
                    "entry {:?} appears twice",
                    e.path
                )));
            }
            let end = e.obj_offset.checked_add(e.obj_size);
            if e.obj_offset < HEADER_SIZE as u64
                || end.is_none_or(|end| end > footer.index_offset)
                || e.obj_size < e.content_offset()
            {
                return Err(BfcError::Corrupt(format!(
                    "entry {:?} lies outside the object area",
                    e.path
                )));
            }
            if e.kind() == Kind::Other {
                return Err(BfcError::Corrupt(format!(
                    "entry {:?} has an unsupported type (mode {:o})",
                    e.path, e.mode
                )));
            }
        }
        Ok(Self {
            file,
            size,
            header,
            entries,
            index_offset: footer.index_offset,
            key: None,
            decompressor: None,
            small: Vec::new(),
        })
    }

    /// Whether any file is encrypted.
    pub fn is_encrypted(&self) -> bool {
        self.entries.iter().any(|e| e.enc != 0)
    }

    pub fn unlock_with_password(&mut self, password: &str) -> Result<(), BfcError> {
        self.key = Some(ContentKey::from_password(password, &self.header.salt)?);
        Ok(())
    }

    pub fn unlock_with_key(&mut self, key: &[u8]) -> Result<(), BfcError> {
        self.key = Some(ContentKey::from_bytes(key)?);
        Ok(())
    }

    pub fn find(&self, path: &str) -> Option<&Entry> {
        self.entries
            .binary_search_by(|e| e.path.as_bytes().cmp(path.as_bytes()))
            .ok()
            .map(|i| &self.entries[i])
    }

    /// The object header of `e`, cross-checked with the index.
    fn object(&mut self, e: &Entry) -> Result<ObjectHeader, BfcError> {
        let raw = read_at(
            &mut self.file,
            e.obj_offset,
            OBJECT_HEADER_SIZE + e.path.len(),
        )?;
        check_object(e, &raw)
    }

    /// A small unencrypted file: its whole object read with one positioned read and
    /// decoded in memory. `None` when the object turns out to be encrypted.
    fn read_small(&mut self, e: &Entry, sink: &mut CrcSink<'_>) -> Result<Option<()>, BfcError> {
        use std::os::unix::fs::FileExt;
        let mut object = std::mem::take(&mut self.small);
        object.resize(e.obj_size as usize, 0);
        let result = self
            .file
            .read_exact_at(&mut object, e.obj_offset)
            .map_err(|_| BfcError::Corrupt("archive is truncated".into()))
            .and_then(|()| check_object(e, &object[..OBJECT_HEADER_SIZE + e.path.len()]))
            .and_then(|oh| {
                if oh.enc != 0 {
                    return Ok(None);
                }
                let start = e.content_offset() as usize;
                let body = &object[start..start + oh.enc_size as usize];
                decode_small(&mut self.decompressor, oh.comp, body, sink, e).map(Some)
            });
        self.small = object;
        result
    }

    /// Streams the content of file `e` into `out`, checking size and CRC. Returns the
    /// number of bytes written.
    pub fn read_file(&mut self, e: &Entry, out: &mut dyn Write) -> Result<u64, BfcError> {
        let mut crc = crate::crc::digest();
        let mut sink = CrcSink {
            out,
            crc: &mut crc,
            count: 0,
            limit: e.orig_size,
        };
        let small = e.obj_size <= SMALL_OBJECT
            && e.orig_size <= SMALL_OBJECT
            && e.obj_size >= e.content_offset();
        if !(small && self.read_small(e, &mut sink)?.is_some()) {
            self.read_streamed(e, &mut sink)?;
        }
        let count = sink.count;
        if count != e.orig_size {
            return Err(BfcError::Corrupt(format!(
                "{}: content is {count} bytes, expected {}",
                e.path, e.orig_size
            )));
        }
        let crc = crc.finalize();
        if !crate::crc::accepts(e.crc, crc, count) {
            return Err(BfcError::Corrupt(format!("{}: CRC mismatch", e.path)));
        }
        Ok(count)
    }

    /// Any other file: the object header read first, the content streamed (or, when
    /// encrypted, read as the one AEAD message it is).
    fn read_streamed(&mut self, e: &Entry, sink: &mut CrcSink<'_>) -> Result<(), BfcError> {
        let oh = self.object(e)?;
        let start = e.obj_offset + e.content_offset();
        self.file.seek(SeekFrom::Start(start)).map_err(io)?;
        let mut stored = (&mut self.file).take(oh.enc_size);
        if oh.enc == 0 {
            return decode_body(oh.comp, &mut stored, sink, &e.path);
        }
        let key = self
            .key
            .as_ref()
            .ok_or_else(|| BfcError::NeedKey(e.path.clone()))?;
        let mut sealed = Vec::with_capacity(oh.enc_size as usize);
        stored.read_to_end(&mut sealed).map_err(io)?;
        let body = key.decrypt(&e.path, &sealed)?;
        decode_body(oh.comp, &mut body.as_slice(), sink, &e.path)
    }

    /// The target of symlink `e`.
    pub fn read_link(&mut self, e: &Entry) -> Result<String, BfcError> {
        let oh = self.object(e)?;
        if oh.enc_size > 4096 {
            return Err(BfcError::Corrupt(format!(
                "{}: link target too long",
                e.path
            )));
        }
        let raw = read_at(
            &mut self.file,
            e.obj_offset + e.content_offset(),
            oh.enc_size as usize,
        )?;
        if !crate::crc::accepts(e.crc, crate::crc::checksum(&raw), raw.len() as u64) {
            return Err(BfcError::Corrupt(format!("{}: CRC mismatch", e.path)));
        }
        String::from_utf8(raw)
            .map_err(|_| BfcError::Corrupt(format!("{}: link target is not UTF-8", e.path)))
    }
}

/// Decodes an object header read from the archive and checks it against the index.
fn check_object(e: &Entry, raw: &[u8]) -> Result<ObjectHeader, BfcError> {
    let oh = ObjectHeader::decode(raw);
    if oh.name_len as usize != e.path.len() || &raw[OBJECT_HEADER_SIZE..] != e.path.as_bytes() {
        return Err(BfcError::Corrupt(format!(
            "{}: object header does not match the index",
            e.path
        )));
    }
    let needed = e.content_offset().checked_add(oh.enc_size);
    if needed.is_none_or(|n| n > e.obj_size) {
        return Err(BfcError::Corrupt(format!(
            "{}: stored size exceeds the object",
            e.path
        )));
    }
    Ok(oh)
}

/// Decodes a small object held in memory; the output never exceeds the declared size.
fn decode_small(
    decompressor: &mut Option<zstd::bulk::Decompressor<'static>>,
    comp: u8,
    body: &[u8],
    sink: &mut CrcSink<'_>,
    e: &Entry,
) -> Result<(), BfcError> {
    if comp as u32 != COMP_ZSTD {
        return decode_body(comp, &mut &body[..], sink, &e.path);
    }
    let dec = match decompressor {
        Some(d) => d,
        empty => empty.insert(zstd::bulk::Decompressor::new().map_err(io)?),
    };
    let mut plain = Vec::with_capacity(e.orig_size as usize);
    dec.decompress_to_buffer(body, &mut plain)
        .map_err(|err| BfcError::Corrupt(format!("{}: content does not decode ({err})", e.path)))?;
    sink.write_all(&plain)
        .map_err(|err| BfcError::Corrupt(format!("{}: content does not decode ({err})", e.path)))
}

fn decode_body(
    comp: u8,
    src: &mut dyn Read,
    sink: &mut CrcSink<'_>,
    path: &str,
) -> Result<(), BfcError> {
    match comp as u32 {
        COMP_NONE => copy_large(src, sink),
        COMP_ZSTD => {
            let mut dec = zstd::stream::Decoder::new(src).map_err(io)?;
            copy_large(&mut dec, sink)
        }
        other => {
            return Err(BfcError::Corrupt(format!(
                "{path}: unknown compression {other}"
            )));
        }
    }
    .map_err(|e| match e.kind() {
        std::io::ErrorKind::Other
        | std::io::ErrorKind::InvalidData
        | std::io::ErrorKind::UnexpectedEof => {
            BfcError::Corrupt(format!("{path}: content does not decode ({e})"))
        }
        _ => BfcError::io_at(path, &e),
    })
}

/// Copies in 1 MiB pieces: a large file's content moves in few reads and writes (the
/// data must pass through memory anyway, for its CRC).
fn copy_large(src: &mut dyn Read, sink: &mut dyn Write) -> std::io::Result<()> {
    let mut buf = vec![0u8; crate::COPY_BUFFER];
    loop {
        let n = match src.read(&mut buf) {
            Ok(0) => return Ok(()),
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        sink.write_all(&buf[..n])?;
    }
}

/// Counts, CRCs and forwards decoded bytes; refuses more than the declared size
/// (a decompression bomb stops at orig_size).
struct CrcSink<'a> {
    out: &'a mut dyn Write,
    crc: &'a mut crate::crc::Digest,
    count: u64,
    limit: u64,
}

impl Write for CrcSink<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.count + buf.len() as u64 > self.limit {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                "more data than the declared size",
            ));
        }
        self.crc.update(buf);
        self.out.write_all(buf)?;
        self.count += buf.len() as u64;
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.out.flush()
    }
}
