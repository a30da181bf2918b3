//! LDK as a simulated router (SPEC §7 `--compare-ldk`): what LDK's ChannelManager does around
//! `find_route`. One `ProbabilisticScorer` serves the whole run and learns through LDK's own
//! `ScoreUpdate` calls: `payment_path_failed(path, scid)` for a part that failed at `scid`,
//! `probe_successful(path)` for a part that reached the payee in an attempt that failed (it was
//! failed back), `payment_path_successful(path)` for every part of a paid attempt. Channels where
//! parts failed are passed as `previously_failed_channels` for the rest of the payment. The
//! clock never moves (`time_passed` is never called), so the scorer's bounds do not decay.

use std::sync::Arc;

use lightning::routing::router::{Path, RouteHop};
use lightning::routing::scoring::ScoreUpdate;
use lightning::types::features::{ChannelFeatures, NodeFeatures};

use super::attempt::PartOutcome;
use super::run::{sim_clock, SimRouter};
use crate::graph::Graph;
use crate::ldk::LdkRouter;
use crate::router::{Answer, Part, Query};
use crate::types::Scid;

/// LDK's router ([`LdkRouter`]: its `NetworkGraph` built from ours, default scorer parameters,
/// fixed seed) as the simulator drives it.
pub struct LdkSim {
    inner: LdkRouter,
}

impl LdkSim {
    /// Builds LDK's graph from `g` (about a second on the 2026 mainnet graph).
    pub fn new(g: Arc<Graph>) -> LdkSim {
        LdkSim {
            inner: LdkRouter::new(g),
        }
    }
    pub fn inner(&self) -> &LdkRouter {
        &self.inner
    }
}

impl SimRouter for LdkSim {
    fn name(&self) -> &'static str {
        "ldk"
    }

    /// `find_route` with the failed channels added to the query's exclusions, which the
    /// adapter hands to LDK as `previously_failed_channels`; `max_path_count` = `max_parts`.
    fn route(&mut self, q: &Query, failed_channels: &[Scid]) -> Answer {
        let max_paths = q.parts_limit().clamp(1, u8::MAX as u32) as u8;
        if failed_channels.is_empty() {
            return self.inner.route(q, max_paths);
        }
        let mut q = q.clone();
        for c in failed_channels {
            let s = c.to_string();
            if !q.exclude_channels.contains(&s) {
                q.exclude_channels.push(s);
            }
        }
        self.inner.route(&q, max_paths)
    }

    fn learn(&mut self, q: &Query, answer: &Answer, parts: &[PartOutcome], paid: bool) {
        teach(self.inner.scorer_mut(), answer, q.final_cltv(), parts, paid);
    }
}

/// LDK's `Path` for a SPEC §4 part: LDK's hop k carries the fee and CLTV delta that the node
/// reached by hop k charges for hop k + 1; its last hop carries the amount delivered and the
/// final CLTV. `None` if a node id is not a valid public key.
pub fn ldk_path(part: &Part, final_cltv: u32) -> Option<Path> {
    let n = part.hops.len();
    let mut hops = Vec::with_capacity(n);
    for (k, h) in part.hops.iter().enumerate() {
        let (fee_msat, cltv_expiry_delta) = match part.hops.get(k + 1) {
            Some(next) => (next.fee_msat, next.cltv_expiry_delta),
            None => (part.amount_msat, final_cltv),
        };
        hops.push(RouteHop {
            pubkey: bitcoin::secp256k1::PublicKey::from_slice(&h.to.0).ok()?,
            node_features: NodeFeatures::empty(),
            short_channel_id: h.channel.0,
            channel_features: ChannelFeatures::empty(),
            fee_msat,
            cltv_expiry_delta,
            maybe_announced_channel: true,
        });
    }
    Some(Path {
        hops,
        blinded_tail: None,
    })
}

/// Teaches `scorer` what one attempt showed, as LDK's ChannelManager would (module docs).
pub fn teach<S: ScoreUpdate>(
    scorer: &mut S,
    answer: &Answer,
    final_cltv: u32,
    parts: &[PartOutcome],
    paid: bool,
) {
    let now = sim_clock();
    for (p, out) in answer.parts.iter().zip(parts) {
        let Some(path) = ldk_path(p, final_cltv) else {
            continue;
        };
        match out.failed_at {
            Some(i) => scorer.payment_path_failed(&path, out.hops[i].channel.0, now),
            None if paid => scorer.payment_path_successful(&path, now),
            None => scorer.probe_successful(&path, now),
        }
    }
}
