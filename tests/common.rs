//! Shared test helpers.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

/// The real-data directory: `$LNROUTE_DATA_DIR`, else `../shared/data` next to the crate.
/// Returns `None` (test skips) when absent, unless `LNROUTE_REQUIRE_DATA=1`, then panics.
pub fn data_dir() -> Option<PathBuf> {
    let dir = match std::env::var_os("LNROUTE_DATA_DIR") {
        Some(d) => PathBuf::from(d),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data"),
    };
    if dir.join("SOURCES.md").exists() || dir.is_dir() {
        return Some(dir);
    }
    if std::env::var("LNROUTE_REQUIRE_DATA").as_deref() == Ok("1") {
        panic!("real data required (LNROUTE_REQUIRE_DATA=1) but {} is missing", dir.display());
    }
    eprintln!("skipping: real data not found at {} (set LNROUTE_DATA_DIR)", dir.display());
    None
}

/// A file under the data dir; `None` to skip (or panic when data is required).
pub fn data_file(rel: &str) -> Option<PathBuf> {
    let p = data_dir()?.join(rel);
    if p.exists() {
        return Some(p);
    }
    if std::env::var("LNROUTE_REQUIRE_DATA").as_deref() == Ok("1") {
        panic!("real data file required but missing: {}", p.display());
    }
    eprintln!("skipping: {} missing", p.display());
    None
}

/// Path to the built `lnroute` binary (for CLI tests).
pub fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_lnroute"))
}

/// A fresh temporary directory, removed when dropped.
pub fn tempdir() -> tempfile::TempDir {
    tempfile::tempdir().expect("temp dir")
}
