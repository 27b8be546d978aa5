//! Surrogates as data: a shape name and plain-number parameters, read and written
//! through the same [`RuleSpec`] table and helpers the rules use, so unknown names,
//! units and ranges are reported the same way.

use super::Surrogate;
use crate::error::problem;
use crate::params::{Checks, Reader, Writer};
use synfire_graphs::{RuleProblem, RuleSpec};
use thiserror::Error;

/// Why a table does not describe a surrogate.
#[derive(Debug, Clone, PartialEq, Error)]
#[non_exhaustive]
pub enum SurrogateError {
    /// No shape has this name.
    #[error("no surrogate derivative is called `{name}` (shapes: {})", Surrogate::NAMES.join(", "))]
    Unknown {
        /// The name asked for.
        name: String,
    },
    /// Parameters are unknown, not plain numbers, not constant or out of range.
    #[error("surrogate `{shape}`: {}", .problems.iter().map(|p| format!("{}: {}", p.param, p.message)).collect::<Vec<_>>().join("; "))]
    Invalid {
        /// The shape's name.
        shape: String,
        /// Every problem, each naming its parameter and value.
        problems: Vec<RuleProblem>,
    },
}

/// Default steepness of the SuperSpike shapes (stork, `theta = 1` units).
const SUPERSPIKE_BETA: f64 = 20.0;
/// Default steepness of the sigmoid shapes (the surrogate-gradient-theory runs).
const SIGMOID_BETA: f64 = 10.0;
/// e-prop's dampening factor, also the default height of the NEST shapes.
const GAMMA: f64 = 0.3;

impl Surrogate {
    /// The shape names of [`Surrogate::from_spec`], in the order of the variants.
    pub const NAMES: [&'static str; 10] = [
        "super_spike",
        "super_spike_asymptote",
        "super_spike_rescaled",
        "super_spike_mem_clamp",
        "sigmoid",
        "scaled_sigmoid",
        "piecewise_linear",
        "exponential",
        "fast_sigmoid_derivative",
        "arctan",
    ];

    /// The shape's name (`"sigmoid"`).
    pub fn name(&self) -> &'static str {
        let k = match self {
            Surrogate::SuperSpike { .. } => 0,
            Surrogate::SuperSpikeAsymptote { .. } => 1,
            Surrogate::SuperSpikeRescaled { .. } => 2,
            Surrogate::SuperSpikeMemClamp { .. } => 3,
            Surrogate::Sigmoid { .. } => 4,
            Surrogate::ScaledSigmoid { .. } => 5,
            Surrogate::PiecewiseLinear { .. } => 6,
            Surrogate::Exponential { .. } => 7,
            Surrogate::FastSigmoidDerivative { .. } => 8,
            Surrogate::Arctan { .. } => 9,
        };
        Self::NAMES[k]
    }

    /// Reads a surrogate from a table: `spec.name` is the shape, `spec.params` its
    /// plain-number parameters (missing ones take their defaults: `beta = 20` for the
    /// SuperSpike shapes, 10 for the sigmoids, `beta = 1`, `gamma = 0.3`, `v_th = 1`
    /// for the e-prop and NEST shapes). Every problem is reported at once.
    pub fn from_spec(spec: &RuleSpec) -> Result<Surrogate, SurrogateError> {
        let mut r = Reader::new(spec);
        let parsed = match spec.name.as_str() {
            "super_spike" => Surrogate::SuperSpike { beta: r.number("beta", SUPERSPIKE_BETA) },
            "super_spike_asymptote" => Surrogate::SuperSpikeAsymptote { beta: r.number("beta", SUPERSPIKE_BETA), floor: r.opt_number("floor") },
            "super_spike_rescaled" => Surrogate::SuperSpikeRescaled { beta: r.number("beta", SUPERSPIKE_BETA) },
            "super_spike_mem_clamp" => Surrogate::SuperSpikeMemClamp { beta: r.number("beta", SUPERSPIKE_BETA) },
            "sigmoid" => Surrogate::Sigmoid { beta: r.number("beta", SIGMOID_BETA) },
            "scaled_sigmoid" => Surrogate::ScaledSigmoid { beta: r.number("beta", SIGMOID_BETA) },
            "piecewise_linear" => Surrogate::PiecewiseLinear { gamma: r.number("gamma", GAMMA), v_th: r.number("v_th", 1.0), beta: r.number("beta", 1.0) },
            "exponential" => Surrogate::Exponential { beta: r.number("beta", 1.0), gamma: r.number("gamma", GAMMA) },
            "fast_sigmoid_derivative" => Surrogate::FastSigmoidDerivative { beta: r.number("beta", 1.0), gamma: r.number("gamma", GAMMA) },
            "arctan" => Surrogate::Arctan { beta: r.number("beta", 1.0), gamma: r.number("gamma", GAMMA) },
            other => return Err(SurrogateError::Unknown { name: other.to_string() }),
        };
        let invalid = |problems| SurrogateError::Invalid { shape: spec.name.clone(), problems };
        let parsed = r.result(parsed).map_err(invalid)?;
        let problems = parsed.check();
        if problems.is_empty() { Ok(parsed) } else { Err(invalid(problems)) }
    }

    /// The table form, every parameter written out.
    pub fn to_spec(&self) -> RuleSpec {
        let w = Writer::new(self.name());
        match *self {
            Surrogate::SuperSpike { beta }
            | Surrogate::SuperSpikeRescaled { beta }
            | Surrogate::SuperSpikeMemClamp { beta }
            | Surrogate::Sigmoid { beta }
            | Surrogate::ScaledSigmoid { beta } => w.number("beta", beta),
            Surrogate::SuperSpikeAsymptote { beta, floor } => w.number("beta", beta).opt_number("floor", floor),
            Surrogate::PiecewiseLinear { gamma, v_th, beta } => w.number("gamma", gamma).number("v_th", v_th).number("beta", beta),
            Surrogate::Exponential { beta, gamma } | Surrogate::FastSigmoidDerivative { beta, gamma } | Surrogate::Arctan { beta, gamma } => {
                w.number("beta", beta).number("gamma", gamma)
            }
        }
        .done()
    }

    /// Every parameter out of range: steepness and width factors and `v_th` must be
    /// positive, heights and the floor finite.
    pub fn check(&self) -> Vec<RuleProblem> {
        let mut c = Checks::default();
        match *self {
            Surrogate::SuperSpike { beta }
            | Surrogate::SuperSpikeRescaled { beta }
            | Surrogate::SuperSpikeMemClamp { beta }
            | Surrogate::Sigmoid { beta }
            | Surrogate::ScaledSigmoid { beta } => c.positive("beta", beta),
            Surrogate::SuperSpikeAsymptote { beta, floor } => {
                c.positive("beta", beta);
                if let Some(f) = floor.filter(|f| !f.is_finite()) {
                    c.push(problem("floor", format!("{f} is not finite (leave it out for no cut-off)")));
                }
            }
            Surrogate::PiecewiseLinear { gamma, v_th, beta } => {
                c.finite("gamma", gamma);
                c.positive("v_th", v_th);
                c.positive("beta", beta);
            }
            Surrogate::Exponential { beta, gamma } | Surrogate::FastSigmoidDerivative { beta, gamma } | Surrogate::Arctan { beta, gamma } => {
                c.positive("beta", beta);
                c.finite("gamma", gamma);
            }
        }
        c.problems
    }
}
