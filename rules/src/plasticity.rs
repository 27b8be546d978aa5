//! The interface the engine calls: [`Plasticity`], one instance per (projection, shard).
//!
//! The calling contract is in the crate documentation; each method repeats its part.

use crate::synapses::{Context, Synapses};
use synfire_graphs::{DelayTicks, Tick, Time};

/// What a rule asks of the engine, fixed for the rule's lifetime.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Needs {
    /// Call [`Plasticity::on_post`] for every spike of a target neuron.
    pub post_spikes: bool,
    /// Call [`Plasticity::on_tick`] once per tick.
    pub per_tick: bool,
    /// [`Plasticity::on_pre`] may return an efficacy other than 1 (short-term plasticity).
    pub efficacy: bool,
    /// [`Plasticity::on_tick`] reads the target neurons' state through
    /// [`Context::post`](crate::Context) (e-prop's pseudo-derivative, a readout's error).
    pub post_state: bool,
    /// Of that state, the targets' distance to threshold (a surrogate derivative):
    /// the runtime refuses, when it builds, a target whose model reports none, which
    /// would otherwise read as an empty slice and give every synapse a zero update.
    pub threshold: bool,
    /// [`Plasticity::begin_trial`] matters to the rule though it has no per-tick work.
    pub trials: bool,
}

/// Constants of the target population's model that rules derive their own from
/// (e-prop's presynaptic filter is the target's membrane decay), set where the model
/// has them and every target neuron has the same value.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct TargetConstants {
    /// The model's name (`"alif"`), when the target is a neuron population.
    pub model: Option<&'static str>,
    /// Membrane (or readout) time constant.
    pub tau_m: Option<Time>,
    /// Adaptation time constant.
    pub tau_a: Option<Time>,
    /// Adaptation strength (per unit of the threshold).
    pub beta: Option<f64>,
    /// Threshold.
    pub v_th: Option<f64>,
    /// Input gain (a readout's).
    pub gain: Option<f64>,
}

/// Which ends of a rule's projection a trial reset reaches ([`Plasticity::begin_trial`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TrialEnds {
    /// The source population was reset.
    pub source: bool,
    /// The target population was reset.
    pub target: bool,
}

/// What a rule instance is told about its projection in its shard.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ProjectionInfo {
    /// Clock step.
    pub dt: Time,
    /// Synapses of the projection in this shard (length of the CSR arrays).
    pub n_synapses: usize,
    /// Size of the source population (CSR rows).
    pub n_sources: usize,
    /// Local target neurons of the shard (range of `Synapses::targets`).
    pub n_targets: usize,
    /// Delays in ticks (minimum at least 1).
    pub delay: DelayTicks,
    /// Factor from the projection's weight unit (the unit of `Conn::weight`, in which
    /// weight-valued rule parameters are written) to the engine's weight unit.
    pub weight_scale: f64,
    /// The engine stores this projection's weights as negative numbers (inhibition
    /// written with negative weights). The rule then learns magnitudes: bounds and
    /// amplitudes apply to `|w|` and the sign is kept (spec 0.5).
    pub negative: bool,
    /// What the rule may read of the target model.
    pub target: TargetConstants,
}

/// A running plasticity rule for the synapses of one projection in one shard.
///
/// It never sees a thread or a shard: everything it touches is passed in. Its own
/// state lives in arrays indexed like the engine's (synapse `k`, source `j`, local
/// target `i`).
///
/// Its [`PlainState`](synfire_graphs::PlainState) is that state, not the weights (the
/// engine saves those) nor anything rebuilt from the spec and the synapses (decay
/// tables, the transposed index). Columns use the axes of their arrays; a per-source
/// row is the same in every shard where the source's row is not empty (it depends on
/// the source's spikes and on common ticks only), scalars are the same in every
/// shard, and per-target lists are entries ordered by target, then time. Save after
/// [`Plasticity::settle`] at a window boundary. A restore that does not fit is a
/// [`StateError`](synfire_graphs::StateError) and leaves the rule unchanged.
pub trait Plasticity: Send + std::fmt::Debug + synfire_graphs::PlainState {
    /// The rule's catalogue name.
    fn name(&self) -> &str;

    /// What the engine must provide.
    fn needs(&self) -> Needs;

    /// Records a spike of local target `target` at tick `t`.
    ///
    /// Ticks of one target increase; every spike must be recorded before any
    /// [`Plasticity::on_pre`] for a spike emitted after it (`t_pre > t`), and before
    /// [`Plasticity::advance`] or [`Plasticity::settle`] with `now > t`.
    fn on_post(&mut self, target: u32, t: Tick);

    /// Processes a spike of source `source` emitted at tick `t` (it arrives over
    /// synapse `k` at `t + delay(k)`), updating the weights of its row, and returns the
    /// efficacy: the engine transmits `weights[k] * efficacy` for every `k` of the row,
    /// reading the weights after this call.
    ///
    /// Calls come in non-decreasing `t` (canonical order: tick, then source), and
    /// never with `t` below the `now` of an earlier `advance` or `settle`.
    fn on_pre(&mut self, source: u32, t: Tick, syn: &mut Synapses<'_>, ctx: &Context<'_>) -> f32;

    /// Processes a presynaptic event that carries a value: the engine calls this for
    /// every event, with `value` the output of a rate unit (a graded event) or 1 for
    /// a spike, and transmits `weights[k] * value * efficacy`. Rules whose trace is
    /// the presynaptic value (the rate form of dis-inhibitory learning) read it here;
    /// every other rule sees the event as a spike ([`Plasticity::on_pre`]). The same
    /// order and conditions as `on_pre` hold.
    fn on_pre_graded(&mut self, source: u32, t: Tick, value: f32, syn: &mut Synapses<'_>, ctx: &Context<'_>) -> f32 {
        let _ = value;
        self.on_pre(source, t, syn, ctx)
    }

    /// Tells the rule that every presynaptic spike emitted before `now` has been
    /// processed and every postsynaptic spike before `now` recorded. The rule runs its
    /// slow clocks that are due and bounds its memory. Call it once per window, after
    /// delivery; `now` does not decrease.
    fn advance(&mut self, now: Tick, syn: &mut Synapses<'_>, ctx: &Context<'_>);

    /// Like [`Plasticity::advance`], and afterwards every weight (and per-synapse state)
    /// includes every event with a synaptic time before `now`. Call it before reading
    /// weights (probes, checkpoints, end of run). Results never depend on whether or
    /// when it is called.
    fn settle(&mut self, now: Tick, syn: &mut Synapses<'_>, ctx: &Context<'_>);

    /// Per-tick work (e-prop-style rules; [`Needs::per_tick`]): called once for every
    /// tick `t`, after the tick's post spikes were recorded and before any `on_pre`
    /// with `t_pre > t`. Rules that do not set `per_tick` are never called.
    fn on_tick(&mut self, _t: Tick, _syn: &mut Synapses<'_>, _ctx: &Context<'_>) {}

    /// A trial begins at tick `at` in the source or target population, or both (the
    /// runtime's `begin_trial`, at a window boundary): rules whose traces belong to a
    /// trial (e-prop's eligibility) start them from zero at `at`; the engine has
    /// dropped the events on their way into a reset target. Rules whose traces span
    /// trials (every classic STDP rule) are not told: the runtime calls only rules
    /// with [`Needs::per_tick`] or [`Needs::trials`].
    fn begin_trial(&mut self, _at: Tick, _ends: TrialEnds) {}

    /// Whether the rule can stop learning (`on = false`) or resume it from tick `at`
    /// (the runtime's `set_learning`, at a window boundary), and if not, why. While
    /// learning is off a rule changes no weight and accumulates nothing a later
    /// weight change would use (gradients, optimiser state, eligibility); the events
    /// of those ticks still pass with the weights as they are. A rule that cannot keep
    /// that promise refuses, so it never learns silently: the default refuses.
    fn can_switch_learning(&self, at: Tick, on: bool) -> Result<(), String> {
        let _ = (at, on);
        Err(format!("`{}` cannot stop learning: it has no learning switch", self.name()))
    }

    /// Stops or resumes learning from tick `at` on. Called only after every rule of
    /// the run accepted the switch through [`Plasticity::can_switch_learning`].
    fn switch_learning(&mut self, _at: Tick, _on: bool) {}

    /// The third factors the rule reads, by slot: slot `s` of
    /// [`ThirdFactors`](crate::ThirdFactors) is the graph node that the projection's
    /// rule spec binds to `inputs()[s]` (e.g. `["modulator"]`). Classic rules read none.
    fn inputs(&self) -> &'static [&'static str] {
        &[]
    }

    /// Bytes of rule state per synapse beyond the engine's weight.
    fn bytes_per_synapse(&self) -> usize;

    /// Bytes of rule state held now (per-synapse arrays, per-neuron traces, the
    /// postsynaptic spike history), for memory reports.
    fn memory_bytes(&self) -> usize;

    /// A probe reads per-synapse state `name` (a name of
    /// [`Plasticity::synapse_state`]) after every `settle`. The engine calls it once per
    /// such probe when it builds the rule. A rule whose `synapse_state` needs work
    /// beyond bringing the weights up to date (e-prop's values inside an unfinished
    /// segment) does that work only for watched state; unwatched state may lag.
    fn watch_state(&mut self, _name: &str) {}

    /// Per-synapse state by name (e.g. `"w_cons"`), for probes; valid after `settle`
    /// for state named to [`Plasticity::watch_state`].
    fn synapse_state(&self, _name: &str) -> Option<&[f32]> {
        None
    }
}

/// `PlainState` and `Plasticity` for a newtype `$t(engine)` around a rule's generic
/// engine (the plain form of a rule that a metaplastic wrapper can also drive), each
/// method the engine's.
macro_rules! delegate_plasticity {
    ($t:ty) => {
        impl synfire_graphs::PlainState for $t {
            fn save(&self, out: &mut synfire_graphs::StateWriter) {
                self.0.save(out);
            }
            fn restore(&mut self, r: &mut synfire_graphs::StateReader<'_>) -> Result<(), synfire_graphs::StateError> {
                self.0.restore(r)
            }
        }

        impl $crate::plasticity::Plasticity for $t {
            fn name(&self) -> &str {
                self.0.name()
            }
            fn needs(&self) -> $crate::plasticity::Needs {
                self.0.needs()
            }
            fn on_post(&mut self, target: u32, t: synfire_graphs::Tick) {
                self.0.on_post(target, t);
            }
            fn on_pre(&mut self, source: u32, t: synfire_graphs::Tick, syn: &mut $crate::synapses::Synapses<'_>, ctx: &$crate::synapses::Context<'_>) -> f32 {
                self.0.on_pre(source, t, syn, ctx)
            }
            fn on_pre_graded(
                &mut self,
                source: u32,
                t: synfire_graphs::Tick,
                value: f32,
                syn: &mut $crate::synapses::Synapses<'_>,
                ctx: &$crate::synapses::Context<'_>,
            ) -> f32 {
                self.0.on_pre_graded(source, t, value, syn, ctx)
            }
            fn advance(&mut self, now: synfire_graphs::Tick, syn: &mut $crate::synapses::Synapses<'_>, ctx: &$crate::synapses::Context<'_>) {
                self.0.advance(now, syn, ctx);
            }
            fn settle(&mut self, now: synfire_graphs::Tick, syn: &mut $crate::synapses::Synapses<'_>, ctx: &$crate::synapses::Context<'_>) {
                self.0.settle(now, syn, ctx);
            }
            fn on_tick(&mut self, t: synfire_graphs::Tick, syn: &mut $crate::synapses::Synapses<'_>, ctx: &$crate::synapses::Context<'_>) {
                self.0.on_tick(t, syn, ctx);
            }
            fn begin_trial(&mut self, at: synfire_graphs::Tick, ends: $crate::plasticity::TrialEnds) {
                self.0.begin_trial(at, ends);
            }
            fn can_switch_learning(&self, at: synfire_graphs::Tick, on: bool) -> Result<(), String> {
                self.0.can_switch_learning(at, on)
            }
            fn switch_learning(&mut self, at: synfire_graphs::Tick, on: bool) {
                self.0.switch_learning(at, on);
            }
            fn inputs(&self) -> &'static [&'static str] {
                self.0.inputs()
            }
            fn bytes_per_synapse(&self) -> usize {
                self.0.bytes_per_synapse()
            }
            fn memory_bytes(&self) -> usize {
                self.0.memory_bytes()
            }
            fn watch_state(&mut self, name: &str) {
                self.0.watch_state(name);
            }
            fn synapse_state(&self, name: &str) -> Option<&[f32]> {
                self.0.synapse_state(name)
            }
        }
    };
}
pub(crate) use delegate_plasticity;
