//! Results of a simulation (SPEC §7): per router and for the max-flow bound, overall and per
//! decade bucket of the amount in sat (`[10^k, 10^(k+1))`, the top end of the range counting in
//! the last bucket); the `--json` shape, and the table printed on stderr.
//!
//! Means (attempts, fee ppm) are over paid payments; `mean_fee_ppm` is the mean over paid
//! payments of `fee / amount × 10⁶`; `route_us_p50` is the median time of every route call
//! (attempts and `no_route` answers alike).

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::Serialize;

use super::run::PaymentResult;

/// Decade buckets over `[min_sat, max_sat]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Buckets {
    first_k: u32,
    last_k: u32,
}

fn ilog10(x: u64) -> u32 {
    x.max(1).ilog10()
}

impl Buckets {
    /// Buckets covering `[min_sat, max_sat]`; a `max_sat` that is a power of ten above
    /// `min_sat` is counted in the bucket below it.
    pub fn new(min_sat: u64, max_sat: u64) -> Buckets {
        let (lo, hi) = (min_sat.max(1), max_sat.max(min_sat).max(1));
        let first_k = ilog10(lo);
        let mut last_k = ilog10(hi);
        if last_k > first_k && 10u64.pow(last_k) == hi {
            last_k -= 1;
        }
        Buckets { first_k, last_k }
    }
    pub fn len(&self) -> usize {
        (self.last_k - self.first_k + 1) as usize
    }
    pub fn is_empty(&self) -> bool {
        false
    }
    /// Bucket of an amount in msat (whole sats, clamped to the range).
    pub fn index(&self, amount_msat: u64) -> usize {
        let k = ilog10(amount_msat / 1000).clamp(self.first_k, self.last_k);
        (k - self.first_k) as usize
    }
    /// `(min_sat, max_sat)` of bucket `i`.
    pub fn bounds(&self, i: usize) -> (u64, u64) {
        let k = self.first_k + i as u32;
        (10u64.pow(k), 10u64.saturating_pow(k + 1))
    }
}

#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct RouterBucket {
    pub min_sat: u64,
    pub max_sat: u64,
    pub payments: u64,
    pub success_rate: f64,
    pub mean_attempts: f64,
}

/// One router's results (`R` in SPEC §7).
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct RouterReport {
    pub payments: u64,
    pub succeeded: u64,
    pub success_rate: f64,
    pub mean_attempts: f64,
    pub mean_fee_ppm: f64,
    pub route_us_p50: u64,
    pub buckets: Vec<RouterBucket>,
    /// Answers that could not be sent (malformed); absent when none.
    #[serde(skip_serializing_if = "is_zero")]
    pub invalid_answers: u64,
}

fn is_zero(x: &u64) -> bool {
    *x == 0
}

#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct BoundBucket {
    pub min_sat: u64,
    pub max_sat: u64,
    pub payments: u64,
    pub payable: u64,
    pub rate: f64,
}

#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct BoundReport {
    pub payable: u64,
    pub rate: f64,
    pub buckets: Vec<BoundBucket>,
}

/// Fees of the payments that every router paid (only with more than one router).
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct CommonPaid {
    pub payments: u64,
    /// Total fee per router over those payments, msat.
    pub fee_msat: BTreeMap<String, u64>,
}

/// The `--json` document.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Report {
    pub routers: BTreeMap<String, RouterReport>,
    pub upper_bound: BoundReport,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub all_paid: Option<CommonPaid>,
}

fn rate(n: u64, d: u64) -> f64 {
    if d == 0 {
        0.0
    } else {
        n as f64 / d as f64
    }
}

fn p50(mut v: Vec<u64>) -> u64 {
    if v.is_empty() {
        return 0;
    }
    v.sort_unstable();
    v[(v.len() - 1) / 2]
}

/// One router's report.
pub fn router_report(b: &Buckets, amounts_msat: &[u64], res: &[PaymentResult]) -> RouterReport {
    let n = b.len();
    let (mut pay, mut ok, mut att) = (vec![0u64; n], vec![0u64; n], vec![0u64; n]);
    let mut ppm_sum = 0.0;
    let mut us = Vec::new();
    let mut invalid = 0;
    for (a, r) in amounts_msat.iter().zip(res) {
        let i = b.index(*a);
        pay[i] += 1;
        us.extend_from_slice(&r.route_us);
        invalid += r.invalid.is_some() as u64;
        if r.paid {
            ok[i] += 1;
            att[i] += r.attempts as u64;
            ppm_sum += r.fee_msat.unwrap_or(0) as f64 / (*a).max(1) as f64 * 1e6;
        }
    }
    let succeeded: u64 = ok.iter().sum();
    RouterReport {
        payments: res.len() as u64,
        succeeded,
        success_rate: rate(succeeded, res.len() as u64),
        mean_attempts: rate(att.iter().sum(), succeeded),
        mean_fee_ppm: if succeeded == 0 {
            0.0
        } else {
            ppm_sum / succeeded as f64
        },
        route_us_p50: p50(us),
        buckets: (0..n)
            .map(|i| {
                let (min_sat, max_sat) = b.bounds(i);
                RouterBucket {
                    min_sat,
                    max_sat,
                    payments: pay[i],
                    success_rate: rate(ok[i], pay[i]),
                    mean_attempts: rate(att[i], ok[i]),
                }
            })
            .collect(),
        invalid_answers: invalid,
    }
}

/// The max-flow bound's report.
pub fn bound_report(b: &Buckets, amounts_msat: &[u64], payable: &[bool]) -> BoundReport {
    let n = b.len();
    let (mut pay, mut ok) = (vec![0u64; n], vec![0u64; n]);
    for (a, p) in amounts_msat.iter().zip(payable) {
        let i = b.index(*a);
        pay[i] += 1;
        ok[i] += *p as u64;
    }
    let total: u64 = ok.iter().sum();
    BoundReport {
        payable: total,
        rate: rate(total, payable.len() as u64),
        buckets: (0..n)
            .map(|i| {
                let (min_sat, max_sat) = b.bounds(i);
                BoundBucket {
                    min_sat,
                    max_sat,
                    payments: pay[i],
                    payable: ok[i],
                    rate: rate(ok[i], pay[i]),
                }
            })
            .collect(),
    }
}

/// Total fees over the payments every router paid; `None` with fewer than two routers.
pub fn all_paid(results: &[(&str, &[PaymentResult])]) -> Option<CommonPaid> {
    if results.len() < 2 {
        return None;
    }
    let n = results.iter().map(|(_, r)| r.len()).min().unwrap_or(0);
    let both: Vec<usize> = (0..n)
        .filter(|&i| results.iter().all(|(_, r)| r[i].paid))
        .collect();
    Some(CommonPaid {
        payments: both.len() as u64,
        fee_msat: results
            .iter()
            .map(|(name, r)| {
                let f = both.iter().map(|&i| r[i].fee_msat.unwrap_or(0)).sum();
                (name.to_string(), f)
            })
            .collect(),
    })
}

/// Short amount: 1k, 10k, 1M, 10M, 1G.
pub fn short_sat(x: u64) -> String {
    for (div, suffix) in [(1_000_000_000, "G"), (1_000_000, "M"), (1_000, "k")] {
        if x >= div && x % div == 0 {
            return format!("{}{suffix}", x / div);
        }
    }
    x.to_string()
}

fn pct(x: f64) -> String {
    format!("{:.1}%", x * 100.0)
}

/// The table printed on stderr; `order` lists routers left to right.
pub fn table(rep: &Report, order: &[&str]) -> String {
    let routers: Vec<(&str, &RouterReport)> = order
        .iter()
        .filter_map(|n| rep.routers.get(*n).map(|r| (*n, r)))
        .collect();
    let mut s = String::new();
    let _ = write!(s, "{:<16} {:>8} {:>8}", "amount (sat)", "payments", "bound");
    for (n, _) in &routers {
        let _ = write!(s, " {:>9} {:>8}", n, "attempts");
    }
    s.push('\n');
    let nb = rep.upper_bound.buckets.len();
    for (i, bb) in rep.upper_bound.buckets.iter().enumerate() {
        let close = if i + 1 == nb { "]" } else { ")" };
        let label = format!(
            "[{}, {}{close}",
            short_sat(bb.min_sat),
            short_sat(bb.max_sat)
        );
        let _ = write!(s, "{label:<16} {:>8} {:>8}", bb.payments, pct(bb.rate));
        for (_, r) in &routers {
            let rb = &r.buckets[i];
            let _ = write!(s, " {:>9} {:>8.2}", pct(rb.success_rate), rb.mean_attempts);
        }
        s.push('\n');
    }
    let _ = write!(
        s,
        "{:<16} {:>8} {:>8}",
        "all",
        rep.upper_bound
            .buckets
            .iter()
            .map(|b| b.payments)
            .sum::<u64>(),
        pct(rep.upper_bound.rate)
    );
    for (_, r) in &routers {
        let _ = write!(s, " {:>9} {:>8.2}", pct(r.success_rate), r.mean_attempts);
    }
    s.push('\n');
    for (n, r) in &routers {
        let _ = writeln!(
            s,
            "{n}: paid {}/{}, mean fee {:.0} ppm, route p50 {} us{}",
            r.succeeded,
            r.payments,
            r.mean_fee_ppm,
            r.route_us_p50,
            if r.invalid_answers > 0 {
                format!(", {} invalid answers", r.invalid_answers)
            } else {
                String::new()
            }
        );
    }
    if let Some(c) = &rep.all_paid {
        let fees: Vec<String> = order
            .iter()
            .filter_map(|n| c.fee_msat.get(*n).map(|f| format!("{n} {f} msat")))
            .collect();
        let _ = writeln!(
            s,
            "paid by all: {} payments, total fee {}",
            c.payments,
            fees.join(", ")
        );
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn decade_buckets() {
        let b = Buckets::new(1_000, 1_000_000);
        assert_eq!(b.len(), 3);
        assert_eq!(b.index(1_000_000), 0);
        assert_eq!(b.index(9_999_999), 0);
        assert_eq!(b.index(10_000_000), 1);
        assert_eq!(b.index(999_999_999), 2);
        assert_eq!(
            b.index(1_000_000_000),
            2,
            "the top end counts in the last bucket"
        );
        assert_eq!(b.bounds(2), (100_000, 1_000_000));
        let b = Buckets::new(1_000_000, 10_000_000);
        assert_eq!(b.len(), 1);
        let b = Buckets::new(1_500, 1_500_000);
        assert_eq!(b.len(), 4);
        assert_eq!(b.index(1_500_000_000), 3);
        assert_eq!(short_sat(100_000), "100k");
        assert_eq!(short_sat(10_000_000), "10M");
    }
}
