//! A compiled plan: lowered numerics, mapping, warnings, kernels and pricer.

use crate::cost::CostReport;
use crate::ledger::Ledger;
use crate::mapping::Mapping;
use crate::quant::WeightError;
use crate::wiring::Wiring;
use std::fmt::Write as _;
use std::sync::Arc;
use synfire_graphs::Graph;
use synfire_runtime::KernelFactory;

/// What a run did, as the pricers need it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Activity {
    /// Steps run.
    pub steps: u64,
    /// Spikes (or source events) of every gid.
    pub spikes: Vec<u64>,
    /// Synaptic events the runtime delivered.
    pub syn_events: u64,
    /// Idle neuron updates of every gid, as the target's kernels counted them in the
    /// run (`u = v = a = 0`, no spike); empty when unknown (a hand-made activity),
    /// and then every update is priced as active, as the spec's worked examples do.
    pub idle: Vec<u64>,
    /// Graded events (non-zero payloads) of every gid; empty when there are none.
    pub graded: Vec<u64>,
    /// Learning-engine synapse updates onto every gid (target neuron), summed over
    /// projections; empty when nothing learned on the chip.
    pub learn: Vec<u64>,
}

impl Activity {
    /// A hand-made activity: steps, spikes per gid and delivered events, nothing
    /// counted by kernels.
    pub fn new(steps: u64, spikes: Vec<u64>, syn_events: u64) -> Activity {
        Activity { steps, spikes, syn_events, ..Activity::default() }
    }
}

/// Turns activity into a ledger and a ledger into a cost report.
pub trait Pricer: Send + Sync + std::fmt::Debug {
    /// The exact counts of `activity` on this target.
    fn ledger(&self, activity: &Activity) -> Ledger;
    /// Energy and latency of `ledger` at time step `dt_s`.
    fn price(&self, ledger: &Ledger, dt_s: f64) -> CostReport;
}

/// How one population was lowered, as report lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PopReport {
    /// Population name.
    pub name: String,
    /// Lines of the report.
    pub lines: Vec<String>,
}

/// A graph compiled for a target.
pub struct Plan {
    /// The target's id.
    pub target: &'static str,
    /// Placement onto cores (multi-core targets).
    pub mapping: Option<Mapping>,
    /// Lowered populations.
    pub populations: Vec<PopReport>,
    /// Quantisation error of every projection.
    pub weights: Vec<WeightError>,
    /// Approximations and what differs from the reference.
    pub warnings: Vec<String>,
    /// Memory use, line by line (single-unit targets).
    pub memory: Vec<String>,
    /// Population names by index, for reports.
    pop_names: Vec<String>,
    /// Out-degree of every gid (for conservation checks).
    pub out_degree: Vec<u64>,
    kernels: Arc<dyn KernelFactory>,
    pricer: Box<dyn Pricer>,
}

impl std::fmt::Debug for Plan {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Plan").field("target", &self.target).field("mapping", &self.mapping).field("warnings", &self.warnings).finish_non_exhaustive()
    }
}

impl Plan {
    /// Assembles a plan (targets call this).
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn new(
        target: &'static str,
        graph: &Graph,
        mapping: Option<Mapping>,
        populations: Vec<PopReport>,
        weights: Vec<WeightError>,
        warnings: Vec<String>,
        kernels: Arc<dyn KernelFactory>,
        pricer: Box<dyn Pricer>,
        wiring: &Wiring,
    ) -> Plan {
        let pop_names = graph.populations.iter().map(|p| p.name.clone()).collect();
        Plan { target, mapping, populations, weights, warnings, memory: Vec::new(), pop_names, out_degree: wiring.out_degree.clone(), kernels, pricer }
    }

    /// The kernels (and weight transform) to pass to `RuntimeBuilder::kernels`.
    pub fn kernels(&self) -> Arc<dyn KernelFactory> {
        self.kernels.clone()
    }

    /// The exact counts of a run's activity on this target.
    pub fn ledger(&self, activity: &Activity) -> Ledger {
        self.pricer.ledger(activity)
    }

    /// Energy and latency of a ledger.
    pub fn price(&self, ledger: &Ledger, dt_s: f64) -> CostReport {
        self.pricer.price(ledger, dt_s)
    }

    /// The mapping as fixed-column text.
    pub fn mapping_text(&self) -> String {
        let mut s = String::new();
        let Some(m) = &self.mapping else {
            let _ = writeln!(s, "mapping: {}: one unit, no cores to place", self.target);
            for l in &self.memory {
                let _ = writeln!(s, "{l}");
            }
            return s;
        };
        for (k, it) in m.iterations.iter().enumerate() {
            let worst = it.axons_out.iter().max().copied().unwrap_or(0);
            let _ = writeln!(s, "placement round {k}: cap {} -> {} cores, sizes {:?}, largest axons_out {worst}", it.cap, it.sizes.len(), it.sizes);
        }
        let _ = writeln!(
            s,
            "{:>4} {:>4} {:<16} {:>14} {:>9} {:>12} {:>9} {:>9}",
            "core", "tile", "population", "neurons", "synapses", "memory B", "axons_in", "axons_out"
        );
        for (c, u) in m.cores.iter().enumerate() {
            let _ = writeln!(
                s,
                "{:>4} {:>4} {:<16} {:>14} {:>9} {:>12} {:>9} {:>9}",
                c,
                c / 4,
                self.pop_names.get(u.pop).map_or("?", String::as_str),
                format!("{}..{}", u.neurons.start, u.neurons.end),
                u.synapses,
                u.memory_bytes,
                u.axons_in,
                u.axons_out
            );
        }
        s
    }

    /// The lowering and quantisation error as fixed-column text.
    pub fn quantisation_text(&self) -> String {
        let mut s = String::new();
        for p in &self.populations {
            for l in &p.lines {
                let _ = writeln!(s, "population {:<16} {l}", p.name);
            }
        }
        let _ = writeln!(s, "{:<24} {:>9} {:>12} {:>12} {:>8} {:>8}  format", "projection", "synapses", "max_abs_err", "rms_err", "clipped", "zeroed");
        for w in &self.weights {
            let _ = writeln!(
                s,
                "{:<24} {:>9} {:>12.6} {:>12.6} {:>8} {:>8}  {}",
                w.projection, w.synapses, w.max_abs_err, w.rms_err, w.clipped, w.zeroed, w.format
            );
        }
        for w in &self.warnings {
            let _ = writeln!(s, "warning: {w}");
        }
        s
    }
}
