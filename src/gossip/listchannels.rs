//! CLN listchannels / listnodes readers. (Stub: to be implemented.)
use super::{Collector, GossipError};
use std::path::Path;
pub fn read_channels(path: &Path, _bytes: &[u8], _c: &mut Collector) -> Result<(), GossipError> {
    Err(GossipError::invalid(
        path,
        "listchannels reader not implemented yet",
    ))
}
pub fn read_nodes(path: &Path, _bytes: &[u8], _c: &mut Collector) -> Result<(), GossipError> {
    Err(GossipError::invalid(
        path,
        "listnodes reader not implemented yet",
    ))
}
