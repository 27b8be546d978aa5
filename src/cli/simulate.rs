//! Running a built runtime in chunks under a progress bar, and collecting what its
//! probes recorded.

use crate::output::WeightSummary;
use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};
use std::time::Instant;
use synfire_graphs::{Graph, ProbeKind, Time, probe_kind};
use synfire_runtime::{RateTrace, Runtime, SpikeList};

/// Ticks per chunk: 1% of the run or 100 ms of model time, whichever is longer,
/// in whole windows.
fn chunk_ticks(total: u64, dt: Time, window: u64) -> u64 {
    let hundred_ms = Time(100.0).to_ticks(dt);
    let want = (total / 100).max(hundred_ms).max(1);
    want.div_ceil(window.max(1)) * window.max(1)
}

/// The plastic projections of a graph: `(index, name)`.
pub fn plastic_projections(graph: &Graph) -> Vec<(usize, String)> {
    graph.projections.iter().enumerate().filter(|(_, p)| p.conn.rule.is_some()).map(|(k, p)| (k, p.name.clone())).collect()
}

/// Summaries of every plastic projection's weights now, in the order of `plastic`.
fn weight_summaries(rt: &Runtime, plastic: &[(usize, String)]) -> anyhow::Result<Vec<Option<WeightSummary>>> {
    let t_ms = rt.now().0;
    plastic
        .iter()
        .map(|(k, name)| {
            let proj = rt.graph().proj(name).with_context(|| format!("projection `{name}` ({k}) has no handle"))?;
            Ok(WeightSummary::of(t_ms, &rt.projection_weights(proj)?.values))
        })
        .collect()
}

/// Simulates `duration` with a progress bar on stderr (hidden when stderr is not a
/// terminal); returns the wall time of the simulation in seconds (weight summaries
/// taken between chunks excluded) and, for each plastic projection, its weights
/// summarised at the start and after every chunk.
pub fn run_with_progress(rt: &mut Runtime, duration: Time) -> anyhow::Result<(f64, Vec<Vec<WeightSummary>>)> {
    let plastic = plastic_projections(rt.graph());
    let mut evolution: Vec<Vec<WeightSummary>> = vec![Vec::new(); plastic.len()];
    let mut record = |rt: &Runtime| -> anyhow::Result<()> {
        for (e, s) in evolution.iter_mut().zip(weight_summaries(rt, &plastic)?) {
            e.extend(s);
        }
        Ok(())
    };
    record(rt)?;
    let dt = rt.graph().dt;
    let total = duration.to_ticks(dt);
    let chunk = chunk_ticks(total, dt, rt.window_ticks());
    let bar = ProgressBar::new(total);
    bar.set_style(ProgressStyle::with_template("{bar:25.cyan/blue} {msg}, ETA {eta}")?.progress_chars("=> "));
    bar.set_message(format!("0.00/{:.2} s model", duration.as_secs()));
    let mut wall = 0.0;
    let mut done = 0;
    while done < total {
        let step = chunk.min(total - done);
        let started = Instant::now();
        rt.run_ticks(step)?;
        wall += started.elapsed().as_secs_f64();
        done += step;
        record(rt)?;
        let (model_s, wall_s) = (done as f64 * dt.0 * 1e-3, wall);
        bar.set_position(done);
        // Real-time factor: wall time per model time.
        bar.set_message(format!("{model_s:.2}/{:.2} s model, RTF {:.2}", duration.as_secs(), wall_s / model_s));
    }
    bar.finish_and_clear();
    Ok((wall, evolution))
}

/// What the probes of a run recorded, merged for the output files.
#[derive(Debug, Clone)]
pub struct Recorded {
    /// Spikes of every spike probe, canonical order, without duplicates.
    pub spikes: SpikeList,
    /// Populations some spike probe records, with their sizes, in graph order.
    pub spike_pops: Vec<(usize, u64)>,
    /// Populations a spike probe records over the whole run (mean rates are exact).
    pub whole_run: Vec<bool>,
    /// Rate traces `(population, name, trace)`: the rate probes, or when there are
    /// none, 10 ms bins computed from the recorded spikes.
    pub rates: Vec<(usize, String, RateTrace)>,
}

/// Reads every spike and rate probe of the runtime's graph.
pub fn collect(rt: &Runtime) -> anyhow::Result<Recorded> {
    let graph = rt.graph();
    let mut spikes = SpikeList { dt_ms: graph.dt.0, pop_names: graph.populations.iter().map(|p| p.name.clone()).collect(), ..SpikeList::default() };
    let mut in_spike_probe = vec![false; graph.populations.len()];
    let mut whole_run = vec![false; graph.populations.len()];
    let mut rates = Vec::new();
    for def in &graph.probes {
        match &def.kind {
            ProbeKind::Spikes { pops } => {
                let Some(handle) = graph.probe::<probe_kind::Spikes>(&def.name) else { continue };
                spikes = merge(spikes, rt.spikes(handle)?);
                for &p in pops {
                    in_spike_probe[p] = true;
                    whole_run[p] |= def.window.is_none();
                }
            }
            ProbeKind::Rate { pop, .. } => {
                let Some(handle) = graph.probe::<probe_kind::Rate>(&def.name) else { continue };
                rates.push((*pop, graph.populations[*pop].name.clone(), rt.rates(handle)?));
            }
            _ => {}
        }
    }
    let spike_pops: Vec<(usize, u64)> = (0..graph.populations.len()).filter(|&p| in_spike_probe[p]).map(|p| (p, graph.populations[p].size)).collect();
    if rates.is_empty() {
        rates = binned_rates(graph, &spikes, &spike_pops, rt.tick(), 10.0);
    }
    Ok(Recorded { spikes, spike_pops, whole_run, rates })
}

/// The union of two spike lists of the same graph, in canonical `(tick, gid)` order.
fn merge(a: SpikeList, b: SpikeList) -> SpikeList {
    if a.is_empty() {
        return SpikeList { pop_names: a.pop_names, dt_ms: a.dt_ms, ..b };
    }
    let mut rows: Vec<(u64, u64, u32, u32)> = (0..a.len()).map(|k| (a.ticks[k], a.gids[k], a.pops[k], a.index[k])).collect();
    rows.extend((0..b.len()).map(|k| (b.ticks[k], b.gids[k], b.pops[k], b.index[k])));
    rows.sort_unstable();
    rows.dedup();
    SpikeList {
        dt_ms: a.dt_ms,
        pop_names: a.pop_names,
        ticks: rows.iter().map(|r| r.0).collect(),
        gids: rows.iter().map(|r| r.1).collect(),
        pops: rows.iter().map(|r| r.2).collect(),
        index: rows.iter().map(|r| r.3).collect(),
    }
}

/// Population rates in full bins of `bin_ms` up to tick `now`, from a spike list.
fn binned_rates(graph: &Graph, spikes: &SpikeList, pops: &[(usize, u64)], now: u64, bin_ms: f64) -> Vec<(usize, String, RateTrace)> {
    let bin_ticks = Time(bin_ms).to_ticks(graph.dt).max(1);
    let bins = (now / bin_ticks) as usize;
    let bin_s = bin_ticks as f64 * graph.dt.0 * 1e-3;
    pops.iter()
        .map(|&(pop, size)| {
            let mut counts = vec![0u64; bins];
            for k in (0..spikes.len()).filter(|&k| spikes.pops[k] as usize == pop) {
                if let Some(c) = counts.get_mut((spikes.ticks[k] / bin_ticks) as usize) {
                    *c += 1;
                }
            }
            let trace =
                RateTrace { bin_ms: bin_ticks as f64 * graph.dt.0, start_ms: 0.0, rates_hz: counts.iter().map(|&c| c as f64 / size as f64 / bin_s).collect() };
            (pop, graph.populations[pop].name.clone(), trace)
        })
        .collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn chunks_are_whole_windows_of_at_least_100_ms() {
        let dt = Time(0.1);
        assert_eq!(chunk_ticks(10_000, dt, 1), 1000);
        assert_eq!(chunk_ticks(1_000_000, dt, 1), 10_000);
        assert_eq!(chunk_ticks(10_000, dt, 7), 1001);
        assert_eq!(chunk_ticks(5, dt, 1), 1000);
    }

    fn list(rows: &[(u64, u64)]) -> SpikeList {
        SpikeList {
            dt_ms: 0.1,
            pop_names: vec!["A".into()],
            ticks: rows.iter().map(|r| r.0).collect(),
            gids: rows.iter().map(|r| r.1).collect(),
            pops: vec![0; rows.len()],
            index: rows.iter().map(|r| r.1 as u32).collect(),
        }
    }

    #[test]
    fn merging_keeps_canonical_order_and_drops_duplicates() {
        let m = merge(list(&[(1, 3), (4, 0)]), list(&[(1, 2), (1, 3), (2, 9)]));
        assert_eq!(m, list(&[(1, 2), (1, 3), (2, 9), (4, 0)]));
    }
}
