//! The on-disk layout (all little-endian): a 4096-byte header, objects back to back,
//! the index blob, a 56-byte footer. See docs/bfc.md.

use crate::BfcError;

pub const MAGIC: [u8; 8] = *b"BFCFv1\0\0";
pub const HEADER_SIZE: usize = 4096;
pub const FOOTER_SIZE: usize = 56;
pub const INDEX_TAG: [u8; 8] = *b"BFCFIDX\0";
pub const END_TAG: [u8; 8] = *b"BFCFEND\0";
pub const OBJECT_HEADER_SIZE: usize = 40;
pub const INDEX_VERSION: u32 = 1;
pub const MIN_ARCHIVE_SIZE: u64 = (HEADER_SIZE + FOOTER_SIZE) as u64;

pub const FEATURE_ZSTD: u64 = 1;
pub const FEATURE_AEAD: u64 = 2;

pub const S_IFMT: u32 = 0o170000;
pub const S_IFREG: u32 = 0o100000;
pub const S_IFDIR: u32 = 0o040000;
pub const S_IFLNK: u32 = 0o120000;

pub const TYPE_FILE: u8 = 1;
pub const TYPE_DIR: u8 = 2;
pub const TYPE_SYMLINK: u8 = 3;

pub const COMP_NONE: u32 = 0;
pub const COMP_ZSTD: u32 = 1;

/// Bytes of padding after `len` bytes so that the next offset is 16-aligned.
pub fn pad16(len: usize) -> usize {
    (16 - len % 16) % 16
}

/// The archive header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    pub block_size: u32,
    pub features: u64,
    pub uuid: [u8; 16],
    /// Password mode: 32 random bytes, of which [0..16] feed Argon2id.
    pub salt: [u8; 32],
}

impl Header {
    pub fn encode(&self) -> Vec<u8> {
        let mut b = vec![0u8; HEADER_SIZE];
        b[0..8].copy_from_slice(&MAGIC);
        b[12..16].copy_from_slice(&self.block_size.to_le_bytes());
        b[16..24].copy_from_slice(&self.features.to_le_bytes());
        b[24..40].copy_from_slice(&self.uuid);
        b[40..72].copy_from_slice(&self.salt);
        let crc = crate::crc::checksum(&b[12..]);
        b[8..12].copy_from_slice(&crc.to_le_bytes());
        b
    }

    pub fn decode(b: &[u8]) -> Result<Self, BfcError> {
        if b.len() < HEADER_SIZE || b[0..8] != MAGIC {
            return Err(BfcError::Corrupt("bad magic: not a BFC archive".into()));
        }
        let stored = u32::from_le_bytes(b[8..12].try_into().unwrap_or_default());
        if crate::crc::checksum(&b[12..HEADER_SIZE]) != stored {
            return Err(BfcError::Corrupt("header CRC mismatch".into()));
        }
        Ok(Self {
            block_size: le32(b, 12),
            features: le64(b, 16),
            uuid: b[24..40].try_into().unwrap_or_default(),
            salt: b[40..72].try_into().unwrap_or_default(),
        })
    }
}

pub fn le32(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(b[at..at + 4].try_into().unwrap_or_default())
}

pub fn le64(b: &[u8], at: usize) -> u64 {
    u64::from_le_bytes(b[at..at + 8].try_into().unwrap_or_default())
}

/// The fixed part of an object record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectHeader {
    pub kind: u8,
    pub comp: u8,
    pub enc: u8,
    pub name_len: u16,
    pub mode: u32,
    pub mtime_ns: u64,
    pub orig_size: u64,
    pub enc_size: u64,
    pub crc: u32,
}

impl ObjectHeader {
    pub fn encode(&self) -> [u8; OBJECT_HEADER_SIZE] {
        let mut b = [0u8; OBJECT_HEADER_SIZE];
        b[0] = self.kind;
        b[1] = self.comp;
        b[2] = self.enc;
        b[4..6].copy_from_slice(&self.name_len.to_le_bytes());
        b[8..12].copy_from_slice(&self.mode.to_le_bytes());
        b[12..20].copy_from_slice(&self.mtime_ns.to_le_bytes());
        b[20..28].copy_from_slice(&self.orig_size.to_le_bytes());
        b[28..36].copy_from_slice(&self.enc_size.to_le_bytes());
        b[36..40].copy_from_slice(&self.crc.to_le_bytes());
        b
    }

    pub fn decode(b: &[u8]) -> Self {
        Self {
            kind: b[0],
            comp: b[1],
            enc: b[2],
            name_len: u16::from_le_bytes([b[4], b[5]]),
            mode: le32(b, 8),
            mtime_ns: le64(b, 12),
            orig_size: le64(b, 20),
            enc_size: le64(b, 28),
            crc: le32(b, 36),
        }
    }
}

/// One index entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub path: String,
    pub obj_offset: u64,
    pub obj_size: u64,
    pub mode: u32,
    pub mtime_ns: u64,
    pub comp: u32,
    pub enc: u32,
    pub orig_size: u64,
    pub crc: u32,
}

/// What an entry is, from `mode & S_IFMT` (as the reference reader decides).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    File,
    Dir,
    Symlink,
    Other,
}

impl Entry {
    pub fn kind(&self) -> Kind {
        match self.mode & S_IFMT {
            S_IFREG => Kind::File,
            S_IFDIR => Kind::Dir,
            S_IFLNK => Kind::Symlink,
            _ => Kind::Other,
        }
    }

    /// Offset of the content from the object start.
    pub fn content_offset(&self) -> u64 {
        let head = OBJECT_HEADER_SIZE + self.path.len();
        (head + pad16(head)) as u64
    }
}

/// Encodes the index blob (entries must already be sorted).
pub fn encode_index(entries: &[Entry]) -> Vec<u8> {
    let mut b = Vec::with_capacity(8 + entries.iter().map(|e| 52 + e.path.len()).sum::<usize>());
    b.extend_from_slice(&INDEX_VERSION.to_le_bytes());
    b.extend_from_slice(&(entries.len() as u32).to_le_bytes());
    for e in entries {
        b.extend_from_slice(&(e.path.len() as u32).to_le_bytes());
        b.extend_from_slice(e.path.as_bytes());
        b.extend_from_slice(&e.obj_offset.to_le_bytes());
        b.extend_from_slice(&e.obj_size.to_le_bytes());
        b.extend_from_slice(&e.mode.to_le_bytes());
        b.extend_from_slice(&e.mtime_ns.to_le_bytes());
        b.extend_from_slice(&e.comp.to_le_bytes());
        b.extend_from_slice(&e.enc.to_le_bytes());
        b.extend_from_slice(&e.orig_size.to_le_bytes());
        b.extend_from_slice(&e.crc.to_le_bytes());
    }
    b
}

/// Decodes the index blob with bounds checks.
pub fn decode_index(b: &[u8]) -> Result<Vec<Entry>, BfcError> {
    let short = || BfcError::Corrupt("index is truncated".into());
    if b.len() < 8 {
        return Err(short());
    }
    if le32(b, 0) != INDEX_VERSION {
        return Err(BfcError::Corrupt(format!(
            "unknown index version {}",
            le32(b, 0)
        )));
    }
    let count = le32(b, 4) as usize;
    // Each entry takes at least 53 bytes: refuse counts the blob cannot hold.
    if count > b.len() / 53 + 1 {
        return Err(short());
    }
    let mut entries = Vec::with_capacity(count);
    let mut at = 8;
    for _ in 0..count {
        if at + 4 > b.len() {
            return Err(short());
        }
        let len = le32(b, at) as usize;
        at += 4;
        if len == 0 || at + len + 48 > b.len() {
            return Err(short());
        }
        let path = std::str::from_utf8(&b[at..at + len])
            .map_err(|_| BfcError::Corrupt("index path is not UTF-8".into()))?
            .to_string();
        at += len;
        let t = &b[at..at + 48];
        entries.push(Entry {
            path,
            obj_offset: le64(t, 0),
            obj_size: le64(t, 8),
            mode: le32(t, 16),
            mtime_ns: le64(t, 20),
            comp: le32(t, 28),
            enc: le32(t, 32),
            orig_size: le64(t, 36),
            crc: le32(t, 44),
        });
        at += 48;
    }
    Ok(entries)
}

/// The footer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Footer {
    pub index_size: u64,
    pub index_crc: u32,
    pub index_offset: u64,
}

impl Footer {
    pub fn encode(&self) -> [u8; FOOTER_SIZE] {
        let mut b = [0u8; FOOTER_SIZE];
        b[0..8].copy_from_slice(&INDEX_TAG);
        b[8..16].copy_from_slice(&self.index_size.to_le_bytes());
        b[16..20].copy_from_slice(&self.index_crc.to_le_bytes());
        b[20..28].copy_from_slice(&self.index_offset.to_le_bytes());
        b[48..56].copy_from_slice(&END_TAG);
        b
    }

    pub fn decode(b: &[u8]) -> Result<Self, BfcError> {
        if b.len() != FOOTER_SIZE || b[0..8] != INDEX_TAG || b[48..56] != END_TAG {
            return Err(BfcError::Corrupt(
                "footer tags missing: truncated or not a BFC archive".into(),
            ));
        }
        Ok(Self {
            index_size: le64(b, 8),
            index_crc: le32(b, 16),
            index_offset: le64(b, 20),
        })
    }
}
