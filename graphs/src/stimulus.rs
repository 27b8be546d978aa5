//! Stimuli: spike sources (populations that emit given or random spikes) and
//! currents injected into neuron populations.

use crate::dist::Value;
use crate::units::{Rate, Time};
use serde::{Deserialize, Serialize};

/// A population that emits spikes instead of integrating input.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SourceSpec {
    /// Independent Poisson processes, one per neuron, with a rate that is constant or
    /// changes at given times (`schedule` holds `(from, rate)` steps, first at 0).
    Poisson { schedule: Vec<(Time, Rate)> },
    /// Inhomogeneous Poisson from a rate array: `rates[k]` (Hz) holds during
    /// `[k bin, (k + 1) bin)`; with `per_neuron`, `rates` is `neurons x bins` row-major.
    RateArray { bin: Time, rates: Vec<f64>, per_neuron: bool },
    /// Given spike times per neuron (sorted, rounded to ticks).
    SpikeTimes { times: Vec<Vec<Time>> },
}

impl SourceSpec {
    /// Poisson sources at a constant rate.
    pub fn poisson(rate: Rate) -> Self {
        SourceSpec::Poisson { schedule: vec![(Time(0.0), rate)] }
    }

    /// Poisson sources whose rate steps at the given times.
    pub fn poisson_steps(steps: impl IntoIterator<Item = (Time, Rate)>) -> Self {
        SourceSpec::Poisson { schedule: steps.into_iter().collect() }
    }

    /// Inhomogeneous Poisson, one rate per time bin shared by all neurons.
    pub fn rate_array(bin: Time, rates: impl IntoIterator<Item = Rate>) -> Self {
        SourceSpec::RateArray { bin, rates: rates.into_iter().map(|r| r.0).collect(), per_neuron: false }
    }

    /// Inhomogeneous Poisson, one rate per neuron and bin (`neurons x bins`, row-major).
    pub fn rate_matrix(bin: Time, rates: Vec<f64>) -> Self {
        SourceSpec::RateArray { bin, rates, per_neuron: true }
    }

    /// Given spike times, one list per neuron.
    pub fn spike_times(times: Vec<Vec<Time>>) -> Self {
        SourceSpec::SpikeTimes { times }
    }

    /// The name of the source kind in files and summaries.
    pub fn kind_name(&self) -> &'static str {
        match self {
            SourceSpec::Poisson { .. } => "poisson",
            SourceSpec::RateArray { .. } => "rate_array",
            SourceSpec::SpikeTimes { .. } => "spike_times",
        }
    }
}

/// The time course of an injected current.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CurrentShape {
    /// A constant amplitude (possibly different per neuron) from `start` to `stop`.
    Dc { amplitude: Value },
    /// Piecewise constant: `amplitudes[k]` from `times[k]` until the next step.
    Steps { times: Vec<Time>, amplitudes: Vec<f64> },
}

/// A current injected into every neuron of a population (or a range of it).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CurrentDef {
    /// Name (unique among stimuli).
    pub name: String,
    /// Index of the target population.
    pub target: usize,
    /// Neuron indices within the target, or every neuron.
    pub neurons: Option<std::ops::Range<u32>>,
    /// Time course.
    pub shape: CurrentShape,
    /// Unit of the amplitudes; must be the target model's current unit (pA for
    /// CUBA LIF, mV of `R I` for COBA, a number for dimensionless models).
    pub unit: crate::units::Unit,
    /// Active from this time (inclusive).
    pub start: Time,
    /// Active until this time (exclusive); `None` for the whole run.
    pub stop: Option<Time>,
}
