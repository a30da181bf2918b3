//! LDK (`lightning` 0.2) as the comparison peer: an LDK [`NetworkGraph`] built from the same
//! channels as an lnroute [`Graph`], LDK's `find_route` with a default [`ProbabilisticScorer`],
//! and the translation of LDK's [`Route`] into a SPEC §4 [`Answer`] so both engines are
//! checked and measured the same way.
//!
//! Building the graph (see `../shared/LDK-NOTES.md`): every channel with at least one half that
//! has a policy is added with `add_channel_from_partial_announcement` (real capacity, no UTXO
//! lookup); each half with a policy gets an `update_channel_unsigned` (current timestamp, because
//! LDK rejects updates older than two weeks; `htlc_maximum_msat` clamped to the capacity; the
//! disabled flag in `channel_flags` bit 1). A half without a policy gets a disabled placeholder,
//! because LDK uses neither direction of a channel until both have an update.
//!
//! Translation: LDK's `RouteHop` k carries the fee and CLTV delta that the node *reached* by hop k
//! charges for hop k + 1, and the last hop's `fee_msat` is the amount delivered; SPEC hop k
//! carries what its `from` node charges. LDK also adds a random "shadow" CLTV offset to the final
//! hop; the answer's CLTV is computed without it (the offset is reported separately).
//!
//! Randomness: `find_route` takes 32 seed bytes; [`LdkRouter`] passes fixed ones, so runs are
//! repeatable.

use std::sync::Arc;
use std::time::Instant;

use bitcoin::constants::ChainHash;
use bitcoin::secp256k1::PublicKey;
use bitcoin::Network;
use lightning::ln::msgs::UnsignedChannelUpdate;
use lightning::routing::gossip::{NetworkGraph, NodeId as LdkNodeId};
use lightning::routing::router::{
    find_route, PaymentParameters, Route, RouteHint, RouteHintHop, RouteParameters,
};
use lightning::routing::scoring::{
    ProbabilisticScorer, ProbabilisticScoringDecayParameters, ProbabilisticScoringFeeParameters,
};
use lightning::types::features::{Bolt11InvoiceFeatures, ChannelFeatures};
use lightning::types::routing::RoutingFees;
use lightning::util::logger::{Logger, Record};

use crate::graph::Graph;
use crate::router::cost::{success_probability, LiquidityBounds};
use crate::router::{Answer, Hop, NoRoute, Part, Query};
use crate::types::{ChanIdx, HalfIdx, NodeId, Scid};

/// A logger that drops everything (LDK logs every gossip message at `Gossip` level).
pub struct NullLogger;

impl Logger for NullLogger {
    fn log(&self, _record: Record) {}
}

/// The one logger instance LDK objects here hold a reference to.
pub static NULL_LOGGER: NullLogger = NullLogger;

/// LDK's network graph as used here.
pub type LdkGraph = NetworkGraph<&'static NullLogger>;
/// LDK's default scorer over that graph (shared through an `Arc` so it can be taught later
/// through `ScoreUpdate` while the graph stays accessible).
pub type LdkScorer = ProbabilisticScorer<Arc<LdkGraph>, &'static NullLogger>;

/// The fixed seed handed to `find_route` (payment-path randomisation and the shadow CLTV).
pub const DEFAULT_SEED: [u8; 32] = *b"lnroute-ldk-compare-fixed-seed!!";

/// What building the LDK graph did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BuildStats {
    /// Channels added (those with at least one half that has a policy).
    pub channels: u64,
    /// Channels skipped because neither half has a policy.
    pub channels_without_policy: u64,
    /// Halves given their real policy (enabled or disabled).
    pub halves: u64,
    /// Halves whose `htlc_maximum_msat` was above the capacity and was clamped.
    pub htlc_max_clamped: u64,
    /// Disabled placeholders added for halves without a policy.
    pub placeholders: u64,
    /// Channels or updates LDK refused, with its reason (first few kept in `rejected_examples`).
    pub rejected: u64,
    pub rejected_examples: Vec<String>,
}

/// Builds an LDK [`NetworkGraph`] holding every channel of `g` that has at least one half with
/// a policy. `now` is the timestamp given to announcements and updates (use the current time:
/// LDK refuses updates older than two weeks).
pub fn build_network_graph(g: &Graph, now: u32) -> (LdkGraph, BuildStats) {
    let net = NetworkGraph::new(Network::Bitcoin, &NULL_LOGGER);
    let mut st = BuildStats::default();
    let chain_hash = ChainHash::using_genesis_block(Network::Bitcoin);
    let reject = |st: &mut BuildStats, what: String| {
        st.rejected += 1;
        if st.rejected_examples.len() < 8 {
            st.rejected_examples.push(what);
        }
    };
    for c in 0..g.channel_count() as u32 {
        let c = ChanIdx(c);
        let halves = [HalfIdx::new(c, 0), HalfIdx::new(c, 1)];
        let policies = halves.map(|h| g.half_policy(h));
        if policies.iter().all(Option::is_none) {
            st.channels_without_policy += 1;
            continue;
        }
        let scid = g.scid(c);
        let capacity_sat = g.capacity_sat(c);
        let (n1, n2) = g.chan_nodes(c);
        let added = net.add_channel_from_partial_announcement(
            scid.0,
            Some(capacity_sat),
            now as u64,
            ChannelFeatures::empty(),
            ldk_node_id(&g.node_id(n1)),
            ldk_node_id(&g.node_id(n2)),
        );
        if let Err(e) = added {
            reject(&mut st, format!("channel {scid}: {}", e.err));
            continue;
        }
        st.channels += 1;
        let capacity_msat = capacity_sat.saturating_mul(1000);
        for (dir, p) in policies.iter().enumerate() {
            let mut upd = UnsignedChannelUpdate {
                chain_hash,
                short_channel_id: scid.0,
                timestamp: now,
                message_flags: 1,
                channel_flags: dir as u8 | 2,
                cltv_expiry_delta: 0,
                htlc_minimum_msat: 0,
                htlc_maximum_msat: 0,
                fee_base_msat: 0,
                fee_proportional_millionths: 0,
                excess_data: Vec::new(),
            };
            match p {
                Some(p) => {
                    if p.htlc_maximum_msat > capacity_msat {
                        st.htlc_max_clamped += 1;
                    }
                    upd.channel_flags = dir as u8 | if p.disabled { 2 } else { 0 };
                    upd.cltv_expiry_delta = p.cltv_expiry_delta;
                    upd.htlc_minimum_msat = p.htlc_minimum_msat;
                    upd.htlc_maximum_msat = p.htlc_maximum_msat.min(capacity_msat);
                    upd.fee_base_msat = p.base_fee_msat;
                    upd.fee_proportional_millionths = p.fee_ppm;
                    st.halves += 1;
                }
                None => st.placeholders += 1,
            }
            if let Err(e) = net.update_channel_unsigned(&upd) {
                reject(&mut st, format!("update {scid}/{dir}: {}", e.err));
            }
        }
    }
    (net, st)
}

/// LDK's node id for ours (the same 33 bytes; LDK does not check the curve point here).
pub fn ldk_node_id(id: &NodeId) -> LdkNodeId {
    // `from_slice` only checks the length, which a `NodeId` always has: the fallback is dead.
    LdkNodeId::from_slice(&id.0).unwrap_or_else(|_| LdkNodeId::from_pubkey(&fallback_key()))
}

fn fallback_key() -> PublicKey {
    let secp = bitcoin::secp256k1::Secp256k1::signing_only();
    let one = bitcoin::secp256k1::SecretKey::from_slice(&[1; 32]);
    match one {
        Ok(sk) => PublicKey::from_secret_key(&secp, &sk),
        Err(_) => unreachable!("[1; 32] is a valid secret key"),
    }
}

/// The outcome of one LDK route call, with what the SPEC answer does not show.
#[derive(Clone, Debug)]
pub struct LdkOutcome {
    /// The translated answer (`elapsed_us` = time spent in `find_route` only).
    pub answer: Answer,
    /// LDK's own error message when it found no route.
    pub ldk_error: Option<String>,
    /// Nanoseconds spent in `find_route`.
    pub find_route_ns: u64,
    /// The random shadow CLTV offset LDK added to each path (removed from the answer).
    pub shadow_cltv: Vec<u32>,
}

/// LDK's router over a graph built from an lnroute [`Graph`]: the LDK graph, its default
/// probabilistic scorer, the scoring fee parameters and a fixed random seed.
pub struct LdkRouter {
    lnr: Arc<Graph>,
    graph: Arc<LdkGraph>,
    scorer: LdkScorer,
    fee_params: ProbabilisticScoringFeeParameters,
    seed: [u8; 32],
    build: BuildStats,
}

impl LdkRouter {
    /// Builds LDK's graph from `g` (timestamps = now) and a scorer with default parameters.
    pub fn new(g: Arc<Graph>) -> LdkRouter {
        let now = crate::graph::now_unix().min(u32::MAX as u64) as u32;
        let (net, build) = build_network_graph(&g, now);
        let graph = Arc::new(net);
        let scorer = ProbabilisticScorer::new(
            ProbabilisticScoringDecayParameters::default(),
            Arc::clone(&graph),
            &NULL_LOGGER,
        );
        LdkRouter {
            lnr: g,
            graph,
            scorer,
            fee_params: ProbabilisticScoringFeeParameters::default(),
            seed: DEFAULT_SEED,
            build,
        }
    }

    pub fn with_seed(mut self, seed: [u8; 32]) -> LdkRouter {
        self.seed = seed;
        self
    }
    /// The lnroute graph this router was built from.
    pub fn lnroute_graph(&self) -> &Arc<Graph> {
        &self.lnr
    }
    /// LDK's network graph.
    pub fn graph(&self) -> &Arc<LdkGraph> {
        &self.graph
    }
    pub fn scorer(&self) -> &LdkScorer {
        &self.scorer
    }
    /// For teaching the scorer (`ScoreUpdate::payment_path_failed` etc.).
    pub fn scorer_mut(&mut self) -> &mut LdkScorer {
        &mut self.scorer
    }
    pub fn fee_params(&self) -> &ProbabilisticScoringFeeParameters {
        &self.fee_params
    }
    pub fn fee_params_mut(&mut self) -> &mut ProbabilisticScoringFeeParameters {
        &mut self.fee_params
    }
    pub fn build_stats(&self) -> &BuildStats {
        &self.build
    }

    /// Routes `q` with LDK, as many paths as the query allows (`max_parts`, default 10).
    pub fn ldk_route(&self, q: &Query) -> Answer {
        self.route(q, q.parts_limit().clamp(1, u8::MAX as u32) as u8)
    }

    /// Routes `q` with LDK allowing at most `max_paths` paths (1 = single path; more sets the
    /// payee's `basic_mpp` feature, without which LDK never splits).
    pub fn route(&self, q: &Query, max_paths: u8) -> Answer {
        self.route_detailed(q, max_paths).answer
    }

    /// As [`LdkRouter::route`], with LDK's error message, its time and the shadow CLTV offsets.
    pub fn route_detailed(&self, q: &Query, max_paths: u8) -> LdkOutcome {
        let fail = |answer: Answer, msg: Option<String>| LdkOutcome {
            answer,
            ldk_error: msg,
            find_route_ns: 0,
            shadow_cltv: Vec::new(),
        };
        let (params, payer) = match self.params(q, max_paths) {
            Ok(x) => x,
            Err(a) => return fail(*a, None),
        };
        let banned;
        let fee_params = if q.exclude_nodes.is_empty() {
            &self.fee_params
        } else {
            let mut p = self.fee_params.clone();
            for n in &q.exclude_nodes {
                if let Ok(id) = n.parse::<NodeId>() {
                    p.add_banned(&ldk_node_id(&id));
                }
            }
            banned = p;
            &banned
        };
        let start = Instant::now();
        let res = find_route(
            &payer,
            &params,
            &self.graph,
            None,
            &NULL_LOGGER,
            &self.scorer,
            fee_params,
            &self.seed,
        );
        let find_route_ns = start.elapsed().as_nanos().min(u64::MAX as u128) as u64;
        let mut out = match res {
            Ok(route) => {
                let (answer, shadow_cltv) = translate(&self.lnr, q, &route);
                LdkOutcome {
                    answer,
                    ldk_error: None,
                    find_route_ns,
                    shadow_cltv,
                }
            }
            Err(e) => LdkOutcome {
                answer: Answer::no_route(None, NoRoute::NoPath),
                ldk_error: Some(e.to_string()),
                find_route_ns,
                shadow_cltv: Vec::new(),
            },
        };
        out.answer.id = q.id.clone();
        out.answer.elapsed_us = find_route_ns / 1000;
        out
    }

    /// LDK route parameters and payer key for `q`; `Err` is the answer to give instead.
    fn params(
        &self,
        q: &Query,
        max_paths: u8,
    ) -> Result<(RouteParameters, PublicKey), Box<Answer>> {
        let err = |m: String| Box::new(Answer::error(q.id.clone(), m));
        let key = |s: &str, what: &str| -> Result<PublicKey, Box<Answer>> {
            let id: NodeId = s.parse().map_err(|e| err(format!("{what}: {e}")))?;
            PublicKey::from_slice(&id.0).map_err(|e| err(format!("{what}: not a public key: {e}")))
        };
        let payer = key(&q.source, "source")?;
        let payee = key(&q.target, "target")?;
        if !q.first_hops.is_empty() {
            return Err(err("first_hops are not supported by the LDK adapter".into()));
        }
        if q.amount_msat == 0 {
            return Err(err("amount_msat must be positive".into()));
        }
        let mut pp = PaymentParameters::from_node_id(payee, q.final_cltv())
            .with_max_total_cltv_expiry_delta(q.max_total_cltv())
            .with_max_path_count(max_paths.max(1));
        pp.max_path_length = q.hops_limit().min(u8::MAX as u32) as u8;
        if max_paths > 1 {
            let mut f = Bolt11InvoiceFeatures::empty();
            f.set_variable_length_onion_required();
            f.set_payment_secret_required();
            f.set_basic_mpp_optional();
            pp = pp
                .with_bolt11_features(f)
                .map_err(|_| err("LDK refused the payee features".into()))?;
        }
        if !q.route_hints.is_empty() {
            let mut hints = Vec::with_capacity(q.route_hints.len());
            for h in &q.route_hints {
                let mut hops = Vec::with_capacity(h.len());
                for hop in h {
                    let scid: Scid = hop
                        .channel
                        .parse()
                        .map_err(|e| err(format!("route hint: {e}")))?;
                    hops.push(RouteHintHop {
                        src_node_id: key(&hop.from, "route hint")?,
                        short_channel_id: scid.0,
                        fees: RoutingFees {
                            base_msat: hop.base_fee_msat,
                            proportional_millionths: hop.fee_ppm,
                        },
                        cltv_expiry_delta: hop.cltv_expiry_delta,
                        htlc_minimum_msat: hop.htlc_minimum_msat,
                        htlc_maximum_msat: hop.htlc_maximum_msat,
                    });
                }
                hints.push(RouteHint(hops));
            }
            pp = pp
                .with_route_hints(hints)
                .map_err(|_| err("LDK refused the route hints".into()))?;
        }
        for c in &q.exclude_channels {
            let scid: Scid = c
                .parse()
                .map_err(|e| err(format!("exclude_channels: {e}")))?;
            pp.previously_failed_channels.push(scid.0);
        }
        let mut rp = RouteParameters::from_payment_params_and_value(pp, q.amount_msat);
        rp.max_total_routing_fee_msat = Some(q.max_fee());
        Ok((rp, payer))
    }
}

/// Translates LDK's route into a SPEC §4 answer (see the module docs for the hop shift) and
/// returns the shadow CLTV offset LDK added to each path. `probability` is
/// [`model_probability`] of the parts: lnroute's uniform-liquidity model with nothing known,
/// so routes of both engines can be compared on one scale. A path whose final hop carries a
/// CLTV below the query's final delta gives a shadow offset of 0 and an answer the SPEC
/// checker will reject (LDK would then have used a different final delta).
pub fn translate(g: &Graph, q: &Query, route: &Route) -> (Answer, Vec<u32>) {
    let source: Option<NodeId> = q.source.parse().ok();
    let final_cltv = q.final_cltv();
    let mut parts = Vec::with_capacity(route.paths.len());
    let mut shadow = Vec::with_capacity(route.paths.len());
    for path in &route.paths {
        let hops = &path.hops;
        let Some(last) = hops.last() else {
            continue;
        };
        let delivered = last.fee_msat;
        let n = hops.len();
        // amount[k] = delivered + Σ_{j = k}^{n - 2} ldk_fee[j]
        let mut amounts = vec![delivered; n];
        for k in (0..n.saturating_sub(1)).rev() {
            amounts[k] = amounts[k + 1].saturating_add(hops[k].fee_msat);
        }
        let mut out = Vec::with_capacity(n);
        let mut cltv_sum = 0u32;
        for (k, h) in hops.iter().enumerate() {
            let from = if k == 0 {
                source.unwrap_or(NodeId([0; 33]))
            } else {
                NodeId(hops[k - 1].pubkey.serialize())
            };
            let (fee, cltv) = if k == 0 {
                (0, 0)
            } else {
                (hops[k - 1].fee_msat, hops[k - 1].cltv_expiry_delta)
            };
            cltv_sum = cltv_sum.saturating_add(cltv);
            out.push(Hop {
                channel: Scid(h.short_channel_id),
                from,
                to: NodeId(h.pubkey.serialize()),
                amount_msat: amounts[k],
                fee_msat: fee,
                cltv_expiry_delta: cltv,
            });
        }
        shadow.push(last.cltv_expiry_delta.saturating_sub(final_cltv));
        parts.push(Part {
            amount_msat: delivered,
            fee_msat: amounts[0].saturating_sub(delivered),
            cltv_expiry_delta: final_cltv.saturating_add(cltv_sum),
            probability: 1.0,
            hops: out,
        });
    }
    let probability = model_probability(g, &mut parts);
    let total: u64 = parts.iter().map(|p| p.amount_msat).sum();
    let mut a = Answer::ok(q.id.clone(), total, parts, probability);
    if a.parts.is_empty() {
        a = Answer::no_route(q.id.clone(), NoRoute::NoPath);
    }
    (a, shadow)
}

/// Success probability of an answer's parts under lnroute's uniform-liquidity model with no
/// knowledge (each half's liquidity uniform in [0, capacity]; parts sharing a half are
/// conditioned on one another, in part order). Sets each part's `probability` and returns
/// the product. Halves not in the graph (route hints) count as certain.
pub fn model_probability(g: &Graph, parts: &mut [Part]) -> f64 {
    let mut used: std::collections::HashMap<(Scid, NodeId), u64> = Default::default();
    let mut total = 1.0;
    for part in parts.iter_mut() {
        let mut p = 1.0;
        for h in &part.hops {
            let cap = g
                .node_idx(&h.from)
                .and_then(|f| g.half_by_scid_from(h.channel, f))
                .map(|half| g.capacity_sat(half.chan()).saturating_mul(1000));
            let Some(cap) = cap else {
                continue;
            };
            let u = used.entry((h.channel, h.from)).or_insert(0);
            p *= success_probability(LiquidityBounds::unknown(cap), *u, h.amount_msat);
            *u = u.saturating_add(h.amount_msat);
        }
        part.probability = p;
        total *= p;
    }
    total
}
