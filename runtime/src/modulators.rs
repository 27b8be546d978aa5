//! Scalar modulators (graph third-factor nodes) as the rules of a shard see them.
//!
//! A modulator's value is a step function of the tick: it starts at the node's
//! initial value and changes when [`Runtime::set_modulator`](crate::Runtime::set_modulator)
//! is called between runs, from the next tick to be integrated on. Every shard holds
//! the same steps, so the value at a tick does not depend on the worker count or the
//! window length. Rules read values of past ticks too (a presynaptic event is
//! delivered up to one window late), so steps are kept, not just the latest value.

use synfire_graphs::{Graph, ModulatorKind, Tick};
use synfire_rules::ThirdFactors;

/// Every scalar modulator's steps `(from tick, value)`, increasing in tick.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Modulators {
    pub steps: Vec<Vec<(u64, f64)>>,
}

impl Modulators {
    pub(crate) fn new(graph: &Graph) -> Self {
        Modulators { steps: graph.modulators.iter().map(|m| vec![(0, m.initial)]).collect() }
    }

    /// Sets modulator `m` to `value` from tick `from` on.
    pub(crate) fn set(&mut self, m: usize, from: u64, value: f64) {
        if let Some(s) = self.steps.get_mut(m) {
            s.retain(|&(t, _)| t < from);
            s.push((from, value));
        }
    }

    /// The value of modulator `m` during tick `t`.
    pub(crate) fn at(&self, m: usize, t: u64) -> Option<f64> {
        let s = self.steps.get(m)?;
        let k = s.partition_point(|&(from, _)| from <= t);
        Some(if k == 0 { 0.0 } else { s[k - 1].1 })
    }
}

/// The graph modulator bound to each input slot of one projection's rule: slot `s`
/// reads `spec.inputs[rule.inputs()[s]]`.
pub(crate) fn bind(graph: &Graph, proj: usize, inputs: &[&str]) -> Result<Vec<usize>, String> {
    let spec = graph.projections[proj].conn.rule.as_ref();
    inputs
        .iter()
        .map(|name| {
            let node = spec.and_then(|s| s.inputs.get(*name)).ok_or_else(|| format!("the rule's input `{name}` is not bound to a modulator"))?;
            graph
                .modulators
                .iter()
                .position(|m| &m.name == node && m.kind == ModulatorKind::Scalar)
                .ok_or_else(|| format!("input `{name}`: no scalar modulator is called `{node}`"))
        })
        .collect()
}

/// What a rule reads through [`synfire_rules::Context::third`].
#[derive(Debug, Clone, Copy)]
pub(crate) struct Bound<'a> {
    pub mods: &'a Modulators,
    pub slots: &'a [usize],
}

impl ThirdFactors for Bound<'_> {
    fn scalar(&self, slot: usize, t: Tick) -> Option<f64> {
        self.mods.at(*self.slots.get(slot)?, t.0)
    }

    fn per_neuron(&self, _: usize, _: u32, _: Tick) -> Option<f64> {
        // Refused at freeze: no per-neuron signal reaches a rule yet.
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_value_holds_from_its_tick_until_the_next_step() {
        let mut m = Modulators { steps: vec![vec![(0, 0.5)]] };
        m.set(0, 10, -1.0);
        m.set(0, 20, 2.0);
        assert_eq!([m.at(0, 0), m.at(0, 9), m.at(0, 10), m.at(0, 19), m.at(0, 25)], [Some(0.5), Some(0.5), Some(-1.0), Some(-1.0), Some(2.0)]);
        // Setting again at the same tick replaces the step.
        m.set(0, 20, 3.0);
        assert_eq!(m.at(0, 20), Some(3.0));
        assert_eq!(m.at(1, 0), None);
    }
}
