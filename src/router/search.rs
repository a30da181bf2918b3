//! Per-thread search state, reused across queries. Every array is stamped with an epoch, so
//! starting a new search is O(1): bump the epoch instead of clearing the arrays.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

/// The best known way from a node to the target.
#[derive(Clone, Copy, Debug, Default)]
pub struct Label {
    /// Sum of hop costs from this node to the target (see `cost.rs`).
    pub cost: f64,
    /// Amount that must arrive at this node (what its incoming hop carries), msat.
    pub need_msat: u64,
    /// Sum of CLTV deltas of the hops after this node's incoming hop.
    pub cltv: u32,
    /// Hops from this node to the target.
    pub hops: u32,
    /// Success probability of the hops from this node to the target.
    pub probability: f64,
    /// The half taken from this node towards the target (query-global half id).
    pub via_half: u32,
    /// The next node towards the target.
    pub next: u32,
}

#[derive(Clone, Copy, PartialEq)]
pub(crate) struct HeapItem {
    pub cost: f64,
    pub node: u32,
}
impl Eq for HeapItem {}
impl Ord for HeapItem {
    fn cmp(&self, other: &Self) -> Ordering {
        // Min-heap on cost; ties broken by node index for determinism.
        other
            .cost
            .total_cmp(&self.cost)
            .then_with(|| other.node.cmp(&self.node))
    }
}
impl PartialOrd for HeapItem {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// Reusable memory for searches on graphs of up to `capacity` nodes (grown on demand).
#[derive(Default)]
pub struct SearchState {
    epoch: u32,
    label_stamp: Vec<u32>,
    settled_stamp: Vec<u32>,
    pub(crate) labels: Vec<Label>,
    pub(crate) heap: BinaryHeap<HeapItem>,
    /// Per-query amounts already given to earlier parts, per half id.
    used_epoch: u32,
    used_stamp: Vec<u32>,
    used_msat: Vec<u64>,
    /// Nodes that have overlay (route hint / first hop) edges entering them in this query.
    overlay_epoch: u32,
    overlay_stamp: Vec<u32>,
    /// Why the last search dropped labels (`PRUNED_*` bits).
    pub pruned: u8,
}

pub const PRUNED_FEE: u8 = 1;
pub const PRUNED_CLTV: u8 = 2;
pub const PRUNED_HOPS: u8 = 4;

impl SearchState {
    pub fn new() -> SearchState {
        SearchState::default()
    }

    /// Prepares for a query on `nodes` nodes and `halves` half ids (including virtual ones).
    pub fn begin_query(&mut self, nodes: usize, halves: usize) {
        if self.label_stamp.len() < nodes {
            self.label_stamp.resize(nodes, 0);
            self.settled_stamp.resize(nodes, 0);
            self.labels.resize(nodes, Label::default());
            self.overlay_stamp.resize(nodes, 0);
        }
        if self.used_stamp.len() < halves {
            self.used_stamp.resize(halves, 0);
            self.used_msat.resize(halves, 0);
        }
        self.used_epoch = bump(self.used_epoch, &mut self.used_stamp);
        self.overlay_epoch = bump(self.overlay_epoch, &mut self.overlay_stamp);
    }

    /// Starts a new search within the current query (keeps `used` amounts).
    pub fn begin_search(&mut self) {
        if self.epoch == u32::MAX {
            self.label_stamp.iter_mut().for_each(|s| *s = 0);
            self.settled_stamp.iter_mut().for_each(|s| *s = 0);
            self.epoch = 0;
        }
        self.epoch += 1;
        self.heap.clear();
        self.pruned = 0;
    }

    #[inline]
    pub fn labeled(&self, v: u32) -> bool {
        self.label_stamp[v as usize] == self.epoch
    }
    #[inline]
    pub fn settled(&self, v: u32) -> bool {
        self.settled_stamp[v as usize] == self.epoch
    }
    #[inline]
    pub fn settle(&mut self, v: u32) {
        self.settled_stamp[v as usize] = self.epoch;
    }
    #[inline]
    pub fn label(&self, v: u32) -> &Label {
        &self.labels[v as usize]
    }
    #[inline]
    pub fn set_label(&mut self, v: u32, l: Label) {
        self.label_stamp[v as usize] = self.epoch;
        self.labels[v as usize] = l;
        self.heap.push(HeapItem {
            cost: l.cost,
            node: v,
        });
    }
    #[inline]
    pub fn used(&self, half: u32) -> u64 {
        if self.used_stamp[half as usize] == self.used_epoch {
            self.used_msat[half as usize]
        } else {
            0
        }
    }
    pub fn add_used(&mut self, half: u32, amount_msat: u64) {
        let u = self.used(half);
        self.used_stamp[half as usize] = self.used_epoch;
        self.used_msat[half as usize] = u.saturating_add(amount_msat);
    }
    /// Forgets every `used` amount of this query (a new split attempt).
    pub fn clear_used(&mut self) {
        self.used_epoch = bump(self.used_epoch, &mut self.used_stamp);
    }
    pub fn mark_overlay(&mut self, v: u32) {
        self.overlay_stamp[v as usize] = self.overlay_epoch;
    }
    #[inline]
    pub fn has_overlay(&self, v: u32) -> bool {
        self.overlay_stamp[v as usize] == self.overlay_epoch
    }
}

fn bump(epoch: u32, stamps: &mut [u32]) -> u32 {
    if epoch == u32::MAX {
        stamps.iter_mut().for_each(|s| *s = 0);
        1
    } else {
        epoch + 1
    }
}
