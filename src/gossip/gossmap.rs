//! CLN gossmap-compress reader. (Stub: to be implemented.)
use super::{Collector, GossipError};
use crate::types::NodeId;
use std::path::Path;
/// index → (node id, alias)
pub type NodeMap = Vec<Option<(NodeId, String)>>;
pub fn read_node_map(path: &Path, _bytes: &[u8]) -> Result<NodeMap, GossipError> {
    Err(GossipError::invalid(
        path,
        "node-map reader not implemented yet",
    ))
}
pub fn read(
    path: &Path,
    _bytes: &[u8],
    _map: Option<&NodeMap>,
    _c: &mut Collector,
) -> Result<(), GossipError> {
    Err(GossipError::invalid(
        path,
        "gossmap reader not implemented yet",
    ))
}
