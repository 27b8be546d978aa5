//! Escape-noise spiking shared by the kernels that offer it (specs 1.6).
//!
//! **Invariant:** the uniform a neuron compares with at tick `t` is
//! `uniform_at(seed, Domain::Dynamics, gid, t)`: a hash of the key, with no state
//! carried between ticks, so it does not depend on the slice, the worker or the
//! window, and a restored run draws what the uninterrupted one drew.

use crate::kernel::KernelInit;
use synfire_graphs::EscapeNoise;
use synfire_graphs::rng::{Domain, uniform_at};

/// The escape noise of a slice and the key of its draws.
#[derive(Debug, Clone, Copy)]
pub(super) struct Noise {
    f: EscapeNoise,
    seed: u64,
    /// Global id of the slice's first neuron.
    gid0: u64,
}

impl Noise {
    /// The slice's noise, or `None` for the deterministic step (the kernels keep
    /// their own comparison then, bit for bit).
    pub(super) fn new(init: &KernelInit<'_>) -> Option<Noise> {
        let f = init.model.escape_noise;
        (!f.is_step()).then(|| Noise { f, seed: init.seed, gid0: init.gids().start })
    }

    /// Whether local neuron `local` spikes at `tick`, `x` its distance to threshold:
    /// `f(x) > r`. `f(x) = 0` never beats a draw in `[0, 1)`, so it skips the hash.
    #[inline]
    pub(super) fn fires(&self, x: f32, local: usize, tick: u64) -> bool {
        let p = self.f.probability(x);
        p > 0.0 && f64::from(p) > uniform_at(self.seed, Domain::Dynamics, self.gid0 + local as u64, tick)
    }
}
