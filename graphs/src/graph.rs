//! The frozen, validated network: the IR every backend consumes.

use crate::connector::Conn;
use crate::error::Warning;
use crate::ids::{NetId, PopId, Probe, ProjId};
use crate::model::{ModelKind, NeuronSpec};
use crate::network::{ModulatorDef, PopKind, PopulationDef};
use crate::probe::ProbeDef;
use crate::stimulus::CurrentDef;
use crate::units::{Tick, Time};
use serde::{Deserialize, Serialize};

/// How a projection's delays are stored after rounding to ticks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum DelayTicks {
    /// Every synapse has this delay.
    Const(u32),
    /// Delays differ per synapse, between these bounds (inclusive).
    PerSynapse { min: u32, max: u32 },
}

impl DelayTicks {
    /// The shortest delay.
    pub fn min(self) -> u32 {
        match self {
            DelayTicks::Const(d) => d,
            DelayTicks::PerSynapse { min, .. } => min,
        }
    }
    /// The longest delay.
    pub fn max(self) -> u32 {
        match self {
            DelayTicks::Const(d) => d,
            DelayTicks::PerSynapse { max, .. } => max,
        }
    }
}

/// A validated projection.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Projection {
    /// Unique name.
    pub name: String,
    /// Source population index.
    pub source: usize,
    /// Target population index.
    pub target: usize,
    /// The description as given (weights in the user's unit, delays in ms).
    pub conn: Conn,
    /// Index into the target model's [`ModelKind::receptors`].
    pub receptor: usize,
    /// Factor from the user's weight unit to the target model's weight unit.
    pub weight_scale: f64,
    /// Delays in ticks.
    pub delay: DelayTicks,
}

/// The validated, immutable network. Built by [`Network::freeze`](crate::Network::freeze).
///
/// Equality ignores which builder the graph came from: a graph read back from a
/// scenario file equals the one written.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Graph {
    pub(crate) net: NetId,
    /// Time step.
    pub dt: Time,
    /// Seed of every random stream.
    pub seed: u64,
    /// Populations in declaration order; neuron global ids follow this order.
    pub populations: Vec<PopulationDef>,
    /// Projections in declaration order.
    pub projections: Vec<Projection>,
    /// Injected currents.
    pub currents: Vec<CurrentDef>,
    /// Probes.
    pub probes: Vec<ProbeDef>,
    /// Third-factor nodes.
    pub modulators: Vec<ModulatorDef>,
    /// First global id of each population (prefix sums of sizes), plus the total.
    pub offsets: Vec<u64>,
    pub(crate) warnings: Vec<Warning>,
}

impl PartialEq for Graph {
    fn eq(&self, o: &Graph) -> bool {
        self.dt == o.dt
            && self.seed == o.seed
            && self.populations == o.populations
            && self.projections == o.projections
            && self.currents == o.currents
            && self.probes == o.probes
            && self.modulators == o.modulators
            && self.offsets == o.offsets
            && self.warnings == o.warnings
    }
}

impl Graph {
    /// What `freeze()` did that the user may not expect.
    pub fn warnings(&self) -> &[Warning] {
        &self.warnings
    }

    /// Total number of neurons and sources.
    pub fn num_neurons(&self) -> u64 {
        self.offsets.last().copied().unwrap_or(0)
    }

    /// The global id range of population `pop`.
    pub fn gid_range(&self, pop: usize) -> std::ops::Range<u64> {
        self.offsets[pop]..self.offsets[pop + 1]
    }

    /// The population that owns global id `gid`, and the index within it.
    pub fn locate(&self, gid: u64) -> Option<(usize, u64)> {
        let pop = self.offsets.partition_point(|&o| o <= gid).checked_sub(1)?;
        (pop < self.populations.len()).then(|| (pop, gid - self.offsets[pop]))
    }

    /// The minimum delay of the network in ticks: the longest window in which no
    /// shard waits for another (projections, and modulators computed from activity).
    /// `None` when the network has neither.
    pub fn min_delay(&self) -> Option<u32> {
        let computed = self.modulators.iter().filter_map(|m| m.activity.map(|a| a.delay.to_ticks(self.dt).min(u64::from(u32::MAX)) as u32));
        self.projections.iter().map(|p| p.delay.min()).chain(computed).min()
    }

    /// The maximum delay of the network in ticks.
    pub fn max_delay(&self) -> u32 {
        self.projections.iter().map(|p| p.delay.max()).max().unwrap_or(1)
    }

    /// The model of a neuron population, `None` for sources.
    pub fn model(&self, pop: usize) -> Option<&NeuronSpec> {
        match &self.populations.get(pop)?.kind {
            PopKind::Neurons(m) => Some(m),
            PopKind::Source(_) => None,
        }
    }

    /// Whether population `pop` is made of rate units (graded output, no spikes).
    pub fn graded(&self, pop: usize) -> bool {
        self.model(pop).is_some_and(|m| m.kind.graded())
    }

    /// The per-neuron signals over population `pop`, in declaration order: signal `i`
    /// of them lives in input ring `receptors + i` of the population (after the
    /// model's receptors), where `freeze` points its feedback projections.
    pub fn signals_over(&self, pop: usize) -> impl Iterator<Item = usize> + '_ {
        (0..self.modulators.len()).filter(move |&m| self.modulators[m].kind == crate::network::ModulatorKind::PerNeuron { pop })
    }

    /// The input ring of per-neuron signal `m` in its population (see
    /// [`Graph::signals_over`]), or `None` when `m` is not a per-neuron signal.
    pub fn signal_ring(&self, m: usize) -> Option<usize> {
        let crate::network::ModulatorKind::PerNeuron { pop } = self.modulators.get(m)?.kind else { return None };
        let receptors = self.model(pop)?.kind.receptors().len();
        self.signals_over(pop).position(|k| k == m).map(|i| receptors + i)
    }

    /// The model kind of a neuron population.
    pub fn model_kind(&self, pop: usize) -> Option<ModelKind> {
        self.model(pop).map(|m| m.kind)
    }

    /// Converts a model time to ticks of this graph.
    pub fn ticks(&self, t: Time) -> Tick {
        Tick(t.to_ticks(self.dt))
    }

    /// The handle of population `name`, for graphs loaded from files.
    pub fn pop(&self, name: &str) -> Option<PopId> {
        self.populations.iter().position(|p| p.name == name).map(|i| PopId { net: self.net, index: i as u32 })
    }

    /// The handle of projection `name`.
    pub fn proj(&self, name: &str) -> Option<ProjId> {
        self.projections.iter().position(|p| p.name == name).map(|i| ProjId { net: self.net, index: i as u32 })
    }

    /// The handle of probe `name`; `T` must match what it records (checked when read).
    pub fn probe<T>(&self, name: &str) -> Option<Probe<T>> {
        self.probes.iter().position(|p| p.name == name).map(|i| Probe::new(self.net, i as u32))
    }

    /// Whether a handle was issued by the network this graph was frozen from.
    pub fn owns<T>(&self, probe: Probe<T>) -> bool {
        probe.net == self.net && probe.index() < self.probes.len()
    }

    /// Whether a population handle belongs to this graph.
    pub fn owns_pop(&self, pop: PopId) -> bool {
        pop.net == self.net && pop.index() < self.populations.len()
    }

    /// The id of the network this graph was frozen from.
    pub fn net_id(&self) -> NetId {
        self.net
    }
}
