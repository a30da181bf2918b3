//! Command-line interface (SPEC §5): argument parsing, output formatting, exit codes
//! (0 ok, 1 no route / nothing found, 2 bad input or usage).

/// `println!` that ends the process quietly when stdout is closed (e.g. `lnroute info | head`)
/// instead of panicking on the broken pipe.
macro_rules! outln {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        if let Err(e) = writeln!(std::io::stdout().lock(), $($arg)*) {
            if e.kind() == std::io::ErrorKind::BrokenPipe {
                std::process::exit(0);
            }
        }
    }};
}

mod info;
mod ingest;
mod queries;
pub mod route;
mod simulate;

pub use route::{write_jsonl, EngineArgs};

use std::path::PathBuf;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "lnroute",
    version,
    about = "Lightning Network gossip indexer and route engine"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
    /// Read gossip (gossip_store, bolt7, gossmap-compress, CLN listchannels/listnodes, LND describegraph) into a graph file.
    Ingest(ingest::IngestArgs),
    /// What a graph file holds.
    Info(info::InfoArgs),
    /// Route one payment; JSON answer on stdout.
    Route(route::RouteArgs),
    /// Route many queries (JSONL) in parallel; answers in input order.
    Batch(route::BatchArgs),
    /// Write random route queries (JSONL) for a graph: log-uniform amounts, endpoints with enabled channels.
    Queries(queries::QueriesArgs),
    /// Simulate payments against hidden liquidity (SPEC §7), optionally side by side with LDK.
    Simulate(simulate::SimulateArgs),
    /// Write a synthetic, signed, mainnet-like network as a gossip_store.
    Generate(GenerateArgs),
}

#[derive(clap::Args)]
pub struct GenerateArgs {
    /// Number of nodes.
    #[arg(long, default_value_t = 1000)]
    pub nodes: u32,
    /// Random seed (same seed, same network).
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Number of channels (default: nodes × 2.93, the mainnet ratio).
    #[arg(long)]
    pub channels: Option<u64>,
    /// Output gossip_store file.
    #[arg(short = 'o', long = "output")]
    pub output: PathBuf,
}

/// Default graph path for commands taking `--graph`.
pub const DEFAULT_GRAPH: &str = "data/graph.lnrg";

/// An error with the exit code it maps to.
pub struct Failure {
    pub code: i32,
    pub message: String,
}

impl Failure {
    pub fn bad_input(e: impl std::fmt::Display) -> Failure {
        Failure {
            code: 2,
            message: e.to_string(),
        }
    }
}

pub fn main() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return code;
        }
    };
    let result = match cli.command {
        Command::Ingest(a) => ingest::run(a),
        Command::Info(a) => info::run(a),
        Command::Generate(a) => generate(a),
        Command::Route(a) => route::run_route(a),
        Command::Queries(a) => queries::run(a),
        Command::Batch(a) => route::run_batch(a),
        Command::Simulate(a) => simulate::run(a),
    };
    match result {
        Ok(code) => code,
        Err(f) => {
            eprintln!("error: {}", f.message.replace('\n', " "));
            f.code
        }
    }
}

fn generate(a: GenerateArgs) -> Result<i32, Failure> {
    use crate::gossip::generate::{write_store, GenerateOptions};
    let start = std::time::Instant::now();
    let opts = GenerateOptions {
        nodes: a.nodes,
        channels: a.channels,
        seed: a.seed,
        progress: true,
    };
    let s = write_store(&a.output, &opts)
        .map_err(|e| Failure::bad_input(format!("{}: {e}", a.output.display())))?;
    println!(
        "wrote {} ({} bytes) in {:.2}s",
        a.output.display(),
        s.bytes,
        start.elapsed().as_secs_f64()
    );
    println!(
        "  nodes {}  channels {}  halves {} ({} disabled)  node announcements {}  records {}",
        s.nodes,
        s.channels,
        s.channels * 2,
        s.disabled_halves,
        s.node_announcements,
        s.records
    );
    Ok(0)
}

/// A progress bar on stderr (hidden when `quiet` or stderr is not a terminal).
pub fn progress_bar(len: u64, what: &str, quiet: bool) -> indicatif::ProgressBar {
    use std::io::IsTerminal;
    if quiet || !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(len);
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{msg} [{bar:40}] {pos}/{len} ({per_sec}, eta {eta})",
        )
        .expect("valid template")
        .progress_chars("=> "),
    );
    bar.set_message(what.to_string());
    bar
}
