//! Loading input files, decompressing `.gz`, `.xz` and `.zip` (one file inside) by their magic
//! bytes rather than their names.

use std::io::Read;
use std::path::Path;

use super::GossipError;

/// Reads a whole input file, decompressed if it is gzip, xz or a zip archive with one file.
pub fn read_input(path: &Path) -> Result<Vec<u8>, GossipError> {
    let raw = std::fs::read(path).map_err(|e| GossipError::Io {
        path: path.to_path_buf(),
        source: e,
    })?;
    decompress(path, raw)
}

/// Decompresses `raw` by its magic bytes; anything else is returned as is.
pub fn decompress(path: &Path, raw: Vec<u8>) -> Result<Vec<u8>, GossipError> {
    let err = |e: std::io::Error| GossipError::Decompress {
        path: path.to_path_buf(),
        reason: e.to_string(),
    };
    if raw.starts_with(&[0x1f, 0x8b]) {
        let mut out = Vec::with_capacity(raw.len() * 4);
        flate2::read::MultiGzDecoder::new(&raw[..])
            .read_to_end(&mut out)
            .map_err(err)?;
        Ok(out)
    } else if raw.starts_with(&[0xfd, b'7', b'z', b'X', b'Z', 0x00]) {
        let mut out = Vec::with_capacity(raw.len() * 6);
        xz2::read::XzDecoder::new_multi_decoder(&raw[..])
            .read_to_end(&mut out)
            .map_err(err)?;
        Ok(out)
    } else if raw.starts_with(b"PK\x03\x04") {
        let mut archive = zip::ZipArchive::new(std::io::Cursor::new(raw)).map_err(|e| {
            GossipError::Decompress {
                path: path.to_path_buf(),
                reason: e.to_string(),
            }
        })?;
        let files: Vec<usize> = (0..archive.len())
            .filter(|&i| archive.by_index(i).map(|f| f.is_file()).unwrap_or(false))
            .collect();
        if files.len() != 1 {
            return Err(GossipError::Decompress {
                path: path.to_path_buf(),
                reason: format!(
                    "zip archive must hold exactly one file, it holds {}",
                    files.len()
                ),
            });
        }
        let mut f = archive
            .by_index(files[0])
            .map_err(|e| GossipError::Decompress {
                path: path.to_path_buf(),
                reason: e.to_string(),
            })?;
        let mut out = Vec::with_capacity(f.size() as usize);
        f.read_to_end(&mut out).map_err(err)?;
        Ok(out)
    } else {
        Ok(raw)
    }
}
