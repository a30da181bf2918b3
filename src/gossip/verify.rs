//! Signature and chain checks of queued gossip, run in parallel (rayon) with one shared
//! verification-only secp256k1 context.
//!
//! Node keys repeat across many messages (a hub signs thousands of announcements and updates), so
//! each distinct node key is parsed once ([`KeyCache`]); bitcoin keys are per channel and parsed
//! where they are used. Every check returns the rejection reason by name, never panics.

use std::collections::HashMap;
use std::sync::OnceLock;

use bitcoin::secp256k1::{ecdsa::Signature, Message, PublicKey, Secp256k1, VerifyOnly};
use rayon::prelude::*;

use super::wire::{self, ChannelAnnouncementMsg, ChannelUpdateMsg, NodeAnnouncementMsg};
use crate::types::NodeId;

/// The process-wide verification context (creating one is not free; sharing it is safe).
pub fn secp() -> &'static Secp256k1<VerifyOnly> {
    static SECP: OnceLock<Secp256k1<VerifyOnly>> = OnceLock::new();
    SECP.get_or_init(Secp256k1::verification_only)
}

/// The outcome of checking one message: `Ok` or the rejection reason, and how many signature
/// verifications were run for it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Checked {
    pub result: Result<(), &'static str>,
    pub signatures: u8,
}

impl Checked {
    fn ok(signatures: u8) -> Checked {
        Checked {
            result: Ok(()),
            signatures,
        }
    }
    fn reject(reason: &'static str, signatures: u8) -> Checked {
        Checked {
            result: Err(reason),
            signatures,
        }
    }
    pub fn is_ok(&self) -> bool {
        self.result.is_ok()
    }
}

/// Whether `sig` (64-byte compact) is a valid signature by `key` of the double-SHA256 `digest`.
pub fn check_signature(digest: &Message, sig: &[u8], key: &PublicKey) -> bool {
    match Signature::from_compact(sig) {
        Ok(s) => secp().verify_ecdsa(digest, &s, key).is_ok(),
        Err(_) => false,
    }
}

/// Parsed node public keys, one parse per distinct key (`None`: not a valid curve point).
#[derive(Default)]
pub struct KeyCache {
    keys: HashMap<NodeId, Option<PublicKey>>,
}

impl KeyCache {
    /// Parses the distinct keys among `ids` in parallel.
    pub fn build(mut ids: Vec<NodeId>) -> KeyCache {
        ids.par_sort_unstable();
        ids.dedup();
        let keys = ids
            .into_par_iter()
            .map(|id| (id, PublicKey::from_slice(&id.0).ok()))
            .collect();
        KeyCache { keys }
    }
    /// The parsed key (parsed now if it was not in the cache).
    pub fn get(&self, id: &NodeId) -> Option<PublicKey> {
        match self.keys.get(id) {
            Some(k) => *k,
            None => PublicKey::from_slice(&id.0).ok(),
        }
    }
}

/// Checks a `channel_announcement`: chain hash, then (if `verify`) all four signatures over
/// `raw[258..]` by node 1, node 2, bitcoin key 1, bitcoin key 2.
pub fn check_announcement(
    raw: &[u8],
    m: &ChannelAnnouncementMsg,
    keys: &KeyCache,
    chain_hash: &[u8; 32],
    verify: bool,
) -> Checked {
    if &m.chain_hash != chain_hash {
        return Checked::reject("wrong_chain", 0);
    }
    if !verify {
        return Checked::ok(0);
    }
    let Some((sigs, signed)) = wire::announcement_signatures(raw) else {
        return Checked::reject("malformed_message", 0);
    };
    let (Some(k1), Some(k2), Ok(b1), Ok(b2)) = (
        keys.get(&m.node_1),
        keys.get(&m.node_2),
        PublicKey::from_slice(&m.bitcoin_key_1),
        PublicKey::from_slice(&m.bitcoin_key_2),
    ) else {
        return Checked::reject("bad_key", 0);
    };
    let digest = Message::from_digest(wire::signed_digest(signed));
    let mut checked = 0u8;
    for (sig, key) in sigs.iter().zip([k1, k2, b1, b2].iter()) {
        checked += 1;
        if !check_signature(&digest, sig, key) {
            return Checked::reject("bad_signature", checked);
        }
    }
    Checked::ok(checked)
}

/// Checks a `channel_update`: chain hash, a known signer (`node_1` for direction 0, `node_2` for
/// direction 1 of the announced channel; `None` → `unknown_channel`), then its signature.
pub fn check_update(
    raw: &[u8],
    m: &ChannelUpdateMsg,
    signer: Option<&NodeId>,
    keys: &KeyCache,
    chain_hash: &[u8; 32],
    verify: bool,
) -> Checked {
    if &m.chain_hash != chain_hash {
        return Checked::reject("wrong_chain", 0);
    }
    let Some(signer) = signer else {
        return Checked::reject("unknown_channel", 0);
    };
    if !verify {
        return Checked::ok(0);
    }
    check_single(raw, signer, keys)
}

/// Checks a `node_announcement`'s signature by its own node id.
pub fn check_node_announcement(
    raw: &[u8],
    m: &NodeAnnouncementMsg,
    keys: &KeyCache,
    verify: bool,
) -> Checked {
    if !verify {
        return Checked::ok(0);
    }
    check_single(raw, &m.node_id, keys)
}

fn check_single(raw: &[u8], signer: &NodeId, keys: &KeyCache) -> Checked {
    let Some((sig, signed)) = wire::single_signature(raw) else {
        return Checked::reject("malformed_message", 0);
    };
    let Some(key) = keys.get(signer) else {
        return Checked::reject("bad_key", 0);
    };
    let digest = Message::from_digest(wire::signed_digest(signed));
    if check_signature(&digest, sig, &key) {
        Checked::ok(1)
    } else {
        Checked::reject("bad_signature", 1)
    }
}

/// Runs `check` over `items` in parallel, results in item order.
pub fn check_all<T: Sync>(
    items: &[T],
    check: impl Fn(&T) -> Checked + Sync + Send,
) -> Vec<Checked> {
    items.par_iter().map(check).collect()
}
