//! What `synfire run` writes: spike files, every probe as `.npy` and CSV, the JSON
//! report and timing, the plots, and `outputs.json`, which names every file with its
//! dtype, shape, variables and units ([`manifest`] describes the format). Files are
//! staged in a temporary directory so that a failed run never replaces earlier
//! outputs. Every file but `timing.json` is a pure function of the scenario and seed.

mod csv;
mod curves;
mod heatmap;
pub mod manifest;
mod npy;
mod plan;
mod probes;
mod raster;
mod rates;
mod report;
mod spikes;
mod staging;
mod state_plot;
mod weights;

pub use curves::write_figure;
pub use heatmap::write_heatmap;
pub use manifest::{Entry, Manifest};
pub use plan::Plan;
pub use probes::{Binned, ProbeData, write_probes};
pub use raster::write_raster;
pub use rates::write_rates;
pub use report::{Counts, PopulationReport, Report, Timing};
pub use spikes::{write_csv, write_npy};
pub use staging::Staging;
pub use weights::{WeightSummary, write_weight_evolution, write_weight_histogram};

/// Writes `value` as pretty-printed JSON and a final line break.
pub(crate) fn write_json(path: &std::path::Path, value: &impl serde::Serialize) -> anyhow::Result<()> {
    use anyhow::Context;
    let text = serde_json::to_string_pretty(value)?;
    std::fs::write(path, text + "\n").with_context(|| format!("cannot write {}", path.display()))
}

/// Colours of populations in the plots, in population order (Tableau 10).
const PALETTE: [(u8, u8, u8); 10] = [
    (31, 119, 180),
    (214, 39, 40),
    (44, 160, 44),
    (255, 127, 14),
    (148, 103, 189),
    (140, 86, 75),
    (227, 119, 194),
    (127, 127, 127),
    (188, 189, 34),
    (23, 190, 207),
];

/// The plot colour of population `pop`.
fn colour(pop: usize) -> plotters::style::RGBColor {
    let (r, g, b) = PALETTE[pop % PALETTE.len()];
    plotters::style::RGBColor(r, g, b)
}

/// Draws a legend (a coloured dot and a label per entry) into its own area, so that
/// it never hides data.
fn draw_legend<DB: plotters::prelude::DrawingBackend>(
    area: &plotters::prelude::DrawingArea<DB, plotters::coord::Shift>,
    entries: &[(String, plotters::style::RGBColor)],
) -> Result<(), plotters::drawing::DrawingAreaErrorKind<DB::ErrorType>> {
    use plotters::prelude::*;
    for (k, (label, c)) in entries.iter().enumerate() {
        let y = 60 + 26 * k as i32;
        area.draw(&Circle::new((12, y), 6, c.filled()))?;
        area.draw(&Text::new(label.clone(), (24, y - 8), ("sans-serif", 15).into_font()))?;
    }
    Ok(())
}

/// A drawing area of an SVG plot.
type Area<'a> = plotters::prelude::DrawingArea<plotters::prelude::SVGBackend<'a>, plotters::coord::Shift>;

/// The page every plot uses: a white SVG of `height` pixels, the plot on the left and
/// a legend column on the right. Returns the whole page (to present), plot and legend.
fn page(path: &std::path::Path, height: u32) -> anyhow::Result<(Area<'_>, Area<'_>, Area<'_>)> {
    use plotters::prelude::*;
    let root = SVGBackend::new(path, (1100, height)).into_drawing_area();
    root.fill(&WHITE)?;
    let (plot, legend) = root.split_horizontally(930);
    Ok((root, plot, legend))
}

/// Titled axes over `x` and `y` on a plot area, with room for the labels.
fn frame<'a, 'b>(
    plot: &'a Area<'b>,
    title: &str,
    x: std::ops::Range<f64>,
    y: std::ops::Range<f64>,
) -> anyhow::Result<
    plotters::chart::ChartContext<
        'a,
        plotters::prelude::SVGBackend<'b>,
        plotters::coord::cartesian::Cartesian2d<plotters::coord::types::RangedCoordf64, plotters::coord::types::RangedCoordf64>,
    >,
> {
    Ok(plotters::prelude::ChartBuilder::on(plot)
        .caption(title, ("sans-serif", 20))
        .margin(12)
        .x_label_area_size(45)
        .y_label_area_size(75)
        .build_cartesian_2d(x, y)?)
}
