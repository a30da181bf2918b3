//! The hidden liquidity of a simulation (SPEC §7): one amount per half, drawn from a seed or
//! read from a CSV snapshot, never changed by payments.
//!
//! Seeded draw (replayable): a `ChaCha8Rng` seeded with `seed_from_u64(seed)` on stream 1
//! (stream 0 draws the random payments), channels in graph order (ascending scid). Per channel
//! with capacity `c` msat: `x = gen_range(0..=c)`; direction 0 gets `x`, direction 1 `c − x`.
//! With `depleted = F > 0`, each half then, direction 0 first, draws `gen_bool(F)` and, when
//! true, becomes nearly empty: `gen_range(0..=c / 100)`. Channels without any policy are drawn
//! too, so the sequence depends only on the channel list.
//!
//! CSV: header `channel,direction,liquidity_msat`, one row per half (`695944x1234x1,0,52690421`).
//! Reading checks every row against the graph (known channel, direction 0 or 1, liquidity at most
//! the capacity, no half listed twice) and names the file and line of the first bad one.
//! Writing lists every half of the graph in graph order, so a file written by
//! [`Oracle::write_csv`] reads back into the same oracle and is written back byte for byte.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use rand::{Rng, SeedableRng};

use crate::graph::Graph;
use crate::types::{ChanIdx, HalfIdx, Scid};

/// The CSV header line.
pub const CSV_HEADER: &str = "channel,direction,liquidity_msat";

/// Why a liquidity snapshot could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum OracleError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: line {line}: {reason}")]
    Row {
        path: PathBuf,
        line: usize,
        reason: String,
    },
}

/// Hidden liquidity per half (`HalfIdx` order), in msat.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Oracle {
    liquidity_msat: Vec<u64>,
}

impl Oracle {
    /// The seeded draw described in the module docs. `depleted` is clamped to `[0, 1]`.
    pub fn draw(g: &Graph, seed: u64, depleted: f64) -> Oracle {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
        rng.set_stream(1);
        let f = if depleted.is_finite() {
            depleted.clamp(0.0, 1.0)
        } else {
            0.0
        };
        let mut liquidity_msat = Vec::with_capacity(g.half_count());
        for c in 0..g.channel_count() as u32 {
            let cap = g.capacity_sat(ChanIdx(c)).saturating_mul(1000);
            let x = rng.gen_range(0..=cap);
            let mut pair = [x, cap - x];
            if f > 0.0 {
                for l in &mut pair {
                    if rng.gen_bool(f) {
                        *l = rng.gen_range(0..=cap / 100);
                    }
                }
            }
            liquidity_msat.extend_from_slice(&pair);
        }
        Oracle { liquidity_msat }
    }

    /// An oracle from explicit per-half amounts (tests); `None` if the length is not the
    /// graph's half count or an amount exceeds its channel's capacity.
    pub fn from_vec(g: &Graph, liquidity_msat: Vec<u64>) -> Option<Oracle> {
        if liquidity_msat.len() != g.half_count() {
            return None;
        }
        let ok = liquidity_msat.iter().enumerate().all(|(h, &l)| {
            l <= g
                .capacity_sat(HalfIdx(h as u32).chan())
                .saturating_mul(1000)
        });
        ok.then_some(Oracle { liquidity_msat })
    }

    /// Liquidity of half `h`, msat (0 for an index outside the graph).
    #[inline]
    pub fn liquidity_msat(&self, h: HalfIdx) -> u64 {
        self.liquidity_msat.get(h.0 as usize).copied().unwrap_or(0)
    }

    pub fn as_slice(&self) -> &[u64] {
        &self.liquidity_msat
    }

    /// Sets the halves listed in a CSV snapshot; returns how many rows were applied.
    pub fn apply_csv(&mut self, g: &Graph, path: &Path) -> Result<usize, OracleError> {
        let text = std::fs::read(path).map_err(|source| OracleError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        self.apply_csv_bytes(g, path, &text)
    }

    /// [`apply_csv`](Self::apply_csv) on bytes already read; `path` names them in errors.
    pub fn apply_csv_bytes(
        &mut self,
        g: &Graph,
        path: &Path,
        bytes: &[u8],
    ) -> Result<usize, OracleError> {
        let bad = |line: usize, reason: String| OracleError::Row {
            path: path.to_path_buf(),
            line,
            reason,
        };
        let text = std::str::from_utf8(bytes).map_err(|e| {
            let line = 1 + bytes[..e.valid_up_to()]
                .iter()
                .filter(|&&b| b == b'\n')
                .count();
            bad(line, "not UTF-8 text".into())
        })?;
        let mut seen = vec![0u32; self.liquidity_msat.len()];
        let mut rows = 0;
        let mut header_seen = false;
        for (i, raw) in text.split('\n').enumerate() {
            let line = i + 1;
            let l = raw.strip_suffix('\r').unwrap_or(raw).trim();
            if l.is_empty() {
                continue;
            }
            if !header_seen {
                let cols: Vec<&str> = l.split(',').map(str::trim).collect();
                if cols != ["channel", "direction", "liquidity_msat"] {
                    return Err(bad(
                        line,
                        format!("expected the header '{CSV_HEADER}', found '{l}'"),
                    ));
                }
                header_seen = true;
                continue;
            }
            let cols: Vec<&str> = l.split(',').map(str::trim).collect();
            let [chan, dir, liq] = cols[..] else {
                return Err(bad(
                    line,
                    format!(
                        "expected 3 fields (channel,direction,liquidity_msat), found {}",
                        cols.len()
                    ),
                ));
            };
            let scid: Scid = chan.parse().map_err(|e| bad(line, format!("{e}")))?;
            let c = g
                .chan_idx(scid)
                .ok_or_else(|| bad(line, format!("unknown channel {scid}")))?;
            let d: u8 = match dir {
                "0" => 0,
                "1" => 1,
                _ => {
                    return Err(bad(
                        line,
                        format!("direction must be 0 or 1, found '{dir}'"),
                    ))
                }
            };
            let amount: u64 = liq.parse().map_err(|_| {
                bad(
                    line,
                    format!("liquidity_msat must be a non-negative integer, found '{liq}'"),
                )
            })?;
            let cap = g.capacity_sat(c).saturating_mul(1000);
            if amount > cap {
                return Err(bad(
                    line,
                    format!("liquidity_msat {amount} is above the capacity of {scid} ({cap} msat)"),
                ));
            }
            let h = HalfIdx::new(c, d).0 as usize;
            if seen[h] != 0 {
                return Err(bad(
                    line,
                    format!("{scid} direction {d} already listed on line {}", seen[h]),
                ));
            }
            seen[h] = line as u32;
            self.liquidity_msat[h] = amount;
            rows += 1;
        }
        if !header_seen {
            return Err(bad(
                1,
                format!("empty file: expected the header '{CSV_HEADER}'"),
            ));
        }
        Ok(rows)
    }

    /// The CSV text of every half, in graph order.
    pub fn to_csv(&self, g: &Graph) -> String {
        let mut s = String::with_capacity(self.liquidity_msat.len() * 28 + 40);
        s.push_str(CSV_HEADER);
        s.push('\n');
        for (h, l) in self.liquidity_msat.iter().enumerate() {
            let half = HalfIdx(h as u32);
            let _ = writeln!(s, "{},{},{}", g.scid(half.chan()), half.direction(), l);
        }
        s
    }

    /// Writes [`to_csv`](Self::to_csv) atomically.
    pub fn write_csv(&self, g: &Graph, path: &Path) -> Result<(), OracleError> {
        crate::graph::file::write_atomic(path, self.to_csv(g).as_bytes()).map_err(|source| {
            OracleError::Io {
                path: path.to_path_buf(),
                source,
            }
        })
    }
}
