//! Learned liquidity knowledge: per half, bounds on its available liquidity. (Minimal for now:
//! a fixed table; learning, decay and persistence come with the simulator work.)

use std::collections::HashMap;

use super::cost::LiquidityBounds;

/// Known liquidity bounds, keyed by `HalfIdx` value; halves not listed are unknown.
#[derive(Clone, Debug, Default)]
pub struct LiquidityKnowledge {
    known: HashMap<u32, LiquidityBounds>,
}

impl LiquidityKnowledge {
    pub fn new() -> Self {
        Self::default()
    }
    pub fn set(&mut self, half: u32, b: LiquidityBounds) {
        self.known.insert(half, b);
    }
    /// Bounds for `half`, clamped to its capacity.
    #[inline]
    pub fn bounds(&self, half: u32, capacity_msat: u64) -> LiquidityBounds {
        match self.known.get(&half) {
            Some(b) => {
                let max = b.max_msat.min(capacity_msat);
                LiquidityBounds {
                    min_msat: b.min_msat.min(max),
                    max_msat: max,
                }
            }
            None => LiquidityBounds::unknown(capacity_msat),
        }
    }
    pub fn len(&self) -> usize {
        self.known.len()
    }
    pub fn is_empty(&self) -> bool {
        self.known.is_empty()
    }
}
