//! `rates.svg`: population rates over time.

use super::{colour, draw_legend, frame, page};
use anyhow::Context;
use plotters::prelude::*;
use std::path::Path;
use synfire_runtime::RateTrace;

/// Points a plotted line aims at: finer bins are merged (averaged in groups) so that
/// a long run stays readable (30 s in 10 ms bins was 3000 jagged points per line).
const PLOT_POINTS: usize = 300;

/// Draws one line per `(population index, name, trace)`; a point per (merged) bin, at
/// its centre. Lines are thin and slightly transparent, so that none hides another.
pub fn write_rates(path: &Path, title: &str, traces: &[(usize, String, RateTrace)], until_ms: f64) -> anyhow::Result<()> {
    let traces: Vec<(usize, String, RateTrace)> = traces.iter().map(|(p, n, t)| (*p, n.clone(), merged(t, PLOT_POINTS))).collect();
    let traces = &traces[..];
    let top = traces.iter().flat_map(|t| t.2.rates_hz.iter().copied()).fold(0.0f64, f64::max);
    let y_max = if top > 0.0 { top * 1.1 } else { 1.0 };
    let (root, plot, legend) = page(path, 500)?;
    let bins: Vec<String> = traces.iter().map(|t| format!("{} ms", t.2.bin_ms)).collect::<std::collections::BTreeSet<_>>().into_iter().collect();
    let title = if bins.is_empty() { title.to_string() } else { format!("{title} in bins of {}", bins.join(", ")) };
    let mut chart = frame(&plot, &title, 0f64..until_ms, 0f64..y_max)?;
    chart
        .configure_mesh()
        .light_line_style(BLACK.mix(0.05))
        .x_desc("time (ms)")
        .y_desc("rate (Hz)")
        .x_label_formatter(&|x| format!("{x:.0}"))
        .axis_desc_style(("sans-serif", 16))
        .label_style(("sans-serif", 13))
        .draw()?;
    let mut entries = Vec::new();
    for (pop, name, trace) in traces {
        let c = colour(*pop);
        let points = trace.rates_hz.iter().enumerate().map(|(k, &r)| (trace.start_ms + (k as f64 + 0.5) * trace.bin_ms, r));
        chart.draw_series(LineSeries::new(points, c.mix(0.8).stroke_width(1)))?;
        let mean = if trace.rates_hz.is_empty() { 0.0 } else { trace.rates_hz.iter().sum::<f64>() / trace.rates_hz.len() as f64 };
        entries.push((format!("{name} ({mean:.1} Hz)"), c));
    }
    draw_legend(&legend, &entries)?;
    root.present().with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

/// `trace` with groups of `k` bins averaged into one, `k` the smallest that leaves at
/// most `points` bins (a last, partial group averages what it has).
fn merged(trace: &RateTrace, points: usize) -> RateTrace {
    let k = trace.rates_hz.len().div_ceil(points.max(1)).max(1);
    if k == 1 {
        return trace.clone();
    }
    let rates_hz = trace.rates_hz.chunks(k).map(|c| c.iter().sum::<f64>() / c.len() as f64).collect();
    RateTrace { bin_ms: trace.bin_ms * k as f64, rates_hz, ..trace.clone() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_traces_are_merged_for_the_plot() {
        let t = RateTrace { bin_ms: 10.0, start_ms: 0.0, rates_hz: (0..3000).map(|k| (k % 2) as f64 * 10.0).collect(), per_neuron_hz: vec![] };
        let m = merged(&t, 300);
        assert_eq!((m.rates_hz.len(), m.bin_ms), (300, 100.0));
        assert!(m.rates_hz.iter().all(|&r| r == 5.0));
        let short = RateTrace { rates_hz: vec![1.0; 40], ..t };
        assert_eq!(merged(&short, 300).rates_hz.len(), 40);
    }
}
