//! Random streams keyed by global ids.
//!
//! **Invariant:** every random number synfire draws comes from a stream named by
//! `(seed, domain, id)`, never by a thread or a shard, so results do not depend on
//! how work is split. The key is mixed with SplitMix64 into a PCG32 state and
//! stream selector.

use rand_pcg::Pcg32;

/// What a stream is used for; part of its key so that two uses of the same id
/// never share numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u64)]
pub enum Domain {
    /// Per-neuron parameter and initial-state sampling, id = global neuron id.
    NeuronInit = 1,
    /// Connectivity of one projection, id = projection index, sub-id = neuron.
    Connect = 2,
    /// Per-synapse weights and delays, drawn together with connectivity.
    SynapseValues = 3,
    /// Stimulus spike generation (Poisson sources), id = global neuron id.
    Stimulus = 4,
    /// Stochastic neuron dynamics (escape noise, specs 1.6): id = global neuron id,
    /// counter = tick, through [`uniform_at`].
    Dynamics = 5,
    /// Data of built-in training tasks (input patterns, targets, trial draws): id =
    /// what the task draws, sub-id = its index (a trial, a neuron).
    Task = 6,
    /// A hardware target's own stochastic arithmetic (the `loihi2-like` learning
    /// engine's stochastic rounding): id = what is rounded (a trace of a neuron, a
    /// synapse), counter = its epoch and slot, through [`uniform_at`].
    Chip = 7,
}

/// SplitMix64 finaliser: a bijective 64-bit mixer with good avalanche.
pub fn mix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// The stream for `(seed, domain, id, sub)`.
pub fn stream(seed: u64, domain: Domain, id: u64, sub: u64) -> Pcg32 {
    let a = mix64(seed ^ mix64(domain as u64));
    let b = mix64(a ^ mix64(id.wrapping_add(0x632b_e59b_d9b4_e019)));
    let state = mix64(b ^ mix64(sub.wrapping_mul(0xd6e8_feb8_6659_fd93)));
    let selector = mix64(state ^ 0xa076_1d64_78bd_642f);
    Pcg32::new(state, selector)
}

/// A counter-based uniform number in [0, 1) for `(seed, domain, id, counter)`:
/// no state to carry, so any thread can draw the number for any neuron and tick.
pub fn uniform_at(seed: u64, domain: Domain, id: u64, counter: u64) -> f64 {
    let h = mix64(mix64(seed ^ mix64(domain as u64)) ^ mix64(id) ^ counter.wrapping_mul(0x9e37_79b9_7f4a_7c15));
    let h = mix64(h);
    (h >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::RngExt;

    #[test]
    fn streams_differ_by_every_key_part() {
        let mut draws = Vec::new();
        for (s, d, i, j) in
            [(1, Domain::Connect, 0, 0), (2, Domain::Connect, 0, 0), (1, Domain::Stimulus, 0, 0), (1, Domain::Connect, 1, 0), (1, Domain::Connect, 0, 1)]
        {
            let mut r = stream(s, d, i, j);
            draws.push(r.random::<u64>());
        }
        for a in 0..draws.len() {
            for b in a + 1..draws.len() {
                assert_ne!(draws[a], draws[b], "streams {a} and {b} collide");
            }
        }
    }

    #[test]
    fn same_key_same_stream() {
        let mut a = stream(7, Domain::NeuronInit, 42, 3);
        let mut b = stream(7, Domain::NeuronInit, 42, 3);
        for _ in 0..10 {
            assert_eq!(a.random::<u32>(), b.random::<u32>());
        }
    }

    #[test]
    fn counter_uniforms_are_in_range_and_spread() {
        let n = 100_000;
        let mean = (0..n).map(|c| uniform_at(3, Domain::Dynamics, 5, c)).inspect(|u| assert!((0.0..1.0).contains(u))).sum::<f64>() / n as f64;
        assert!((mean - 0.5).abs() < 0.005, "mean {mean}");
    }
}
