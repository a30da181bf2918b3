//! `lnroute simulate` (SPEC §7): payments against hidden liquidity, with lnroute and optionally
//! LDK, the max-flow bound, a table on stderr, `--json`, `-o` per payment, `--plot` SVG.

use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::route::EngineArgs;
use super::Failure;
use crate::router::batch::parse_query_line;
use crate::router::{Answer, Query};
use crate::sim::oracle::Oracle;
use crate::sim::report::{self, Buckets, Report};
use crate::sim::run::{self, LnrouteSim, PaymentResult, SimRouter};
use crate::sim::{payments, plot};

#[derive(clap::Args)]
#[command(group(clap::ArgGroup::new("what").required(true).args(["payments", "queries"])))]
pub struct SimulateArgs {
    #[command(flatten)]
    pub engine: EngineArgs,
    /// Seeds the oracle and the random payments.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Number of random payments.
    #[arg(long)]
    pub payments: Option<usize>,
    /// SPEC §4 queries, one per line, simulated in order (their limits apply).
    #[arg(long)]
    pub queries: Option<PathBuf>,
    /// Smallest random amount, sat.
    #[arg(long, default_value_t = 1_000)]
    pub min_sat: u64,
    /// Largest random amount, sat.
    #[arg(long, default_value_t = 1_000_000)]
    pub max_sat: u64,
    /// Default `max_parts` of each payment.
    #[arg(long, default_value_t = 10)]
    pub max_parts: u32,
    /// Attempts per payment.
    #[arg(long, default_value_t = 10)]
    pub attempts: u32,
    /// Build every level of a split on the payment's own thread, instead of the later levels
    /// on a helper thread beside the first (same answers, slower).
    #[arg(long)]
    pub one_thread_per_payment: bool,
    /// lnroute gives up on a payment rather than send an attempt it rates less likely than
    /// this (0 sends every route it finds).
    #[arg(long, default_value_t = run::DEFAULT_MIN_PROBABILITY)]
    pub min_probability: f64,
    /// lnroute's payer treats payments of this amount (sat) or more as large (fewer attempts,
    /// a higher floor).
    #[arg(long, default_value_t = run::LargePayments::default().from_msat / 1000)]
    pub large_from_sat: u64,
    /// Most attempts lnroute's payer makes for a large payment.
    #[arg(long, default_value_t = run::LargePayments::default().max_attempts)]
    pub large_attempts: u32,
    /// lnroute's payer sends no attempt for a large payment rated less likely than this.
    #[arg(long, default_value_t = run::LargePayments::default().min_probability)]
    pub large_min_probability: f64,
    /// lnroute's payer makes at most this many attempts for a payment of
    /// --healthy-cap-from-sat or more while the run's attempts mostly go through (fewer than
    /// --healthy-cap-strict-below-failure of them failed), one more while fewer than
    /// --healthy-cap-below-failure failed; 0: no such cap.
    #[arg(long, default_value_t = run::HealthyCap::default().max_attempts)]
    pub healthy_cap_attempts: u32,
    /// Smallest amount (sat) the healthy-network cap applies to.
    #[arg(long, default_value_t = run::HealthyCap::default().from_msat / 1000)]
    pub healthy_cap_from_sat: u64,
    /// Smallest amount (sat) the healthy-network cap applies to while fewer than
    /// --healthy-cap-strict-below-failure of the run's attempts failed (at most
    /// --healthy-cap-from-sat).
    #[arg(long, default_value_t = run::HealthyCap::default().strict_from_msat / 1000)]
    pub healthy_cap_strict_from_sat: u64,
    /// The healthy-network cap applies while fewer than this share of the run's attempts
    /// failed.
    #[arg(long, default_value_t = run::HealthyCap::default().below_failure_rate)]
    pub healthy_cap_below_failure: f64,
    /// Below this share of failed attempts the healthy-network cap is --healthy-cap-attempts;
    /// from it up to --healthy-cap-below-failure, one attempt more.
    #[arg(long, default_value_t = run::HealthyCap::default().strict_below_failure_rate)]
    pub healthy_cap_strict_below_failure: f64,
    /// lnroute learns each half of a channel on its own: what it learns of one direction
    /// says nothing of the other (by default it does: both share the capacity).
    #[arg(long)]
    pub independent_directions: bool,
    /// Share of halves drawn nearly empty (U[0, capacity/100]).
    #[arg(long, default_value_t = 0.0)]
    pub depleted: f64,
    /// Liquidity snapshot (CSV `channel,direction,liquidity_msat`) for the halves it lists.
    #[arg(long)]
    pub liquidity: Option<PathBuf>,
    /// Write the oracle used (every half) as CSV.
    #[arg(long)]
    pub write_liquidity: Option<PathBuf>,
    /// Also simulate LDK's router (ProbabilisticScorer defaults) on the same oracle and payments.
    #[arg(long)]
    pub compare_ldk: bool,
    /// Results as JSON on stdout.
    #[arg(long)]
    pub json: bool,
    /// One JSON line per payment and router.
    #[arg(short = 'o', long = "output")]
    pub output: Option<PathBuf>,
    /// One JSON line per attempt and router: the router's probability next to the outcome of
    /// every part (for calibration checks).
    #[arg(long)]
    pub trace: Option<PathBuf>,
    /// SVG plot file, or a directory for success_rate.svg and attempts.svg.
    #[arg(long)]
    pub plot: Option<PathBuf>,
    /// No progress bar.
    #[arg(long)]
    pub quiet: bool,
}

/// One `-o` line.
#[derive(Serialize)]
struct PaymentLine<'a> {
    router: &'a str,
    id: &'a Option<serde_json::Value>,
    amount_msat: u64,
    paid: bool,
    attempts: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    fee_msat: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    route: Option<&'a Answer>,
}

pub fn run(a: SimulateArgs) -> Result<i32, Failure> {
    if a.min_sat == 0 || a.max_sat < a.min_sat {
        return Err(Failure::bad_input(
            "--min-sat must be at least 1 and at most --max-sat",
        ));
    }
    if a.attempts == 0 || a.large_attempts == 0 || a.max_parts == 0 || a.max_parts > 255 {
        return Err(Failure::bad_input(
            "--attempts and --large-attempts must be at least 1, --max-parts between 1 and 255",
        ));
    }
    if !(0.0..1.0).contains(&a.min_probability) || !(0.0..1.0).contains(&a.large_min_probability) {
        return Err(Failure::bad_input(
            "--min-probability and --large-min-probability must be at least 0 and below 1",
        ));
    }
    if !(0.0..=1.0).contains(&a.depleted) {
        return Err(Failure::bad_input("--depleted must be between 0 and 1"));
    }
    let mut router = a.engine.router()?;
    router.mpp.parallel_levels = !a.one_thread_per_payment;
    let g = router.graph.clone();
    let (queries, buckets) = match (&a.queries, a.payments) {
        (Some(p), _) => {
            let qs = read_queries(p, a.max_parts)?;
            let lo = qs.iter().map(|q| q.amount_msat / 1000).min().unwrap_or(1);
            let hi = qs.iter().map(|q| q.amount_msat / 1000).max().unwrap_or(1);
            (qs, Buckets::new(lo, hi))
        }
        (None, Some(n)) => {
            let mut qs = payments::random_queries(&g, n, a.min_sat, a.max_sat, a.seed);
            if qs.len() < n {
                return Err(Failure::bad_input(
                    "the graph has too few nodes with channels for random payments",
                ));
            }
            for q in &mut qs {
                q.max_parts = Some(a.max_parts);
            }
            (qs, Buckets::new(a.min_sat, a.max_sat))
        }
        (None, None) => return Err(Failure::bad_input("--payments or --queries is required")),
    };
    let mut oracle = Oracle::draw(&g, a.seed, a.depleted);
    if let Some(p) = &a.liquidity {
        oracle.apply_csv(&g, p).map_err(Failure::bad_input)?;
    }
    if let Some(p) = &a.write_liquidity {
        oracle.write_csv(&g, p).map_err(Failure::bad_input)?;
    }
    let mut lnroute = LnrouteSim::new(router);
    if let Ok(mut k) = lnroute.knowledge().write() {
        k.couple_directions = !a.independent_directions;
    }
    lnroute.min_probability = a.min_probability;
    lnroute.large = run::LargePayments {
        from_msat: a.large_from_sat.saturating_mul(1000),
        max_attempts: a.large_attempts,
        min_probability: a.large_min_probability,
    };
    lnroute.healthy_cap = run::HealthyCap {
        from_msat: a.healthy_cap_from_sat.saturating_mul(1000),
        strict_from_msat: a.healthy_cap_strict_from_sat.saturating_mul(1000),
        max_attempts: a.healthy_cap_attempts,
        strict_below_failure_rate: a.healthy_cap_strict_below_failure,
        below_failure_rate: a.healthy_cap_below_failure,
        ..run::HealthyCap::default()
    };
    let mut routers: Vec<Box<dyn SimRouter + Send>> = vec![Box::new(lnroute)];
    if a.compare_ldk {
        routers.push(ldk_router(&g)?);
    }
    let order: Vec<&'static str> = routers.iter().map(|r| r.name()).collect();
    let bar = super::progress_bar(
        (queries.len() * routers.len()) as u64,
        "simulating",
        a.quiet,
    );
    let progress = || bar.inc(1);
    let out = run::run_all(&g, &oracle, &queries, a.attempts, routers, &progress);
    bar.finish_and_clear();

    let amounts: Vec<u64> = queries.iter().map(|q| q.amount_msat).collect();
    let results: Vec<(&str, &[PaymentResult])> = out
        .results
        .iter()
        .map(|(n, r)| (*n, r.as_slice()))
        .collect();
    let rep = Report {
        routers: results
            .iter()
            .map(|(n, r)| (n.to_string(), report::router_report(&buckets, &amounts, r)))
            .collect(),
        upper_bound: report::bound_report(&buckets, &amounts, &out.payable),
        all_paid: report::all_paid(&results),
    };
    let mut note = String::new();
    if let Some(p) = &a.output {
        write_lines(p, &queries, &results)?;
        note.push_str(&format!("; wrote {}", p.display()));
    }
    if let Some(p) = &a.trace {
        write_trace(p, &queries, &results)?;
        note.push_str(&format!("; wrote {}", p.display()));
    }
    if let Some(p) = &a.plot {
        for f in write_plots(p, &buckets, &amounts, &results, &out.payable)? {
            note.push_str(&format!("; wrote {}", f.display()));
        }
    }
    eprint!("{}", report::table(&rep, &order));
    eprintln!(
        "{} payments, {} router(s), {:.1} s (max-flow bound {:.1} s beside them){}",
        queries.len(),
        order.len(),
        out.wall.as_secs_f64(),
        out.bound_wall.as_secs_f64(),
        note
    );
    if a.json {
        let s = serde_json::to_string(&rep).map_err(Failure::bad_input)?;
        let mut w = std::io::stdout().lock();
        writeln!(w, "{s}").map_err(Failure::bad_input)?;
    }
    Ok(0)
}

/// Queries from a JSONL file; a bad line is an error naming it. Queries without `max_parts`
/// get `default_parts`; `first_hops` are dropped (SPEC §7: every half is hidden).
fn read_queries(path: &Path, default_parts: u32) -> Result<Vec<Query>, Failure> {
    let f = std::fs::File::open(path)
        .map_err(|e| Failure::bad_input(format!("{}: {e}", path.display())))?;
    let mut out = Vec::new();
    for (i, l) in std::io::BufReader::new(f).lines().enumerate() {
        let at = |m: String| Failure::bad_input(format!("{}: line {}: {m}", path.display(), i + 1));
        let l = l.map_err(|e| at(e.to_string()))?;
        if l.trim().is_empty() {
            continue;
        }
        let mut q = parse_query_line(&l).map_err(|a| at(a.error.unwrap_or_default()))?;
        if q.amount_msat == 0 {
            return Err(at("amount_msat must be positive".into()));
        }
        q.max_parts.get_or_insert(default_parts);
        q.first_hops.clear();
        out.push(q);
    }
    if out.is_empty() {
        return Err(Failure::bad_input(format!(
            "{}: no queries",
            path.display()
        )));
    }
    Ok(out)
}

fn write_lines(
    path: &Path,
    queries: &[Query],
    results: &[(&str, &[PaymentResult])],
) -> Result<(), Failure> {
    let mut lines = Vec::with_capacity(queries.len() * results.len());
    for (i, q) in queries.iter().enumerate() {
        for (name, res) in results {
            let r = &res[i];
            lines.push(PaymentLine {
                router: name,
                id: &q.id,
                amount_msat: q.amount_msat,
                paid: r.paid,
                attempts: r.attempts,
                fee_msat: r.fee_msat.filter(|_| r.paid),
                route: r.route.as_ref(),
            });
        }
    }
    super::write_jsonl(Some(path), &lines).map_err(Failure::bad_input)?;
    Ok(())
}

/// One `--trace` line.
#[derive(Serialize)]
struct TraceLine<'a> {
    router: &'a str,
    id: &'a Option<serde_json::Value>,
    amount_msat: u64,
    attempt: usize,
    #[serde(flatten)]
    attempt_trace: &'a run::AttemptTrace,
}

fn write_trace(
    path: &Path,
    queries: &[Query],
    results: &[(&str, &[PaymentResult])],
) -> Result<(), Failure> {
    let mut lines = Vec::new();
    for (i, q) in queries.iter().enumerate() {
        for (name, res) in results {
            for (k, t) in res[i].trace.iter().enumerate() {
                lines.push(TraceLine {
                    router: name,
                    id: &q.id,
                    amount_msat: q.amount_msat,
                    attempt: k + 1,
                    attempt_trace: t,
                });
            }
        }
    }
    super::write_jsonl(Some(path), &lines).map_err(Failure::bad_input)?;
    Ok(())
}

fn write_plots(
    path: &Path,
    b: &Buckets,
    amounts: &[u64],
    results: &[(&str, &[PaymentResult])],
    payable: &[bool],
) -> Result<Vec<PathBuf>, Failure> {
    let is_dir = path.is_dir() || path.as_os_str().to_string_lossy().ends_with('/');
    let mut rates = vec![plot::rate_curve(b, amounts, "max-flow bound", |i| {
        payable[i]
    })];
    for (n, r) in results {
        rates.push(plot::rate_curve(b, amounts, n, |i| r[i].paid));
    }
    let svg = plot::svg(b, "Payments paid vs amount", "paid (%)", 100.0, &rates, 0)
        .map_err(Failure::bad_input)?;
    if !is_dir {
        plot::write(path, &svg).map_err(Failure::bad_input)?;
        return Ok(vec![path.to_path_buf()]);
    }
    std::fs::create_dir_all(path)
        .map_err(|e| Failure::bad_input(format!("{}: {e}", path.display())))?;
    let rate_file = path.join("success_rate.svg");
    plot::write(&rate_file, &svg).map_err(Failure::bad_input)?;
    let att: Vec<plot::Series> = results
        .iter()
        .map(|(n, r)| {
            plot::mean_curve(b, amounts, n, |i| r[i].paid.then_some(r[i].attempts as f64))
        })
        .collect();
    let top = att
        .iter()
        .flat_map(|s| s.points.iter().map(|p| p.1))
        .fold(1.0f64, f64::max)
        .ceil()
        + 0.5;
    let svg = plot::svg(
        b,
        "Attempts of paid payments vs amount",
        "mean attempts",
        top,
        &att,
        1,
    )
    .map_err(Failure::bad_input)?;
    let att_file = path.join("attempts.svg");
    plot::write(&att_file, &svg).map_err(Failure::bad_input)?;
    Ok(vec![rate_file, att_file])
}

/// LDK's simulated router.
fn ldk_router(
    g: &std::sync::Arc<crate::graph::Graph>,
) -> Result<Box<dyn SimRouter + Send>, Failure> {
    Ok(Box::new(crate::sim::ldk_router::LdkSim::new(g.clone())))
}
