//! Spike traces with lazy, exact decay (spec 0.1, 0.2).
//!
//! A trace `x` with time constant `tau` decays as `exp(-h / tau)` between spikes and
//! jumps at each spike. It is stored as the value just after its last jump and the
//! tick of that jump; a read at a later tick multiplies by the decay factor. Every
//! read of a given trace at a given tick computes the same expression from the same
//! stored pair, so the value does not depend on when (or how often) it is read.

use synfire_graphs::Time;

/// How a spike changes its trace.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Interaction {
    /// `x <- x + a`: every earlier spike counts (all-to-all pairing).
    #[default]
    AllToAll,
    /// `x <- a`: only the most recent spike counts (nearest-spike pairing).
    Nearest,
}

/// One trace: its time constant in ticks, jump, interaction and value at tick 0.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TraceSpec {
    /// Time constant in ticks (`tau / dt`, need not be whole).
    pub tau_ticks: f64,
    /// Jump size `a`.
    pub jump: f64,
    /// Accumulate or reset.
    pub interaction: Interaction,
    /// Value at tick 0 (decays from there like any other contribution).
    pub init: f64,
}

impl TraceSpec {
    /// A trace with time constant `tau` on a clock of step `dt`, jump 1, starting at 0.
    pub fn new(tau: Time, dt: Time, interaction: Interaction) -> Self {
        TraceSpec { tau_ticks: tau.0 / dt.0, jump: 1.0, interaction, init: 0.0 }
    }

    /// The same trace with another jump size.
    pub fn jump(mut self, a: f64) -> Self {
        self.jump = a;
        self
    }

    /// The same trace with a value at tick 0.
    pub fn init(mut self, x0: f64) -> Self {
        self.init = x0;
        self
    }

    /// The decay factor over `h` ticks.
    #[inline]
    pub fn decay(&self, h: u64) -> f64 {
        (-(h as f64) / self.tau_ticks).exp()
    }

    /// The value after a spike, given the value just before it.
    #[inline]
    pub fn bump(&self, before: f64) -> f64 {
        match self.interaction {
            Interaction::AllToAll => before + self.jump,
            Interaction::Nearest => self.jump,
        }
    }
}

/// Decay factors `exp(-h / tau)` for whole tick counts `h`, tabulated: every read of a
/// lazily decayed trace needs one, and a table lookup costs a fraction of an `exp`.
/// Entries are computed by the same expression as [`TraceSpec::decay`], so results are
/// bit-identical; counts past the table fall back to computing it.
#[derive(Debug, Clone)]
pub struct DecayTable {
    tau_ticks: f64,
    table: Vec<f64>,
}

impl DecayTable {
    /// Most entries a table holds (128 KiB).
    const MAX: usize = 1 << 14;

    /// The table for `spec`, covering about 30 time constants.
    pub fn new(spec: &TraceSpec) -> Self {
        let len = ((30.0 * spec.tau_ticks).ceil().max(1.0) as usize).min(Self::MAX);
        DecayTable { tau_ticks: spec.tau_ticks, table: (0..len as u64).map(|h| spec.decay(h)).collect() }
    }

    /// `exp(-h / tau)`.
    #[inline]
    pub fn get(&self, h: u64) -> f64 {
        match self.table.get(h as usize) {
            Some(&x) => x,
            None => (-(h as f64) / self.tau_ticks).exp(),
        }
    }

    /// Bytes held.
    pub fn memory_bytes(&self) -> usize {
        self.table.capacity() * 8
    }
}

/// Traces of every source neuron of a projection, with the tick of each source's last spike.
#[derive(Debug, Clone)]
pub struct PreTraces<const P: usize> {
    specs: [TraceSpec; P],
    decay: [DecayTable; P],
    after: Vec<[f64; P]>,
    last: Vec<u64>,
}

/// Marks a source that has not spiked yet.
const NEVER: u64 = u64::MAX;

impl<const P: usize> PreTraces<P> {
    /// Traces for `n` sources, all at their initial value.
    pub fn new(specs: [TraceSpec; P], n: usize) -> Self {
        PreTraces { decay: specs.each_ref().map(DecayTable::new), specs, after: vec![[0.0; P]; n], last: vec![NEVER; n] }
    }

    /// The tick of the last spike of source `j`, if any.
    pub fn last_spike(&self, j: usize) -> Option<u64> {
        (self.last[j] != NEVER).then_some(self.last[j])
    }

    /// The traces of source `j` at tick `t`, counting every recorded spike (all are at
    /// or before `t`; `t` must not precede the last one). Read before recording a spike
    /// at `t` to get the value just before it.
    #[inline]
    pub fn at(&self, j: usize, t: u64) -> [f64; P] {
        let last = self.last[j];
        let (base, h) = if last == NEVER { (self.specs.map(|s| s.init), t) } else { (self.after[j], t - last) };
        std::array::from_fn(|n| base[n] * self.decay[n].get(h))
    }

    /// Records a spike of source `j` at tick `t` (after reading with [`Self::at`]).
    #[inline]
    pub fn spike(&mut self, j: usize, t: u64) {
        let before = self.at(j, t);
        self.after[j] = std::array::from_fn(|n| self.specs[n].bump(before[n]));
        self.last[j] = t;
    }

    /// Bytes held per source.
    pub fn bytes_per_source() -> usize {
        P * 8 + 8
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use synfire_graphs::UnitExt;

    #[test]
    fn all_to_all_accumulates_and_nearest_resets() {
        let a = TraceSpec::new(20.0.ms(), 1.0.ms(), Interaction::AllToAll);
        let n = TraceSpec::new(20.0.ms(), 1.0.ms(), Interaction::Nearest);
        let mut p = PreTraces::new([a, n], 1);
        p.spike(0, 10);
        p.spike(0, 30);
        let x = p.at(0, 50);
        let e = (-1.0f64).exp();
        assert!((x[0] - (e + (-2.0f64).exp())).abs() < 1e-12);
        assert!((x[1] - e).abs() < 1e-12);
        assert_eq!(p.at(0, 30)[0], 1.0 + (-1.0f64).exp(), "after a spike, reading at its tick includes it");
    }
}
