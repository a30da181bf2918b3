use std::path::PathBuf;

use crate::graph::Graph;
use crate::sim::payments::random_queries;

use super::Failure;

#[derive(clap::Args)]
pub struct QueriesArgs {
    #[arg(long, default_value = super::DEFAULT_GRAPH)]
    pub graph: PathBuf,
    /// Number of queries.
    #[arg(long, default_value_t = 1000)]
    pub count: usize,
    #[arg(long, default_value_t = 1_000)]
    pub min_sat: u64,
    #[arg(long, default_value_t = 1_000_000)]
    pub max_sat: u64,
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// `max_parts` to put in every query (default: leave out, i.e. 10).
    #[arg(long)]
    pub max_parts: Option<u32>,
    /// Output JSONL (default stdout).
    #[arg(short = 'o', long = "output")]
    pub output: Option<PathBuf>,
}

pub fn run(a: QueriesArgs) -> Result<i32, Failure> {
    if a.min_sat == 0 || a.min_sat > a.max_sat {
        return Err(Failure::bad_input("need 0 < --min-sat <= --max-sat"));
    }
    let g = Graph::open(&a.graph).map_err(Failure::bad_input)?;
    let mut qs = random_queries(&g, a.count, a.min_sat, a.max_sat, a.seed);
    if qs.len() < a.count {
        return Err(Failure::bad_input(format!(
            "{}: fewer than two nodes with enabled channels",
            a.graph.display()
        )));
    }
    for q in &mut qs {
        q.max_parts = a.max_parts;
    }
    super::write_jsonl(a.output.as_deref(), &qs).map_err(Failure::bad_input)?;
    Ok(0)
}
