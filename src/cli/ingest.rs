use std::path::PathBuf;
use std::time::Instant;

use crate::gossip::{self, Format, ReadOptions};
use crate::graph::{builder, Graph};

use super::Failure;

#[derive(clap::Args)]
pub struct IngestArgs {
    /// Input files (compressed .gz/.xz/.zip are read directly). A gossmap-compress file takes its node map as another input.
    #[arg(required = true)]
    pub inputs: Vec<PathBuf>,
    /// Output graph file.
    #[arg(short = 'o', long = "output", default_value = super::DEFAULT_GRAPH)]
    pub output: PathBuf,
    /// Force the input format: gossip-store, bolt7, gossmap-compress, gossmap-node-map, cln-listchannels, cln-listnodes, lnd-describegraph.
    #[arg(long)]
    pub format: Option<String>,
    /// Skip signature checks of signed gossip.
    #[arg(long)]
    pub no_verify: bool,
    /// Chain of signed gossip: bitcoin (default), testnet, signet, regtest.
    #[arg(long, default_value = "bitcoin")]
    pub network: String,
    /// Print the summary as JSON.
    #[arg(long)]
    pub json: bool,
}

pub fn run(a: IngestArgs) -> Result<i32, Failure> {
    let start = Instant::now();
    let format = match &a.format {
        None => None,
        Some(f) => Some(Format::from_name(f).ok_or_else(|| {
            Failure::bad_input(format!(
                "unknown --format '{f}' (one of: {})",
                Format::ALL
                    .iter()
                    .map(|f| f.name())
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
        })?),
    };
    let chain_hash = gossip::wire::chain_hash(&a.network).ok_or_else(|| {
        Failure::bad_input(format!(
            "unknown --network '{}' (bitcoin, testnet, signet, regtest)",
            a.network
        ))
    })?;
    let opts = ReadOptions {
        format,
        verify: !a.no_verify,
        chain_hash,
    };
    let set = gossip::read_all(&a.inputs, &opts).map_err(Failure::bad_input)?;
    if set.channels.is_empty() {
        return Err(Failure::bad_input(format!(
            "{}: no channels found (rejected: {})",
            a.inputs
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", "),
            fmt_counts(&set.stats.rejected)
        )));
    }
    let data = builder::build(&set);
    let bytes = Graph::write(&data, &set.source_summary, &a.output).map_err(Failure::bad_input)?;
    let g = Graph::open(&a.output).map_err(Failure::bad_input)?;
    let s = g.summary();
    let secs = start.elapsed().as_secs_f64();
    if a.json {
        let v = serde_json::json!({
            "output": a.output, "nodes": s.nodes, "channels": s.channels, "halves": s.halves,
            "disabled_halves": s.disabled_halves, "total_capacity_sat": s.total_capacity_sat,
            "read": set.stats.read, "rejected": set.stats.rejected,
            "signatures_checked": set.stats.signatures_checked, "file_bytes": bytes, "seconds": secs,
        });
        outln!("{v}");
    } else {
        outln!(
            "wrote {} ({} bytes) in {:.2}s",
            a.output.display(),
            bytes,
            secs
        );
        outln!(
            "  nodes {}  channels {}  halves {} ({} disabled)  capacity {:.2} BTC",
            s.nodes,
            s.channels,
            s.halves,
            s.disabled_halves,
            s.total_capacity_sat as f64 / 1e8
        );
        outln!("  read: {}", fmt_counts(&set.stats.read));
        outln!("  signatures checked: {}", set.stats.signatures_checked);
        outln!("  rejected: {}", fmt_counts(&set.stats.rejected));
    }
    Ok(0)
}

fn fmt_counts(m: &std::collections::BTreeMap<String, u64>) -> String {
    if m.is_empty() {
        return "none".into();
    }
    m.iter()
        .map(|(k, v)| format!("{k} {v}"))
        .collect::<Vec<_>>()
        .join(", ")
}
