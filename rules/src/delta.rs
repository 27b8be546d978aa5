//! The delta rule `dw_ij = eta (y*_j - p_j) x_i` (Widrow–Hoff; the local rule of
//! spec 10.1) on a projection into spiking neurons or graded units, with the target
//! `y*` as a per-neuron signal.
//!
//! # Dynamics
//!
//! The rule is signal-gated Hebbian learning ([`SignalHebb`]) whose per-neuron
//! signal is the error `E_j(t) = y*_j(t - d) - p_j(t - d)`:
//!
//! ```text
//! x_i(t) = λ x_i(t-1) + A_i(t)                  (presynaptic trace, λ = exp(-dt/tau))
//! w_ij  <- clip(w_ij + eta E_j(t) x_i(t))
//! ```
//!
//! [`error_signal`] wires `E` in a network: the target population feeds the signal
//! with weight `+1`, the output population feeds it back onto itself with weight
//! `-1` (both `Conn::...into_signal`), so the engine sums `y* - p` per neuron.
//!
//! # Parameters
//!
//! | name | unit | default | meaning |
//! |---|---|---|---|
//! | `eta` | weight | 0.02 | learning rate |
//! | `tau` | ms | 20 | presynaptic trace time constant (the rate code's window) |
//! | `w_min`, `w_max` | weight | none | hard bounds |
//!
//! # State
//!
//! That of [`SignalHebb`]: a trace per source, nothing per synapse beyond the weight.
//!
//! # Events
//!
//! Those of [`SignalHebb`]. In a scenario file the rule is `signal_hebb` with its
//! `signal` input bound to the error signal.
//!
//! # References
//!
//! Widrow & Hoff 1960; spec 10.1 (sequential pattern association).

use crate::signal_hebb::SignalHebb;
use synfire_graphs::{Conn, ModId, Network, PlasticityRule, PopId, RuleProblem, RuleSpec, Time, UnitExt};

/// Parameters of the delta rule.
#[derive(Debug, Clone, PartialEq)]
pub struct Delta {
    /// Learning rate, in the projection's weight unit.
    pub eta: f64,
    /// Presynaptic trace time constant.
    pub tau: Time,
    /// Hard bounds `(min, max)`, if any.
    pub bounds: Option<(f64, f64)>,
    /// The error signal (from [`error_signal`]).
    pub error: Option<String>,
}

impl Delta {
    /// `eta = 0.02`, `tau = 20 ms`, unbounded; bind the error with [`Delta::error`].
    #[allow(clippy::new_without_default)] // no default error signal: unbound it never learns
    pub fn new() -> Delta {
        Delta { eta: 0.02, tau: 20.0.ms(), bounds: None, error: None }
    }
    /// Sets the learning rate.
    pub fn eta(mut self, eta: f64) -> Self {
        self.eta = eta;
        self
    }
    /// Sets the trace time constant.
    pub fn tau(mut self, t: Time) -> Self {
        self.tau = t;
        self
    }
    /// Clips weights to `min..=max`.
    pub fn bounds(mut self, range: std::ops::RangeInclusive<f64>) -> Self {
        self.bounds = Some((*range.start(), *range.end()));
        self
    }
    /// Binds the error signal `node` (see [`error_signal`]).
    pub fn error(mut self, node: &str) -> Self {
        self.error = Some(node.to_string());
        self
    }

    /// The signal-gated rule this is.
    pub fn rule(&self) -> SignalHebb {
        let mut r = SignalHebb::new().eta(self.eta).tau(self.tau);
        if let Some((a, b)) = self.bounds {
            r = r.bounds(a..=b);
        }
        if let Some(e) = &self.error {
            r = r.signal(e);
        }
        r
    }
}

impl PlasticityRule for Delta {
    fn to_spec(&self) -> RuleSpec {
        self.rule().to_spec()
    }
    fn check(&self) -> Vec<RuleProblem> {
        self.rule().check()
    }
}

/// Declares the per-neuron signal `name` over `output` as `target - output`: `target`
/// (one neuron per output neuron, e.g. rate units whose bias is `y*`) feeds it
/// one-to-one with weight `+1`, `output` feeds it back onto itself with weight `-1`,
/// both after `delay` (at least one tick: the error of tick `t` reaches the rule at
/// `t + delay`).
pub fn error_signal(net: &mut Network, name: &str, output: PopId, target: PopId, delay: Time) -> ModId {
    let id = net.learning_signal(name, output);
    net.connect(target, output, Conn::one_to_one().weight(1.0.one()).delay(delay).into_signal(name));
    net.connect(output, output, Conn::one_to_one().weight((-1.0).one()).delay(delay).into_signal(name));
    id
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_delta_rule_is_signal_gated_learning_on_its_error() {
        let d = Delta::new().eta(0.5).tau(10.0.ms()).bounds(0.0..=8.0).error("E");
        let spec = d.to_spec();
        assert_eq!(spec.name, crate::signal_hebb::NAME);
        assert_eq!(spec.inputs.get("signal").map(String::as_str), Some("E"));
        assert_eq!(spec, SignalHebb::new().eta(0.5).tau(10.0.ms()).bounds(0.0..=8.0).signal("E").to_spec());
        assert!(d.check().is_empty());
    }

    #[test]
    fn a_delta_rule_without_its_error_or_with_a_bad_rate_is_refused() {
        let unbound = Delta::new().check();
        assert!(unbound.iter().any(|p| p.param == "inputs.signal"), "{unbound:?}");
        let nan = Delta::new().eta(f64::NAN).error("E").check();
        assert!(nan.iter().any(|p| p.param == "eta"), "{nan:?}");
    }
}
