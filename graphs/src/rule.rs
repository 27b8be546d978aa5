//! The slot for a plasticity rule on a projection.
//!
//! The graph stores a rule as data (a name and a table of parameters) so that it can
//! be validated, written to a scenario file and read back. Concrete rules live in
//! `synfire-rules`, which implements [`PlasticityRule`] for each rule's parameter
//! struct and turns a [`RuleSpec`] back into a running rule.

use crate::dist::Value;
use crate::units::Time;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A plasticity rule as data: which rule and its parameters.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RuleSpec {
    /// The rule's name (`"stdp_pair"`, `"triplet"`, ...).
    pub name: String,
    /// Parameters by name, with units.
    pub params: BTreeMap<String, Value>,
    /// Third factors the rule reads, by the rule's input name: `"modulator" ->
    /// "dopamine"` binds the rule's `modulator` input to the graph's modulator
    /// node `dopamine` (checked at freeze).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub inputs: BTreeMap<String, String>,
    /// The rule this one wraps (a metaplastic wrapper's base rule, which proposes
    /// the updates the wrapper applies).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base: Option<Box<RuleSpec>>,
}

/// A problem found in a rule's parameters: the parameter and what is wrong.
#[derive(Debug, Clone, PartialEq)]
pub struct RuleProblem {
    /// The parameter's name.
    pub param: String,
    /// What is wrong, naming the value.
    pub message: String,
}

/// Implemented by every rule's parameter struct.
pub trait PlasticityRule {
    /// The rule as data.
    fn to_spec(&self) -> RuleSpec;
    /// Checks the parameters; an empty list means valid.
    fn check(&self) -> Vec<RuleProblem>;
}

/// The hard bounds of a rule's weights and the rule's defaults for them (so that a
/// message can say that a bound nobody chose is the one in the way).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WeightBounds {
    /// Lower bound (`-inf` for none).
    pub min: f64,
    /// Upper bound (`inf` for none).
    pub max: f64,
    /// The rule's default lower bound.
    pub default_min: f64,
    /// The rule's default upper bound.
    pub default_max: f64,
}

/// What [`RuleCatalog::graded_ends`] allows a rule.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct GradedEnds {
    /// The source population may be graded.
    pub source: bool,
    /// The target population may be graded.
    pub target: bool,
    /// The projection may be a feedback projection into a signal.
    pub feedback: bool,
}

/// Checks rule specs by name. `synfire-rules` provides the catalogue of every
/// rule it knows; `freeze()` without one checks only that numbers are not NaN
/// (an infinite bound means none).
pub trait RuleCatalog {
    /// Problems with `spec`, or `None` when no rule has that name.
    fn check(&self, spec: &RuleSpec) -> Option<Vec<RuleProblem>>;

    /// The per-synapse variables a probe may record of the rule `spec` names,
    /// besides the weight (`["w_cons"]`).
    fn synapse_state(&self, _spec: &RuleSpec) -> Vec<&'static str> {
        Vec::new()
    }

    /// The names of every rule the catalogue knows (for messages about unknown ones).
    fn names(&self) -> Vec<&'static str> {
        Vec::new()
    }

    /// `spec` with every parameter the rule reads written out, defaults included
    /// (what `check` shows), or `None` when the spec is not a valid rule.
    fn resolved(&self, _spec: &RuleSpec) -> Option<RuleSpec> {
        None
    }

    /// The hard bounds the rule keeps weights in (magnitudes, on a projection of
    /// negative weights), in the projection's weight unit; `None` for a rule that
    /// changes no weight or a spec that is not valid.
    fn weight_bounds(&self, _spec: &RuleSpec) -> Option<WeightBounds> {
        None
    }

    /// The inputs of the rule `spec` names that read a per-neuron signal over the
    /// projection's target (`["signal"]`); every other input reads a scalar modulator.
    fn per_neuron_inputs(&self, _spec: &RuleSpec) -> Vec<&'static str> {
        Vec::new()
    }

    /// Which graded ends the rule `spec` names learns with (e-prop's readout rule
    /// reads a graded readout's error; its feedback rule sees a graded source's
    /// values on a feedback projection into a signal). Nothing, by default.
    fn graded_ends(&self, _spec: &RuleSpec) -> GradedEnds {
        GradedEnds::default()
    }

    /// The inputs of the rule `spec` names that name a projection rather than a
    /// modulator: a rule whose weights mirror that projection's (symmetric feedback,
    /// `superspike_feedback`'s `forward`). Checked at freeze against the projections.
    fn projection_inputs(&self, _spec: &RuleSpec) -> Vec<&'static str> {
        Vec::new()
    }

    /// When the weights of a projection the rule `spec` names learn change: only at
    /// the ticks `offset + n * every`, `n >= 1` (SuperSpike's updates), or `None` for
    /// a rule without such a schedule (which no mirror can follow between events).
    fn weight_schedule(&self, _spec: &RuleSpec) -> Option<WeightSchedule> {
        None
    }
}

/// The ticks at which a rule changes its weights: `offset + n * every`, `n >= 1`, and
/// never in between (what a mirror of its weights copies at).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WeightSchedule {
    /// The interval between changes.
    pub every: Time,
    /// From the tick of a change's computation to the tick it acts at.
    pub offset: Time,
}

impl<T: PlasticityRule> From<T> for RuleSpec {
    fn from(rule: T) -> RuleSpec {
        rule.to_spec()
    }
}
