//! The Benna–Fusi wrapper (spec 7.1): each synapse is a chain of `m` beakers, the base
//! rule's proposed change is poured into the first, and the efficacy is its level.
//!
//! # Dynamics
//!
//! The chain of [`chain`](super::chain) on its own consolidation clock (one unit =
//! `clock` of model time): the discrete Jacobi update with `Δ = 1` (a step at every
//! multiple of `clock`, before the events of that tick) or, with `continuous`, the
//! ODE itself. A proposed change `δw` at an event adds `δw` to `u_1` (the spec's
//! `I_ext = C_1 δw / Δ`). The efficacy is `u_1` clipped to the base rule's bounds (the
//! chain itself is not clipped: it is linear).
//!
//! # State
//!
//! Per synapse the chain in modal coordinates scaled to an epoch `E`:
//! `ẑ_k = z_k(t) / f_k(t - E)`, with `f_k(s)` the factor of mode `k` over `s` (whole
//! steps, or time). Between events nothing is touched: an event at `t` reads
//! `u_1 = Σ_k V_1k f_k(t - E) ẑ_k` and injects `ẑ_k += δw V^-1_k1 / f_k(t - E)`, the
//! factors computed once per event tick for all synapses. The epoch moves at fixed
//! ticks (a clock of the update), multiplying every `ẑ_k` by `f_k` over one epoch, so
//! that the scaled values stay within f32 range (at most `e^40`). Every synapse sees the
//! same operations in every shard and schedule: the results are bit-identical.
//! `4 m` bytes per synapse (spec 11 counts `4 (m - 1)`: here `u_1` is kept in the
//! chain and the engine's weight holds the clipped efficacy as of the last presynaptic event or
//! settle).
//!
//! # Events
//!
//! Every pre and post event of the base rule; the epoch clock.
//!
//! # References
//!
//! Benna & Fusi 2016, Nat. Neurosci. 19:1697.

use super::chain::{ChainConstants, MAX_BEAKERS, Modes};
use crate::driver::Update;
use std::sync::OnceLock;
use synfire_graphs::{Axis, PlainState, StateError, StateReader, StateWriter, Values};

/// Largest scaling of a stored mode between two epochs: `e^40` (f32 holds 3e38).
const MAX_LOG_SCALE: f64 = 40.0;

/// Largest table of per-tick factors, in values (256 KiB): an epoch of 1780 ticks
/// (`m = 6`, geometric, 1 ms clock at 0.1 ms) needs 21360.
const MAX_TABLE: usize = 1 << 16;

/// The Benna–Fusi chain behind every synapse of a projection.
#[derive(Debug, Clone)]
pub(crate) struct BennaFusiUpdate {
    m: usize,
    n: usize,
    modes: Modes,
    continuous: bool,
    /// Ticks per clock unit (a whole number of ticks unless `continuous`).
    unit: f64,
    /// Ticks per clock step (discrete).
    period: u64,
    /// Ticks between epochs.
    every: u64,
    epoch: u64,
    /// `V_1k` (read-out) and `V^-1_k1` (injection).
    read: [f64; MAX_BEAKERS],
    inject: [f64; MAX_BEAKERS],
    /// Factors over one epoch.
    over_epoch: [f64; MAX_BEAKERS],
    /// The tick of `up`/`down`: `read_k f_k(at - E)` and `inject_k / f_k(at - E)`
    /// (f32: the levels are f32, and the hot loop stays in one precision).
    at: u64,
    /// The clock step of `up`/`down` (the tick when `continuous`).
    at_step: u64,
    /// Per tick `h` of an epoch, `up` then `down` at `epoch + h` (`2 m` values; the
    /// same numbers `at_tick` would compute, which costs `m` powers or exponentials and
    /// divisions: the lazy engine's events each have their own tick). Empty when it
    /// would exceed [`MAX_TABLE`] values.
    table: Vec<f32>,
    up: [f32; MAX_BEAKERS],
    down: [f32; MAX_BEAKERS],
    /// The base rule's bounds rounded to f32: clamping the f32 level to them gives the
    /// bits of clamping it in f64 to the exact bounds (rounding is monotone).
    min: f32,
    max: f32,
    z: Vec<f32>,
    ready: bool,
    /// Beaker levels, beaker-major, computed at the first probe after a settle.
    levels: OnceLock<Vec<f32>>,
    settled: u64,
}

impl BennaFusiUpdate {
    /// `unit`: ticks per clock unit. Errors name the parameter.
    pub(crate) fn new(k: &ChainConstants, continuous: bool, unit: f64, bounds: (f64, f64), n: usize) -> Result<Self, String> {
        let m = k.len();
        let modes = Modes::new(k);
        let period = unit.round().max(1.0) as u64;
        if !continuous && (unit - period as f64).abs() > 1e-9 * unit {
            return Err(format!("clock: {unit} ticks is not a whole number of ticks; the discrete chain steps on ticks (or set continuous = true)"));
        }
        let mut log_rate: f64 = 0.0;
        for i in 0..m {
            let f = modes.unit_factor(i, continuous);
            if !(f.abs() < 1.0 && f.abs() > 1e-6) {
                return Err(format!(
                    "the chain's fastest timescale is too short for one step of its clock (a mode's factor per step is {f}): choose a longer clock (or set continuous = true)"
                ));
            }
            log_rate = log_rate.max(-f.abs().ln());
        }
        // Epochs: as long as the fastest mode allows, in whole steps.
        let units = (MAX_LOG_SCALE / log_rate).floor().max(1.0);
        let every = if continuous { (units * unit).floor().max(1.0) as u64 } else { units as u64 * period };
        let mut bf = BennaFusiUpdate {
            m,
            n,
            modes,
            continuous,
            unit,
            period,
            every,
            epoch: 0,
            read: [0.0; MAX_BEAKERS],
            inject: [0.0; MAX_BEAKERS],
            over_epoch: [0.0; MAX_BEAKERS],
            at: u64::MAX,
            at_step: u64::MAX,
            table: Vec::new(),
            up: [0.0; MAX_BEAKERS],
            down: [0.0; MAX_BEAKERS],
            min: bounds.0 as f32,
            max: bounds.1 as f32,
            z: Vec::new(),
            ready: false,
            levels: OnceLock::new(),
            settled: 0,
        };
        for i in 0..m {
            bf.read[i] = bf.modes.v[i];
            bf.inject[i] = bf.modes.vinv[i * m];
            bf.over_epoch[i] = bf.factor(i, every);
        }
        // The factors from the epoch on do not depend on which epoch it is (epochs start
        // at clock steps): one table for all, made at epoch 0.
        if usize::try_from(every).is_ok_and(|e| e.saturating_mul(2 * m) <= MAX_TABLE) {
            let mut table = Vec::with_capacity(every as usize * 2 * m);
            for h in 0..every {
                let f: Vec<f64> = (0..m).map(|i| bf.factor(i, h)).collect();
                table.extend((0..m).map(|i| (bf.read[i] * f[i]) as f32));
                table.extend((0..m).map(|i| (bf.inject[i] / f[i]) as f32));
            }
            bf.table = table;
        }
        Ok(bf)
    }

    /// Factor of mode `i` from the epoch to `epoch + s` ticks.
    fn factor(&self, i: usize, s: u64) -> f64 {
        if self.continuous {
            (self.modes.lambda[i] * s as f64 / self.unit).exp()
        } else {
            // Steps at multiples of `period` in (epoch, epoch + s]; the epoch is one.
            let steps = (self.epoch + s) / self.period - self.epoch / self.period;
            (1.0 + self.modes.lambda[i]).powi(steps as i32)
        }
    }

    /// Sets `up`/`down` for tick `t` (in the current epoch).
    #[inline(always)]
    fn at_tick(&mut self, t: u64) {
        if self.at != t {
            debug_assert!(t >= self.epoch && t - self.epoch < self.every, "tick {t} outside the epoch at {}", self.epoch);
            let m = self.m;
            let h = (t - self.epoch) as usize;
            if let Some(row) = self.table.get(h * 2 * m..(h + 1) * 2 * m) {
                self.up[..m].copy_from_slice(&row[..m]);
                self.down[..m].copy_from_slice(&row[m..]);
                self.at = t;
                return;
            }
            // The discrete chain's factors change only at its steps: the events of the
            // ticks of one step (a window's post events, say) share them.
            let step = if self.continuous { t } else { t / self.period };
            if step != self.at_step {
                for i in 0..self.m {
                    let f = self.factor(i, t - self.epoch);
                    self.up[i] = (self.read[i] * f) as f32;
                    self.down[i] = (self.inject[i] / f) as f32;
                }
                self.at_step = step;
            }
            self.at = t;
        }
    }

    #[inline]
    fn efficacy(&self, z: &[f32]) -> f32 {
        let u1: f32 = z.iter().zip(&self.up[..z.len()]).map(|(&z, &u)| u * z).sum();
        u1.clamp(self.min, self.max)
    }
}

impl Update for BennaFusiUpdate {
    /// The efficacy decays between events anyway: readers settle first, and every
    /// presynaptic event (the only transmission) reads it out and stores it.
    const POST_STORES: bool = false;

    #[inline(always)]
    fn apply(&mut self, k: usize, t: u64, _w: f32, delta: f64) -> f32 {
        self.at_tick(t);
        let delta = delta as f32;
        // A chain length known at compile time unrolls the pass into a few vector
        // operations; the per-call branch is on a field that never changes.
        let u1 = match self.m {
            1 => pour::<1>(&mut self.z, k, &self.up, &self.down, delta),
            2 => pour::<2>(&mut self.z, k, &self.up, &self.down, delta),
            3 => pour::<3>(&mut self.z, k, &self.up, &self.down, delta),
            4 => pour::<4>(&mut self.z, k, &self.up, &self.down, delta),
            5 => pour::<5>(&mut self.z, k, &self.up, &self.down, delta),
            6 => pour::<6>(&mut self.z, k, &self.up, &self.down, delta),
            8 => pour::<8>(&mut self.z, k, &self.up, &self.down, delta),
            10 => pour::<10>(&mut self.z, k, &self.up, &self.down, delta),
            m => pour_any(&mut self.z[k * m..(k + 1) * m], &self.up[..m], &self.down[..m], delta),
        };
        u1.clamp(self.min, self.max)
    }

    const MOVES: bool = true;

    fn efficacy_at(&mut self, k: usize, t: u64, w: f32) -> f32 {
        self.apply(k, t, w, 0.0)
    }

    #[inline(always)]
    fn prefetch(&self, k: usize) {
        let p = self.z.as_ptr().wrapping_add(k * self.m);
        crate::prefetch_ptr(p);
        crate::prefetch_ptr(p.wrapping_add(self.m - 1));
    }

    fn next_clock(&self) -> u64 {
        self.epoch + self.every
    }

    fn clock(&mut self, t: u64, _weights: &mut [f32], _sign: f32) {
        // The factors repeated over a block of whole synapses (a multiple of 8 values), so
        // that the loop is one of fixed length that vectorises; the same products as
        // one synapse at a time.
        let m = self.m;
        let per_block = RESCALE_BLOCK / m.max(1);
        let pattern: Vec<f64> = (0..per_block * m).map(|v| self.over_epoch[v % m]).collect();
        let mut blocks = self.z.chunks_exact_mut(per_block * m);
        for z in &mut blocks {
            for (z, f) in z.iter_mut().zip(&pattern) {
                *z = (f64::from(*z) * f) as f32;
            }
        }
        for (z, f) in blocks.into_remainder().iter_mut().zip(&pattern) {
            *z = (f64::from(*z) * f) as f32;
        }
        self.epoch = t;
        (self.at, self.at_step) = (u64::MAX, u64::MAX);
    }

    fn prepare(&mut self, weights: &mut [f32], sign: f32) {
        if !self.ready {
            // u = (w0, 0, ..., 0) at tick 0, the first epoch.
            let (m, inject) = (self.m, self.inject);
            // Sized up front: collecting a flat map grows by doubling, up to twice the
            // memory the chain needs.
            let mut z = Vec::with_capacity(weights.len() * m);
            z.extend(weights.iter().flat_map(|&w| (0..m).map(move |i| (f64::from(sign * w) * inject[i]) as f32)));
            self.z = z;
            self.ready = true;
        }
    }

    fn settle(&mut self, now: u64, weights: &mut [f32], sign: f32) {
        self.at_tick(now);
        for (k, w) in weights.iter_mut().enumerate() {
            *w = sign * self.efficacy(&self.z[k * self.m..(k + 1) * self.m]);
        }
        self.levels = OnceLock::new();
        self.settled = now;
    }

    fn bytes_per_synapse(&self) -> usize {
        4 * self.m
    }

    fn synapse_state(&self, name: &str) -> Option<&[f32]> {
        let b = super::chain::BEAKER_NAMES[..self.m].iter().position(|&n| n == name)?;
        let levels = self.levels.get_or_init(|| {
            let (m, n) = (self.m, self.z.len() / self.m.max(1));
            let f: Vec<f64> = (0..m).map(|i| self.factor(i, self.settled - self.epoch)).collect();
            let mut out = vec![0.0f32; m * n];
            for (k, z) in self.z.chunks_exact(m).enumerate() {
                let zt: Vec<f64> = z.iter().zip(&f).map(|(&z, f)| f64::from(z) * f).collect();
                for (i, u) in self.modes.from_modes(&zt).into_iter().enumerate() {
                    out[i * n + k] = u as f32;
                }
            }
            out
        });
        let n = levels.len() / self.m;
        Some(&levels[b * n..(b + 1) * n])
    }

    fn memory_bytes(&self) -> usize {
        4 * self.z.capacity() + 4 * self.table.capacity() + self.levels.get().map_or(0, |l| 4 * l.capacity())
    }
}

/// Values per block of the epoch rescaling (at most [`MAX_BEAKERS`] per synapse).
const RESCALE_BLOCK: usize = 8 * MAX_BEAKERS;

/// Pours `delta` into the `M` scaled modes of synapse `k` and reads out `u_1`
/// (`Σ up_i ẑ_i`, summed in mode order). Adding `0 * down` when there is nothing to
/// inject leaves a level as it is, so the pass needs no branch.
#[inline(always)]
fn pour<const M: usize>(z: &mut [f32], k: usize, up: &[f32; MAX_BEAKERS], down: &[f32; MAX_BEAKERS], delta: f32) -> f32 {
    pour_any(&mut z[k * M..k * M + M], &up[..M], &down[..M], delta)
}

/// [`pour`] for a chain length without its own instance.
#[inline(always)]
fn pour_any(z: &mut [f32], up: &[f32], down: &[f32], delta: f32) -> f32 {
    let mut u1 = 0.0f32;
    for ((z, &u), &d) in z.iter_mut().zip(up).zip(down) {
        let v = *z + delta * d;
        *z = v;
        u1 += u * v;
    }
    u1
}

/// Columns: `z` ([`Axis::Synapse`], width `m`, f32): the scaled modal coordinates;
/// `epoch` (scalar): the tick of the epoch, a multiple of its period in every shard.
impl PlainState for BennaFusiUpdate {
    fn save(&self, out: &mut StateWriter) {
        out.column("z", Axis::Synapse, self.m, Values::F32(self.z.clone()));
        out.scalar("epoch", self.epoch);
    }

    fn restore(&mut self, r: &mut StateReader<'_>) -> Result<(), StateError> {
        let (_, z) = r.values::<f32>("z", Some(self.n), self.m)?;
        let z = z.to_vec();
        let (c, e) = r.values::<u64>("epoch", Some(1), 1)?;
        if !e[0].is_multiple_of(self.every) {
            return Err(c.misfit(format!("tick {} is not an epoch of this chain (a multiple of {})", e[0], self.every)));
        }
        (self.z, self.epoch, self.ready, self.at, self.at_step, self.levels) = (z, e[0], true, u64::MAX, u64::MAX, OnceLock::new());
        Ok(())
    }
}

/// Benna–Fusi synapses driven directly, without a base rule or an engine: the same
/// state and arithmetic as the wrapper (for synapse-level protocols such as the
/// memory stream of spec 10.5, where updates are imposed rather than learned).
///
/// ```
/// use synfire_graphs::{Tick, UnitExt};
/// use synfire_rules::BennaFusi;
/// use synfire_rules::metaplastic::benna_fusi::ChainSynapses;
///
/// let mut s = ChainSynapses::new(&BennaFusi::geometric(1), 1.0.ms(), &[0.0])?;
/// s.add(0, Tick(0), 1.0);
/// let mut w = [0.0f32];
/// s.efficacies(Tick(10), &mut w);
/// assert!((w[0] - 0.875f32.powi(10)).abs() < 1e-6);
/// # Ok::<(), synfire_rules::RuleError>(())
/// ```
#[derive(Debug, Clone)]
pub struct ChainSynapses {
    chain: BennaFusiUpdate,
    now: u64,
}

impl ChainSynapses {
    /// Synapses with levels `u_1 = initial[k]` at tick 0, the others empty, no bounds;
    /// `dt` is the length of a tick.
    pub fn new(p: &super::BennaFusi, dt: synfire_graphs::Time, initial: &[f32]) -> Result<Self, crate::RuleError> {
        let invalid = |problems| crate::RuleError::Invalid { rule: super::BENNA_FUSI.to_string(), problems };
        let problems = super::Meta::BennaFusi(*p).check();
        if !problems.is_empty() || p.m == 0 || p.m > MAX_BEAKERS {
            return Err(invalid(problems));
        }
        let mut chain = BennaFusiUpdate::new(&p.constants(), p.continuous, p.clock.0 / dt.0, (f64::NEG_INFINITY, f64::INFINITY), initial.len())
            .map_err(|message| crate::RuleError::Projection { rule: super::BENNA_FUSI.to_string(), message })?;
        chain.prepare(&mut initial.to_vec(), 1.0);
        Ok(ChainSynapses { chain, now: 0 })
    }

    fn go_to(&mut self, t: u64) {
        assert!(t >= self.now, "ChainSynapses: tick {t} after tick {}", self.now);
        while self.chain.next_clock() <= t {
            let c = self.chain.next_clock();
            self.chain.clock(c, &mut [], 1.0);
        }
        self.now = t;
    }

    /// Pours `delta` into synapse `k` at tick `t` (ticks never decrease); returns its
    /// efficacy `u_1` after it.
    ///
    /// # Panics
    ///
    /// If `t` is before the tick of an earlier call, or `k` is not a synapse.
    pub fn add(&mut self, k: usize, t: synfire_graphs::Tick, delta: f64) -> f32 {
        self.go_to(t.0);
        self.chain.apply(k, t.0, 0.0, delta)
    }

    /// Every synapse's efficacy at tick `t` (ticks never decrease) into `out`, which
    /// holds one value per synapse.
    ///
    /// # Panics
    ///
    /// If `t` is before the tick of an earlier call.
    pub fn efficacies(&mut self, t: synfire_graphs::Tick, out: &mut [f32]) {
        self.go_to(t.0);
        self.chain.settle(t.0, out, 1.0);
    }
}
