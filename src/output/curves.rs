//! Line plots of a task's figures (learning curves, forgetting curves, ...): one SVG
//! per [`Figure`], a line per series with its ± band, on linear or log axes.

use super::{colour, draw_legend, page};
use anyhow::Context;
use plotters::prelude::*;
use std::path::Path;
use synfire::tasks::Figure;

/// Writes `figure` to `path`. Points that a log axis cannot show (zero or negative)
/// are left out of the line rather than failing the plot.
pub fn write_figure(path: &Path, figure: &Figure) -> anyhow::Result<()> {
    let shown = |x: f64, y: f64| x.is_finite() && y.is_finite() && (!figure.log_x || x > 0.0) && (!figure.log_y || y > 0.0);
    let mut xs = Vec::new();
    let mut ys = Vec::new();
    for s in &figure.series {
        for (k, &(x, y)) in s.points.iter().enumerate() {
            if shown(x, y) {
                let band = s.spread.get(k).copied().unwrap_or(0.0).abs();
                xs.push(x);
                ys.push(y + band);
                let low = y - band;
                ys.push(if figure.log_y && low <= 0.0 { y } else { low });
            }
        }
    }
    let range = |v: &[f64], log: bool| {
        let lo = v.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        match (lo.is_finite(), log) {
            (false, _) => (if log { 1.0 } else { 0.0 }, if log { 10.0 } else { 1.0 }),
            (true, true) if hi <= lo => (lo / 2.0, hi * 2.0),
            (true, true) => (lo / 1.2, hi * 1.2),
            (true, false) if hi <= lo => (lo - 0.5, hi + 0.5),
            (true, false) => (lo - 0.05 * (hi - lo), hi + 0.05 * (hi - lo)),
        }
    };
    let (x0, x1) = range(&xs, figure.log_x);
    let (y0, y1) = range(&ys, figure.log_y);
    let (root, plot, legend) = page(path, 500)?;
    let mut builder = ChartBuilder::on(&plot);
    builder.caption(&figure.title, ("sans-serif", 20)).margin(12).x_label_area_size(45).y_label_area_size(75);
    let mut entries = Vec::new();
    // Four axis kinds, one drawing routine.
    macro_rules! draw {
        ($x:expr, $y:expr) => {{
            let mut chart = builder.build_cartesian_2d($x, $y)?;
            chart
                .configure_mesh()
                .light_line_style(BLACK.mix(0.05))
                .x_desc(&figure.x_label)
                .y_desc(&figure.y_label)
                .axis_desc_style(("sans-serif", 16))
                .label_style(("sans-serif", 13))
                .draw()?;
            for (k, s) in figure.series.iter().enumerate() {
                let c = colour(k);
                let pts: Vec<(usize, (f64, f64))> = s.points.iter().copied().enumerate().filter(|&(_, (x, y))| shown(x, y)).collect();
                if !s.spread.is_empty() {
                    let upper = pts.iter().map(|&(i, (x, y))| (x, y + s.spread.get(i).copied().unwrap_or(0.0).abs()));
                    let lower = pts.iter().rev().map(|&(i, (x, y))| {
                        let low = y - s.spread.get(i).copied().unwrap_or(0.0).abs();
                        (x, if figure.log_y && low <= 0.0 { y } else { low })
                    });
                    chart.draw_series(std::iter::once(Polygon::new(upper.chain(lower).collect::<Vec<_>>(), c.mix(0.15).filled())))?;
                }
                chart.draw_series(LineSeries::new(pts.iter().map(|&(_, p)| p), c.stroke_width(2)))?;
                entries.push((s.name.clone(), c));
            }
        }};
    }
    match (figure.log_x, figure.log_y) {
        (false, false) => draw!(x0..x1, y0..y1),
        (true, false) => draw!((x0..x1).log_scale(), y0..y1),
        (false, true) => draw!(x0..x1, (y0..y1).log_scale()),
        (true, true) => draw!((x0..x1).log_scale(), (y0..y1).log_scale()),
    }
    draw_legend(&legend, &entries)?;
    root.present().with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use synfire::tasks::Series;

    #[test]
    fn a_figure_with_bands_and_log_axes_is_written() {
        let dir = std::env::temp_dir().join(format!("synfire-curves-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        for (log_x, log_y) in [(false, false), (true, true)] {
            let fig = Figure {
                file: "c.svg".into(),
                title: "loss".into(),
                x_label: "iteration".into(),
                y_label: "nMSE".into(),
                log_x,
                log_y,
                series: vec![
                    Series { name: "a".into(), points: vec![(1.0, 1.0), (10.0, 0.5), (100.0, 0.1)], spread: vec![0.1, 0.6, 0.05] },
                    Series { name: "zero".into(), points: vec![(0.0, 0.0), (10.0, 0.2)], spread: Vec::new() },
                ],
            };
            let path = dir.join(format!("c-{log_x}.svg"));
            write_figure(&path, &fig).unwrap();
            let text = std::fs::read_to_string(&path).unwrap();
            assert!(text.contains("nMSE") && text.contains("zero"), "{log_x}");
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
