//! What a target reports when it cannot take a graph.
//!
//! A fit check collects every violated limit before it returns (the mapper never
//! stops at the first), and each line names the item, the limit and the value.

use serde::Serialize;
use std::fmt;

/// The item of a graph or a chip a message is about.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub enum Scope {
    /// The whole chip (or microcontroller).
    Chip,
    /// One core, by index.
    Core(u32),
    /// A population, by name.
    Population(String),
    /// A projection, by name.
    Projection(String),
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Scope::Chip => write!(f, "chip"),
            Scope::Core(c) => write!(f, "core {c}"),
            Scope::Population(p) => write!(f, "population '{p}'"),
            Scope::Projection(p) => write!(f, "projection '{p}'"),
        }
    }
}

/// A limited resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[non_exhaustive]
pub enum Resource {
    /// Neurons (compartments) on one core.
    NeuronsPerCore,
    /// Bytes of a core's memory (synapses, neuron state, input-axon lists).
    CoreMemoryBytes,
    /// Distinct presynaptic sources of one core.
    AxonsIn,
    /// Core-to-core fan-out entries of one core.
    AxonsOut,
    /// Cores used.
    Cores,
    /// Input channels of the chip.
    InputChannels,
    /// Hidden neurons of the chip.
    HiddenNeurons,
    /// Output neurons of the chip.
    OutputNeurons,
    /// Non-zero recurrent weights.
    RecurrentSynapses,
    /// Synaptic time constants of one neuron.
    SynapseTypesPerNeuron,
    /// Synaptic delay in steps.
    DelaySteps,
    /// Weight bits.
    WeightBits,
    /// Static RAM bytes.
    SramBytes,
    /// Flash bytes.
    FlashBytes,
    /// Cycles per second of model time against the clock.
    RealTime,
}

impl Resource {
    /// The name printed in messages (`axons_out`).
    pub fn name(self) -> &'static str {
        match self {
            Resource::NeuronsPerCore => "neurons_per_core",
            Resource::CoreMemoryBytes => "core_memory_bytes",
            Resource::AxonsIn => "axons_in",
            Resource::AxonsOut => "axons_out",
            Resource::Cores => "cores",
            Resource::InputChannels => "input_channels",
            Resource::HiddenNeurons => "hidden_neurons",
            Resource::OutputNeurons => "output_neurons",
            Resource::RecurrentSynapses => "recurrent_synapses",
            Resource::SynapseTypesPerNeuron => "synapse_types_per_neuron",
            Resource::DelaySteps => "delay_steps",
            Resource::WeightBits => "weight_bits",
            Resource::SramBytes => "sram_bytes",
            Resource::FlashBytes => "flash_bytes",
            Resource::RealTime => "real_time",
        }
    }
}

/// One violated limit: where, what, how much is needed and how much there is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Violation {
    /// The limited resource.
    pub resource: Resource,
    /// Where the limit is exceeded.
    pub scope: Scope,
    /// The amount the graph needs.
    pub required: u64,
    /// The amount the target has.
    pub available: u64,
    /// What a user can change.
    pub hint: &'static str,
}

impl Violation {
    /// The spec's one-line form without the prefix:
    /// `core 0: axons_out 4700 > 4096 (hint: ...)`.
    pub fn line(&self) -> String {
        format!("{}: {} {} > {} (hint: {})", self.scope, self.resource.name(), self.required, self.available, self.hint)
    }
}

/// Why a target cannot compile a graph.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum LowerError {
    /// A model, rule or setting the target cannot express; never a silent fallback.
    #[error("hw-targets: {target}: unsupported: {item}: {reason}")]
    Unsupported {
        /// The target's id.
        target: &'static str,
        /// The population or projection (`projection 'E->E'`).
        item: Scope,
        /// Why, naming the model or rule.
        reason: String,
    },
    /// Several unsupported items, all reported together.
    #[error("{}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n"))]
    Many(Vec<LowerError>),
    /// Every violated limit, sorted by scope then resource.
    #[error("{}", lines(target, violations))]
    DoesNotFit {
        /// The target's id.
        target: &'static str,
        /// Every violation.
        violations: Vec<Violation>,
    },
    /// A value that cannot be represented at all in the target's format.
    #[error("hw-targets: {target}: quantization: {item}: {detail}")]
    Quantization {
        /// The target's id.
        target: &'static str,
        /// The population or projection.
        item: Scope,
        /// The value and the range it misses.
        detail: String,
    },
}

fn lines(target: &str, violations: &[Violation]) -> String {
    violations.iter().map(|v| format!("hw-targets: {target}: does not fit: {}", v.line())).collect::<Vec<_>>().join("\n")
}

impl LowerError {
    /// Sorts violations by scope then resource (the spec's order) and wraps them.
    pub fn does_not_fit(target: &'static str, mut violations: Vec<Violation>) -> LowerError {
        violations.sort_by(|a, b| (&a.scope, a.resource).cmp(&(&b.scope, b.resource)));
        LowerError::DoesNotFit { target, violations }
    }

    /// Every violated limit inside this error (nested lists included).
    pub fn violations(&self) -> Vec<&Violation> {
        match self {
            LowerError::DoesNotFit { violations, .. } => violations.iter().collect(),
            LowerError::Many(all) => all.iter().flat_map(LowerError::violations).collect(),
            _ => Vec::new(),
        }
    }

    /// One error from a list: `None` when empty, the error itself when alone.
    pub fn collect(mut errors: Vec<LowerError>) -> Option<LowerError> {
        match errors.len() {
            0 => None,
            1 => errors.pop(),
            _ => Some(LowerError::Many(errors)),
        }
    }
}
