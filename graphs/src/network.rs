//! The `Network` builder: the Rust DSL that collects populations, stimuli,
//! projections, probes and third-factor nodes, then freezes into a [`Graph`].

use crate::connector::Conn;
use crate::dist::Value;
use crate::error::BuildError;
use crate::graph::Graph;
use crate::ids::{ModId, NetId, PopId, Probe, ProjId, StimId, probe_kind};
use crate::model::NeuronSpec;
use crate::probe::{ProbeDef, ProbeKind};
use crate::rule::RuleCatalog;
use crate::stimulus::{CurrentDef, CurrentShape, SourceSpec};
use crate::units::{Quantity, Rate, Time, Unit};
use serde::{Deserialize, Serialize};

/// What a population is made of.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PopKind {
    /// Neurons of a model.
    Neurons(NeuronSpec),
    /// A spike source.
    Source(SourceSpec),
}

/// A population as described.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PopulationDef {
    /// Unique name.
    pub name: String,
    /// Number of neurons (or sources).
    pub size: u64,
    /// Model or source.
    pub kind: PopKind,
}

/// A projection as described, before validation resolves units and receptors.
#[derive(Debug, Clone, PartialEq)]
pub struct ProjectionDraft {
    pub(crate) source: PopId,
    pub(crate) target: PopId,
    pub(crate) conn: Conn,
}

/// The kind of a third-factor node.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ModulatorKind {
    /// One number broadcast to every shard (reward, novelty, a learning-rate gate).
    Scalar,
    /// One number per neuron of a population (e-prop learning signals, errors).
    PerNeuron { pop: usize },
}

/// A third-factor signal node. A scalar modulator's value is a step function of
/// time: its initial value, then the steps of its schedule, then whatever the Rust API
/// sets between runs; or, when it has an [`Activity`], computed from a population.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModulatorDef {
    /// Unique name.
    pub name: String,
    /// Shape of the signal.
    pub kind: ModulatorKind,
    /// Value before anything sets it.
    pub initial: f64,
    /// Steps `(from, value)`, increasing in time.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub schedule: Vec<(Time, f64)>,
    /// Computed from a population's activity instead of set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub activity: Option<Activity>,
}

impl ModulatorDef {
    /// A scalar modulator that only the API or a schedule changes.
    pub fn scalar(name: &str, initial: f64) -> Self {
        ModulatorDef { name: name.to_string(), kind: ModulatorKind::Scalar, initial, schedule: Vec::new(), activity: None }
    }
}

/// A modulator computed from a population's activity, the same on every shard:
///
/// ```text
/// x(t) = n(t) / (N dt)         spiking population: spikes of tick t per neuron, in Hz
/// x(t) = sum_i r_i(t) / N      rate population: the mean output of tick t
/// a(t) = P a(t-1) + (1 - P) x(t),   P = exp(-dt / tau)      (a(-1) = 0)
/// m(t) = offset + gain * a(t - delay)            (m = initial for t < delay)
/// ```
///
/// `a` is a leaky average whose steady state is the mean rate (or output). The delay
/// (at least one tick) is what lets every shard know the value before it is read: the
/// window of a run is at most the shortest such delay.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Activity {
    /// Index of the population (set from the handle by the builder).
    pub pop: usize,
    /// Time constant of the leaky average.
    pub tau: Time,
    /// Factor on the average.
    pub gain: f64,
    /// Added to the scaled average.
    pub offset: f64,
    /// Delay from the activity to the modulator.
    pub delay: Time,
}

impl Activity {
    /// The leaky average with time constant `tau`, gain 1, offset 0, delay 1 ms.
    pub fn average(tau: Time) -> Self {
        Activity { pop: 0, tau, gain: 1.0, offset: 0.0, delay: Time(1.0) }
    }
    /// Sets the gain.
    pub fn gain(mut self, gain: f64) -> Self {
        self.gain = gain;
        self
    }
    /// Sets the offset.
    pub fn offset(mut self, offset: f64) -> Self {
        self.offset = offset;
        self
    }
    /// Sets the delay.
    pub fn delay(mut self, delay: Time) -> Self {
        self.delay = delay;
        self
    }
}

/// A current stimulus as the user describes it.
#[derive(Debug, Clone, PartialEq)]
pub struct Stim {
    shape: CurrentShape,
    unit: Unit,
    neurons: Option<std::ops::Range<u32>>,
    start: Time,
    stop: Option<Time>,
}

impl Stim {
    /// A constant current (a quantity or a distribution of one, per neuron).
    pub fn dc<Q: Quantity>(amplitude: impl Into<crate::dist::Spec<Q>>) -> Stim {
        Stim { shape: CurrentShape::Dc { amplitude: amplitude.into().into_value() }, unit: Q::UNIT, neurons: None, start: Time(0.0), stop: None }
    }
    /// A piecewise-constant current: `amplitude` from `time` until the next step.
    pub fn steps<Q: Quantity>(steps: impl IntoIterator<Item = (Time, Q)>) -> Stim {
        let (times, amplitudes) = steps.into_iter().map(|(t, a)| (t, a.value())).unzip();
        Stim { shape: CurrentShape::Steps { times, amplitudes }, unit: Q::UNIT, neurons: None, start: Time(0.0), stop: None }
    }
    /// Only into these neurons of the population.
    pub fn neurons(mut self, range: std::ops::Range<u32>) -> Stim {
        self.neurons = Some(range);
        self
    }
    /// Active from `start` to `stop`.
    pub fn between(mut self, start: Time, stop: Time) -> Stim {
        self.start = start;
        self.stop = Some(stop);
        self
    }
}

/// The mutable builder of a network. Every method records; nothing is checked until
/// [`Network::freeze`], which reports every problem at once.
#[derive(Debug, Clone)]
pub struct Network {
    pub(crate) net: NetId,
    pub(crate) dt: Time,
    pub(crate) seed: u64,
    pub(crate) populations: Vec<PopulationDef>,
    pub(crate) projections: Vec<ProjectionDraft>,
    pub(crate) currents: Vec<(PopId, CurrentDef)>,
    pub(crate) probes: Vec<(Vec<HandleRef>, ProbeDef)>,
    pub(crate) modulators: Vec<(Option<PopId>, ModulatorDef)>,
}

/// A handle a probe refers to, kept to check it belongs to this network.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum HandleRef {
    Pop(PopId),
    Proj(ProjId),
}

impl Default for Network {
    fn default() -> Self {
        Self::new()
    }
}

impl Network {
    /// An empty network with `dt = 0.1 ms` and seed 0.
    pub fn new() -> Self {
        Network {
            net: NetId::fresh(),
            dt: Time(0.1),
            seed: 0,
            populations: Vec::new(),
            projections: Vec::new(),
            currents: Vec::new(),
            probes: Vec::new(),
            modulators: Vec::new(),
        }
    }

    /// Sets the time step.
    pub fn dt(mut self, dt: Time) -> Self {
        self.dt = dt;
        self
    }

    /// Sets the seed of every random stream.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Sets the time step on a network already bound to a variable.
    pub fn set_dt(&mut self, dt: Time) {
        self.dt = dt;
    }

    /// The seed of every random stream (what [`Network::seed`] set).
    pub fn rng_seed(&self) -> u64 {
        self.seed
    }

    /// Sets the seed on a network already bound to a variable.
    pub fn set_seed(&mut self, seed: u64) {
        self.seed = seed;
    }

    fn pop_id(&self, index: usize) -> PopId {
        PopId { net: self.net, index: index as u32 }
    }

    /// Adds a population of `size` neurons of a model.
    pub fn population(&mut self, name: &str, size: u64, model: NeuronSpec) -> PopId {
        self.populations.push(PopulationDef { name: name.to_string(), size, kind: PopKind::Neurons(model) });
        self.pop_id(self.populations.len() - 1)
    }

    /// Adds a population of `size` spike sources.
    pub fn source(&mut self, name: &str, size: u64, spec: SourceSpec) -> PopId {
        self.populations.push(PopulationDef { name: name.to_string(), size, kind: PopKind::Source(spec) });
        self.pop_id(self.populations.len() - 1)
    }

    /// Adds `size` independent Poisson sources at a constant rate.
    pub fn poisson(&mut self, name: &str, size: u64, rate: Rate) -> PopId {
        self.source(name, size, SourceSpec::poisson(rate))
    }

    /// Connects `source` to `target`.
    pub fn connect(&mut self, source: PopId, target: PopId, conn: Conn) -> ProjId {
        self.projections.push(ProjectionDraft { source, target, conn });
        ProjId { net: self.net, index: (self.projections.len() - 1) as u32 }
    }

    /// Connects every population of `sources` to every one of `targets` with the same
    /// description; projections are added source-major.
    pub fn connect_all(&mut self, sources: impl IntoIterator<Item = PopId>, targets: impl IntoIterator<Item = PopId> + Clone, conn: Conn) -> Vec<ProjId> {
        let mut ids = Vec::new();
        for s in sources {
            for t in targets.clone() {
                ids.push(self.connect(s, t, conn.clone()));
            }
        }
        ids
    }

    /// Injects a current into a population.
    pub fn inject(&mut self, target: PopId, name: &str, stim: Stim) -> StimId {
        let def = CurrentDef {
            name: name.to_string(),
            target: target.index(),
            neurons: stim.neurons,
            shape: stim.shape,
            unit: stim.unit,
            start: stim.start,
            stop: stim.stop,
        };
        self.currents.push((target, def));
        StimId { net: self.net, index: (self.currents.len() - 1) as u32 }
    }

    fn add_probe<T>(&mut self, handles: Vec<HandleRef>, name: String, kind: ProbeKind) -> Probe<T> {
        self.probes.push((handles, ProbeDef { name, kind, window: None }));
        Probe::new(self.net, (self.probes.len() - 1) as u32)
    }

    fn pop_name(&self, p: PopId) -> String {
        self.populations.get(p.index()).map_or_else(|| format!("pop{}", p.index()), |d| d.name.clone())
    }

    /// Records every spike of the given populations.
    pub fn record_spikes(&mut self, pops: impl IntoIterator<Item = PopId>) -> Probe<probe_kind::Spikes> {
        let pops: Vec<PopId> = pops.into_iter().collect();
        let name = format!("spikes:{}", pops.iter().map(|&p| self.pop_name(p)).collect::<Vec<_>>().join("+"));
        let kind = ProbeKind::Spikes { pops: pops.iter().map(|p| p.index()).collect() };
        self.add_probe(pops.into_iter().map(HandleRef::Pop).collect(), name, kind)
    }

    /// Samples state variable `var` of the given neurons every `interval`.
    pub fn record_state(&mut self, pop: PopId, var: &str, neurons: impl IntoIterator<Item = u32>, interval: Time) -> Probe<probe_kind::State> {
        let name = format!("state:{}.{var}", self.pop_name(pop));
        let kind = ProbeKind::State { pop: pop.index(), var: var.to_string(), neurons: neurons.into_iter().collect(), interval };
        self.add_probe(vec![HandleRef::Pop(pop)], name, kind)
    }

    /// Samples the weights of a projection every `interval` (at most `max_synapses`).
    pub fn record_weights(&mut self, proj: ProjId, interval: Time, max_synapses: Option<u32>) -> Probe<probe_kind::Weights> {
        let name = format!("weights:{}", proj.index());
        self.add_probe(vec![HandleRef::Proj(proj)], name, ProbeKind::Weights { proj: proj.index(), interval, max_synapses, var: None })
    }

    /// Samples per-synapse variable `var` of a plastic projection's rule (the
    /// consolidated weight `"w_cons"` of the orchestrated rule) every `interval`.
    pub fn record_synapse_state(&mut self, proj: ProjId, var: &str, interval: Time, max_synapses: Option<u32>) -> Probe<probe_kind::Weights> {
        let name = format!("{var}:{}", proj.index());
        let kind = ProbeKind::Weights { proj: proj.index(), interval, max_synapses, var: Some(var.to_string()) };
        self.add_probe(vec![HandleRef::Proj(proj)], name, kind)
    }

    /// Records the population rate in bins of `bin`.
    pub fn record_rate(&mut self, pop: PopId, bin: Time) -> Probe<probe_kind::Rate> {
        let name = format!("rate:{}", self.pop_name(pop));
        self.add_probe(vec![HandleRef::Pop(pop)], name, ProbeKind::Rate { pop: pop.index(), bin })
    }

    /// Restricts a probe to `[start, stop)`.
    pub fn probe_window<T>(&mut self, probe: Probe<T>, start: Time, stop: Time) {
        if probe.net == self.net
            && let Some((_, def)) = self.probes.get_mut(probe.index())
        {
            def.window = Some((start, stop));
        }
    }

    /// Renames a probe (names must be unique; defaults are derived from what it records).
    pub fn probe_name<T>(&mut self, probe: Probe<T>, name: &str) {
        if probe.net == self.net
            && let Some((_, def)) = self.probes.get_mut(probe.index())
        {
            def.name = name.to_string();
        }
    }

    /// Adds a scalar third-factor node (a modulator broadcast to every shard).
    pub fn modulator(&mut self, name: &str, initial: f64) -> ModId {
        self.modulators.push((None, ModulatorDef::scalar(name, initial)));
        ModId { net: self.net, index: (self.modulators.len() - 1) as u32 }
    }

    /// Adds a scalar modulator that takes `initial`, then each `(from, value)` step
    /// (times increasing) at its time.
    pub fn scheduled_modulator(&mut self, name: &str, initial: f64, steps: impl IntoIterator<Item = (Time, f64)>) -> ModId {
        let def = ModulatorDef { schedule: steps.into_iter().collect(), ..ModulatorDef::scalar(name, initial) };
        self.modulators.push((None, def));
        ModId { net: self.net, index: (self.modulators.len() - 1) as u32 }
    }

    /// Adds a scalar modulator computed from the activity of `pop` (see [`Activity`]);
    /// `initial` holds until the first delayed value arrives.
    pub fn computed_modulator(&mut self, name: &str, initial: f64, pop: PopId, activity: Activity) -> ModId {
        let def = ModulatorDef { activity: Some(Activity { pop: pop.index(), ..activity }), ..ModulatorDef::scalar(name, initial) };
        self.modulators.push((Some(pop), def));
        ModId { net: self.net, index: (self.modulators.len() - 1) as u32 }
    }

    /// Adds a per-neuron third-factor node over `pop` (a learning signal).
    pub fn learning_signal(&mut self, name: &str, pop: PopId) -> ModId {
        self.modulators.push((Some(pop), ModulatorDef { kind: ModulatorKind::PerNeuron { pop: pop.index() }, ..ModulatorDef::scalar(name, 0.0) }));
        ModId { net: self.net, index: (self.modulators.len() - 1) as u32 }
    }

    /// Validates everything and returns the immutable graph, or every problem found.
    /// Rule parameters are checked for finiteness only; use [`Network::freeze_with`]
    /// and the catalogue of `synfire-rules` to check them fully.
    pub fn freeze(&self) -> Result<Graph, BuildError> {
        crate::validate::freeze(self, None)
    }

    /// Like [`Network::freeze`], checking plasticity rules against a catalogue.
    pub fn freeze_with(&self, rules: &dyn RuleCatalog) -> Result<Graph, BuildError> {
        crate::validate::freeze(self, Some(rules))
    }

    /// The id of this builder (handles carry it).
    pub fn id(&self) -> NetId {
        self.net
    }

    /// A value helper for scenario code: the population handle by name.
    pub fn pop_by_name(&self, name: &str) -> Option<PopId> {
        self.populations.iter().position(|p| p.name == name).map(|i| self.pop_id(i))
    }
}

/// A value with a unit that `Value::from` cannot infer: a dimensionless constant.
pub fn number(v: f64) -> Value {
    Value::constant(Unit::One, v)
}
