//! Spike traces with lazy, exact decay (spec 0.1, 0.2).
//!
//! A trace `x` with time constant `tau` decays as `exp(-h / tau)` between spikes and
//! jumps at each spike. It is stored as the value just after its last jump and the
//! tick of that jump; a read at a later tick multiplies by the decay factor. Every
//! read of a given trace at a given tick computes the same expression from the same
//! stored pair, so the value does not depend on when (or how often) it is read.

use synfire_graphs::{Axis, PlainState, StateError, StateReader, StateWriter, Time, Values};

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
///
/// Counts below `L` (a power of two covering at least 30 time constants, at most
/// 2^14) are read from `fine`, computed by the same expression as
/// [`TraceSpec::decay`]. Longer ones, from silent neurons, are `fine[h mod L] *
/// coarse[h / L]` with `coarse[m] = exp(-m L / tau)`: within a few ulps of `exp`
/// (the factor is below `e^-30` there anyway), and zero once `coarse` underflows. Every
/// read of a count gives the same value, which is all bit-identity needs.
#[derive(Debug, Clone)]
pub struct DecayTable {
    fine: Vec<f64>,
    coarse: Vec<f64>,
    shift: u32,
}

impl DecayTable {
    /// Most entries of the fine table (128 KiB).
    const MAX_SHIFT: u32 = 14;

    /// The tables for `spec`.
    pub fn new(spec: &TraceSpec) -> Self {
        let want = (30.0 * spec.tau_ticks).ceil().max(2.0) as u64;
        let shift = want.next_power_of_two().trailing_zeros().min(Self::MAX_SHIFT);
        let len = 1u64 << shift;
        let fine = (0..len).map(|h| spec.decay(h)).collect();
        let mut coarse = Vec::new();
        for m in 0u64.. {
            let x = spec.decay(m << shift);
            if x == 0.0 || m > (1 << 20) {
                break;
            }
            coarse.push(x);
        }
        DecayTable { fine, coarse, shift }
    }

    /// `exp(-h / tau)` (see the type's documentation beyond the fine table).
    #[inline(always)]
    pub fn get(&self, h: u64) -> f64 {
        let mask = (1u64 << self.shift) - 1;
        if h <= mask {
            // SAFETY: `fine` has `mask + 1` entries.
            unsafe { *self.fine.get_unchecked(h as usize) }
        } else {
            self.far(h & mask, h >> self.shift)
        }
    }

    #[inline]
    fn far(&self, rest: u64, m: u64) -> f64 {
        self.coarse.get(m as usize).map_or(0.0, |c| self.fine[rest as usize] * c)
    }

    /// Bytes held.
    pub fn memory_bytes(&self) -> usize {
        (self.fine.capacity() + self.coarse.capacity()) * 8
    }
}

/// Read access to postsynaptic traces, for slow clocks.
pub trait ReadPost<const Q: usize> {
    /// The traces of target `i` at somatic tick `s`, counting only spikes strictly before `s`.
    fn at(&self, i: usize, s: u64) -> [f64; Q];
}

/// Traces of every source neuron of a projection, with the tick of each source's last spike.
#[derive(Debug, Clone)]
pub struct PreTraces<const P: usize> {
    specs: [TraceSpec; P],
    decay: [DecayTable; P],
    /// Per source: the traces after its last spike, and that spike's tick (together:
    /// a read is one cache line).
    state: Vec<PreState<P>>,
}

#[derive(Debug, Clone, Copy)]
struct PreState<const P: usize> {
    after: [f64; P],
    last: u64,
}

/// Marks a source that has not spiked yet.
const NEVER: u64 = u64::MAX;

impl<const P: usize> PreTraces<P> {
    /// Traces for `n` sources, all at their initial value.
    pub fn new(specs: [TraceSpec; P], n: usize) -> Self {
        PreTraces { decay: specs.each_ref().map(DecayTable::new), specs, state: vec![PreState { after: [0.0; P], last: NEVER }; n] }
    }

    /// The tick of the last spike of source `j`, if any.
    pub fn last_spike(&self, j: usize) -> Option<u64> {
        let last = self.state[j].last;
        (last != NEVER).then_some(last)
    }

    /// The traces of source `j` at tick `t`, counting every recorded spike (all are at
    /// or before `t`; `t` must not precede the last one). Read before recording a spike
    /// at `t` to get the value just before it.
    #[inline]
    pub fn at(&self, j: usize, t: u64) -> [f64; P] {
        let PreState { after, last } = self.state[j];
        let (base, h) = if last == NEVER { (self.specs.map(|s| s.init), t) } else { (after, t - last) };
        std::array::from_fn(|n| base[n] * self.decay[n].get(h))
    }

    /// Records a spike of source `j` at tick `t` (after reading with [`Self::at`]).
    #[inline]
    pub fn spike(&mut self, j: usize, t: u64) {
        let before = self.at(j, t);
        self.state[j] = PreState { after: std::array::from_fn(|n| self.specs[n].bump(before[n])), last: t };
    }

    /// Bytes held per source.
    pub fn bytes_per_source() -> usize {
        P * 8 + 8
    }
}

/// Columns `x` (the traces after the last spike, width `P`) and `last` (its tick,
/// `u64::MAX` before the first), one row per source ([`Axis::Source`]). A source's
/// row changes only at its own spikes ([`PreTraces::spike`] from `on_pre`), so it is
/// the same in every shard where the source has synapses.
impl<const P: usize> PlainState for PreTraces<P> {
    fn save(&self, out: &mut StateWriter) {
        write_rows(out, "x", Axis::Source, self.state.iter().map(|s| s.after));
        out.u64("last", Axis::Source, &self.state.iter().map(|s| s.last).collect::<Vec<_>>());
    }

    fn restore(&mut self, r: &mut StateReader<'_>) -> Result<(), StateError> {
        let n = self.state.len();
        let after = read_rows::<P>(r, "x", n)?;
        let mut last = vec![0u64; n];
        r.u64_into("last", &mut last)?;
        self.state = after.into_iter().zip(last).map(|(after, last)| PreState { after, last }).collect();
        Ok(())
    }
}

/// Writes trace arrays as one f64 column of width `N`, a row per item. Nothing is
/// written when `N == 0`: a column without values has no rows to merge or split by.
pub(crate) fn write_rows<const N: usize>(out: &mut StateWriter, name: &str, axis: Axis, rows: impl Iterator<Item = [f64; N]>) {
    if N > 0 {
        out.column(name, axis, N, Values::F64(rows.flatten().collect()));
    }
}

/// Reads the column [`write_rows`] wrote, which must hold `n` rows of `N` f64.
pub(crate) fn read_rows<const N: usize>(r: &mut StateReader<'_>, name: &str, n: usize) -> Result<Vec<[f64; N]>, StateError> {
    if N == 0 {
        return Ok(vec![[0.0; N]; n]);
    }
    let (_, v) = r.values::<f64>(name, Some(n), N)?;
    Ok(v.chunks_exact(N).map(|row| std::array::from_fn(|q| row[q])).collect())
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
