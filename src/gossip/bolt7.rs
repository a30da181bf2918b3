//! bolt7 framed message reader. (Stub: to be implemented.)
use super::{Collector, GossipError};
use std::path::Path;
pub fn looks_like_bolt7(_bytes: &[u8]) -> bool {
    false
}
pub fn read(path: &Path, _bytes: &[u8], _c: &mut Collector) -> Result<(), GossipError> {
    Err(GossipError::invalid(
        path,
        "bolt7 reader not implemented yet",
    ))
}
