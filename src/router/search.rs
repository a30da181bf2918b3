//! Per-thread search state, reused across queries. Every array is stamped with an epoch, so
//! starting a new search is O(1): bump the epoch instead of clearing the arrays.
//!
//! Layout: what every relaxation reads — a node's mark (labeled / settled in this search) and its
//! cost — lives in two compact arrays (4 + 8 bytes per node, in L2 for mainnet-sized graphs);
//! the rest of a label is touched only when it improves and when its node is settled.

/// The best known way from a node to the target.
#[derive(Clone, Copy, Debug, Default)]
#[repr(C)]
pub struct Label {
    /// Sum of hop costs from this node to the target (see `cost.rs`).
    pub cost: f64,
    /// Amount that must arrive at this node (what its incoming hop carries), msat.
    pub need_msat: u64,
    /// Success probability of the hops from this node to the target.
    pub probability: f64,
    /// Sum of CLTV deltas of the hops after this node's incoming hop.
    pub cltv: u32,
    /// Hops from this node to the target.
    pub hops: u32,
    /// The half taken from this node towards the target (query-global half id).
    pub via_half: u32,
    /// The next node towards the target.
    pub next: u32,
}

impl Label {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        cost: f64,
        need_msat: u64,
        probability: f64,
        cltv: u32,
        hops: u32,
        via_half: u32,
        next: u32,
    ) -> Label {
        Label {
            cost,
            need_msat,
            probability,
            cltv,
            hops,
            via_half,
            next,
        }
    }
}

/// Counters of the work done (for benchmarks and profiles).
#[derive(Clone, Copy, Debug, Default)]
pub struct SearchStats {
    pub searches: u64,
    pub settled: u64,
    pub relaxed: u64,
    pub pushes: u64,
    /// Searches the planner wanted but did not run because the query's search budget was spent.
    pub budget_refused: u64,
    /// Searches that found nothing, and the nodes they settled (included in `settled`).
    pub failed: u64,
    pub failed_settled: u64,
    /// Searches answered at once because no half leaving the source can carry the amount.
    pub source_stuck: u64,
}

/// Reusable memory for searches on graphs of up to `capacity` nodes (grown on demand).
#[derive(Default)]
pub struct SearchState {
    epoch: u32,
    /// `2·epoch`: labeled and queued in this search; `2·epoch + 1`: settled; else unlabeled.
    mark: Vec<u32>,
    cost: Vec<f64>,
    pub(crate) labels: Vec<Label>,
    /// Indexed 4-ary min-heap of (cost, node) with decrease-key: no stale entries.
    heap: Vec<(f64, u32)>,
    /// Heap position per node while queued: a compact array apart from the labels, since every
    /// sift step writes one (valid while the node's label is current and not settled).
    heap_pos: Vec<u32>,
    /// Per-query amounts already given to earlier parts, per half id.
    used_epoch: u32,
    /// Whether any half has a `used` amount in this query (skips the lookups when not).
    pub(crate) any_used: bool,
    used_stamp: Vec<u32>,
    used_msat: Vec<u64>,
    /// Nodes that have overlay (route hint / first hop) edges entering them in this query.
    overlay_epoch: u32,
    overlay_stamp: Vec<u32>,
    /// Why the last search dropped labels (`PRUNED_*` bits).
    pub pruned: u8,
    pub stats: SearchStats,
    /// Searches the planner may still run for the current query.
    pub(crate) search_budget: u32,
    /// `head_start_node` is queued at its cost minus this (≥ 0): a lower bound on the cost of
    /// the hops still missing from any of its labels, i.e. an A* potential that is 0 on
    /// that node and this constant on every other node (consistent, since every hop costs at
    /// least that much into the source, and 0 elsewhere).
    pub(crate) source_head_start: f64,
    pub(crate) head_start_node: u32,
    /// The source's current queue key (`+∞` until it is labeled): a label of any other node
    /// costing at least this would never be popped before the source, so it is not queued.
    pub(crate) prune_above: f64,
    /// Turns the source head start (and the pruning it allows) off: for tests and benchmarks
    /// that check it changes no answer.
    #[doc(hidden)]
    pub no_head_start: bool,
    /// Turns the planner's shortcuts off (abandoning a split that can no longer win, skipping a
    /// level that would repeat the last, skipping a search a forward walk proves hopeless, or
    /// one whose source has no half that can carry the amount): for tests that check they
    /// change no answer.
    #[doc(hidden)]
    pub no_plan_shortcuts: bool,
    /// Stamps and queue of the per-query reachability check (`Router::cut_off`).
    reach_epoch: u32,
    reach_stamp: Vec<u32>,
    reach_queue: Vec<u32>,
    /// A second state for searches the planner runs on a helper thread
    /// ([`super::MppParams::parallel_levels`]); allocated on first use and kept.
    aux: Option<Box<SearchState>>,
}

pub const PRUNED_FEE: u8 = 1;
pub const PRUNED_CLTV: u8 = 2;
pub const PRUNED_HOPS: u8 = 4;

impl SearchStats {
    /// Adds what `now` counted since `before` (the same counters, read earlier).
    pub fn add_since(&mut self, now: &SearchStats, before: &SearchStats) {
        self.searches += now.searches - before.searches;
        self.settled += now.settled - before.settled;
        self.relaxed += now.relaxed - before.relaxed;
        self.pushes += now.pushes - before.pushes;
        self.budget_refused += now.budget_refused - before.budget_refused;
        self.failed += now.failed - before.failed;
        self.failed_settled += now.failed_settled - before.failed_settled;
        self.source_stuck += now.source_stuck - before.source_stuck;
    }
}

impl SearchState {
    pub fn new() -> SearchState {
        SearchState::default()
    }

    /// The helper state, ready for searches in the current query of `r`: the same overlay
    /// marks, flags and search budget, and no amounts used. Give it back with
    /// [`SearchState::give_aux`].
    pub(crate) fn take_aux(&mut self, r: &super::overlay::Resolved) -> Box<SearchState> {
        let mut aux = self.aux.take().unwrap_or_default();
        aux.begin_query(r.node_count(), r.half_count());
        for e in &r.edges {
            aux.mark_overlay(e.to);
        }
        aux.no_head_start = self.no_head_start;
        aux.no_plan_shortcuts = self.no_plan_shortcuts;
        aux.search_budget = self.search_budget;
        aux
    }

    pub(crate) fn give_aux(&mut self, aux: Box<SearchState>) {
        self.aux = Some(aux);
    }

    /// Prepares for a query on `nodes` nodes and `halves` half ids (including virtual ones).
    pub fn begin_query(&mut self, nodes: usize, halves: usize) {
        if self.labels.len() < nodes {
            self.labels.resize(nodes, Label::default());
            self.mark.resize(nodes, 0);
            self.cost.resize(nodes, 0.0);
            self.heap_pos.resize(nodes, 0);
            self.overlay_stamp.resize(nodes, 0);
            self.reach_stamp.resize(nodes, 0);
        }
        if self.used_stamp.len() < halves {
            self.used_stamp.resize(halves, 0);
            self.used_msat.resize(halves, 0);
        }
        self.used_epoch = bump(self.used_epoch, &mut self.used_stamp);
        self.any_used = false;
        self.overlay_epoch = bump(self.overlay_epoch, &mut self.overlay_stamp);
    }

    /// Starts a new search within the current query (keeps `used` amounts).
    pub fn begin_search(&mut self) {
        if self.epoch >= u32::MAX / 2 - 1 {
            self.mark.iter_mut().for_each(|m| *m = 0);
            self.epoch = 0;
        }
        self.epoch += 1;
        self.heap.clear();
        self.source_head_start = 0.0;
        self.head_start_node = u32::MAX;
        self.prune_above = f64::INFINITY;
        self.pruned = 0;
        self.stats.searches += 1;
    }

    #[inline]
    pub fn labeled(&self, v: u32) -> bool {
        self.mark[v as usize] >= 2 * self.epoch
    }
    #[inline]
    pub fn settled(&self, v: u32) -> bool {
        self.mark[v as usize] == 2 * self.epoch + 1
    }
    #[inline]
    pub fn settle(&mut self, v: u32) {
        self.mark[v as usize] = 2 * self.epoch + 1;
        self.stats.settled += 1;
    }
    /// The cost of `v`'s label, if it has one in this search (settled or not).
    #[inline]
    pub fn cost_of(&self, v: u32) -> Option<f64> {
        (self.mark[v as usize] >= 2 * self.epoch).then(|| self.cost[v as usize])
    }
    #[inline]
    pub fn label(&self, v: u32) -> &Label {
        &self.labels[v as usize]
    }
    #[inline]
    pub fn set_label(&mut self, v: u32, l: Label) {
        let queued = self.mark[v as usize] == 2 * self.epoch;
        let key = if v == self.head_start_node {
            self.prune_above = l.cost - self.source_head_start;
            self.prune_above
        } else {
            l.cost
        };
        let pos = if queued {
            self.heap_pos[v as usize] as usize
        } else {
            self.heap.push((key, v));
            self.heap.len() - 1
        };
        self.mark[v as usize] = 2 * self.epoch;
        self.cost[v as usize] = l.cost;
        self.labels[v as usize] = l;
        self.stats.pushes += 1;
        self.sift_up(pos, key, v);
    }

    /// Removes and returns the queued node with the lowest cost.
    #[inline]
    pub fn pop_min(&mut self) -> Option<u32> {
        let (_, top) = *self.heap.first()?;
        let last = self.heap.pop().expect("heap not empty");
        if !self.heap.is_empty() {
            self.sift_down(0, last.0, last.1);
        }
        Some(top)
    }

    #[inline]
    fn sift_up(&mut self, mut pos: usize, cost: f64, v: u32) {
        while pos > 0 {
            let parent = (pos - 1) / 4;
            let (pc, pv) = self.heap[parent];
            if pc <= cost {
                break;
            }
            self.heap[pos] = (pc, pv);
            self.heap_pos[pv as usize] = pos as u32;
            pos = parent;
        }
        self.heap[pos] = (cost, v);
        self.heap_pos[v as usize] = pos as u32;
    }

    #[inline]
    fn sift_down(&mut self, mut pos: usize, cost: f64, v: u32) {
        let n = self.heap.len();
        loop {
            let first = 4 * pos + 1;
            if first >= n {
                break;
            }
            let mut best = first;
            let mut best_cost = self.heap[first].0;
            for c in first + 1..(first + 4).min(n) {
                if self.heap[c].0 < best_cost {
                    best = c;
                    best_cost = self.heap[c].0;
                }
            }
            if best_cost >= cost {
                break;
            }
            let moved = self.heap[best];
            self.heap[pos] = moved;
            self.heap_pos[moved.1 as usize] = pos as u32;
            pos = best;
        }
        self.heap[pos] = (cost, v);
        self.heap_pos[v as usize] = pos as u32;
    }
    #[inline]
    pub fn used(&self, half: u32) -> u64 {
        if self.any_used && self.used_stamp[half as usize] == self.used_epoch {
            self.used_msat[half as usize]
        } else {
            0
        }
    }
    pub fn add_used(&mut self, half: u32, amount_msat: u64) {
        let u = self.used(half);
        self.any_used = true;
        self.used_stamp[half as usize] = self.used_epoch;
        self.used_msat[half as usize] = u.saturating_add(amount_msat);
    }
    /// Forgets every `used` amount of this query (a new split attempt).
    pub fn clear_used(&mut self) {
        self.any_used = false;
        self.used_epoch = bump(self.used_epoch, &mut self.used_stamp);
    }
    /// Starts a breadth-first walk from `start` (see [`SearchState::reach_next`]).
    pub(crate) fn reach_begin(&mut self, start: u32) {
        self.reach_epoch = bump(self.reach_epoch, &mut self.reach_stamp);
        self.reach_queue.clear();
        self.reach_visit(start);
    }
    /// Marks `v` reached; queues it if it was not. Returns whether it was new.
    pub(crate) fn reach_visit(&mut self, v: u32) -> bool {
        let s = &mut self.reach_stamp[v as usize];
        if *s == self.reach_epoch {
            return false;
        }
        *s = self.reach_epoch;
        self.reach_queue.push(v);
        true
    }
    /// The next reached node to expand (order does not matter for reachability).
    pub(crate) fn reach_next(&mut self) -> Option<u32> {
        self.reach_queue.pop()
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
