//! Learned liquidity knowledge: per half, bounds on the liquidity available to forward,
//! learned from payment results, decaying back towards "unknown", with amounts in flight
//! subtracted.
//!
//! Storage: a side table holding both halves' entries of each channel we know something
//! about (one read gives a half and its reverse, which share the capacity), found through a
//! dense slot index per channel (4 bytes each, `NO_SLOT` for unknown channels), so known
//! halves are read without hashing; plus a bitset over all halves (what was observed of each),
//! small enough to stay in cache, so the search's inner loop skips unknown halves with one bit
//! test. The table is plain data; share it between threads as [`SharedLiquidity`]
//! (`Arc<RwLock<…>>`): queries hold the read lock for one query, writers for one update, so
//! readers never wait long.
//!
//! Invariants: stored `min_msat ≤ max_msat` (a contradicting observation replaces the older
//! bound); `bounds()` never exceeds the capacity it is given.
//!
//! Persistence: [`LiquidityKnowledge::save`] writes `(scid, direction)`-keyed entries (so a
//! re-ingested graph keeps them) atomically with a checksum; [`LiquidityKnowledge::load`] refuses
//! a corrupt or foreign file with a [`LiquidityError`], which callers report and ignore.

use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

use super::cost::LiquidityBounds;
use crate::graph::Graph;
use crate::types::{HalfIdx, Scid};

/// Knowledge shared between threads.
pub type SharedLiquidity = Arc<RwLock<LiquidityKnowledge>>;

/// What is known of one half. `max_msat == u64::MAX` means "no upper bound learned".
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Entry {
    pub min_msat: u64,
    pub max_msat: u64,
    pub in_flight_msat: u64,
    /// Clock value (seconds) of the last observation.
    pub updated: u64,
}

impl Entry {
    /// Nothing observed: the state of a channel's other half until it is.
    fn is_blank(&self) -> bool {
        self.min_msat == 0 && self.max_msat == u64::MAX && self.in_flight_msat == 0
    }
}

impl Default for Entry {
    fn default() -> Self {
        Entry {
            min_msat: 0,
            max_msat: u64::MAX,
            in_flight_msat: 0,
            updated: 0,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum LiquidityError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: not a liquidity state file (bad magic or version)")]
    Foreign { path: PathBuf },
    #[error("{path}: corrupted liquidity state ({reason})")]
    Corrupt { path: PathBuf, reason: String },
}

/// Learned bounds on half liquidity.
#[derive(Clone, Debug)]
pub struct LiquidityKnowledge {
    /// Per half: whether anything was observed of it.
    known_bits: Vec<u64>,
    /// Per channel index (`HalfIdx / 2`): its slot in `entries`, or `NO_SLOT`.
    slots: Vec<u32>,
    /// Per known channel: its index and the entries of its halves (direction 0, 1).
    entries: Vec<(u32, [Entry; 2])>,
    /// Bounds relax halfway back to "unknown" every `half_life_secs` (0 = never decay).
    pub half_life_secs: f64,
    /// The clock (seconds) reads decay to; callers move it (the simulator keeps it still).
    pub now: u64,
    /// Read each half's bounds together with its reverse's: a channel's two directions share
    /// its capacity, so what one holds the other does not (`[lo, hi]` known of the reverse
    /// means `[capacity − hi, capacity − lo]` here; LDK's scorer keeps one range per channel
    /// for the same reason). Where the two contradict (the split is not complementary, e.g. a
    /// depleted half or reserves), the half's own observations win. On by default.
    pub couple_directions: bool,
}

const MAGIC: &[u8; 8] = b"LNRLIQ\x00\x01";
const NO_SLOT: u32 = u32::MAX;

impl LiquidityKnowledge {
    /// Empty knowledge for a graph with `halves` halves.
    pub fn new(halves: usize) -> Self {
        LiquidityKnowledge {
            known_bits: vec![0; halves.div_ceil(64)],
            slots: vec![NO_SLOT; halves.div_ceil(2)],
            entries: Vec::new(),
            half_life_secs: 6.0 * 3600.0,
            now: 0,
            couple_directions: true,
        }
    }

    pub fn shared(self) -> SharedLiquidity {
        Arc::new(RwLock::new(self))
    }

    /// Whether anything is known of `half`, or with `couple_directions` of its reverse (one
    /// word read; the search's fast path).
    #[inline(always)]
    pub fn has(&self, half: u32) -> bool {
        // a channel's two halves share a word (2k and 2k + 1)
        let mask = if self.couple_directions {
            3 << ((half % 64) & !1)
        } else {
            1 << (half % 64)
        };
        self.known_bits
            .get((half / 64) as usize)
            .is_some_and(|w| w & mask != 0)
    }

    /// Both entries of `half`'s channel, if it is known.
    #[inline(always)]
    fn chan(&self, half: u32) -> Option<&[Entry; 2]> {
        let s = *self.slots.get((half / 2) as usize)?;
        self.entries.get(s as usize).map(|(_, es)| es)
    }

    /// `half`'s own entry, if its channel is known (without creating one).
    fn known_entry_mut(&mut self, half: u32) -> Option<&mut Entry> {
        let s = *self.slots.get((half / 2) as usize)?;
        self.entries
            .get_mut(s as usize)
            .map(|(_, es)| &mut es[(half % 2) as usize])
    }

    /// What was observed of `half` itself (`None`: nothing).
    pub fn entry(&self, half: u32) -> Option<&Entry> {
        self.chan(half)
            .map(|c| &c[(half % 2) as usize])
            .filter(|e| !e.is_blank())
    }

    /// Halves something was observed of.
    pub fn len(&self) -> usize {
        self.entries
            .iter()
            .map(|(_, c)| c.iter().filter(|e| !e.is_blank()).count())
            .sum()
    }
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Sets bounds directly (tests, imports).
    pub fn set(&mut self, half: u32, b: LiquidityBounds) {
        let now = self.now;
        if let Some(e) = self.entry_mut(half) {
            e.min_msat = b.min_msat;
            e.max_msat = b.max_msat.max(b.min_msat);
            e.updated = now;
        }
    }

    fn entry_mut(&mut self, half: u32) -> Option<&mut Entry> {
        // both halves of the channel get a slot: the reverse's bounds inform this one's
        // (`couple_directions`)
        let slot = self.slots.get_mut((half / 2) as usize)?;
        if let Some(w) = self.known_bits.get_mut((half / 64) as usize) {
            *w |= 1 << (half % 64);
        }
        if *slot == NO_SLOT {
            *slot = self.entries.len() as u32;
            self.entries.push((half / 2, [Entry::default(); 2]));
        }
        Some(&mut self.entries[*slot as usize].1[(half % 2) as usize])
    }

    /// Effective bounds for `half` now: decayed towards `[0, capacity]`, narrowed by what is
    /// known of the reverse half (`couple_directions`), less what is in flight.
    #[inline]
    pub fn bounds(&self, half: u32, capacity_msat: u64) -> LiquidityBounds {
        if !self.has(half) {
            return LiquidityBounds::unknown(capacity_msat);
        }
        let Some(chan) = self.chan(half) else {
            return LiquidityBounds::unknown(capacity_msat);
        };
        let (own, rev) = (&chan[(half % 2) as usize], &chan[((half % 2) ^ 1) as usize]);
        let (mut min, mut max) = self.decayed(own, capacity_msat);
        if self.couple_directions && !rev.is_blank() {
            let (rmin, rmax) = self.decayed(rev, capacity_msat);
            let (cmin, cmax) = (min.max(capacity_msat - rmax), max.min(capacity_msat - rmin));
            // a contradiction (the split is not complementary): the half's own observations win
            if cmin <= cmax {
                (min, max) = (cmin, cmax);
            }
        }
        let in_flight = own.in_flight_msat;
        let min = min.saturating_sub(in_flight);
        let max = max.saturating_sub(in_flight).max(min);
        LiquidityBounds {
            min_msat: min,
            max_msat: max,
        }
    }

    /// An entry's own bounds now, decayed, within `[0, capacity]` (`min ≤ max`).
    #[inline]
    fn decayed(&self, e: &Entry, capacity_msat: u64) -> (u64, u64) {
        let mut min = e.min_msat.min(capacity_msat) as f64;
        let mut max = e.max_msat.min(capacity_msat) as f64;
        if self.half_life_secs > 0.0 && self.now > e.updated {
            let f = (-((self.now - e.updated) as f64) / self.half_life_secs).exp2();
            min *= f;
            max = capacity_msat as f64 - (capacity_msat as f64 - max) * f;
        }
        let max = (max.ceil() as u64).min(capacity_msat);
        ((min as u64).min(max), max)
    }

    /// A payment part went through every hop (`(half, amount)` pairs, payer first). With
    /// `consumed`, the liquidity moved: each half now has `amount` less, its reverse `amount`
    /// more (a real payment). Without, the payment was failed back or the network is static
    /// (a probe, or the simulator's fixed oracle).
    pub fn record_success(&mut self, hops: &[(u32, u64)], consumed: bool) {
        for &(half, amount) in hops {
            self.observe_at_least(half, amount);
            if consumed {
                let now = self.now;
                if let Some(e) = self.entry_mut(half) {
                    e.min_msat -= amount.min(e.min_msat);
                    if e.max_msat != u64::MAX {
                        e.max_msat = e.max_msat.saturating_sub(amount).max(e.min_msat);
                    }
                    e.updated = now;
                }
                if let Some(r) = self.entry_mut(HalfIdx(half).reverse().0) {
                    r.min_msat = r.min_msat.saturating_add(amount);
                    if r.max_msat != u64::MAX {
                        r.max_msat = r.max_msat.saturating_add(amount);
                    }
                    r.updated = now;
                }
            }
        }
    }

    /// A part failed at hop `failed_index`: the halves before it carried their amounts, the
    /// failing half had less than its amount.
    pub fn record_failure(&mut self, hops: &[(u32, u64)], failed_index: usize) {
        for &(half, amount) in hops.iter().take(failed_index) {
            self.observe_at_least(half, amount);
        }
        if let Some(&(half, amount)) = hops.get(failed_index) {
            self.observe_less_than(half, amount);
        }
    }

    /// Liquidity of `half` is at least `amount`.
    pub fn observe_at_least(&mut self, half: u32, amount: u64) {
        let now = self.now;
        if let Some(e) = self.entry_mut(half) {
            e.min_msat = e.min_msat.max(amount);
            if e.max_msat < e.min_msat {
                e.max_msat = u64::MAX; // the old upper bound was stale
            }
            e.updated = now;
        }
    }

    /// Liquidity of `half` is less than `amount`.
    pub fn observe_less_than(&mut self, half: u32, amount: u64) {
        let now = self.now;
        if let Some(e) = self.entry_mut(half) {
            e.max_msat = e.max_msat.min(amount.saturating_sub(1));
            if e.min_msat > e.max_msat {
                e.min_msat = 0; // the old lower bound was stale
            }
            e.updated = now;
        }
    }

    /// Marks amounts as in flight (held by pending HTLCs) on each half.
    pub fn add_in_flight(&mut self, hops: &[(u32, u64)]) {
        for &(half, amount) in hops {
            if let Some(e) = self.entry_mut(half) {
                e.in_flight_msat = e.in_flight_msat.saturating_add(amount);
            }
        }
    }

    /// Releases amounts marked by [`add_in_flight`](Self::add_in_flight).
    pub fn remove_in_flight(&mut self, hops: &[(u32, u64)]) {
        for &(half, amount) in hops {
            if let Some(e) = self.known_entry_mut(half) {
                e.in_flight_msat = e.in_flight_msat.saturating_sub(amount);
            }
        }
    }

    /// Writes the knowledge atomically, keyed by `(scid, direction)` of `g`.
    pub fn save(&self, g: &Graph, path: &Path) -> Result<(), LiquidityError> {
        let mut halves: Vec<(u32, &Entry)> = self
            .entries
            .iter()
            .flat_map(|(c, es)| [(c * 2, &es[0]), (c * 2 + 1, &es[1])])
            .filter(|(h, e)| (*h as usize) < g.half_count() && !e.is_blank())
            .collect();
        halves.sort_by_key(|(h, _)| *h);
        let mut out = Vec::with_capacity(16 + halves.len() * 33 + 8);
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&(halves.len() as u64).to_le_bytes());
        for (h, e) in halves {
            let half = HalfIdx(h);
            out.extend_from_slice(&g.scid(half.chan()).0.to_le_bytes());
            out.push(half.direction());
            out.extend_from_slice(&e.min_msat.to_le_bytes());
            out.extend_from_slice(&e.max_msat.to_le_bytes());
            out.extend_from_slice(&e.updated.to_le_bytes());
        }
        let sum = xxhash_rust::xxh3::xxh3_64(&out);
        out.extend_from_slice(&sum.to_le_bytes());
        crate::graph::file::write_atomic(path, &out).map_err(|source| LiquidityError::Io {
            path: path.to_path_buf(),
            source,
        })
    }

    /// Reads knowledge saved by [`save`](Self::save) for graph `g`; entries for channels not in
    /// `g` are dropped.
    pub fn load(g: &Graph, path: &Path) -> Result<Self, LiquidityError> {
        let p = || path.to_path_buf();
        let b = std::fs::read(path).map_err(|source| LiquidityError::Io { path: p(), source })?;
        if b.len() < 16 || &b[..8] != MAGIC {
            return Err(LiquidityError::Foreign { path: p() });
        }
        let corrupt = |reason: &str| LiquidityError::Corrupt {
            path: p(),
            reason: reason.into(),
        };
        let n = u64::from_le_bytes(b[8..16].try_into().expect("8 bytes"));
        let expect = n
            .checked_mul(33)
            .and_then(|x| x.checked_add(24))
            .ok_or_else(|| corrupt("bad entry count"))?;
        if b.len() as u64 != expect {
            return Err(corrupt("length does not match entry count"));
        }
        let body = &b[..b.len() - 8];
        if xxhash_rust::xxh3::xxh3_64(body).to_le_bytes() != b[b.len() - 8..] {
            return Err(corrupt("checksum mismatch"));
        }
        let mut k = LiquidityKnowledge::new(g.half_count());
        let u64_at = |i: usize| u64::from_le_bytes(body[i..i + 8].try_into().expect("8 bytes"));
        for i in 0..n as usize {
            let at = 16 + i * 33;
            let (scid, dir) = (Scid(u64_at(at)), body[at + 8]);
            if dir > 1 {
                return Err(corrupt("bad direction"));
            }
            let Some(c) = g.chan_idx(scid) else { continue };
            let half = HalfIdx::new(c, dir).0;
            let (min, max, updated) = (u64_at(at + 9), u64_at(at + 17), u64_at(at + 25));
            if min > max {
                return Err(corrupt("entry with min above max"));
            }
            if let Some(e) = k.entry_mut(half) {
                *e = Entry {
                    min_msat: min,
                    max_msat: max,
                    in_flight_msat: 0,
                    updated,
                };
            }
        }
        Ok(k)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failure_and_success_bounds() {
        let mut k = LiquidityKnowledge::new(10);
        k.half_life_secs = 0.0;
        let cap = 1_000_000;
        k.record_failure(&[(0, 500_000), (2, 499_000), (4, 498_000)], 1);
        assert_eq!(
            k.bounds(0, cap),
            LiquidityBounds {
                min_msat: 500_000,
                max_msat: cap
            }
        );
        assert_eq!(
            k.bounds(2, cap),
            LiquidityBounds {
                min_msat: 0,
                max_msat: 498_999
            }
        );
        assert_eq!(
            k.bounds(4, cap),
            LiquidityBounds::unknown(cap),
            "after the failure: nothing learned"
        );
        assert!(!k.has(4) && k.has(0) && k.has(2));
        k.record_success(&[(2, 100_000)], false);
        assert_eq!(
            k.bounds(2, cap),
            LiquidityBounds {
                min_msat: 100_000,
                max_msat: 498_999
            }
        );
        // contradiction: a success above the learned maximum replaces the stale maximum
        k.record_success(&[(2, 600_000)], false);
        assert_eq!(
            k.bounds(2, cap),
            LiquidityBounds {
                min_msat: 600_000,
                max_msat: cap
            }
        );
        // consumed liquidity moves to the reverse half
        k.record_success(&[(6, 300_000)], true);
        assert_eq!(k.bounds(6, cap).min_msat, 0);
        assert_eq!(k.bounds(7, cap).min_msat, 300_000);
    }

    #[test]
    fn decay_and_in_flight() {
        let mut k = LiquidityKnowledge::new(4);
        k.half_life_secs = 100.0;
        k.couple_directions = false; // the reverse halves' own decay is tested alone
        let cap = 1_000_000;
        k.record_failure(&[(0, 800_000), (2, 400_001)], 1);
        k.now = 100;
        let b0 = k.bounds(0, cap);
        let b1 = k.bounds(2, cap);
        assert_eq!(b0.min_msat, 400_000, "one half-life halves the lower bound");
        assert_eq!(
            b1.max_msat, 700_000,
            "and moves the upper bound halfway back to capacity"
        );
        k.now = 100_000;
        assert_eq!(k.bounds(0, cap), LiquidityBounds::unknown(cap));
        k.add_in_flight(&[(0, 10_000)]);
        assert_eq!(k.bounds(0, cap).max_msat, cap - 10_000);
        k.remove_in_flight(&[(0, 10_000)]);
        assert_eq!(k.bounds(0, cap).max_msat, cap);
    }

    #[test]
    fn directions_share_the_capacity() {
        let cap = 1_000_000;
        let mut k = LiquidityKnowledge::new(8);
        k.half_life_secs = 0.0;
        // half 0 carried 300k and then half 2 refused 700k
        k.record_failure(&[(0, 300_000), (2, 700_000)], 1);
        assert!(
            k.has(1) && k.has(3),
            "a channel's halves are known together"
        );
        // 0 holds at least 300k, so its reverse at most 700k
        assert_eq!(
            k.bounds(1, cap),
            LiquidityBounds {
                min_msat: 0,
                max_msat: 700_000
            }
        );
        // 2 holds less than 700k, so its reverse more than 300k
        assert_eq!(
            k.bounds(3, cap),
            LiquidityBounds {
                min_msat: 300_001,
                max_msat: cap
            }
        );
        // both directions known: each narrows the other
        k.observe_at_least(3, 500_000);
        assert_eq!(
            k.bounds(2, cap),
            LiquidityBounds {
                min_msat: 0,
                max_msat: 500_000
            }
        );
        // a direct observation that contradicts the reverse's (a depleted half, reserves)
        // wins: the reverse's bounds are then ignored for this half
        k.observe_at_least(1, 900_000);
        assert_eq!(
            k.bounds(1, cap),
            LiquidityBounds {
                min_msat: 900_000,
                max_msat: cap
            }
        );
        // in flight on the half itself still counts
        k.add_in_flight(&[(3, 100_000)]);
        assert_eq!(k.bounds(3, cap).min_msat, 400_000);
        // off: each half on its own
        k.couple_directions = false;
        assert_eq!(k.bounds(2, cap).max_msat, 699_999);
        assert_eq!(k.bounds(5, cap), LiquidityBounds::unknown(cap));
        for half in 0..8 {
            let b = k.bounds(half, cap);
            assert!(b.min_msat <= b.max_msat && b.max_msat <= cap);
        }
    }
}
