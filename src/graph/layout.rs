//! The rkyv types stored in a graph file. Everything is flat arrays (structure of arrays),
//! indexed by [`NodeIdx`](crate::types::NodeIdx), [`ChanIdx`](crate::types::ChanIdx) or
//! [`HalfIdx`](crate::types::HalfIdx) (`chan * 2 + direction`).
//!
//! Invariants (checked by [`crate::graph::Graph`] on open, established by the builder):
//! - `node_ids` strictly ascending; `node_alias_offsets` has `nodes + 1` non-decreasing entries
//!   ending at the blob's length.
//! - `chan_scid` strictly ascending; `chan_node_1[c] < chan_node_2[c] < nodes` (BOLT #7 order).
//! - every `half_*` array has `2 * channels` entries; a half without policy has no
//!   [`FLAG_PRESENT`] and appears in no adjacency list.
//! - `out_offsets`/`in_offsets`/`route_in_offsets` have `nodes + 1` entries, start at 0, never
//!   decrease, and end at the length of their list; every listed half is present and leaves
//!   (`out`) or enters (`in`, `route_in`) that node.
//! - `route_in` holds only present, enabled halves with `htlc_maximum_msat ≤ capacity_msat`
//!   already applied: it is the backward search's adjacency.

use rkyv::{Archive, Deserialize, Serialize};

/// The half has a policy (a `channel_update` or its equivalent was seen).
pub const FLAG_PRESENT: u8 = 1;
/// The half is disabled (or had an all-zero policy that stands for "no update").
pub const FLAG_DISABLED: u8 = 2;
/// The half carries LND inbound fees.
pub const FLAG_INBOUND_FEE: u8 = 4;
/// The source gave no htlc maximum: the capacity stands in for it.
pub const FLAG_HTLC_MAX_DEFAULTED: u8 = 8;

/// One entry of the backward search's in-adjacency: a usable half entering a node, with the
/// policy fields the search needs inline (one cache line per edge).
#[derive(Archive, Serialize, Deserialize, Clone, Copy, Debug, Default, PartialEq)]
#[rkyv(derive(Debug))]
pub struct RouteEdge {
    /// The node that forwards over this half (the half's sender).
    pub from: u32,
    /// The half's index.
    pub half: u32,
    pub base_fee_msat: u32,
    pub fee_ppm: u32,
    pub htlc_minimum_msat: u64,
    /// `min(htlc_maximum_msat, capacity_msat)`.
    pub htlc_maximum_msat: u64,
    pub capacity_msat: u64,
    /// `1 / (capacity_msat + 1)` (f32 keeps the record at 48 bytes): the search's probability term
    /// multiplies instead of dividing.
    pub inv_capacity: f32,
    pub cltv_expiry_delta: u16,
}

#[derive(Archive, Serialize, Deserialize, Clone, Debug, Default, PartialEq)]
pub struct GraphData {
    pub node_ids: Vec<[u8; 33]>,
    /// Node aliases as one UTF-8 blob: alias `i` is `node_alias_bytes[node_alias_offsets[i]..node_alias_offsets[i + 1]]`
    /// (one blob instead of a string per node keeps validation on open cheap).
    pub node_alias_offsets: Vec<u32>,
    pub node_alias_bytes: Vec<u8>,

    pub chan_scid: Vec<u64>,
    pub chan_node_1: Vec<u32>,
    pub chan_node_2: Vec<u32>,
    pub chan_capacity_sat: Vec<u64>,

    pub half_flags: Vec<u8>,
    pub half_base_fee_msat: Vec<u32>,
    pub half_fee_ppm: Vec<u32>,
    pub half_cltv_delta: Vec<u16>,
    pub half_htlc_min_msat: Vec<u64>,
    pub half_htlc_max_msat: Vec<u64>,
    pub half_last_update: Vec<u32>,
    pub half_inbound_base_msat: Vec<i32>,
    pub half_inbound_ppm: Vec<i32>,

    pub out_offsets: Vec<u32>,
    pub out_halves: Vec<u32>,
    pub in_offsets: Vec<u32>,
    pub in_halves: Vec<u32>,
    pub route_in_offsets: Vec<u32>,
    pub route_in: Vec<RouteEdge>,
}
