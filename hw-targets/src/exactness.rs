//! Whether the runtime's f32 ring buffers carry a step's integer input exactly.
//!
//! An integer target stores weights as exact multiples of a power of two, and the
//! engine sums them into f32 slots. The sums are exact while every slot's worst case
//! (all inputs of one neuron arriving in one step) spans at most 24 significant bits
//! above the finest step of the weights onto it; beyond that a bit-accurate target
//! is no longer bit-accurate, and the plan says so.

use crate::wiring::Wiring;
use synfire_graphs::Graph;

/// A warning naming the population and receptor whose worst-case input needs more
/// than 24 significant bits, or `None`. `stored(q, w)` is the stored weight of a
/// graph weight `w` of projection `q`; `step(q)` the finest step of its weights.
pub fn check(graph: &Graph, wiring: &Wiring, stored: impl Fn(usize, f32) -> f64, step: impl Fn(usize) -> f64) -> Vec<String> {
    let n = graph.num_neurons() as usize;
    let receptors = 2;
    let mut worst = vec![0f64; n * receptors];
    let mut finest = vec![f64::INFINITY; graph.populations.len() * receptors];
    for (q, p) in graph.projections.iter().enumerate() {
        let r = p.receptor.min(receptors - 1);
        let csr = &wiring.by_source[q];
        let t0 = graph.offsets[p.target] as usize;
        for (k, &t) in csr.targets.iter().enumerate() {
            worst[(t0 + t as usize) * receptors + r] += stored(q, csr.weights[k]).abs();
        }
        let f = &mut finest[p.target * receptors + r];
        *f = f.min(step(q));
    }
    let mut out = Vec::new();
    for pop in 0..graph.populations.len() {
        for r in 0..receptors {
            let range = graph.gid_range(pop);
            let bound = range.map(|g| worst[g as usize * receptors + r]).fold(0.0, f64::max);
            let step = finest[pop * receptors + r];
            if step.is_finite() && bound / step > f64::from(1u32 << 24) {
                out.push(format!(
                    "population '{}': receptor {r}: the inputs of one step can reach {bound:.0} in steps of {step}, more than 24 significant bits: the engine's f32 ring sums are exact only while fewer of them arrive together",
                    graph.populations[pop].name
                ));
            }
        }
    }
    out
}
