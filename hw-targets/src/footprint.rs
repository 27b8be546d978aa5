//! Weight and activation memory at 32-bit against 8-bit weights and binary spikes.
//!
//! The seed work on binary activation maps (DNSMOS-style speech quality, see
//! `seeds/abstracts.txt`) reports a 25-fold memory reduction from binary activations
//! with 8-bit weights. For a spiking network the weights alone give 4-fold (32 to 8
//! bits), the activations 32-fold (an f32 per neuron against one spike bit); the
//! total fold depends on how the two mix, which this report prints per graph.

use crate::wiring::Wiring;
use std::fmt::Write as _;
use synfire_graphs::Graph;

/// Weight memory of one projection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WeightRow {
    /// Projection name.
    pub projection: String,
    /// Synapses.
    pub synapses: u64,
}

/// The memory of a graph's weights and activations at both precisions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Footprint {
    /// Per projection.
    pub rows: Vec<WeightRow>,
    /// Neurons and sources whose activity is stored per step.
    pub activations: u64,
}

impl Footprint {
    /// Counts the instantiated synapses of `graph`.
    pub fn of(graph: &Graph) -> Footprint {
        let wiring = Wiring::new(graph);
        let rows = graph.projections.iter().enumerate().map(|(q, p)| WeightRow { projection: p.name.clone(), synapses: wiring.synapses(q) as u64 }).collect();
        Footprint { rows, activations: graph.num_neurons() }
    }

    /// Bytes of the weights at 32 and at 8 bits.
    pub fn weight_bytes(&self) -> (u64, u64) {
        let n: u64 = self.rows.iter().map(|r| r.synapses).sum();
        (4 * n, n)
    }

    /// Bytes of one step's activations as f32 and as spike bits.
    pub fn activation_bytes(&self) -> (u64, u64) {
        (4 * self.activations, self.activations.div_ceil(8))
    }

    /// Fixed-column text.
    pub fn text(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(s, "{:<24} {:>10} {:>12} {:>12} {:>6}", "weights", "synapses", "f32 B", "int8 B", "fold");
        for r in &self.rows {
            let _ = writeln!(s, "{:<24} {:>10} {:>12} {:>12} {:>6.2}", r.projection, r.synapses, 4 * r.synapses, r.synapses, 4.0);
        }
        let (w32, w8) = self.weight_bytes();
        let (a32, a1) = self.activation_bytes();
        let fold = |a: u64, b: u64| if b > 0 { a as f64 / b as f64 } else { 0.0 };
        let _ = writeln!(s, "{:<24} {:>10} {:>12} {:>12} {:>6.2}", "all weights", w8, w32, w8, fold(w32, w8));
        let _ = writeln!(s, "{:<24} {:>10} {:>12} {:>12} {:>6.2}", "activations (one step)", self.activations, a32, a1, fold(a32, a1));
        let _ = writeln!(s, "{:<24} {:>10} {:>12} {:>12} {:>6.2}", "weights + activations", "", w32 + a32, w8 + a1, fold(w32 + a32, w8 + a1));
        let _ = writeln!(
            s,
            "the binary-activation seed work reports 25-fold with 8-bit weights for a CNN whose activation maps dominate; here the weights dominate"
        );
        s
    }
}
