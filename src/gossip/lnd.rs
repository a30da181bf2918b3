//! LND describegraph reader. (Stub: to be implemented.)
use super::{Collector, GossipError};
use std::path::Path;
pub fn read(path: &Path, _bytes: &[u8], _c: &mut Collector) -> Result<(), GossipError> {
    Err(GossipError::invalid(
        path,
        "describegraph reader not implemented yet",
    ))
}
