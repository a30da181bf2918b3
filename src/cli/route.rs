use std::io::{BufRead, BufWriter, Write};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use rayon::prelude::*;

use crate::graph::Graph;
use crate::router::batch::{parse_query_line, with_state};
use crate::router::{Answer, CostParams, MppParams, Query, Router};

use super::Failure;

/// Cost-model and splitter settings shared by `route`, `batch`, `simulate`.
#[derive(clap::Args, Clone, Debug)]
pub struct EngineArgs {
    /// Graph file.
    #[arg(long, default_value = super::DEFAULT_GRAPH)]
    pub graph: PathBuf,
    /// Price (msat) of a certain failure, fixed part.
    #[arg(long, default_value_t = CostParams::default().risk_base_msat)]
    pub risk_base_msat: f64,
    /// Price of a certain failure, per million of the amount.
    #[arg(long, default_value_t = CostParams::default().risk_amount_ppm)]
    pub risk_amount_ppm: f64,
    /// The amount-proportional risk price applies only to the amount above this (msat).
    #[arg(long, default_value_t = CostParams::default().risk_amount_above_msat)]
    pub risk_amount_above_msat: f64,
    /// Price of locking the amount one block, parts per billion.
    #[arg(long, default_value_t = CostParams::default().cltv_ppb)]
    pub cltv_ppb: f64,
    /// Flat price per hop, msat.
    #[arg(long, default_value_t = CostParams::default().hop_penalty_msat)]
    pub hop_penalty_msat: f64,
    /// Hops less likely than this to succeed are never used.
    #[arg(long, default_value_t = CostParams::default().min_hop_probability)]
    pub min_hop_probability: f64,
    /// Ignore probabilities: cheapest route by fee (overrides the risk settings).
    #[arg(long)]
    pub fee_only: bool,
    /// A single path at least this likely to succeed is not split.
    #[arg(long, default_value_t = MppParams::default().single_path_probability)]
    pub single_path_probability: f64,
    /// Target success probability of each part of a split.
    #[arg(long, default_value_t = MppParams::default().part_probability)]
    pub part_probability: f64,
    /// Re-divide a split's amount among its paths to minimise fee + risk price.
    #[arg(long)]
    pub rebalance_split: bool,
    /// Refine the chosen plan as a joint flow: rebalance and search new paths with the other
    /// parts' loads in place (pays more of the hardest payments, at more attempts each).
    #[arg(long)]
    pub refine_split: bool,
    /// Refine plans for this amount (sat) or more as a joint flow (as --refine-split); 0
    /// refines all, as --refine-split does.
    #[arg(long, default_value_t = MppParams::default().refine_from_msat / 1000)]
    pub refine_from_sat: u64,
    /// Also build cautious splits for amounts near what the endpoints can carry (the default;
    /// kept so that older command lines still run).
    #[arg(long, conflicts_with = "bold_tight_splits")]
    pub cautious_tight_splits: bool,
    /// Split amounts near what the endpoints can carry with bold shares only (each path takes
    /// what it can carry): fewer searches, fewer of the hardest payments paid.
    #[arg(long)]
    pub bold_tight_splits: bool,
}

impl EngineArgs {
    pub fn router(&self) -> Result<Router, Failure> {
        let g = Graph::open(&self.graph).map_err(Failure::bad_input)?;
        let mut r = Router::new(Arc::new(g));
        r.cost = if self.fee_only {
            CostParams::fee_only()
        } else {
            CostParams {
                risk_base_msat: self.risk_base_msat,
                risk_amount_ppm: self.risk_amount_ppm,
                risk_amount_above_msat: self.risk_amount_above_msat,
                cltv_ppb: self.cltv_ppb,
                hop_penalty_msat: self.hop_penalty_msat,
                min_hop_probability: self.min_hop_probability,
            }
        };
        for (name, v) in [
            ("risk-base-msat", r.cost.risk_base_msat),
            ("risk-amount-ppm", r.cost.risk_amount_ppm),
            ("risk-amount-above-msat", r.cost.risk_amount_above_msat),
            ("cltv-ppb", r.cost.cltv_ppb),
            ("hop-penalty-msat", r.cost.hop_penalty_msat),
        ] {
            if !(v.is_finite() && v >= 0.0) {
                return Err(Failure::bad_input(format!(
                    "--{name} must be a non-negative number"
                )));
            }
        }
        r.mpp = MppParams {
            single_path_probability: self.single_path_probability,
            part_probability: self.part_probability,
            rebalance: self.rebalance_split,
            refine: self.refine_split,
            refine_from_msat: self.refine_from_sat.saturating_mul(1000),
            bold_when_tight: self.bold_tight_splits,
            ..MppParams::default()
        };
        Ok(r)
    }
}

#[derive(clap::Args)]
pub struct RouteArgs {
    #[command(flatten)]
    pub engine: EngineArgs,
    /// Paying node id.
    #[arg(long)]
    pub from: String,
    /// Receiving node id.
    #[arg(long)]
    pub to: String,
    #[arg(long)]
    pub amount_msat: u64,
    #[arg(long)]
    pub max_fee_msat: Option<u64>,
    #[arg(long)]
    pub final_cltv_expiry_delta: Option<u32>,
    #[arg(long)]
    pub max_total_cltv_expiry_delta: Option<u32>,
    #[arg(long)]
    pub max_hops: Option<u32>,
    /// 1 = single path.
    #[arg(long)]
    pub max_parts: Option<u32>,
    /// Node ids to avoid (repeatable).
    #[arg(long = "exclude-node")]
    pub exclude_nodes: Vec<String>,
    /// Channels to avoid (repeatable).
    #[arg(long = "exclude-channel")]
    pub exclude_channels: Vec<String>,
    /// Route hints as JSON (SPEC §4 `route_hints`).
    #[arg(long)]
    pub route_hints: Option<String>,
    /// First hops as JSON (SPEC §4 `first_hops`).
    #[arg(long)]
    pub first_hops: Option<String>,
}

pub fn run_route(a: RouteArgs) -> Result<i32, Failure> {
    let router = a.engine.router()?;
    let mut q = Query {
        id: None,
        source: a.from,
        target: a.to,
        amount_msat: a.amount_msat,
        max_fee_msat: a.max_fee_msat,
        final_cltv_expiry_delta: a.final_cltv_expiry_delta,
        max_total_cltv_expiry_delta: a.max_total_cltv_expiry_delta,
        max_hops: a.max_hops,
        max_parts: a.max_parts,
        exclude_nodes: a.exclude_nodes,
        exclude_channels: a.exclude_channels,
        ..Default::default()
    };
    if let Some(h) = &a.route_hints {
        q.route_hints = serde_json::from_str(h)
            .map_err(|e| Failure::bad_input(format!("--route-hints: {e}")))?;
    }
    if let Some(h) = &a.first_hops {
        q.first_hops = serde_json::from_str(h)
            .map_err(|e| Failure::bad_input(format!("--first-hops: {e}")))?;
    }
    let ans = with_state(|st| router.route(&q, st));
    outln!(
        "{}",
        serde_json::to_string(&ans).expect("answer serializes")
    );
    Ok(match ans.status.as_str() {
        "ok" => 0,
        "no_route" => 1,
        _ => {
            eprintln!("error: {}", ans.error.as_deref().unwrap_or("bad query"));
            2
        }
    })
}

#[derive(clap::Args)]
pub struct BatchArgs {
    #[command(flatten)]
    pub engine: EngineArgs,
    /// Queries, one JSON object per line (SPEC §4); `-` for stdin.
    #[arg(long)]
    pub queries: PathBuf,
    /// Answers, one per line in input order (default stdout).
    #[arg(short = 'o', long = "output")]
    pub output: Option<PathBuf>,
    /// Worker threads (default: all cores).
    #[arg(long)]
    pub threads: Option<usize>,
    /// No progress bar.
    #[arg(long)]
    pub quiet: bool,
}

pub fn run_batch(a: BatchArgs) -> Result<i32, Failure> {
    let router = a.engine.router()?;
    let reader: Box<dyn BufRead> = if a.queries.as_os_str() == "-" {
        Box::new(std::io::stdin().lock())
    } else {
        let f = std::fs::File::open(&a.queries)
            .map_err(|e| Failure::bad_input(format!("{}: {e}", a.queries.display())))?;
        Box::new(std::io::BufReader::new(f))
    };
    let mut lines = Vec::new();
    for (i, l) in reader.lines().enumerate() {
        let l = l.map_err(|e| {
            Failure::bad_input(format!("{}: line {}: {e}", a.queries.display(), i + 1))
        })?;
        if !l.trim().is_empty() {
            lines.push(l);
        }
    }
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(a.threads.unwrap_or(0))
        .build()
        .map_err(|e| Failure::bad_input(format!("--threads: {e}")))?;
    let threads = pool.current_num_threads();
    let bar = super::progress_bar(lines.len() as u64, "routing", a.quiet);
    let start = Instant::now();
    let mut answers: Vec<Answer> = Vec::with_capacity(lines.len());
    for chunk in lines.chunks(4096) {
        let part: Vec<Answer> = pool.install(|| {
            chunk
                .par_iter()
                .map(|l| match parse_query_line(l) {
                    Ok(q) => with_state(|st| router.route(&q, st)),
                    Err(ans) => ans,
                })
                .collect()
        });
        bar.inc(chunk.len() as u64);
        answers.extend(part);
    }
    bar.finish_and_clear();
    let secs = start.elapsed().as_secs_f64();
    let out = super::write_jsonl(a.output.as_deref(), &answers).map_err(Failure::bad_input)?;
    let ok = answers.iter().filter(|x| x.status == "ok").count();
    let no_route = answers.iter().filter(|x| x.status == "no_route").count();
    let mut us: Vec<u64> = answers.iter().map(|x| x.elapsed_us).collect();
    us.sort_unstable();
    let pct = |p: f64| {
        us.get(((us.len() as f64 - 1.0) * p).round() as usize)
            .copied()
            .unwrap_or(0)
    };
    eprintln!(
        "{} queries in {:.3}s on {} threads: {:.0} queries/s; ok {}, no_route {}, error {}; per query p50 {} us, p99 {} us{}",
        answers.len(),
        secs,
        threads,
        answers.len() as f64 / secs.max(1e-9),
        ok,
        no_route,
        answers.len() - ok - no_route,
        pct(0.5),
        pct(0.99),
        out
    );
    let _ = std::io::stderr().flush();
    Ok(0)
}

/// Writes JSON lines to a file atomically, or to stdout when `path` is `None` or `-` (as
/// `--queries -` reads stdin). Returns a note for the summary line.
pub fn write_jsonl<T: serde::Serialize>(
    path: Option<&std::path::Path>,
    items: &[T],
) -> Result<String, String> {
    let path = path.filter(|p| p.as_os_str() != "-");
    let mut buf = Vec::with_capacity(items.len() * 256);
    for it in items {
        serde_json::to_writer(&mut buf, it).map_err(|e| e.to_string())?;
        buf.push(b'\n');
    }
    match path {
        Some(p) => {
            crate::graph::file::write_atomic(p, &buf)
                .map_err(|e| format!("{}: {e}", p.display()))?;
            Ok(format!("; wrote {}", p.display()))
        }
        None => {
            let stdout = std::io::stdout();
            let mut w = BufWriter::new(stdout.lock());
            w.write_all(&buf).map_err(|e| e.to_string())?;
            w.flush().map_err(|e| e.to_string())?;
            Ok(String::new())
        }
    }
}
