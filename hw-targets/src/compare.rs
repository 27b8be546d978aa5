//! A run on a target's numerics against the reference run of the same graph:
//! per-population rates and spike-time agreement.

use serde::Serialize;
use std::sync::Arc;
use synfire_graphs::probe::{ProbeDef, ProbeKind};
use synfire_graphs::{Graph, probe_kind};
use synfire_runtime::{KernelFactory, RunError, Runtime};

use crate::Activity;

/// The spikes of a run, `(tick, gid)` in canonical order, and its activity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// Every spike of every population (sources included).
    pub spikes: Vec<(u64, u64)>,
    /// Per-gid counts, steps and delivered events.
    pub activity: Activity,
}

/// Runs `graph` for `ticks` on `workers` threads with `kernels` (the reference
/// kernels when `None`), recording every spike; with a target's kernels, also the
/// work they counted per neuron (read from the run's final state).
pub fn record(graph: &Graph, kernels: Option<Arc<dyn KernelFactory>>, workers: usize, ticks: u64) -> Result<Record, RunError> {
    let mut g = graph.clone();
    let name = "deploy:spikes".to_string();
    g.probes.push(ProbeDef { name: name.clone(), kind: ProbeKind::Spikes { pops: (0..g.populations.len()).collect() }, window: None });
    let probe = g.probe::<probe_kind::Spikes>(&name).ok_or_else(|| RunError::Setting { field: "probes", message: "the deploy probe is missing".into() })?;
    let mut b = Runtime::builder().workers(workers);
    let kernels_count = kernels.is_some();
    if let Some(k) = kernels {
        b = b.kernels(k);
    }
    let mut sim = b.build(&g)?;
    sim.run_ticks(ticks)?;
    let list = sim.spikes(probe)?;
    let mut counts = vec![0u64; g.num_neurons() as usize];
    for &gid in &list.gids {
        counts[gid as usize] += 1;
    }
    let spikes = list.ticks.iter().copied().zip(list.gids.iter().copied()).collect();
    let mut activity = Activity::new(ticks, counts, sim.counters()?.syn_events);
    if kernels_count {
        let ck = sim.checkpoint()?;
        activity.idle = kernel_counts(&g, &ck, IDLE_UPDATES);
        activity.graded = kernel_counts(&g, &ck, GRADED_EVENTS);
        activity.learn = rule_counts(&g, &ck, LEARN_UPDATES);
    }
    Ok(Record { spikes, activity })
}

/// The per-neuron column a target's kernel keeps of its idle updates.
pub const IDLE_UPDATES: &str = "idle_updates";
/// The per-neuron column a graded input keeps of its non-zero payloads.
pub const GRADED_EVENTS: &str = "graded_events";
/// The per-target column a target's learning engine keeps of its synapse updates.
pub const LEARN_UPDATES: &str = "learn_updates";

/// Per gid, the `u64` per-neuron column `name` of every population's kernel state in
/// `ck` (zero where a population has none); empty when no population has it. The
/// counts are the kernels' own, per neuron, so they do not depend on the workers.
pub fn kernel_counts(graph: &Graph, ck: &synfire_runtime::Checkpoint, name: &str) -> Vec<u64> {
    let mut out = vec![0u64; graph.num_neurons() as usize];
    let mut found = false;
    for pop in 0..graph.populations.len() {
        // The shards write a kernel's columns in the group `kernel`.
        let Some(col) = ck.population_state(pop).and_then(|t| t.get(&format!("kernel.{name}"))) else { continue };
        if let synfire_graphs::Values::U64(v) = &col.values {
            let r = graph.gid_range(pop);
            out[r.start as usize..r.end as usize].copy_from_slice(&v[..(r.end - r.start) as usize]);
            found = true;
        }
    }
    if found { out } else { Vec::new() }
}

/// Per target gid, the `u64` per-target column `name` of every projection's rule
/// state in `ck`, summed over projections; empty when no rule has it.
pub fn rule_counts(graph: &Graph, ck: &synfire_runtime::Checkpoint, name: &str) -> Vec<u64> {
    let mut out = vec![0u64; graph.num_neurons() as usize];
    let mut found = false;
    for (q, p) in graph.projections.iter().enumerate() {
        // The shards write a rule's columns in the group `rule`.
        let Some(col) = ck.projection_state(q).and_then(|t| t.get(&format!("rule.{name}"))) else { continue };
        if let synfire_graphs::Values::U64(v) = &col.values {
            let r = graph.gid_range(p.target);
            for (o, &x) in out[r.start as usize..r.end as usize].iter_mut().zip(v) {
                *o += x;
            }
            found = true;
        }
    }
    if found { out } else { Vec::new() }
}

/// One population's comparison.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PopComparison {
    /// Population name.
    pub name: String,
    /// Spikes in the reference run.
    pub reference_spikes: u64,
    /// Spikes on the target.
    pub target_spikes: u64,
    /// Mean rate of the reference run (Hz).
    pub reference_hz: f64,
    /// Mean rate on the target (Hz).
    pub target_hz: f64,
    /// Spikes of the same neuron within the window, matched one to one, as
    /// `2 matched / (reference + target)`; 1 when neither run spiked.
    pub agreement: f64,
}

/// Both runs, population by population.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Comparison {
    /// The matching window (ticks either side).
    pub window_ticks: u64,
    /// Per population, neuron populations and sources.
    pub populations: Vec<PopComparison>,
}

/// Compares two records of `graph` over `steps` ticks.
pub fn compare(graph: &Graph, reference: &Record, target: &Record, window_ticks: u64) -> Comparison {
    let n = graph.num_neurons() as usize;
    let by_neuron = |r: &Record| {
        let mut v = vec![Vec::new(); n];
        for &(t, g) in &r.spikes {
            v[g as usize].push(t);
        }
        v
    };
    let (a, b) = (by_neuron(reference), by_neuron(target));
    let secs = reference.activity.steps as f64 * graph.dt.0 * 1e-3;
    let populations = (0..graph.populations.len())
        .map(|pop| {
            let r = graph.gid_range(pop);
            let (mut na, mut nb, mut matched) = (0u64, 0u64, 0u64);
            for g in r.start as usize..r.end as usize {
                na += a[g].len() as u64;
                nb += b[g].len() as u64;
                matched += match_spikes(&a[g], &b[g], window_ticks);
            }
            let size = graph.populations[pop].size as f64;
            let hz = |k: u64| if secs > 0.0 { k as f64 / size / secs } else { 0.0 };
            PopComparison {
                name: graph.populations[pop].name.clone(),
                reference_spikes: na,
                target_spikes: nb,
                reference_hz: hz(na),
                target_hz: hz(nb),
                agreement: if na + nb == 0 { 1.0 } else { 2.0 * matched as f64 / (na + nb) as f64 },
            }
        })
        .collect();
    Comparison { window_ticks, populations }
}

/// Greedy one-to-one matching of two increasing tick lists within `w` ticks.
fn match_spikes(a: &[u64], b: &[u64], w: u64) -> u64 {
    let (mut i, mut j, mut m) = (0, 0, 0);
    while i < a.len() && j < b.len() {
        if a[i].abs_diff(b[j]) <= w {
            m += 1;
            i += 1;
            j += 1;
        } else if a[i] < b[j] {
            i += 1;
        } else {
            j += 1;
        }
    }
    m
}

impl Comparison {
    /// Fixed-column text.
    pub fn text(&self) -> String {
        use std::fmt::Write as _;
        let mut s = String::new();
        let _ = writeln!(
            s,
            "{:<16} {:>10} {:>10} {:>10} {:>10} {:>10} {:>10}",
            "population", "ref spikes", "tgt spikes", "ref Hz", "tgt Hz", "diff Hz", "agreement"
        );
        for p in &self.populations {
            let _ = writeln!(
                s,
                "{:<16} {:>10} {:>10} {:>10.3} {:>10.3} {:>10.3} {:>10.4}",
                p.name,
                p.reference_spikes,
                p.target_spikes,
                p.reference_hz,
                p.target_hz,
                p.target_hz - p.reference_hz,
                p.agreement
            );
        }
        let _ = writeln!(s, "agreement: spikes of the same neuron within +-{} ticks, matched one to one", self.window_ticks);
        s
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn matching_is_one_to_one_within_the_window() {
        assert_eq!(super::match_spikes(&[1, 5, 9], &[2, 5, 20], 1), 2);
        assert_eq!(super::match_spikes(&[1, 2], &[1], 0), 1);
        assert_eq!(super::match_spikes(&[], &[3], 5), 0);
    }
}
