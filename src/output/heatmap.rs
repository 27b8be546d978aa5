//! Matrices as coloured grids (a task's accuracy matrices): one SVG per
//! [`Heatmap`], a panel per matrix, every panel on the heatmap's one colour scale,
//! each cell labelled with its value so the plot reads without the scale.

use anyhow::{Context, bail};
use plotters::prelude::*;
use std::path::Path;
use synfire::tasks::Heatmap;

/// Panels per row of the page.
const PER_ROW: usize = 4;
/// Width and height of a panel, in pixels.
const PANEL: (u32, u32) = (270, 250);

/// Writes `map` to `path`. A panel whose shape differs from the row and column
/// names is an error (the plot would mislabel cells).
pub fn write_heatmap(path: &Path, map: &Heatmap) -> anyhow::Result<()> {
    let (nr, nc) = (map.rows.len(), map.columns.len());
    for (name, m) in &map.panels {
        if m.len() != nr || m.iter().any(|row| row.len() != nc) {
            bail!("heatmap {}: panel {name} is not {nr} x {nc} like its row and column names", map.file);
        }
    }
    let n = map.panels.len().max(1);
    let (cols, rows) = (n.min(PER_ROW), n.div_ceil(PER_ROW));
    let size = (PANEL.0 * cols as u32 + 20, PANEL.1 * rows as u32 + 110);
    let root = SVGBackend::new(path, size).into_drawing_area();
    root.fill(&WHITE)?;
    root.draw(&Text::new(map.title.clone(), (14, 10), ("sans-serif", 20).into_font()))?;
    let axes = format!("rows: {}; columns: {}", map.row_label, map.column_label);
    root.draw(&Text::new(axes, (14, 38), ("sans-serif", 14).into_font()))?;
    let body = root.margin(64, 46, 10, 10);
    for (k, area) in body.split_evenly((rows, cols)).iter().enumerate() {
        if let Some((name, m)) = map.panels.get(k) {
            panel(area, name, m, map).with_context(|| format!("cannot draw panel {name} of {}", map.file))?;
        }
    }
    draw_scale(&root, map.range, size)?;
    root.present().with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

/// One matrix: a caption, cells with their values, row names left and column names
/// below.
fn panel<DB: DrawingBackend>(area: &DrawingArea<DB, plotters::coord::Shift>, name: &str, m: &[Vec<f64>], map: &Heatmap) -> anyhow::Result<()>
where
    DB::ErrorType: 'static,
{
    let (nr, nc) = (map.rows.len(), map.columns.len());
    let (w, h) = area.dim_in_pixel();
    let (left, top, bottom) = (58i32, 22i32, 22i32);
    let cell_w = (w as i32 - left - 8) / nc.max(1) as i32;
    let cell_h = (h as i32 - top - bottom) / nr.max(1) as i32;
    area.draw(&Text::new(name.to_string(), (left, 2), ("sans-serif", 15).into_font()))?;
    for (i, row) in m.iter().enumerate() {
        let y = top + i as i32 * cell_h;
        area.draw(&Text::new(map.rows[i].clone(), (2, y + cell_h / 2 - 6), ("sans-serif", 12).into_font()))?;
        for (j, &v) in row.iter().enumerate() {
            let x = left + j as i32 * cell_w;
            let t = unit(v, map.range);
            area.draw(&Rectangle::new([(x, y), (x + cell_w - 1, y + cell_h - 1)], colour_at(t).filled()))?;
            let ink = if t < 0.55 { WHITE } else { BLACK };
            let label = if v.is_finite() { format!("{v:.2}") } else { "-".into() };
            area.draw(&Text::new(label, (x + cell_w / 2 - 13, y + cell_h / 2 - 7), ("sans-serif", 13).into_font().color(&ink)))?;
        }
    }
    for (j, c) in map.columns.iter().enumerate() {
        let x = left + j as i32 * cell_w + cell_w / 2 - 16;
        area.draw(&Text::new(c.clone(), (x, top + nr as i32 * cell_h + 4), ("sans-serif", 12).into_font()))?;
    }
    Ok(())
}

/// The colour scale, along the bottom of the page.
fn draw_scale<DB: DrawingBackend>(root: &DrawingArea<DB, plotters::coord::Shift>, range: (f64, f64), size: (u32, u32)) -> anyhow::Result<()>
where
    DB::ErrorType: 'static,
{
    let (x0, y0, len) = (70i32, size.1 as i32 - 34, 300i32);
    for k in 0..len {
        let c = colour_at(k as f64 / (len - 1) as f64);
        root.draw(&Rectangle::new([(x0 + k, y0), (x0 + k + 1, y0 + 12)], c.filled()))?;
    }
    let font = ("sans-serif", 12).into_font();
    root.draw(&Text::new(format!("{:.2}", range.0), (x0 - 34, y0), font.clone()))?;
    root.draw(&Text::new(format!("{:.2}", range.1), (x0 + len + 6, y0), font))?;
    Ok(())
}

/// Where `v` lies in `range`, clamped to [0, 1] (0 for values that are not finite).
fn unit(v: f64, (lo, hi): (f64, f64)) -> f64 {
    if !v.is_finite() || hi <= lo { 0.0 } else { ((v - lo) / (hi - lo)).clamp(0.0, 1.0) }
}

/// A dark-to-light colour scale (stops of a viridis-like map), `t` in [0, 1].
fn colour_at(t: f64) -> RGBColor {
    const STOPS: [(f64, f64, f64); 5] = [(68.0, 1.0, 84.0), (59.0, 82.0, 139.0), (33.0, 145.0, 140.0), (94.0, 201.0, 98.0), (253.0, 231.0, 37.0)];
    let x = t.clamp(0.0, 1.0) * (STOPS.len() - 1) as f64;
    let k = (x.floor() as usize).min(STOPS.len() - 2);
    let f = x - k as f64;
    let mix = |a: f64, b: f64| (a + f * (b - a)).round() as u8;
    let (a, b) = (STOPS[k], STOPS[k + 1]);
    RGBColor(mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_scale_runs_dark_to_light_and_clamps() {
        let lum = |c: RGBColor| 0.3 * c.0 as f64 + 0.59 * c.1 as f64 + 0.11 * c.2 as f64;
        let l: Vec<f64> = (0..=10).map(|k| lum(colour_at(k as f64 / 10.0))).collect();
        assert!(l.windows(2).all(|w| w[1] > w[0]), "luminance rises along the scale: {l:?}");
        assert_eq!(unit(2.0, (0.0, 1.0)), 1.0);
        assert_eq!(unit(-1.0, (0.0, 1.0)), 0.0);
        assert_eq!(unit(f64::NAN, (0.0, 1.0)), 0.0);
        assert_eq!(unit(0.25, (0.0, 0.5)), 0.5);
    }

    #[test]
    fn a_panel_of_the_wrong_shape_is_refused() {
        let dir = std::env::temp_dir().join(format!("synfire-heatmap-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let mut map = Heatmap {
            file: "m.svg".into(),
            title: "t".into(),
            rows: vec!["a".into(), "b".into()],
            columns: vec!["x".into(), "y".into()],
            range: (0.0, 1.0),
            panels: vec![("ok".into(), vec![vec![0.1, 0.9], vec![0.5, 1.0]])],
            ..Heatmap::default()
        };
        write_heatmap(&dir.join("ok.svg"), &map).expect("a well-shaped heatmap draws");
        let svg = std::fs::read_to_string(dir.join("ok.svg")).expect("written");
        assert!(svg.contains("0.90") && svg.contains("ok"), "cells carry their values and the panel its name");
        map.panels.push(("short".into(), vec![vec![0.1]]));
        let e = write_heatmap(&dir.join("bad.svg"), &map).expect_err("a 1 x 1 panel under 2 x 2 names");
        assert!(e.to_string().contains("short"), "{e}");
        std::fs::remove_dir_all(&dir).ok();
    }
}
