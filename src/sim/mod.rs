//! Payment simulation (SPEC §7) and the random payments it and the benchmarks draw.

pub mod payments;
