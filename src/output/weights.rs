//! `weights.svg` (the final weight distribution of each plastic projection) and
//! `weight_evolution.svg` (its mean and 10th/90th percentiles over time).

use super::{colour, draw_legend, frame, page};
use anyhow::Context;
use plotters::prelude::*;
use std::path::Path;

/// Weights of one plastic projection sampled at one time.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct WeightSummary {
    /// Model time in ms.
    pub t_ms: f64,
    /// Mean weight.
    pub mean: f64,
    /// 10th percentile.
    pub p10: f64,
    /// 90th percentile.
    pub p90: f64,
}

impl WeightSummary {
    /// The summary of `weights` at `t_ms` (`None` for no weights).
    pub fn of(t_ms: f64, weights: &[f32]) -> Option<WeightSummary> {
        if weights.is_empty() {
            return None;
        }
        let mut sorted: Vec<f32> = weights.to_vec();
        sorted.sort_by(f32::total_cmp);
        let at = |q: f64| f64::from(sorted[((sorted.len() - 1) as f64 * q).round() as usize]);
        let mean = sorted.iter().map(|&w| f64::from(w)).sum::<f64>() / sorted.len() as f64;
        Some(WeightSummary { t_ms, mean, p10: at(0.1), p90: at(0.9) })
    }
}

/// A plottable range from the observed `lo..hi`: one unit around a single value,
/// `0..1` when nothing was observed.
fn axis_range(lo: f64, hi: f64) -> (f64, f64) {
    if lo.is_finite() && hi > lo {
        (lo, hi)
    } else if lo.is_finite() {
        (lo - 0.5, lo + 0.5)
    } else {
        (0.0, 1.0)
    }
}

/// Histograms (40 bins over the common range) of the final weights of each
/// `(projection index, name, weights)`.
pub fn write_weight_histogram(path: &Path, title: &str, projections: &[(usize, String, Vec<f32>)], unit: &str) -> anyhow::Result<()> {
    const BINS: usize = 40;
    let all = projections.iter().flat_map(|p| p.2.iter().map(|&w| f64::from(w)));
    let (lo, hi) = all.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), w| (a.min(w), b.max(w)));
    let (lo, hi) = axis_range(lo, hi);
    let width = (hi - lo) / BINS as f64;
    let counts: Vec<Vec<u64>> = projections
        .iter()
        .map(|(_, _, ws)| {
            let mut c = vec![0u64; BINS];
            for &w in ws {
                c[(((f64::from(w) - lo) / width) as usize).min(BINS - 1)] += 1;
            }
            c
        })
        .collect();
    let top = counts.iter().flatten().copied().max().unwrap_or(1).max(1) as f64;
    let (root, plot, legend) = page(path, 500)?;
    let mut chart = frame(&plot, title, lo..hi, 0f64..top * 1.1)?;
    chart
        .configure_mesh()
        .light_line_style(BLACK.mix(0.05))
        .x_desc(format!("weight ({unit})"))
        .y_desc("synapses")
        .axis_desc_style(("sans-serif", 16))
        .label_style(("sans-serif", 13))
        .draw()?;
    let mut entries = Vec::new();
    for ((k, name, _), c) in projections.iter().zip(&counts) {
        let colour = colour(*k);
        // Outlined bars so that overlapping projections stay visible.
        chart.draw_series(c.iter().enumerate().map(|(b, &n)| {
            let x0 = lo + b as f64 * width;
            Rectangle::new([(x0, 0.0), (x0 + width, n as f64)], colour.stroke_width(2))
        }))?;
        entries.push((name.clone(), colour));
    }
    draw_legend(&legend, &entries)?;
    root.present().with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

/// The mean (line) and 10th-90th percentile band (thin lines) of each plastic
/// projection's weights over time.
pub fn write_weight_evolution(path: &Path, title: &str, projections: &[(usize, String, Vec<WeightSummary>)], unit: &str) -> anyhow::Result<()> {
    let until = projections.iter().flat_map(|p| p.2.iter().map(|s| s.t_ms)).fold(0.0f64, f64::max).max(1.0);
    let (lo, hi) = projections.iter().flat_map(|p| p.2.iter()).fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), s| (a.min(s.p10), b.max(s.p90)));
    let (lo, hi) = axis_range(lo, hi);
    let pad = 0.05 * (hi - lo);
    let (root, plot, legend) = page(path, 500)?;
    let mut chart = frame(&plot, title, 0f64..until, (lo - pad)..(hi + pad))?;
    chart
        .configure_mesh()
        .light_line_style(BLACK.mix(0.05))
        .x_desc("time (ms)")
        .y_desc(format!("weight ({unit}; mean, 10th-90th percentile)"))
        .x_label_formatter(&|x| format!("{x:.0}"))
        .axis_desc_style(("sans-serif", 16))
        .label_style(("sans-serif", 13))
        .draw()?;
    let mut entries = Vec::new();
    for (k, name, samples) in projections {
        let c = colour(*k);
        chart.draw_series(LineSeries::new(samples.iter().map(|s| (s.t_ms, s.mean)), c.stroke_width(2)))?;
        chart.draw_series(LineSeries::new(samples.iter().map(|s| (s.t_ms, s.p10)), c.mix(0.5).stroke_width(1)))?;
        chart.draw_series(LineSeries::new(samples.iter().map(|s| (s.t_ms, s.p90)), c.mix(0.5).stroke_width(1)))?;
        entries.push((name.clone(), c));
    }
    draw_legend(&legend, &entries)?;
    root.present().with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summaries_are_mean_and_percentiles() {
        let ws: Vec<f32> = (0..=100).map(|x| x as f32).collect();
        let s = WeightSummary::of(5.0, &ws).unwrap();
        assert_eq!((s.mean, s.p10, s.p90), (50.0, 10.0, 90.0));
        assert!(WeightSummary::of(0.0, &[]).is_none());
    }
}
