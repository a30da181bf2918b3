//! Route queries and answers (SPEC §4): the JSON shapes, their defaults, and the resolution of
//! public ids into graph indices.

use serde::{Deserialize, Serialize};

use crate::types::{NodeId, Scid};

/// A route query as users send it. Only `source`, `target` and `amount_msat` are required.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Query {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<serde_json::Value>,
    pub source: String,
    pub target: String,
    pub amount_msat: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_fee_msat: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub final_cltv_expiry_delta: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_total_cltv_expiry_delta: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_hops: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_parts: Option<u32>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub exclude_nodes: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub exclude_channels: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub route_hints: Vec<Vec<RouteHintHop>>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub first_hops: Vec<FirstHop>,
}

/// One hop of a BOLT #11 route hint: the private channel from `from` towards the target.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct RouteHintHop {
    pub from: String,
    pub channel: String,
    #[serde(default)]
    pub base_fee_msat: u32,
    #[serde(default)]
    pub fee_ppm: u32,
    #[serde(default)]
    pub cltv_expiry_delta: u16,
    #[serde(default)]
    pub htlc_minimum_msat: Option<u64>,
    #[serde(default)]
    pub htlc_maximum_msat: Option<u64>,
}

/// One of the source's own channels with its exact spendable amount.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct FirstHop {
    pub channel: String,
    pub to: String,
    pub outbound_msat: u64,
}

pub const DEFAULT_FINAL_CLTV: u32 = 144;
pub const DEFAULT_MAX_TOTAL_CLTV: u32 = 1008;
pub const DEFAULT_MAX_HOPS: u32 = 20;
pub const DEFAULT_MAX_PARTS: u32 = 10;

/// SPEC default fee budget: 50,000 msat + 1 % of the amount.
pub fn default_max_fee_msat(amount_msat: u64) -> u64 {
    50_000u64.saturating_add(amount_msat / 100)
}

impl Query {
    pub fn new(source: NodeId, target: NodeId, amount_msat: u64) -> Query {
        Query {
            source: source.to_hex(),
            target: target.to_hex(),
            amount_msat,
            ..Default::default()
        }
    }
    pub fn max_fee(&self) -> u64 {
        self.max_fee_msat
            .unwrap_or_else(|| default_max_fee_msat(self.amount_msat))
    }
    pub fn final_cltv(&self) -> u32 {
        self.final_cltv_expiry_delta.unwrap_or(DEFAULT_FINAL_CLTV)
    }
    pub fn max_total_cltv(&self) -> u32 {
        self.max_total_cltv_expiry_delta
            .unwrap_or(DEFAULT_MAX_TOTAL_CLTV)
    }
    pub fn hops_limit(&self) -> u32 {
        self.max_hops.unwrap_or(DEFAULT_MAX_HOPS)
    }
    pub fn parts_limit(&self) -> u32 {
        self.max_parts.unwrap_or(DEFAULT_MAX_PARTS)
    }
}

/// One hop of an answer (SPEC §4): `amount_msat` crosses `channel` from `from` to `to`;
/// `fee_msat` and `cltv_expiry_delta` are what `from` charges (0 on the first hop).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct Hop {
    pub channel: Scid,
    pub from: NodeId,
    pub to: NodeId,
    pub amount_msat: u64,
    pub fee_msat: u64,
    pub cltv_expiry_delta: u32,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Part {
    pub amount_msat: u64,
    pub fee_msat: u64,
    pub cltv_expiry_delta: u32,
    pub probability: f64,
    pub hops: Vec<Hop>,
}

/// An answer. `status` is `ok`, `no_route` (with `reason`) or `error` (with `error`).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Answer {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<serde_json::Value>,
    pub status: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount_msat: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fee_msat: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cltv_expiry_delta: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub probability: Option<f64>,
    pub elapsed_us: u64,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub parts: Vec<Part>,
}

/// Why no route was returned (`reason` of a `no_route` answer).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NoRoute {
    UnknownNode,
    NoPath,
    InsufficientCapacity,
    FeeBudget,
    CltvBudget,
    HopLimit,
    /// A route exists but the engine's estimate that it succeeds is below the payer's floor
    /// (the simulator's `--min-probability`); never returned by [`super::Router::route`] itself.
    LowProbability,
}

impl NoRoute {
    pub fn as_str(self) -> &'static str {
        match self {
            NoRoute::UnknownNode => "unknown_node",
            NoRoute::NoPath => "no_path",
            NoRoute::InsufficientCapacity => "insufficient_capacity",
            NoRoute::FeeBudget => "fee_budget",
            NoRoute::CltvBudget => "cltv_budget",
            NoRoute::HopLimit => "hop_limit",
            NoRoute::LowProbability => "low_probability",
        }
    }
}

impl Answer {
    pub fn ok(
        id: Option<serde_json::Value>,
        amount_msat: u64,
        parts: Vec<Part>,
        probability: f64,
    ) -> Answer {
        let fee_msat = parts.iter().map(|p| p.fee_msat).sum();
        let cltv = parts.iter().map(|p| p.cltv_expiry_delta).max().unwrap_or(0);
        Answer {
            id,
            status: "ok".into(),
            reason: None,
            error: None,
            amount_msat: Some(amount_msat),
            fee_msat: Some(fee_msat),
            cltv_expiry_delta: Some(cltv),
            probability: Some(probability),
            elapsed_us: 0,
            parts,
        }
    }
    pub fn no_route(id: Option<serde_json::Value>, reason: NoRoute) -> Answer {
        Answer {
            id,
            status: "no_route".into(),
            reason: Some(reason.as_str().into()),
            error: None,
            amount_msat: None,
            fee_msat: None,
            cltv_expiry_delta: None,
            probability: None,
            elapsed_us: 0,
            parts: Vec::new(),
        }
    }
    pub fn error(id: Option<serde_json::Value>, message: impl Into<String>) -> Answer {
        Answer {
            id,
            status: "error".into(),
            reason: None,
            error: Some(message.into()),
            amount_msat: None,
            fee_msat: None,
            cltv_expiry_delta: None,
            probability: None,
            elapsed_us: 0,
            parts: Vec::new(),
        }
    }
    pub fn is_ok(&self) -> bool {
        self.status == "ok"
    }
}
