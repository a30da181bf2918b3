//! SVG plots of a simulation: success rate against amount (log scale) for each router and the
//! max-flow bound, and mean attempts of paid payments against amount. Points are the share of
//! payments paid in bins of 1, 2 or 4 per decade (finer when there are enough payments), drawn
//! at each bin's geometric centre; empty bins are left out.

use std::path::Path;

use plotters::prelude::*;

use super::report::{short_sat, Buckets};

/// One curve: a name and its `(amount_sat, value)` points.
pub struct Series {
    pub name: String,
    pub points: Vec<(f64, f64)>,
}

/// Bins of `bins_per_decade` per decade over the buckets' range.
struct Bins {
    lo_log: f64,
    per_decade: f64,
    count: usize,
}

impl Bins {
    fn new(b: &Buckets, payments: usize) -> Bins {
        let (lo, _) = b.bounds(0);
        let decades = b.len();
        let per = payments / decades.max(1);
        let per_decade = if per >= 400 {
            4
        } else if per >= 100 {
            2
        } else {
            1
        };
        Bins {
            lo_log: (lo as f64).log10(),
            per_decade: per_decade as f64,
            count: decades * per_decade,
        }
    }
    fn index(&self, amount_msat: u64) -> usize {
        let x = ((amount_msat / 1000).max(1) as f64).log10();
        (((x - self.lo_log) * self.per_decade).floor().max(0.0) as usize).min(self.count - 1)
    }
    fn centre(&self, i: usize) -> f64 {
        10f64.powf(self.lo_log + (i as f64 + 0.5) / self.per_decade)
    }
}

/// Success rate (%) per bin of the payments for which `ok(i)` holds.
pub fn rate_curve(
    b: &Buckets,
    amounts_msat: &[u64],
    name: &str,
    ok: impl Fn(usize) -> bool,
) -> Series {
    let bins = Bins::new(b, amounts_msat.len());
    let (mut n, mut k) = (vec![0u64; bins.count], vec![0u64; bins.count]);
    for (i, a) in amounts_msat.iter().enumerate() {
        let j = bins.index(*a);
        n[j] += 1;
        k[j] += ok(i) as u64;
    }
    Series {
        name: name.to_string(),
        points: (0..bins.count)
            .filter(|&j| n[j] > 0)
            .map(|j| (bins.centre(j), 100.0 * k[j] as f64 / n[j] as f64))
            .collect(),
    }
}

/// Mean of `value(i)` per bin over the payments where it is `Some`.
pub fn mean_curve(
    b: &Buckets,
    amounts_msat: &[u64],
    name: &str,
    value: impl Fn(usize) -> Option<f64>,
) -> Series {
    let bins = Bins::new(b, amounts_msat.len());
    let (mut n, mut sum) = (vec![0u64; bins.count], vec![0f64; bins.count]);
    for (i, a) in amounts_msat.iter().enumerate() {
        if let Some(v) = value(i) {
            let j = bins.index(*a);
            n[j] += 1;
            sum[j] += v;
        }
    }
    Series {
        name: name.to_string(),
        points: (0..bins.count)
            .filter(|&j| n[j] > 0)
            .map(|j| (bins.centre(j), sum[j] / n[j] as f64))
            .collect(),
    }
}

const COLORS: [RGBColor; 5] = [
    RGBColor(0, 0, 0),
    RGBColor(31, 119, 180),
    RGBColor(214, 39, 40),
    RGBColor(44, 160, 44),
    RGBColor(148, 103, 189),
];

/// Renders curves to SVG text; `y_max` is the top of the value axis; series `i` gets colour
/// `first_colour + i` (black, blue, red, green, purple) so a router keeps its colour across plots.
pub fn svg(
    b: &Buckets,
    title: &str,
    y_desc: &str,
    y_max: f64,
    series: &[Series],
    first_colour: usize,
) -> Result<String, String> {
    let (x0, _) = b.bounds(0);
    let (_, x1) = b.bounds(b.len() - 1);
    let mut out = String::new();
    {
        let e = |e: &dyn std::fmt::Debug| format!("plot: {e:?}");
        let root = SVGBackend::with_string(&mut out, (820, 500)).into_drawing_area();
        root.fill(&WHITE).map_err(|x| e(&x))?;
        let mut chart = ChartBuilder::on(&root)
            .caption(title, ("sans-serif", 20))
            .margin(16)
            .x_label_area_size(44)
            .y_label_area_size(56)
            .build_cartesian_2d((x0 as f64..x1 as f64).log_scale(), 0f64..y_max)
            .map_err(|x| e(&x))?;
        chart
            .configure_mesh()
            .x_desc("amount (sat)")
            .y_desc(y_desc)
            .x_label_formatter(&|x| short_sat(x.round() as u64))
            .draw()
            .map_err(|x| e(&x))?;
        for (i, s) in series.iter().enumerate() {
            let c = COLORS[(first_colour + i) % COLORS.len()];
            chart
                .draw_series(LineSeries::new(s.points.iter().copied(), c.stroke_width(2)))
                .map_err(|x| e(&x))?
                .label(s.name.as_str())
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 20, y)], c.stroke_width(2))
                });
            chart
                .draw_series(
                    s.points
                        .iter()
                        .map(move |&(x, y)| Circle::new((x, y), 3, c.filled())),
                )
                .map_err(|x| e(&x))?;
        }
        chart
            .configure_series_labels()
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK)
            .position(SeriesLabelPosition::LowerLeft)
            .draw()
            .map_err(|x| e(&x))?;
        root.present().map_err(|x| e(&x))?;
    }
    Ok(out)
}

/// Writes SVG text atomically.
pub fn write(path: &Path, svg: &str) -> Result<(), String> {
    crate::graph::file::write_atomic(path, svg.as_bytes())
        .map_err(|e| format!("{}: {e}", path.display()))
}
