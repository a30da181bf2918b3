//! A bare fee-only backward Dijkstra over the same CSR, with no budgets, exclusions, overlays
//! or probabilities: the speed yardstick the benchmarks compare the full engine with.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use super::cost::fee_msat;
use crate::graph::Graph;

/// Reusable memory for [`bare_fee_dijkstra`].
#[derive(Default)]
pub struct BareState {
    epoch: u32,
    stamp: Vec<u32>,
    dist: Vec<u64>,
    done: Vec<u32>,
    heap: BinaryHeap<Reverse<(u64, u32)>>,
}

/// Cheapest total amount the source must send so that `amount_msat` reaches the target (fees
/// on the forwarded amount; htlc limits and capacity respected), or `None`.
pub fn bare_fee_dijkstra(
    g: &Graph,
    source: u32,
    target: u32,
    amount_msat: u64,
    st: &mut BareState,
) -> Option<u64> {
    let n = g.node_count();
    if st.stamp.len() < n {
        st.stamp.resize(n, 0);
        st.dist.resize(n, 0);
        st.done.resize(n, 0);
    }
    st.epoch += 1;
    let e = st.epoch;
    st.heap.clear();
    let d = g.data();
    let offsets = d.route_in_offsets.as_slice();
    let edges = d.route_in.as_slice();
    st.stamp[target as usize] = e;
    st.dist[target as usize] = amount_msat;
    st.heap.push(Reverse((amount_msat, target)));
    while let Some(Reverse((need, v))) = st.heap.pop() {
        if st.done[v as usize] == e {
            continue;
        }
        st.done[v as usize] = e;
        if v == source {
            return Some(need);
        }
        let (s, t) = (
            offsets[v as usize].to_native() as usize,
            offsets[v as usize + 1].to_native() as usize,
        );
        for ae in &edges[s..t] {
            let u = ae.from.to_native();
            if st.done[u as usize] == e
                || need < ae.htlc_minimum_msat.to_native()
                || need > ae.htlc_maximum_msat.to_native()
            {
                continue;
            }
            let nu = if u == source {
                need
            } else {
                need + fee_msat(ae.base_fee_msat.to_native(), ae.fee_ppm.to_native(), need)
            };
            if st.stamp[u as usize] != e || nu < st.dist[u as usize] {
                st.stamp[u as usize] = e;
                st.dist[u as usize] = nu;
                st.heap.push(Reverse((nu, u)));
            }
        }
    }
    None
}
