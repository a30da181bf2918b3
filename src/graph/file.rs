//! The graph file: a fixed header, a source summary, padding, then an rkyv archive of
//! [`GraphData`]. This is the only module with `unsafe` code.
//!
//! Header (little-endian, 64 bytes):
//! ```text
//!  0  magic "LNRGRAPH"        8  format version u32     12 reserved u32 (0)
//! 16  payload offset u64     24  payload length u64    32  checksum u64 (see below)
//! 40  created (unix s) u64   48  summary length u32    52  reserved (12 bytes, 0)
//! 64  summary (UTF-8) … zero padding to a multiple of 64 … payload
//! ```
//! The checksum is xxh3-64 over the digests of the file's 1 MiB chunks (hashed in parallel),
//! with its own eight bytes read as zeros, so any flipped byte or truncation is caught. The payload starts 64-byte aligned, and a memory map is page
//! aligned, so the archive can be read in place.

use std::io::Write;
use std::path::{Path, PathBuf};

use memmap2::Mmap;
use rkyv::rancor;

use super::layout::{ArchivedGraphData, GraphData};

pub const MAGIC: &[u8; 8] = b"LNRGRAPH";
pub const FORMAT_VERSION: u32 = 3;
pub const HEADER_LEN: usize = 64;
const CHECKSUM_AT: usize = 32;

#[derive(Debug, thiserror::Error)]
pub enum FileError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: not a graph file (bad magic; expected LNRGRAPH)")]
    BadMagic { path: PathBuf },
    #[error("{path}: graph format version {found}, this lnroute reads version {expected}; re-run `lnroute ingest`")]
    Version {
        path: PathBuf,
        found: u32,
        expected: u32,
    },
    #[error("{path}: truncated: {len} bytes, header says {expected}")]
    Truncated {
        path: PathBuf,
        len: u64,
        expected: u64,
    },
    #[error(
        "{path}: corrupted: checksum mismatch (stored {stored:016x}, computed {computed:016x})"
    )]
    Checksum {
        path: PathBuf,
        stored: u64,
        computed: u64,
    },
    #[error("{path}: corrupted header: {reason}")]
    Header { path: PathBuf, reason: String },
    #[error("{path}: corrupted payload: {reason}")]
    Payload { path: PathBuf, reason: String },
    #[error("{path}: cannot serialize graph: {reason}")]
    Serialize { path: PathBuf, reason: String },
}

/// Metadata from the header.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileMeta {
    pub format_version: u32,
    pub created_unix: u64,
    pub source_summary: String,
    pub file_len: u64,
}

/// Where the bytes of a graph live: a read-only memory map, or an aligned buffer in memory
/// (graphs built on the fly, e.g. by the server or tests).
enum Backing {
    Mapped(Mmap),
    Owned(rkyv::util::AlignedVec<64>),
}

/// A validated graph file (or buffer) whose archive is read in place.
pub struct GraphFile {
    backing: Backing,
    payload_offset: usize,
    payload_len: usize,
    pub meta: FileMeta,
}

impl GraphFile {
    /// Maps `path` and validates header, checksum and archive (bytecheck). No copying.
    pub fn open(path: &Path) -> Result<GraphFile, FileError> {
        let io = |e| FileError::Io {
            path: path.to_path_buf(),
            source: e,
        };
        let file = std::fs::File::open(path).map_err(io)?;
        // (`populate` pre-faults the pages in one go: every byte is read by the checksum anyway.)
        // SAFETY: the map is read-only and private to this process. Another process that
        // truncates or rewrites the file in place could change the bytes under us; lnroute
        // never does that (it writes a new file and renames it), and the checksum and archive
        // validation below run on the mapped bytes before anything is read from them.
        let map = unsafe { memmap2::MmapOptions::new().map(&file) }.map_err(io)?;
        let (payload_offset, payload_len, meta) = check_header(path, &map)?;
        let gf = GraphFile {
            backing: Backing::Mapped(map),
            payload_offset,
            payload_len,
            meta,
        };
        gf.validate_archive(path)?;
        Ok(gf)
    }

    /// Validates a complete file image held in memory (same checks as [`GraphFile::open`]).
    pub fn from_bytes(bytes: &[u8]) -> Result<GraphFile, FileError> {
        let path = Path::new("<memory>");
        let mut buf = rkyv::util::AlignedVec::<64>::with_capacity(bytes.len());
        buf.extend_from_slice(bytes);
        let (payload_offset, payload_len, meta) = check_header(path, &buf)?;
        let gf = GraphFile {
            backing: Backing::Owned(buf),
            payload_offset,
            payload_len,
            meta,
        };
        gf.validate_archive(path)?;
        Ok(gf)
    }

    fn validate_archive(&self, path: &Path) -> Result<(), FileError> {
        rkyv::access::<ArchivedGraphData, rancor::Error>(self.payload())
            .map(|_| ())
            .map_err(|e| FileError::Payload {
                path: path.to_path_buf(),
                reason: e.to_string(),
            })
    }

    fn bytes(&self) -> &[u8] {
        match &self.backing {
            Backing::Mapped(m) => m,
            Backing::Owned(v) => v,
        }
    }

    fn payload(&self) -> &[u8] {
        &self.bytes()[self.payload_offset..self.payload_offset + self.payload_len]
    }

    /// The archived graph. O(1): no validation here, it was done when `self` was made.
    pub fn data(&self) -> &ArchivedGraphData {
        // SAFETY: `self` can only be constructed by `open`/`from_bytes`, which ran
        // `rkyv::access` (full bytecheck validation) on exactly these payload bytes; the bytes
        // are immutable for the lifetime of `self` (read-only map or owned buffer), and the
        // payload is 64-byte aligned (header check), as the archive requires.
        unsafe { rkyv::access_unchecked::<ArchivedGraphData>(self.payload()) }
    }
}

/// Serializes `data` into a complete file image (header + summary + padding + payload).
pub fn to_file_bytes(
    data: &GraphData,
    source_summary: &str,
    created_unix: u64,
) -> Result<Vec<u8>, String> {
    let payload = rkyv::to_bytes::<rancor::Error>(data).map_err(|e| e.to_string())?;
    let summary = source_summary.as_bytes();
    let summary = &summary[..summary.len().min(u16::MAX as usize)];
    let payload_offset = (HEADER_LEN + summary.len()).div_ceil(64) * 64;
    let mut out = vec![0u8; payload_offset];
    out[0..8].copy_from_slice(MAGIC);
    out[8..12].copy_from_slice(&FORMAT_VERSION.to_le_bytes());
    out[16..24].copy_from_slice(&(payload_offset as u64).to_le_bytes());
    out[24..32].copy_from_slice(&(payload.len() as u64).to_le_bytes());
    out[40..48].copy_from_slice(&created_unix.to_le_bytes());
    out[48..52].copy_from_slice(&(summary.len() as u32).to_le_bytes());
    out[HEADER_LEN..HEADER_LEN + summary.len()].copy_from_slice(summary);
    out.extend_from_slice(&payload);
    let sum = checksum(&out);
    out[CHECKSUM_AT..CHECKSUM_AT + 8].copy_from_slice(&sum.to_le_bytes());
    Ok(out)
}

/// Writes a file atomically: temp file in the same directory, fsync, rename, fsync directory.
/// On any error the temp file is removed and `path` is left as it was.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    write_atomic_with(path, |w| w.write_all(bytes))
}

/// Like [`write_atomic`], for output produced by `write` (buffered): temp file in the same
/// directory, rw-r--r--, fsync, rename, fsync directory. On any error (from `write` too) the temp
/// file is removed and `path` is left as it was.
pub fn write_atomic_with<T>(
    path: &Path,
    write: impl FnOnce(&mut std::io::BufWriter<&std::fs::File>) -> std::io::Result<T>,
) -> std::io::Result<T> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let tmp = tempfile::Builder::new()
        .prefix(&format!(
            ".{}.",
            path.file_name()
                .map(|s| s.to_string_lossy())
                .unwrap_or_default()
        ))
        .suffix(".tmp")
        .tempfile_in(&dir)?;
    let out = {
        let mut w = std::io::BufWriter::with_capacity(1 << 20, tmp.as_file());
        let out = write(&mut w)?;
        w.flush()?;
        out
    };
    #[cfg(unix)]
    {
        // Temp files are created owner-only; outputs get the usual rw-r--r--.
        use std::os::unix::fs::PermissionsExt;
        tmp.as_file()
            .set_permissions(std::fs::Permissions::from_mode(0o644))?;
    }
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    if let Ok(d) = std::fs::File::open(&dir) {
        let _ = d.sync_all();
    }
    Ok(out)
}

/// The file checksum: xxh3-64 over the xxh3-64 digests of 1 MiB chunks (hashed in parallel),
/// with the checksum field read as zeros. Every byte counts.
fn checksum(file: &[u8]) -> u64 {
    use rayon::prelude::*;
    const CHUNK: usize = 1 << 20;
    let digests: Vec<u8> = file
        .par_chunks(CHUNK)
        .enumerate()
        .flat_map_iter(|(i, c)| {
            let d = if i == 0 && c.len() >= CHECKSUM_AT + 8 {
                let mut h = xxhash_rust::xxh3::Xxh3::new();
                h.update(&c[..CHECKSUM_AT]);
                h.update(&[0u8; 8]);
                h.update(&c[CHECKSUM_AT + 8..]);
                h.digest()
            } else {
                xxhash_rust::xxh3::xxh3_64(c)
            };
            d.to_le_bytes()
        })
        .collect();
    xxhash_rust::xxh3::xxh3_64(&digests)
}

fn check_header(path: &Path, b: &[u8]) -> Result<(usize, usize, FileMeta), FileError> {
    let p = || path.to_path_buf();
    if b.len() < 8 || &b[0..8] != MAGIC {
        return Err(FileError::BadMagic { path: p() });
    }
    if b.len() < HEADER_LEN {
        return Err(FileError::Truncated {
            path: p(),
            len: b.len() as u64,
            expected: HEADER_LEN as u64,
        });
    }
    let u32_at = |i: usize| u32::from_le_bytes(b[i..i + 4].try_into().expect("4 bytes"));
    let u64_at = |i: usize| u64::from_le_bytes(b[i..i + 8].try_into().expect("8 bytes"));
    let version = u32_at(8);
    if version != FORMAT_VERSION {
        return Err(FileError::Version {
            path: p(),
            found: version,
            expected: FORMAT_VERSION,
        });
    }
    let payload_offset = u64_at(16);
    let payload_len = u64_at(24);
    let expected = payload_offset
        .checked_add(payload_len)
        .ok_or_else(|| FileError::Header {
            path: p(),
            reason: "payload offset + length overflows".into(),
        })?;
    if (b.len() as u64) < expected {
        return Err(FileError::Truncated {
            path: p(),
            len: b.len() as u64,
            expected,
        });
    }
    if b.len() as u64 != expected {
        return Err(FileError::Header {
            path: p(),
            reason: format!(
                "file is {} bytes, header says {expected} (trailing bytes)",
                b.len()
            ),
        });
    }
    let stored = u64_at(CHECKSUM_AT);
    let computed = checksum(b);
    if stored != computed {
        return Err(FileError::Checksum {
            path: p(),
            stored,
            computed,
        });
    }
    let summary_len = u32_at(48) as u64;
    if payload_offset % 64 != 0 || (HEADER_LEN as u64 + summary_len) > payload_offset {
        return Err(FileError::Header {
            path: p(),
            reason: "bad payload offset".into(),
        });
    }
    let summary = &b[HEADER_LEN..HEADER_LEN + summary_len as usize];
    let meta = FileMeta {
        format_version: version,
        created_unix: u64_at(40),
        source_summary: String::from_utf8_lossy(summary).into_owned(),
        file_len: b.len() as u64,
    };
    Ok((payload_offset as usize, payload_len as usize, meta))
}
