//! `raster.svg`: spike times of an evenly spaced sample of the recorded neurons.

use super::{colour, draw_legend, frame, page};
use anyhow::Context;
use plotters::prelude::*;
use std::path::Path;
use synfire_runtime::SpikeList;

/// At most this many neurons are drawn, so that every row stays visible.
const MAX_ROWS: u64 = 500;

/// Which neurons get a row: every `stride`-th neuron of the recorded populations
/// taken one after the other.
#[derive(Debug, Clone, PartialEq)]
struct Sample {
    stride: u64,
    /// First position of each recorded population in the concatenation.
    starts: Vec<u64>,
    rows: u64,
}

impl Sample {
    fn new(sizes: &[u64]) -> Sample {
        let total: u64 = sizes.iter().sum();
        let stride = total.div_ceil(MAX_ROWS).max(1);
        let starts = sizes.iter().scan(0, |acc, &s| Some(std::mem::replace(acc, *acc + s))).collect();
        Sample { stride, starts, rows: total.div_ceil(stride) }
    }

    /// The row of neuron `index` of the `k`-th recorded population, if it is drawn.
    fn row(&self, k: usize, index: u64) -> Option<u64> {
        let pos = self.starts[k] + index;
        pos.is_multiple_of(self.stride).then_some(pos / self.stride)
    }
}

/// Draws the spikes of `pops` (indices into `spikes.pop_names`, with their sizes) in
/// `[from_ms, until_ms)`.
pub fn write_raster(path: &Path, title: &str, spikes: &SpikeList, pops: &[(usize, u64)], (from_ms, until_ms): (f64, f64)) -> anyhow::Result<()> {
    let sample = Sample::new(&pops.iter().map(|p| p.1).collect::<Vec<_>>());
    let (root, plot, legend) = page(path, 650)?;
    let mut chart = frame(&plot, title, from_ms..until_ms, 0f64..sample.rows as f64)?;
    let y_desc = if sample.stride == 1 { "neuron".to_string() } else { format!("neuron (every {}th drawn)", sample.stride) };
    // Ticks are labelled by neuron (position among the recorded neurons), not by row.
    let stride = sample.stride as f64;
    chart
        .configure_mesh()
        .disable_mesh()
        .x_desc("time (ms)")
        .y_desc(y_desc)
        .x_label_formatter(&|x| format!("{x:.0}"))
        .y_label_formatter(&|y| format!("{:.0}", y * stride))
        .axis_desc_style(("sans-serif", 16))
        .label_style(("sans-serif", 13))
        .draw()?;
    // Dots as large as a row allows, but never invisible.
    let radius = ((560.0 / sample.rows as f64) / 2.0).clamp(1.0, 3.0) as i32;
    // One pass over the spikes before `until_ms` (they are in tick order), each
    // drawn population collecting its dots.
    let mut slot = vec![None; spikes.pop_names.len()];
    for (k, &(pop, _)) in pops.iter().enumerate() {
        if let Some(s) = slot.get_mut(pop) {
            *s = Some(k);
        }
    }
    let mut dots: Vec<Vec<(f64, f64)>> = vec![Vec::new(); pops.len()];
    let start = spikes.ticks.partition_point(|&t| (t as f64 * spikes.dt_ms) < from_ms);
    let end = spikes.ticks.partition_point(|&t| (t as f64 * spikes.dt_ms) < until_ms);
    for s in start..end {
        let Some(Some(k)) = slot.get(spikes.pops[s] as usize).copied() else { continue };
        if let Some(row) = sample.row(k, u64::from(spikes.index[s])) {
            dots[k].push((spikes.time_ms(s), row as f64 + 0.5));
        }
    }
    let mut entries = Vec::new();
    for (k, (&(pop, size), dots)) in pops.iter().zip(dots).enumerate() {
        let c = colour(pop);
        chart.draw_series(dots.into_iter().map(|p| Circle::new(p, radius, c.filled())))?;
        if k > 0 {
            // A thin line where the population begins.
            let y = sample.starts[k].div_ceil(sample.stride) as f64;
            chart.draw_series(LineSeries::new([(from_ms, y), (until_ms, y)], BLACK.mix(0.3)))?;
        }
        entries.push((format!("{} ({size})", spikes.pop_names[pop]), c));
    }
    draw_legend(&legend, &entries)?;
    root.present().with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn small_networks_get_every_neuron() {
        let s = Sample::new(&[80, 20]);
        assert_eq!((s.stride, s.rows), (1, 100));
        assert_eq!(s.row(1, 5), Some(85));
    }

    #[test]
    fn large_networks_are_sampled_evenly_across_populations() {
        let s = Sample::new(&[3200, 800]);
        assert_eq!((s.stride, s.rows), (8, 500));
        assert_eq!(s.row(0, 16), Some(2));
        assert_eq!(s.row(0, 17), None);
        assert_eq!(s.row(1, 0), Some(400));
        // Every row is used exactly once.
        let mut rows: Vec<u64> = (0..3200).filter_map(|i| s.row(0, i)).chain((0..800).filter_map(|i| s.row(1, i))).collect();
        rows.dedup();
        assert_eq!(rows, (0..500).collect::<Vec<_>>());
    }
}
