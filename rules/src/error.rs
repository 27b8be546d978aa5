//! Errors of rule instantiation.

use synfire_graphs::RuleProblem;
use thiserror::Error;

/// Why a [`RuleSpec`](synfire_graphs::RuleSpec) could not be turned into a running rule.
#[derive(Debug, Clone, PartialEq, Error)]
#[non_exhaustive]
pub enum RuleError {
    /// No rule of the catalogue has this name.
    #[error("no plasticity rule is called `{name}`")]
    Unknown {
        /// The name asked for.
        name: String,
    },
    /// Parameters are missing a unit, out of range, unknown or not constant.
    #[error("rule `{rule}`: {}", list(.problems))]
    Invalid {
        /// The rule's name.
        rule: String,
        /// Every problem found, each naming its parameter and value.
        problems: Vec<RuleProblem>,
    },
    /// The projection cannot carry this rule (e.g. a delay of zero ticks).
    #[error("rule `{rule}`: {message}")]
    Projection {
        /// The rule's name.
        rule: String,
        /// What is wrong, naming the value.
        message: String,
    },
}

fn list(problems: &[RuleProblem]) -> String {
    problems.iter().map(|p| format!("{}: {}", p.param, p.message)).collect::<Vec<_>>().join("; ")
}

/// A problem with one parameter.
pub(crate) fn problem(param: &str, message: impl Into<String>) -> RuleProblem {
    RuleProblem { param: param.to_string(), message: message.into() }
}
