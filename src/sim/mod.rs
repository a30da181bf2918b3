//! Payment simulation (SPEC §7) and the random payments it and the benchmarks draw.
//!
//! [`oracle`] holds the hidden liquidity, [`attempt`] sends an answer's parts against it,
//! [`run`] is the payment loop with its [`run::SimRouter`] plug-in point (lnroute and LDK plug in
//! the same way), [`maxflow`] the upper bound any router could reach, [`report`] and [`plot`]
//! the outputs.

pub mod attempt;
pub mod ldk_router;
pub mod maxflow;
pub mod oracle;
pub mod payments;
pub mod plot;
pub mod report;
pub mod run;
