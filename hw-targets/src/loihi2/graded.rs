//! Graded spikes on `loihi2-like`: rate units as graded inputs computed by the host,
//! their values sent to the chip as integer payloads (specs/targets.md 14.2: payload
//! i24, `acc = Σ w·payload`).
//!
//! # Model mapping
//!
//! Loihi 2 carries a graded spike's payload to the synapses, which multiply it by the
//! weight; the chip has no rate-unit compartment. So a population of rate units
//! (`rate_linear`, `rate_sigmoid`, `rate_softplus`, `rate_affine`) is a **graded input**: the host
//! computes it (the reference f32 kernel), quantises each tick's output to a payload
//! and sends the non-zero payloads as graded spikes. It is never placed on a core.
//! Its own inputs must therefore come from the host side too (spike sources, other
//! graded inputs, injected currents): a rate unit fed by the chip's neurons would
//! need a round trip to the host inside one step, and is refused by name. The leaky
//! readout is refused as well (its graded output is an error against a target, a
//! training signal, not an input).
//!
//! # Payload
//!
//! `payload = sat24(round_even(r · 2^8))`: 8 fractional bits (a rate of 1 is 256),
//! ties to even, saturated to `[-2^23, 2^23 - 1]` (i24). A projection from a graded
//! input stores `mantissa · 2^e` for the real weight per payload unit
//! (`S g w / (64 · 2^8)`), so on the chip `a = (Σ w_int · payload) << e` (or the
//! floor shift `>> -e`), one shift over the step's sum as for binary spikes.
//!
//! # Exactness in the engine
//!
//! The runtime scales a synapse's stored weight by the event's value in f32, so the
//! engine's ring holds `Σ w_int · payload · 2^e` exactly while `|Σ w_int · payload|`
//! of one step and receptor stays below `2^24`; the plan warns of this bound.

use crate::compare::GRADED_EVENTS;
use crate::numeric::round_even;
use synfire_graphs::{Axis, Graph, ModelKind, PlainState, StateError, StateReader, StateWriter};
use synfire_runtime::NeuronKernel;

/// Fractional bits of a payload: a value `r` is sent as `r · 2^PAYLOAD_FRAC`.
pub const PAYLOAD_FRAC: i32 = 8;
/// The payload range (i24).
pub const PAYLOAD_MIN: i64 = -(1 << 23);
/// The payload range (i24).
pub const PAYLOAD_MAX: i64 = (1 << 23) - 1;

/// The payload of a graded value: `sat24(round_even(r · 2^8))`.
pub fn payload(r: f32) -> i32 {
    if r.is_nan() {
        return 0;
    }
    round_even(f64::from(r) * 2f64.powi(PAYLOAD_FRAC)).clamp(PAYLOAD_MIN as f64, PAYLOAD_MAX as f64) as i32
}

/// Whether population `pop` is a rate-unit population (a candidate graded input).
pub fn is_graded(graph: &Graph, pop: usize) -> bool {
    graph.graded(pop)
}

/// Why rate-unit population `pop` cannot be a graded input, or `None` when it can.
pub fn refusal(graph: &Graph, pop: usize) -> Option<String> {
    let kind = graph.model_kind(pop)?;
    if kind == ModelKind::LeakyReadout {
        return Some("model 'leaky_readout' has no loihi2-like kernel: its graded output is a training error, not an input (supported: lif_cuba; rate units as graded inputs)".into());
    }
    graph.projections.iter().find(|p| p.target == pop && graph.model_kind(p.source).is_some() && !graph.graded(p.source)).map(|p| {
        format!(
            "model '{}' runs on the host as a graded input, but projection '{}' feeds it from the chip's neurons (a host round trip inside one step): graded inputs take spike sources, other graded inputs and currents only",
            kind.name(),
            p.name
        )
    })
}

/// A graded input: the host's rate units, their outputs quantised to payloads.
#[derive(Debug)]
pub struct GradedInput {
    host: Box<dyn NeuronKernel>,
    /// This tick's payloads (integers held exactly in f32: |payload| < 2^24).
    payloads: Vec<f32>,
    /// Non-zero payloads sent, per unit.
    events: Vec<u64>,
}

impl GradedInput {
    /// Wraps the host's kernel of the rate units.
    pub fn new(host: Box<dyn NeuronKernel>) -> GradedInput {
        let n = host.len();
        GradedInput { host, payloads: vec![0.0; n], events: vec![0; n] }
    }
}

impl NeuronKernel for GradedInput {
    fn len(&self) -> usize {
        self.host.len()
    }

    fn step(&mut self, tick: u64, input: &mut [&mut [f32]], ext: &[f32], spiked: &mut Vec<u32>) {
        self.host.step(tick, input, ext, spiked);
        let out = self.host.output().unwrap_or(&[]);
        for (i, p) in self.payloads.iter_mut().enumerate() {
            let q = out.get(i).map_or(0, |&r| payload(r));
            *p = q as f32;
            self.events[i] += u64::from(q != 0);
        }
    }

    fn state(&self, var: usize, i: usize) -> f32 {
        self.host.state(var, i)
    }

    fn set_state(&mut self, var: usize, i: usize, value: f32) {
        self.host.set_state(var, i, value);
    }

    fn output(&self) -> Option<&[f32]> {
        Some(&self.payloads)
    }

    fn first_non_finite(&self) -> Option<(usize, &'static str)> {
        self.host.first_non_finite()
    }
}

impl PlainState for GradedInput {
    fn save(&self, out: &mut StateWriter) {
        out.group("host", |w| self.host.save(w));
        out.u64(GRADED_EVENTS, Axis::Neuron, &self.events);
    }

    fn restore(&mut self, input: &mut StateReader<'_>) -> Result<(), StateError> {
        let mut events = vec![0u64; self.events.len()];
        input.group("host", |r| self.host.restore(r))?;
        input.u64_into(GRADED_EVENTS, &mut events)?;
        self.events = events;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payloads_round_half_to_even_and_saturate_to_i24() {
        assert_eq!(payload(1.0), 256);
        assert_eq!(payload(0.5 / 256.0), 0);
        assert_eq!(payload(1.5 / 256.0), 2);
        assert_eq!(payload(-2.5 / 256.0), -2);
        assert_eq!(payload(1e9), (1 << 23) - 1);
        assert_eq!(payload(-1e9), -(1 << 23));
        assert_eq!(payload(f32::NAN), 0);
    }
}
