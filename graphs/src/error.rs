//! Errors of building a graph: every problem with its path, reported together.

use std::fmt;

/// What kind of problem `freeze()` found; tests match on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ProblemKind {
    /// A population with no neurons.
    EmptyPopulation,
    /// Two items of the same kind share a name.
    DuplicateName,
    /// A handle issued by another network.
    ForeignHandle,
    /// A probability outside [0, 1] or NaN.
    ProbabilityOutOfRange,
    /// A rate a spike source cannot produce: above one spike per tick (`1/dt`).
    RateTooHigh,
    /// A fixed in-degree larger than the source without multapses (likewise out-degree).
    DegreeTooLarge,
    /// A size, time constant, rate or dt that is zero, negative, NaN or infinite.
    NotPositive,
    /// A number that is NaN or infinite.
    NotFinite,
    /// A delay shorter than one tick, or unbounded.
    DelayTooShort,
    /// A delay longer than 2^32 - 1 ticks.
    DelayTooLong,
    /// An array of weights or delays on a connector that draws its synapses at random
    /// (only all-to-all, one-to-one and explicit lists give synapses a fixed order).
    ArrayNotAllowed,
    /// A projection with more synapses than the engine can index or allocate.
    TooManySynapses,
    /// A reset at or above threshold in a model that forbids it.
    ResetAboveThreshold,
    /// A weight whose sign contradicts a conductance receptor.
    WeightSign,
    /// A probe of a state variable the model does not have.
    UnknownVariable,
    /// A parameter the model or rule does not have.
    UnknownParameter,
    /// A receptor the target model does not have.
    UnknownReceptor,
    /// A value in a unit that does not fit where it is used.
    UnitMismatch,
    /// An index outside a population, or sizes that do not match.
    IndexOutOfRange,
    /// A rule that the catalogue does not know, or whose parameters are invalid.
    InvalidRule,
    /// A weight initialiser that cannot be resolved: a target model it does not
    /// describe, heterogeneous parameters, or targets without a solution.
    WeightInit,
    /// Anything else malformed (empty arrays, unsorted times...).
    Malformed,
}

/// One problem: where (a path like `projections[2].delay`) and what.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    /// The kind, for matching.
    pub kind: ProblemKind,
    /// Path to the offending field.
    pub path: String,
    /// What is wrong, naming the value.
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

/// Something `freeze()` did but the user may not expect (rounded delays...).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Warning {
    /// Path to the field.
    pub path: String,
    /// What happened.
    pub message: String,
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

/// Why a network could not be frozen.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum BuildError {
    /// Every problem found, in the order of the network's items.
    #[error("{} problem(s) in the network:\n{}", .0.len(), .0.iter().map(|p| format!("  {p}")).collect::<Vec<_>>().join("\n"))]
    Invalid(Vec<Problem>),
}

impl BuildError {
    /// The problems.
    pub fn problems(&self) -> &[Problem] {
        match self {
            BuildError::Invalid(p) => p,
        }
    }
}
