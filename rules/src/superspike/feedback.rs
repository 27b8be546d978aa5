//! `superspike_feedback`: symmetric feedback for SuperSpike. The feedback weights into
//! a hidden layer's error signal are `scale` times the transpose of the output
//! weights, at every tick.
//!
//! # Dynamics
//!
//! On a feedback projection `k -> i` into the learning signal of the hidden
//! population (from the outputs, or from their targets), mirroring the SuperSpike
//! projection `i -> k` named by the input `forward`:
//!
//! ```text
//! b_ik(s) = scale * w_ki(s)        for every feedback event emitted at tick s
//! ```
//!
//! where `w_ki(s)` is the forward weight that transmits spikes emitted at `s`. The
//! forward weights change only at their update ticks `n T_u + signal_delay`, so the
//! engine copies them there (and at tick 0, and when a run starts): at a window
//! boundary, before any event of the acting tick is delivered (`runtime::mirrors`).
//! The copy is exact in f32 (with `scale` +-1 a bit-for-bit transpose).
//!
//! Why a copy and not a rule that repeats the forward update, as `eprop_feedback`
//! does for e-prop's readout: SuperSpike's forward gradient needs `sigma'(U_k)` of
//! the output neurons at every tick, which only their shard holds. Repeating the
//! update where the hidden neurons live would need that per-neuron state to cross
//! shards every tick; the copy crosses once per update (`T_u`, 5000 ticks by
//! default), `n_out x n_hidden` numbers.
//!
//! The other two feedbacks of the paper need no rule: random feedback is fixed
//! weights `U(-1, 1)` (or any draw), uniform feedback fixed weights of one value
//! (`Conn::all_to_all().weight(1.0.one())` from the targets, `-1` from the outputs).
//!
//! # Parameters
//!
//! | name | unit | default | meaning |
//! |---|---|---|---|
//! | `scale` | 1 | 1 | `b = scale w^T` (-1 on the projection from the outputs, whose error is `-S`) |
//!
//! # State
//!
//! None beyond the weights, which checkpoints keep like any plastic projection's.
//!
//! # Events
//!
//! None: the rule never changes a weight itself.
//!
//! # References
//!
//! Zenke & Ganguli (2018), "symmetric feedback"; their Auryn code back-propagates
//! the output error through the forward weights (`SuperSpikeConnection::back_propagate`).

use crate::error::problem;
use crate::params::{Checks, Reader, Writer};
use crate::plasticity::{Needs, Plasticity};
use crate::synapses::{Context, Synapses};
use synfire_graphs::{PlasticityRule, RuleProblem, RuleSpec, Tick};

/// Catalogue name.
pub const FEEDBACK: &str = "superspike_feedback";
/// The input that names the mirrored (forward) projection.
pub const FORWARD: &str = "forward";

/// Parameters of symmetric SuperSpike feedback.
#[derive(Debug, Clone, PartialEq)]
pub struct SuperSpikeFeedback {
    /// `b = scale w^T`.
    pub scale: f64,
    /// The name of the forward projection.
    pub forward: Option<String>,
}

impl Default for SuperSpikeFeedback {
    fn default() -> Self {
        SuperSpikeFeedback { scale: 1.0, forward: None }
    }
}

impl SuperSpikeFeedback {
    /// The transpose of projection `forward` (its name), scale 1.
    pub fn of(forward: &str) -> Self {
        SuperSpikeFeedback { scale: 1.0, forward: Some(forward.to_string()) }
    }
    /// Sets the scale (-1 for the projection from the outputs themselves).
    pub fn scale(mut self, scale: f64) -> Self {
        self.scale = scale;
        self
    }

    /// Reads a spec.
    pub fn from_spec(spec: &RuleSpec) -> Result<Self, Vec<RuleProblem>> {
        let mut r = Reader::new(spec);
        let p = SuperSpikeFeedback { scale: r.number("scale", 1.0), forward: spec.inputs.get(FORWARD).cloned() };
        r.result(p)
    }

    /// The running rule: it only keeps the weights plastic (saved in checkpoints);
    /// the engine writes them.
    pub fn build(&self) -> SuperSpikeFeedbackRule {
        SuperSpikeFeedbackRule
    }
}

impl PlasticityRule for SuperSpikeFeedback {
    fn to_spec(&self) -> RuleSpec {
        let mut spec = Writer::new(FEEDBACK).number("scale", self.scale).done();
        if let Some(f) = &self.forward {
            spec.inputs.insert(FORWARD.into(), f.clone());
        }
        spec
    }

    fn check(&self) -> Vec<RuleProblem> {
        let mut c = Checks::default();
        c.finite("scale", self.scale);
        if self.forward.is_none() {
            c.push(problem(
                "inputs.forward",
                "superspike_feedback needs its input `forward` bound to the name of the SuperSpike projection it mirrors (`SuperSpikeFeedback::of(\"H->O\")`)",
            ));
        }
        c.problems
    }
}

/// The running form: no state, no events; the engine copies the forward weights in.
#[derive(Debug, Clone, Copy)]
pub struct SuperSpikeFeedbackRule;

impl Plasticity for SuperSpikeFeedbackRule {
    fn name(&self) -> &str {
        FEEDBACK
    }

    fn needs(&self) -> Needs {
        Needs::default()
    }

    fn on_post(&mut self, _target: u32, _t: Tick) {}

    fn on_pre(&mut self, _source: u32, _t: Tick, _syn: &mut Synapses<'_>, _ctx: &Context<'_>) -> f32 {
        1.0
    }

    fn advance(&mut self, _now: Tick, _syn: &mut Synapses<'_>, _ctx: &Context<'_>) {}

    fn settle(&mut self, _now: Tick, _syn: &mut Synapses<'_>, _ctx: &Context<'_>) {}

    fn bytes_per_synapse(&self) -> usize {
        0
    }

    fn memory_bytes(&self) -> usize {
        0
    }
}

impl synfire_graphs::PlainState for SuperSpikeFeedbackRule {
    fn save(&self, _out: &mut synfire_graphs::StateWriter) {}

    fn restore(&mut self, _input: &mut synfire_graphs::StateReader<'_>) -> Result<(), synfire_graphs::StateError> {
        Ok(())
    }
}
