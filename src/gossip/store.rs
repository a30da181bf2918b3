//! CLN gossip_store reader. (Stub: to be implemented.)
use super::{Collector, GossipError};
use std::path::Path;
pub fn looks_like_store(_bytes: &[u8]) -> bool {
    false
}
pub fn read(path: &Path, _bytes: &[u8], _c: &mut Collector) -> Result<(), GossipError> {
    Err(GossipError::invalid(
        path,
        "gossip-store reader not implemented yet",
    ))
}
