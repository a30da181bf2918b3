//! Queue of signed BOLT #7 messages (from gossip_store and bolt7 inputs), verified in parallel
//! and applied in input order. (Filled in by the signed-gossip work.)

use super::collect::Collector;

#[derive(Default)]
pub struct SignedQueue {}

impl SignedQueue {
    pub fn apply(self, _collector: &mut Collector) {}
}
