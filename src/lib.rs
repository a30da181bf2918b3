//! lnroute: a Lightning Network gossip indexer and liquidity-aware multi-path route engine.
//!
//! Data flows one way: [`gossip`] readers → [`graph`] builder and `.lnrg` file → [`router`] →
//! simulation and analysis. See ARCHITECTURE.md.

pub mod cli;
pub mod gossip;
pub mod graph;
pub mod ldk;
pub mod router;
pub mod sim;
pub mod types;

pub use graph::Graph;
pub use types::{ChanIdx, HalfIdx, NodeId, NodeIdx, Scid};
