//! `rates.svg`: population rates over time.

use super::{colour, draw_legend, frame, page};
use anyhow::Context;
use plotters::prelude::*;
use std::path::Path;
use synfire_runtime::RateTrace;

/// Draws one line per `(population index, name, trace)`; a point per bin, at its centre.
pub fn write_rates(path: &Path, title: &str, traces: &[(usize, String, RateTrace)], until_ms: f64) -> anyhow::Result<()> {
    let top = traces.iter().flat_map(|t| t.2.rates_hz.iter().copied()).fold(0.0f64, f64::max);
    let y_max = if top > 0.0 { top * 1.1 } else { 1.0 };
    let (root, plot, legend) = page(path, 500)?;
    let mut chart = frame(&plot, title, 0f64..until_ms, 0f64..y_max)?;
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
        chart.draw_series(LineSeries::new(points, c.stroke_width(2)))?;
        let mean = if trace.rates_hz.is_empty() { 0.0 } else { trace.rates_hz.iter().sum::<f64>() / trace.rates_hz.len() as f64 };
        entries.push((format!("{name} ({mean:.1} Hz)"), c));
    }
    draw_legend(&legend, &entries)?;
    root.present().with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}
