//! `<probe>.svg`: a state probe's variable over time, one line per recorded neuron.

use super::{colour, draw_legend, frame, page};
use anyhow::Context;
use plotters::prelude::*;
use std::path::Path;
use synfire_runtime::StateTrace;

/// Lines drawn at most: more neurons would hide each other (all are in the files).
const MAX_LINES: usize = 8;

/// Draws the first [`MAX_LINES`] columns of `trace` against model time.
pub fn write_state_plot(path: &Path, title: &str, trace: &StateTrace, unit: &str) -> anyhow::Result<()> {
    let cols = trace.neurons.len();
    let shown = cols.min(MAX_LINES);
    let t_ms = |row: usize| trace.ticks[row] as f64 * trace.dt_ms;
    let value = |row: usize, col: usize| f64::from(trace.values[row * cols + col]);
    let finite = (0..trace.ticks.len()).flat_map(|r| (0..shown).map(move |c| (r, c))).map(|(r, c)| value(r, c)).filter(|v| v.is_finite());
    let (lo, hi) = finite.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| (a.min(v), b.max(v)));
    let (lo, hi) = if lo.is_finite() && hi > lo {
        (lo, hi)
    } else if lo.is_finite() {
        (lo - 1.0, lo + 1.0)
    } else {
        (0.0, 1.0)
    };
    let pad = 0.05 * (hi - lo);
    let x_max = trace.ticks.last().map_or(1.0, |_| t_ms(trace.ticks.len() - 1)).max(trace.dt_ms);
    let (root, plot, legend) = page(path, 500)?;
    let mut chart = frame(&plot, title, 0f64..x_max, (lo - pad)..(hi + pad))?;
    chart
        .configure_mesh()
        .light_line_style(BLACK.mix(0.05))
        .x_desc("time (ms)")
        .y_desc(format!("{} ({unit})", trace.var))
        .x_label_formatter(&|x| format!("{x:.0}"))
        .axis_desc_style(("sans-serif", 16))
        .label_style(("sans-serif", 13))
        .draw()?;
    let mut entries = Vec::new();
    for col in 0..shown {
        let c = colour(col);
        chart.draw_series(LineSeries::new((0..trace.ticks.len()).map(|r| (t_ms(r), value(r, col))), c.stroke_width(1)))?;
        entries.push((format!("{}[{}]", trace.var, trace.neurons[col]), c));
    }
    if cols > shown {
        entries.push((format!("(+{} more in the files)", cols - shown), RGBColor(150, 150, 150)));
    }
    draw_legend(&legend, &entries)?;
    root.present().with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}
