//! Running a built runtime in chunks under a progress bar, and collecting what its
//! probes recorded.

use crate::output::{Binned, Plan, ProbeData, WeightSummary};
use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};
use std::time::Instant;
use synfire_graphs::scenario::OutputFile;
use synfire_graphs::{Graph, ProbeKind, Time, probe_kind};
use synfire_runtime::{RateTrace, Runtime, SpikeList};

/// Ticks per chunk: 1% of the run or 100 ms of model time, whichever is longer. It
/// depends on neither the window nor the workers, so that the weight summaries taken
/// between chunks (the weight evolution plot) do not either.
fn chunk_ticks(total: u64, dt: Time) -> u64 {
    let hundred_ms = Time(100.0).to_ticks(dt);
    (total / 100).max(hundred_ms).max(1)
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

/// Where a run stands: its chunk grid (fixed when the run starts, so a resumed run
/// takes its weight summaries at the same ticks), how far it got, the weight
/// summaries of every plastic projection so far, and the wall time spent simulating.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Progress {
    /// Ticks the run simulates in all.
    pub total: u64,
    /// Ticks per chunk.
    pub chunk: u64,
    /// Ticks simulated so far.
    pub done: u64,
    /// Per plastic projection: its weights summarised at the start and after every chunk.
    pub evolution: Vec<Vec<WeightSummary>>,
    /// Seconds of wall time spent in the simulation (weight summaries excluded).
    pub wall_s: f64,
}

impl Progress {
    /// A run of `duration` from the runtime's start, with the first weight summaries.
    pub fn start(rt: &Runtime, duration: Time) -> anyhow::Result<Progress> {
        let dt = rt.graph().dt;
        let total = duration.to_ticks(dt);
        let plastic = plastic_projections(rt.graph());
        let mut p = Progress { total, chunk: chunk_ticks(total, dt), done: rt.tick(), evolution: vec![Vec::new(); plastic.len()], wall_s: 0.0 };
        p.record(rt, &plastic)?;
        Ok(p)
    }

    fn record(&mut self, rt: &Runtime, plastic: &[(usize, String)]) -> anyhow::Result<()> {
        for (e, s) in self.evolution.iter_mut().zip(weight_summaries(rt, plastic)?) {
            e.extend(s);
        }
        Ok(())
    }
}

/// Simulates the rest of `progress` in chunks, with a progress bar on stderr (when
/// stderr is not a terminal, a plain progress line every [`LINE_EVERY_S`] seconds
/// instead), summarising the plastic weights and calling `after_chunk` after every
/// chunk.
///
/// Speed is printed as everywhere in synfire: seconds of wall time per second of
/// model time (`realtime_factor` of the reports; below 1 is faster than real time).
pub fn run_with_progress(
    rt: &mut Runtime,
    progress: &mut Progress,
    mut after_chunk: impl FnMut(&mut Runtime, &Progress) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let plastic = plastic_projections(rt.graph());
    let dt = rt.graph().dt;
    let total_s = progress.total as f64 * dt.0 * 1e-3;
    let bar = ProgressBar::new(progress.total);
    bar.set_style(ProgressStyle::with_template("{bar:25.cyan/blue} {msg}, ETA {eta}")?.progress_chars("=> "));
    bar.set_position(progress.done);
    bar.set_message(format!("{:.2}/{total_s:.2} s model", progress.done as f64 * dt.0 * 1e-3));
    // Slices end on the guard's grid: a run call that ends elsewhere scans the whole
    // state and every plastic weight at its end, which every 10 ms would cost more
    // than the slicing is worth.
    let slice = rt.guard_period_ticks().max(1);
    let plain = !std::io::IsTerminal::is_terminal(&std::io::stderr());
    let mut last_line = Instant::now();
    let status = |done: u64, wall_s: f64| {
        let model_s = done as f64 * dt.0 * 1e-3;
        format!("{model_s:.2}/{total_s:.2} s model, {:.3} s wall per model s", wall_s / model_s.max(f64::MIN_POSITIVE))
    };
    while progress.done < progress.total {
        let step = progress.chunk.min(progress.total - progress.done);
        // The chunk in slices, looking for Ctrl-C between them.
        let mut ran = 0;
        while ran < step && !super::interrupt::requested() {
            let at = progress.done + ran;
            let piece = ((at / slice + 1) * slice - at).min(step - ran);
            let started = Instant::now();
            rt.run_ticks(piece)?;
            progress.wall_s += started.elapsed().as_secs_f64();
            ran += piece;
            if plain && last_line.elapsed().as_secs_f64() >= LINE_EVERY_S {
                eprintln!("synfire: {}", status(progress.done + ran, progress.wall_s));
                last_line = Instant::now();
            }
        }
        progress.done += ran;
        if ran < step {
            // Interrupted: the weights where the run stopped end the evolution plot.
            if ran > 0 {
                progress.record(rt, &plastic)?;
            }
            bar.finish_and_clear();
            return Err(super::interrupt::Interrupted { at: rt.now() }.into());
        }
        progress.record(rt, &plastic)?;
        bar.set_position(progress.done);
        bar.set_message(status(progress.done, progress.wall_s));
        after_chunk(rt, progress)?;
    }
    bar.finish_and_clear();
    Ok(())
}

/// Seconds of wall time between two progress lines when stderr is not a terminal.
pub const LINE_EVERY_S: f64 = 5.0;

/// What the probes of a run recorded, read once for every output file.
#[derive(Debug, Clone)]
pub struct Recorded {
    /// Spikes of every spike probe, canonical order, without duplicates: the one
    /// list the spike files, the raster, the report and the derived rates use.
    pub spikes: SpikeList,
    /// Names of the spike probes.
    pub spike_probes: Vec<String>,
    /// Populations some spike probe records, with their sizes, in graph order.
    pub spike_pops: Vec<(usize, u64)>,
    /// Populations a spike probe records over the whole run (mean rates are exact).
    pub whole_run: Vec<bool>,
    /// Spikes in `spikes` per population.
    pub per_pop: Vec<u64>,
    /// What each probe of the graph gave, in graph order.
    pub probes: Vec<ProbeData>,
    /// Rate traces to plot `(population, name, trace)`: the rate probes, or when there
    /// are none, 10 ms bins of the recorded spikes.
    pub plot_rates: Vec<(usize, String, RateTrace)>,
}

/// Reads what `plan` needs of every probe of the runtime's graph. Each spike probe is
/// fetched once; rates of populations that a spike probe records over the whole run
/// are derived from those spikes (the same bins and sums as `Runtime::rates`).
pub fn collect(rt: &Runtime, plan: &Plan) -> anyhow::Result<Recorded> {
    let graph = rt.graph();
    let npops = graph.populations.len();
    let missing = |name: &str| format!("probe `{name}` has no handle of its kind");
    let mut spikes = SpikeList { dt_ms: graph.dt.0, pop_names: graph.populations.iter().map(|p| p.name.clone()).collect(), ..SpikeList::default() };
    let (mut spike_probes, mut in_spike_probe, mut whole_run) = (Vec::new(), vec![false; npops], vec![false; npops]);
    for def in &graph.probes {
        if let ProbeKind::Spikes { pops } = &def.kind {
            let handle = graph.probe::<probe_kind::Spikes>(&def.name).with_context(|| missing(&def.name))?;
            let list = rt.spikes(handle)?;
            spikes = if spike_probes.is_empty() { list } else { merge(&spikes, &list) };
            spike_probes.push(def.name.clone());
            for &p in pops {
                in_spike_probe[p] = true;
                whole_run[p] |= def.window.is_none();
            }
        }
    }
    let mut per_pop = vec![0u64; npops];
    for &p in &spikes.pops {
        per_pop[p as usize] += 1;
    }
    let spike_pops: Vec<(usize, u64)> = (0..npops).filter(|&p| in_spike_probe[p]).map(|p| (p, graph.populations[p].size)).collect();

    let mut probes = Vec::with_capacity(graph.probes.len());
    for (k, def) in graph.probes.iter().enumerate() {
        let data = match &def.kind {
            ProbeKind::Spikes { .. } => ProbeData::Spikes,
            _ if plan.stem(k).is_none() => ProbeData::NotWritten,
            ProbeKind::State { .. } => ProbeData::State(rt.state(graph.probe(&def.name).with_context(|| missing(&def.name))?)?),
            ProbeKind::Weights { .. } => ProbeData::Weights(rt.weights(graph.probe(&def.name).with_context(|| missing(&def.name))?)?),
            ProbeKind::Rate { pop, bin } => {
                let bin_ticks = graph.ticks(*bin).0.max(1);
                let (lo, hi) = def.window.map_or((0, u64::MAX), |(a, b)| (graph.ticks(a).0, graph.ticks(b).0));
                if whole_run[*pop] {
                    ProbeData::Rate(binned(graph, &spikes, *pop, bin_ticks, lo, hi.min(rt.tick())))
                } else {
                    let trace = rt.rates(graph.probe(&def.name).with_context(|| missing(&def.name))?)?;
                    ProbeData::Rate(Binned { start_tick: lo, bin_ticks, trace })
                }
            }
        };
        probes.push(data);
    }
    let mut plot_rates: Vec<(usize, String, RateTrace)> = Vec::new();
    if plan.wants(OutputFile::Rates) {
        for (def, data) in graph.probes.iter().zip(&probes) {
            if let (ProbeKind::Rate { pop, .. }, ProbeData::Rate(b)) = (&def.kind, data) {
                plot_rates.push((*pop, graph.populations[*pop].name.clone(), b.trace.clone()));
            }
        }
        if plot_rates.is_empty() {
            let bin_ticks = Time(10.0).to_ticks(graph.dt).max(1);
            plot_rates =
                spike_pops.iter().map(|&(p, _)| (p, graph.populations[p].name.clone(), binned(graph, &spikes, p, bin_ticks, 0, rt.tick()).trace)).collect();
        }
    }
    Ok(Recorded { spikes, spike_probes, spike_pops, whole_run, per_pop, probes, plot_rates })
}

/// The union of two spike lists of the same graph (each in canonical `(tick, gid)`
/// order), in canonical order without duplicates.
fn merge(a: &SpikeList, b: &SpikeList) -> SpikeList {
    let mut out = SpikeList { dt_ms: a.dt_ms, pop_names: a.pop_names.clone(), ..SpikeList::default() };
    let (mut i, mut j) = (0, 0);
    let key = |l: &SpikeList, k: usize| (l.ticks[k], l.gids[k]);
    while i < a.len() || j < b.len() {
        let take_a = j == b.len() || (i < a.len() && key(a, i) <= key(b, j));
        let (l, k) = if take_a { (a, i) } else { (b, j) };
        if take_a {
            i += 1;
            // The same spike in both lists is kept once.
            if j < b.len() && key(b, j) == key(a, k) {
                j += 1;
            }
        } else {
            j += 1;
        }
        out.ticks.push(l.ticks[k]);
        out.gids.push(l.gids[k]);
        out.pops.push(l.pops[k]);
        out.index.push(l.index[k]);
    }
    out
}

/// The rate of population `pop` in full bins of `bin_ticks` from tick `lo` up to tick
/// `end`, from a spike list that holds all of that population's spikes, through the
/// binning `Runtime::rates` uses (`RateTrace::from_spikes`).
fn binned(graph: &Graph, spikes: &SpikeList, pop: usize, bin_ticks: u64, lo: u64, end: u64) -> Binned {
    let (a, b) = (spikes.ticks.partition_point(|&t| t < lo), spikes.ticks.partition_point(|&t| t < end));
    let of_pop = (a..b).filter(|&k| spikes.pops[k] as usize == pop).map(|k| (spikes.ticks[k], spikes.index[k]));
    Binned { start_tick: lo, bin_ticks, trace: RateTrace::from_spikes(of_pop, graph.populations[pop].size, bin_ticks, lo, end, graph.dt.0) }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn chunks_are_at_least_100_ms() {
        let dt = Time(0.1);
        assert_eq!(chunk_ticks(10_000, dt), 1000);
        assert_eq!(chunk_ticks(1_000_000, dt), 10_000);
        assert_eq!(chunk_ticks(5, dt), 1000);
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
        let m = merge(&list(&[(1, 3), (4, 0)]), &list(&[(1, 2), (1, 3), (2, 9)]));
        assert_eq!(m, list(&[(1, 2), (1, 3), (2, 9), (4, 0)]));
        assert_eq!(merge(&list(&[]), &list(&[(1, 2)])), list(&[(1, 2)]));
        assert_eq!(merge(&list(&[(1, 2), (5, 5)]), &list(&[])), list(&[(1, 2), (5, 5)]));
    }

    #[test]
    fn rates_derived_from_the_spikes_are_the_runtimes() {
        use synfire_graphs::prelude::*;
        let mut net = Network::new().seed(3);
        let lif = Lif::cuba().e_l((-49.0).mv()).init("v", uniform((-60.0).mv(), (-50.0).mv()));
        let e = net.population("E", 50, lif.clone());
        let i = net.population("I", 20, lif);
        net.connect(e, e, Conn::prob(0.1).weight(1.0.mv()).delay(0.1.ms()));
        net.record_spikes([e]);
        let windowed = net.record_spikes([i]);
        net.probe_window(windowed, 10.0.ms(), 30.0.ms());
        let whole = net.record_rate(e, 2.0.ms());
        let part = net.record_rate(e, 3.0.ms());
        // A window past the end of the run: bins up to now only.
        net.probe_window(part, 5.0.ms(), 100.0.ms());
        net.probe_name(part, "part");
        let inner = net.record_rate(e, 1.5.ms());
        net.probe_window(inner, 4.5.ms(), 20.0.ms());
        net.probe_name(inner, "inner");
        // `I` is recorded only in a window: its rate comes from the runtime.
        let other = net.record_rate(i, 2.0.ms());
        let graph = net.freeze().unwrap();
        let mut rt = Runtime::builder().build(&graph).unwrap();
        rt.run_for(50.0.ms()).unwrap();
        let recorded = collect(&rt, &Plan::new(&graph, &OutputFile::ALL).unwrap()).unwrap();
        assert!(recorded.spikes.count("E") > 0);
        for (k, handle) in [(2, whole), (3, part), (4, inner), (5, other)] {
            let ProbeData::Rate(b) = &recorded.probes[k] else { panic!("probe {k} is a rate probe") };
            assert_eq!(b.trace, rt.rates(handle).unwrap(), "probe {k}");
            assert_eq!(b.start_tick as f64 * 0.1, b.trace.start_ms);
        }
        assert_eq!(recorded.plot_rates.len(), 4);
    }
}
