//! Neuron models as data: which parameters and state variables each model has,
//! their units, defaults and constraints.
//!
//! The graph stores a model as a [`ModelKind`] plus a table of [`Value`]s, so that
//! validation, scenario files, summaries and probes treat every model the same way.
//! The equations live with the kernels in `synfire-runtime` (one model per file);
//! this table is the contract between the two.

use crate::dist::{Spec, Value};
use crate::escape::EscapeNoise;
use crate::units::{Capacitance, Conductance, Current, Number, Quantity, Time, Unit, Voltage};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The closed set of neuron models (specs/rules.md section 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ModelKind {
    /// Current-based LIF with exponential synapses, exact integration (1.1).
    /// Synaptic variables are in mV (Brian's form): `tau_m dV/dt = -(V - E_L) + I_e + I_i + R I_e`.
    LifCuba,
    /// Conductance-based LIF, conductances in units of the leak (1.3).
    LifCoba,
    /// Adaptive LIF of e-prop, dimensionless, discrete time (1.4).
    Alif,
    /// Izhikevich 2003 (1.5).
    Izhikevich,
    /// Dimensionless discrete-time LIF of surrogate-gradient training (1.2).
    LifDiscrete,
    /// Rate unit with a linear-threshold output, `r = gain * max(0, u - theta)`
    /// (the rate form of specs 5.1): emits graded events, never spikes.
    RateLinear,
    /// Rate unit with a sigmoid output, `r = r_max / (1 + exp(-gain (u - theta)))`.
    RateSigmoid,
    /// Leaky readout of e-prop (specs 4.2): `y[t] = kappa y[t-1] + gain x[t]`, its
    /// graded output the error `y - y*` against its injected current `y*` (the
    /// target), or with `softmax = 1` the classification error `pi - pi*` of
    /// `pi = softmax(y)` over the population (only while a target is given).
    LeakyReadout,
    /// Rate unit with a soft-rectifier output, `r = scale * ln(1 + exp(gain (u - theta)))`
    /// (the activation of the dis-inhibitory microcircuit, specs 5.1).
    RateSoftplus,
    /// Rate unit with an affine output, `r = gain * (u - theta)`, of either sign:
    /// a graded input population that carries any value (with a short `tau`, its
    /// injected current within the tick).
    RateAffine,
}

/// What a parameter's numbers must satisfy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Constraint {
    /// Any finite number.
    Finite,
    /// Finite and > 0.
    Positive,
    /// Finite and >= 0.
    NonNegative,
}

/// One parameter of a model.
#[derive(Debug, Clone, Copy)]
pub struct ParamDef {
    /// Name used in the DSL, in files and in error paths.
    pub name: &'static str,
    /// Unit of its numbers.
    pub unit: Unit,
    /// Default value.
    pub default: f64,
    /// Constraint checked at `freeze()`.
    pub constraint: Constraint,
}

/// One state variable of a model (probe-able, with an initial value).
#[derive(Debug, Clone, Copy)]
pub struct StateDef {
    /// Name used in probes and initial-state settings.
    pub name: &'static str,
    /// Unit of its numbers.
    pub unit: Unit,
    /// Default initial value: a number, or the value of a parameter.
    pub init: Init,
}

/// The default initial value of a state variable.
#[derive(Debug, Clone, Copy)]
pub enum Init {
    /// A number.
    Number(f64),
    /// The neuron's value of this parameter (`v` starts at `e_l`).
    Param(&'static str),
}

const fn p(name: &'static str, unit: Unit, default: f64, constraint: Constraint) -> ParamDef {
    ParamDef { name, unit, default, constraint }
}
const fn s(name: &'static str, unit: Unit, init: Init) -> StateDef {
    StateDef { name, unit, init }
}
use Constraint::{Finite, NonNegative, Positive};
use Unit::{Ms, Mv, Ns, One, Pa, Pf};

const LIF_CUBA_PARAMS: &[ParamDef] = &[
    p("c_m", Pf, 200.0, Positive),
    p("tau_m", Ms, 20.0, Positive),
    p("e_l", Mv, -60.0, Finite),
    p("v_th", Mv, -50.0, Finite),
    p("v_reset", Mv, -60.0, Finite),
    p("t_ref", Ms, 5.0, NonNegative),
    p("tau_syn_e", Ms, 5.0, Positive),
    p("tau_syn_i", Ms, 10.0, Positive),
    p("i_e", Pa, 0.0, Finite),
];
const LIF_CUBA_STATE: &[StateDef] = &[s("v", Mv, Init::Param("e_l")), s("i_syn_e", Mv, Init::Number(0.0)), s("i_syn_i", Mv, Init::Number(0.0))];

const LIF_COBA_PARAMS: &[ParamDef] = &[
    p("g_l", Ns, 10.0, Positive),
    p("tau_m", Ms, 20.0, Positive),
    p("e_l", Mv, -60.0, Finite),
    p("v_th", Mv, -50.0, Finite),
    p("v_reset", Mv, -60.0, Finite),
    p("t_ref", Ms, 5.0, NonNegative),
    p("e_e", Mv, 0.0, Finite),
    p("e_i", Mv, -80.0, Finite),
    p("tau_syn_e", Ms, 5.0, Positive),
    p("tau_syn_i", Ms, 10.0, Positive),
    p("v_bg", Mv, 0.0, Finite),
];
const LIF_COBA_STATE: &[StateDef] = &[s("v", Mv, Init::Param("e_l")), s("g_e", One, Init::Number(0.0)), s("g_i", One, Init::Number(0.0))];

const ALIF_PARAMS: &[ParamDef] = &[
    p("tau_m", Ms, 20.0, Positive),
    p("tau_a", Ms, 2000.0, Positive),
    p("v_th", One, 0.6, Positive),
    p("beta", One, 0.0174, NonNegative),
    p("t_ref", Ms, 5.0, NonNegative),
];
const ALIF_STATE: &[StateDef] = &[s("v", One, Init::Number(0.0)), s("a", One, Init::Number(0.0))];

const IZHIKEVICH_PARAMS: &[ParamDef] =
    &[p("a", One, 0.02, Finite), p("b", One, 0.2, Finite), p("c", Mv, -65.0, Finite), p("d", One, 8.0, Finite), p("i_e", One, 0.0, Finite)];
const IZHIKEVICH_STATE: &[StateDef] = &[s("v", Mv, Init::Number(-65.0)), s("u", One, Init::Number(-13.0))];

const LIF_DISCRETE_PARAMS: &[ParamDef] = &[p("tau_m", Ms, 20.0, Positive), p("tau_syn", Ms, 10.0, Positive), p("theta", One, 1.0, Positive)];
const LIF_DISCRETE_STATE: &[StateDef] = &[s("u", One, Init::Number(0.0)), s("i", One, Init::Number(0.0))];

const RATE_LINEAR_PARAMS: &[ParamDef] = &[p("tau", Ms, 10.0, Positive), p("gain", One, 1.0, Finite), p("theta", One, 0.0, Finite), p("bias", One, 0.0, Finite)];
/// The linear unit's parameters and the sigmoid's saturation.
const RATE_SIGMOID_PARAMS: &[ParamDef] =
    &[p("tau", Ms, 10.0, Positive), p("gain", One, 1.0, Finite), p("theta", One, 0.0, Finite), p("bias", One, 0.0, Finite), p("r_max", One, 1.0, Positive)];
const READOUT_PARAMS: &[ParamDef] = &[p("tau", Ms, 20.0, Positive), p("gain", One, 1.0, Finite), p("softmax", One, 0.0, NonNegative)];
const READOUT_STATE: &[StateDef] = &[s("y", One, Init::Number(0.0))];
/// The linear unit's parameters and the soft rectifier's scale.
const RATE_SOFTPLUS_PARAMS: &[ParamDef] =
    &[p("tau", Ms, 10.0, Positive), p("gain", One, 1.0, Positive), p("theta", One, 0.0, Finite), p("bias", One, 0.0, Finite), p("scale", One, 1.0, Positive)];
const RATE_STATE: &[StateDef] = &[s("u", One, Init::Number(0.0)), s("r", One, Init::Number(0.0))];

/// Receptor names of a model whose input is split by sign or kind.
const EXC_INH: &[&str] = &["exc", "inh"];
const SINGLE: &[&str] = &["input"];

impl ModelKind {
    /// Every model, for iteration in tests and files.
    pub const ALL: [ModelKind; 10] = [
        ModelKind::LifCuba,
        ModelKind::LifCoba,
        ModelKind::Alif,
        ModelKind::Izhikevich,
        ModelKind::LifDiscrete,
        ModelKind::RateLinear,
        ModelKind::RateSigmoid,
        ModelKind::LeakyReadout,
        ModelKind::RateSoftplus,
        ModelKind::RateAffine,
    ];

    /// Whether the model's output is a graded value each tick (rate units) rather
    /// than spikes.
    pub fn graded(self) -> bool {
        matches!(self, ModelKind::RateLinear | ModelKind::RateSigmoid | ModelKind::LeakyReadout | ModelKind::RateSoftplus | ModelKind::RateAffine)
    }

    /// The name used in scenario files (`lif_cuba`).
    pub fn name(self) -> &'static str {
        match self {
            ModelKind::LifCuba => "lif_cuba",
            ModelKind::LifCoba => "lif_coba",
            ModelKind::Alif => "alif",
            ModelKind::Izhikevich => "izhikevich",
            ModelKind::LifDiscrete => "lif_discrete",
            ModelKind::RateLinear => "rate_linear",
            ModelKind::RateSigmoid => "rate_sigmoid",
            ModelKind::LeakyReadout => "leaky_readout",
            ModelKind::RateSoftplus => "rate_softplus",
            ModelKind::RateAffine => "rate_affine",
        }
    }

    /// The parameters of the model.
    pub fn params(self) -> &'static [ParamDef] {
        match self {
            ModelKind::LifCuba => LIF_CUBA_PARAMS,
            ModelKind::LifCoba => LIF_COBA_PARAMS,
            ModelKind::Alif => ALIF_PARAMS,
            ModelKind::Izhikevich => IZHIKEVICH_PARAMS,
            ModelKind::LifDiscrete => LIF_DISCRETE_PARAMS,
            ModelKind::RateLinear => RATE_LINEAR_PARAMS,
            ModelKind::RateSigmoid => RATE_SIGMOID_PARAMS,
            ModelKind::LeakyReadout => READOUT_PARAMS,
            ModelKind::RateSoftplus => RATE_SOFTPLUS_PARAMS,
            ModelKind::RateAffine => RATE_LINEAR_PARAMS,
        }
    }

    /// The state variables of the model.
    pub fn state(self) -> &'static [StateDef] {
        match self {
            ModelKind::LifCuba => LIF_CUBA_STATE,
            ModelKind::LifCoba => LIF_COBA_STATE,
            ModelKind::Alif => ALIF_STATE,
            ModelKind::Izhikevich => IZHIKEVICH_STATE,
            ModelKind::LifDiscrete => LIF_DISCRETE_STATE,
            ModelKind::RateLinear | ModelKind::RateSigmoid | ModelKind::RateSoftplus | ModelKind::RateAffine => RATE_STATE,
            ModelKind::LeakyReadout => READOUT_STATE,
        }
    }

    /// The receptors a projection onto this model may name. Receptor 0 is where
    /// positive weights go when no receptor is named, receptor 1 (if any) negative ones.
    pub fn receptors(self) -> &'static [&'static str] {
        match self {
            ModelKind::LifCuba | ModelKind::LifCoba => EXC_INH,
            ModelKind::Alif
            | ModelKind::Izhikevich
            | ModelKind::LifDiscrete
            | ModelKind::RateLinear
            | ModelKind::RateSigmoid
            | ModelKind::LeakyReadout
            | ModelKind::RateSoftplus
            | ModelKind::RateAffine => SINGLE,
        }
    }

    /// Whether inputs are conductances, whose weights must not be negative.
    pub fn conductance_based(self) -> bool {
        matches!(self, ModelKind::LifCoba)
    }

    /// The unit of a synaptic weight as the model integrates it.
    pub fn weight_unit(self) -> Unit {
        match self {
            ModelKind::LifCuba => Unit::Mv,
            _ => Unit::One,
        }
    }

    /// The unit of an injected current as the model integrates it.
    pub fn current_unit(self) -> Unit {
        match self {
            ModelKind::LifCuba => Unit::Pa,
            ModelKind::LifCoba => Unit::Mv,
            _ => Unit::One,
        }
    }

    /// Whether the model's kernel implements escape noise (specs 1.6).
    pub fn has_escape_noise(self) -> bool {
        matches!(self, ModelKind::LifDiscrete | ModelKind::Alif)
    }

    /// Whether `v_reset` must lie below `v_th` (else every reset spikes again).
    pub fn reset_below_threshold(self) -> bool {
        matches!(self, ModelKind::LifCuba | ModelKind::LifCoba)
    }

    /// The definition of parameter `name`, if the model has it.
    pub fn param(self, name: &str) -> Option<&'static ParamDef> {
        self.params().iter().find(|d| d.name == name)
    }

    /// The definition of state variable `name`, if the model has it.
    pub fn state_var(self, name: &str) -> Option<&'static StateDef> {
        self.state().iter().find(|d| d.name == name)
    }

    /// Parses a scenario-file name.
    pub fn from_name(name: &str) -> Option<ModelKind> {
        ModelKind::ALL.into_iter().find(|m| m.name() == name)
    }
}

/// A neuron model with its (possibly heterogeneous) parameters and initial state.
///
/// Parameters not set keep the model's defaults. Built with [`Lif`], [`Alif`],
/// [`Izhikevich`] and [`LifDiscrete`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NeuronSpec {
    /// Which model.
    pub kind: ModelKind,
    /// Parameters set explicitly (others take the defaults of [`ModelKind::params`]).
    pub params: BTreeMap<String, Value>,
    /// Initial values set explicitly (others take [`StateDef::init`]).
    pub init: BTreeMap<String, Value>,
    /// How the model spikes (specs 1.6): the deterministic threshold unless set.
    /// Left out of the JSON form when `Step`, so graphs without escape noise keep
    /// their form and hash.
    #[serde(default, skip_serializing_if = "EscapeNoise::is_step")]
    pub escape_noise: EscapeNoise,
}

impl NeuronSpec {
    /// A model with every parameter at its default.
    pub fn new(kind: ModelKind) -> Self {
        NeuronSpec { kind, params: BTreeMap::new(), init: BTreeMap::new(), escape_noise: EscapeNoise::Step }
    }

    /// Sets any parameter by name; unknown names are reported by `freeze()`.
    pub fn set(mut self, name: &str, value: impl Into<Value>) -> Self {
        self.params.insert(name.to_string(), value.into());
        self
    }

    /// Sets the initial value of a state variable (`"v"`, `"g_e"`, ...).
    pub fn init(mut self, var: &str, value: impl Into<Value>) -> Self {
        self.init.insert(var.to_string(), value.into());
        self
    }

    /// Sets the escape noise (specs 1.6) of `lif_discrete` or `alif`:
    /// `LifDiscrete::new().escape_noise(EscapeNoise::sigmoid(10.0))`. Other models
    /// refuse anything but [`EscapeNoise::Step`] at `freeze()`.
    pub fn escape_noise(mut self, noise: EscapeNoise) -> Self {
        self.escape_noise = noise;
        self
    }

    /// Whether the population must live whole on one shard: its neurons are coupled
    /// within a tick (a softmax readout normalises over all of them).
    pub fn whole_population(&self) -> bool {
        self.kind == ModelKind::LeakyReadout && self.param("softmax").and_then(|v| v.as_const()).is_some_and(|s| s != 0.0)
    }

    /// The value of a parameter: as set, or the model's default.
    pub fn param(&self, name: &str) -> Option<Value> {
        self.params.get(name).cloned().or_else(|| self.kind.param(name).map(|d| Value::constant(d.unit, d.default)))
    }
}

macro_rules! setters {
    ($($(#[$doc:meta])* $name:ident: $q:ty),* $(,)?) => {
        impl NeuronSpec {
            $(
                $(#[$doc])*
                pub fn $name(self, value: impl Into<Spec<$q>>) -> Self {
                    self.set(stringify!($name), value.into())
                }
            )*
        }
    };
}

setters! {
    /// Membrane time constant.
    tau_m: Time,
    /// Membrane capacitance.
    c_m: Capacitance,
    /// Leak conductance (COBA).
    g_l: Conductance,
    /// Leak reversal (resting) potential.
    e_l: Voltage,
    /// Firing threshold.
    v_th: Voltage,
    /// Reset potential.
    v_reset: Voltage,
    /// Absolute refractory period.
    t_ref: Time,
    /// Excitatory synaptic time constant.
    tau_syn_e: Time,
    /// Inhibitory synaptic time constant.
    tau_syn_i: Time,
    /// Synaptic time constant (single-receptor models).
    tau_syn: Time,
    /// Constant injected current.
    i_e: Current,
    /// Excitatory reversal potential (COBA).
    e_e: Voltage,
    /// Inhibitory reversal potential (COBA).
    e_i: Voltage,
    /// Constant background drive `R I_bg` (COBA).
    v_bg: Voltage,
    /// Adaptation time constant (ALIF).
    tau_a: Time,
    /// Adaptation strength (ALIF).
    beta: Number,
    /// Threshold of the dimensionless models.
    theta: Number,
    /// Time constant of a rate unit.
    tau: Time,
    /// Slope of a rate unit's activation.
    gain: Number,
    /// Constant input of a rate unit.
    bias: Number,
    /// Saturation of a sigmoid rate unit.
    r_max: Number,
}

impl NeuronSpec {
    /// Sets the threshold of a dimensionless model (ALIF's `v_th`).
    pub fn threshold(self, value: impl Into<Spec<Number>>) -> Self {
        self.set("v_th", value.into())
    }
}

/// Builders of leaky integrate-and-fire models.
#[derive(Debug)]
pub struct Lif;

impl Lif {
    /// Current-based LIF with exponential synapses (specs 1.1).
    pub fn cuba() -> NeuronSpec {
        NeuronSpec::new(ModelKind::LifCuba)
    }
    /// Conductance-based LIF (specs 1.3).
    pub fn coba() -> NeuronSpec {
        NeuronSpec::new(ModelKind::LifCoba)
    }
    /// Dimensionless discrete-time LIF (specs 1.2).
    pub fn discrete() -> NeuronSpec {
        NeuronSpec::new(ModelKind::LifDiscrete)
    }
}

/// Builder of the e-prop adaptive LIF (specs 1.4).
#[derive(Debug)]
pub struct Alif;

impl Alif {
    /// ALIF with the evidence-accumulation defaults.
    #[allow(clippy::new_ret_no_self)] // a builder of the spec, named like a constructor on purpose
    pub fn new() -> NeuronSpec {
        NeuronSpec::new(ModelKind::Alif)
    }
}

/// Builder of the Izhikevich neuron (specs 1.5).
#[derive(Debug)]
pub struct Izhikevich;

impl Izhikevich {
    fn with(a: f64, b: f64, c: f64, d: f64) -> NeuronSpec {
        NeuronSpec::new(ModelKind::Izhikevich)
            .set("a", Value::constant(Unit::One, a))
            .set("b", Value::constant(Unit::One, b))
            .set("c", Value::constant(Unit::Mv, c))
            .set("d", Value::constant(Unit::One, d))
            .init("u", Value::constant(Unit::One, b * -65.0))
    }
    /// Regular spiking.
    pub fn regular_spiking() -> NeuronSpec {
        Self::with(0.02, 0.2, -65.0, 8.0)
    }
    /// Intrinsically bursting.
    pub fn intrinsically_bursting() -> NeuronSpec {
        Self::with(0.02, 0.2, -55.0, 4.0)
    }
    /// Chattering.
    pub fn chattering() -> NeuronSpec {
        Self::with(0.02, 0.2, -50.0, 2.0)
    }
    /// Fast spiking.
    pub fn fast_spiking() -> NeuronSpec {
        Self::with(0.1, 0.2, -65.0, 2.0)
    }
    /// Low-threshold spiking.
    pub fn low_threshold_spiking() -> NeuronSpec {
        Self::with(0.02, 0.25, -65.0, 2.0)
    }
}

/// Alias kept for symmetry with [`Lif::discrete`].
#[derive(Debug)]
pub struct LifDiscrete;

impl LifDiscrete {
    /// Dimensionless discrete-time LIF (specs 1.2).
    #[allow(clippy::new_ret_no_self)] // a builder of the spec, named like a constructor on purpose
    pub fn new() -> NeuronSpec {
        NeuronSpec::new(ModelKind::LifDiscrete)
    }
}

/// Builders of rate units (graded populations).
#[derive(Debug)]
pub struct RateUnit;

impl RateUnit {
    /// Linear-threshold unit: `tau du/dt = -u + I + bias`, `r = gain * max(0, u - theta)`.
    pub fn linear() -> NeuronSpec {
        NeuronSpec::new(ModelKind::RateLinear)
    }
    /// Sigmoid unit: `tau du/dt = -u + I + bias`, `r = r_max / (1 + exp(-gain (u - theta)))`.
    pub fn sigmoid() -> NeuronSpec {
        NeuronSpec::new(ModelKind::RateSigmoid)
    }
    /// e-prop's leaky readout: `y[t] = exp(-dt/tau) y[t-1] + gain x[t]`, output
    /// `y - y*` with the target `y*` injected as its current (`gain = 1 - exp(-dt/tau)`
    /// is the normalised form of the e-prop tutorials and NEST).
    pub fn readout() -> NeuronSpec {
        NeuronSpec::new(ModelKind::LeakyReadout)
    }
    /// Soft-rectifier unit: `tau du/dt = -u + I + bias`, `r = scale * ln(1 + exp(gain (u - theta)))`.
    pub fn softplus() -> NeuronSpec {
        NeuronSpec::new(ModelKind::RateSoftplus)
    }
    /// Affine unit: `tau du/dt = -u + I + bias`, `r = gain * (u - theta)` (no
    /// rectification: inputs of either sign, e.g. centred patterns).
    pub fn affine() -> NeuronSpec {
        NeuronSpec::new(ModelKind::RateAffine)
    }
}

/// Typed conversion for quantities that the untyped table needs: lets `set` take a
/// plain quantity too.
impl<Q: Quantity> From<Q> for Value {
    fn from(q: Q) -> Value {
        Value::constant(Q::UNIT, q.value())
    }
}
