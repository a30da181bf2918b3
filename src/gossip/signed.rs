//! Queue of signed BOLT #7 messages (from gossip_store and bolt7 inputs), verified in parallel
//! and applied in input order.
//!
//! Readers push messages in input order, all inputs into one queue. Each message is parsed
//! (structure only, cheap) when pushed and its raw bytes are copied once into one arena, so
//! signatures are later checked over exactly the bytes received. [`SignedQueue::apply`] then
//! 1. checks every `channel_announcement` in parallel (chain hash, four signatures);
//! 2. maps each scid to its first valid announcement, which names each update's signer;
//! 3. checks `channel_update`s and `node_announcement`s in parallel;
//! 4. applies everything in input order: announcements add channels, CLN amount records set
//!    capacities, CLN delete records remove channels, updates set halves (newer timestamp wins).
//!
//! An update whose channel is not (yet) present is held until all inputs are applied, so it
//! may come before its announcement; a node announcement is applied at the end, only for a node
//! that has a channel. Every rejected message is counted by reason and never applied.

use std::collections::{HashMap, HashSet};

use super::collect::Collector;
use super::verify::{self, Checked, KeyCache};
use super::wire::{self, ChannelAnnouncementMsg, ChannelUpdateMsg, GossipMsg, NodeAnnouncementMsg};
use super::{ChannelRecord, IngestStats, NodeRecord};
use crate::types::{NodeId, Scid};

/// Where a message's raw bytes sit in the queue's arena.
#[derive(Clone, Copy, Debug)]
pub struct RawRef {
    start: usize,
    len: u32,
}

/// A parsed message and its raw bytes.
#[derive(Clone, Debug)]
pub struct Queued<T> {
    pub msg: T,
    pub raw: RawRef,
}

/// One step of the input, in order.
#[derive(Clone, Copy, Debug)]
enum Op {
    Announcement(u32),
    Update(u32),
    Node(u32),
    /// CLN `gossip_store_channel_amount` for the announcement it follows.
    Amount {
        announcement: u32,
        capacity_sat: u64,
    },
    /// CLN `gossip_store_delete_chan`.
    Delete(Scid),
}

/// The record before a CLN amount record: the amount belongs to it if it is an announcement.
#[derive(Clone, Copy, Debug, Default)]
enum Previous {
    #[default]
    Other,
    Announcement(u32),
    /// An announcement that was rejected when parsed: its amount is dropped silently.
    FailedAnnouncement,
}

#[derive(Default)]
pub struct SignedQueue {
    raw: Vec<u8>,
    announcements: Vec<Queued<ChannelAnnouncementMsg>>,
    updates: Vec<Queued<ChannelUpdateMsg>>,
    nodes: Vec<Queued<NodeAnnouncementMsg>>,
    ops: Vec<Op>,
    previous: Previous,
}

impl SignedQueue {
    /// Makes room for `bytes` more raw message bytes (one allocation per input, no regrowth).
    pub fn reserve(&mut self, bytes: usize) {
        self.raw.reserve(bytes);
    }

    /// Number of queued steps (messages and CLN records).
    pub fn len(&self) -> usize {
        self.ops.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ops.is_empty()
    }

    fn raw_of(&self, r: RawRef) -> &[u8] {
        self.raw
            .get(r.start..r.start + r.len as usize)
            .unwrap_or_default()
    }

    fn keep_raw(&mut self, msg: &[u8]) -> RawRef {
        let start = self.raw.len();
        self.raw.extend_from_slice(msg);
        RawRef {
            start,
            len: msg.len() as u32,
        }
    }

    /// Queues one wire message (2-byte type included). Parse failures are counted as rejections
    /// (by reason); a type other than the three gossip messages is counted as `other_message` and
    /// skipped. Returns true if the message was queued.
    pub fn push_message(&mut self, msg: &[u8], stats: &mut IngestStats) -> bool {
        let kind = wire::msg_type(msg).and_then(wire::kind_name);
        let parsed = wire::parse(msg);
        let was_announcement = kind == Some("channel_announcement");
        self.previous = Previous::Other;
        let parsed = match parsed {
            Ok(Some(p)) => p,
            Ok(None) => {
                stats.count_read("other_message");
                return false;
            }
            Err(e) => {
                stats.count_read(kind.unwrap_or("malformed_message"));
                stats.reject(e.reason);
                if was_announcement {
                    self.previous = Previous::FailedAnnouncement;
                }
                return false;
            }
        };
        stats.count_read(parsed.kind());
        if msg.len() > u32::MAX as usize || self.ops.len() >= u32::MAX as usize {
            stats.reject("too_large");
            return false;
        }
        let raw = self.keep_raw(msg);
        match parsed {
            GossipMsg::ChannelAnnouncement(m) => {
                let i = self.announcements.len() as u32;
                self.announcements.push(Queued { msg: m, raw });
                self.ops.push(Op::Announcement(i));
                self.previous = Previous::Announcement(i);
            }
            GossipMsg::ChannelUpdate(m) => {
                self.ops.push(Op::Update(self.updates.len() as u32));
                self.updates.push(Queued { msg: m, raw });
            }
            GossipMsg::NodeAnnouncement(m) => {
                self.ops.push(Op::Node(self.nodes.len() as u32));
                self.nodes.push(Queued { msg: m, raw });
            }
        }
        true
    }

    /// Queues a CLN channel amount; it belongs to the announcement queued just before it
    /// (possibly at the end of the previous input). Without one it is rejected `orphan_amount`.
    pub fn push_amount(&mut self, capacity_sat: u64, stats: &mut IngestStats) {
        stats.count_read("channel_amount");
        match std::mem::take(&mut self.previous) {
            Previous::Announcement(announcement) => self.ops.push(Op::Amount {
                announcement,
                capacity_sat,
            }),
            Previous::FailedAnnouncement => {}
            Previous::Other => stats.reject("orphan_amount"),
        }
    }

    /// Queues a CLN channel deletion.
    pub fn push_delete(&mut self, scid: Scid, stats: &mut IngestStats) {
        stats.count_read("delete_channel");
        self.previous = Previous::Other;
        self.ops.push(Op::Delete(scid));
    }

    /// Notes a record that was skipped (deleted, damaged, internal): an amount record after it
    /// does not belong to an earlier announcement, and is dropped without a count if the skipped
    /// record was (or claims to be) an announcement.
    pub fn skipped(&mut self, msg: &[u8]) {
        self.previous = match wire::msg_type(msg) {
            Some(wire::MSG_CHANNEL_ANNOUNCEMENT) => Previous::FailedAnnouncement,
            _ => Previous::Other,
        };
    }

    /// Verifies everything queued (in parallel) and applies it to `c` in input order.
    pub fn apply(self, c: &mut Collector) {
        if self.ops.is_empty() {
            return;
        }
        let verify_sigs = c.opts.verify;
        let chain = c.opts.chain_hash;
        let keys = if verify_sigs {
            KeyCache::build(self.node_ids())
        } else {
            KeyCache::default()
        };
        let anns = &self.announcements;
        let ann_checks = verify::check_all(anns, |q| {
            verify::check_announcement(self.raw_of(q.raw), &q.msg, &keys, &chain, verify_sigs)
        });
        // Each update is signed by an end of the channel its scid names: the first valid
        // announcement of that scid, wherever it sits in the inputs.
        let mut by_scid: HashMap<Scid, u32> = HashMap::with_capacity(anns.len());
        for (i, q) in anns.iter().enumerate() {
            if ann_checks[i].is_ok() {
                by_scid.entry(q.msg.scid).or_insert(i as u32);
            }
        }
        let announced = |scid: &Scid| by_scid.get(scid).map(|&i| &anns[i as usize].msg);
        let upd_checks = verify::check_all(&self.updates, |q| {
            let signer = announced(&q.msg.scid).map(|a| match q.msg.direction() {
                0 => &a.node_1,
                _ => &a.node_2,
            });
            verify::check_update(
                self.raw_of(q.raw),
                &q.msg,
                signer,
                &keys,
                &chain,
                verify_sigs,
            )
        });
        let node_checks = verify::check_all(&self.nodes, |q| {
            verify::check_node_announcement(self.raw_of(q.raw), &q.msg, &keys, verify_sigs)
        });
        c.stats.signatures_checked += [&ann_checks, &upd_checks, &node_checks]
            .iter()
            .flat_map(|v| v.iter())
            .map(|k| k.signatures as u64)
            .sum::<u64>();

        let mut applied = vec![false; anns.len()];
        let mut held_updates = Vec::new();
        let mut held_nodes = Vec::new();
        for op in &self.ops {
            match *op {
                Op::Announcement(i) => {
                    let i = i as usize;
                    if rejected(&ann_checks[i], &mut c.stats) {
                        continue;
                    }
                    let m = &anns[i].msg;
                    c.add_channel(ChannelRecord {
                        scid: m.scid,
                        node_1: m.node_1,
                        node_2: m.node_2,
                        capacity_sat: None,
                        halves: [None, None],
                    });
                    applied[i] = same_ends(c, m);
                }
                Op::Amount {
                    announcement,
                    capacity_sat,
                } => {
                    let i = announcement as usize;
                    if applied[i] && same_ends(c, &anns[i].msg) {
                        c.set_capacity(anns[i].msg.scid, capacity_sat);
                    }
                }
                Op::Delete(scid) => {
                    c.remove_channel(scid);
                }
                Op::Update(i) => {
                    if !rejected(&upd_checks[i as usize], &mut c.stats)
                        && !self.apply_update(c, i, &announced)
                    {
                        held_updates.push(i);
                    }
                }
                Op::Node(i) => {
                    if !rejected(&node_checks[i as usize], &mut c.stats) {
                        held_nodes.push(i);
                    }
                }
            }
        }
        for i in held_updates {
            if !self.apply_update(c, i, &announced) {
                c.stats.reject("unknown_channel");
            }
        }
        let with_channels: HashSet<NodeId> =
            c.channels().flat_map(|ch| [ch.node_1, ch.node_2]).collect();
        for i in held_nodes {
            let m = &self.nodes[i as usize].msg;
            if with_channels.contains(&m.node_id) {
                c.add_node(NodeRecord {
                    id: m.node_id,
                    alias: m.alias_string(),
                    last_update: m.timestamp,
                });
            } else {
                c.stats.reject("unknown_node");
            }
        }
    }

    /// Applies update `i` if the channel it was verified against is present; false otherwise.
    fn apply_update<'a>(
        &self,
        c: &mut Collector,
        i: u32,
        announced: &impl Fn(&Scid) -> Option<&'a ChannelAnnouncementMsg>,
    ) -> bool {
        let m = &self.updates[i as usize].msg;
        match announced(&m.scid) {
            Some(a) if same_ends(c, a) => c.update_half(m.scid, m.direction(), m.to_half()),
            _ => false,
        }
    }

    fn node_ids(&self) -> Vec<NodeId> {
        let mut ids = Vec::with_capacity(self.announcements.len() * 2 + self.nodes.len());
        for q in &self.announcements {
            ids.push(q.msg.node_1);
            ids.push(q.msg.node_2);
        }
        ids.extend(self.nodes.iter().map(|q| q.msg.node_id));
        ids
    }
}

/// Counts a failed check by its reason; true if it failed.
fn rejected(k: &Checked, stats: &mut IngestStats) -> bool {
    match k.result {
        Ok(()) => false,
        Err(r) => {
            stats.reject(r);
            true
        }
    }
}

/// Whether the collector's channel with this scid has the announcement's endpoints.
fn same_ends(c: &Collector, m: &ChannelAnnouncementMsg) -> bool {
    c.channel(m.scid)
        .is_some_and(|ch| ch.node_1 == m.node_1 && ch.node_2 == m.node_2)
}
