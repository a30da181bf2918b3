//! [`Collector`]: merges what the readers produce into one consistent set of channels and nodes.
//!
//! Unsigned formats hand over whole [`ChannelRecord`]s; signed formats (gossip_store, bolt7) queue
//! raw messages in [`SignedQueue`], which is verified in parallel and applied in input order at
//! [`Collector::finish`], so that updates in one file can meet announcements in another.

use std::collections::{BTreeMap, HashMap};

use super::signed::SignedQueue;
use super::{ChannelRecord, GossipSet, HalfRecord, IngestStats, NodeRecord, ReadOptions};
use crate::types::{NodeId, Scid};

pub struct Collector {
    pub opts: ReadOptions,
    pub stats: IngestStats,
    channels: BTreeMap<Scid, ChannelRecord>,
    nodes: HashMap<NodeId, NodeRecord>,
    /// Signed messages waiting for verification (filled by the store and bolt7 readers).
    pub signed: SignedQueue,
}

impl Collector {
    pub fn new(opts: ReadOptions) -> Collector {
        Collector {
            opts,
            stats: IngestStats::default(),
            channels: BTreeMap::new(),
            nodes: HashMap::new(),
            signed: SignedQueue::default(),
        }
    }

    /// Adds a channel; if its scid is already known, the halves are merged (a newer
    /// `last_update` replaces an older one; on a tie the later input wins) and a missing capacity
    /// is filled in. A record whose endpoints differ from the known channel's is rejected
    /// (`conflicting_channel`).
    pub fn add_channel(&mut self, rec: ChannelRecord) {
        debug_assert!(rec.node_1 <= rec.node_2);
        if rec.node_1 == rec.node_2 {
            self.stats.reject("self_channel");
            return;
        }
        match self.channels.get_mut(&rec.scid) {
            None => {
                self.channels.insert(rec.scid, rec);
            }
            Some(known) => {
                if known.node_1 != rec.node_1 || known.node_2 != rec.node_2 {
                    self.stats.reject("conflicting_channel");
                    return;
                }
                if known.capacity_sat.is_none() {
                    known.capacity_sat = rec.capacity_sat;
                }
                for (k, new) in known.halves.iter_mut().zip(rec.halves) {
                    merge_half(k, new);
                }
            }
        }
    }

    /// Sets one half of a known channel (newer wins). Returns false if the channel is unknown.
    pub fn update_half(&mut self, scid: Scid, direction: u8, half: HalfRecord) -> bool {
        match self.channels.get_mut(&scid) {
            Some(c) => {
                merge_half(&mut c.halves[direction as usize & 1], Some(half));
                true
            }
            None => false,
        }
    }

    pub fn channel(&self, scid: Scid) -> Option<&ChannelRecord> {
        self.channels.get(&scid)
    }

    /// The channels collected so far, by scid.
    pub fn channels(&self) -> impl Iterator<Item = &ChannelRecord> {
        self.channels.values()
    }

    pub fn remove_channel(&mut self, scid: Scid) -> Option<ChannelRecord> {
        self.channels.remove(&scid)
    }

    pub fn set_capacity(&mut self, scid: Scid, capacity_sat: u64) {
        if let Some(c) = self.channels.get_mut(&scid) {
            c.capacity_sat = Some(capacity_sat);
        }
    }

    /// Adds node metadata; a newer `last_update` replaces an older one.
    pub fn add_node(&mut self, rec: NodeRecord) {
        match self.nodes.get_mut(&rec.id) {
            Some(n) if n.last_update > rec.last_update => {}
            Some(n) => *n = rec,
            None => {
                self.nodes.insert(rec.id, rec);
            }
        }
    }

    /// Verifies and applies the queued signed messages, then returns everything collected.
    /// Channels come sorted by scid; nodes sorted by id.
    pub fn finish(mut self) -> GossipSet {
        let queue = std::mem::take(&mut self.signed);
        queue.apply(&mut self);
        let mut nodes: Vec<NodeRecord> = self.nodes.into_values().collect();
        nodes.sort_by_key(|n| n.id);
        GossipSet {
            channels: self.channels.into_values().collect(),
            nodes,
            stats: self.stats,
            source_summary: String::new(),
        }
    }
}

fn merge_half(known: &mut Option<HalfRecord>, new: Option<HalfRecord>) {
    match (known.as_ref(), new) {
        (_, None) => {}
        (Some(k), Some(n)) if k.last_update > n.last_update => {}
        (_, Some(n)) => *known = Some(n),
    }
}
