//! Synaptic Intelligence, online (spec 7.3, Zenke, Poole & Ganguli 2017): each synapse
//! accumulates how much its changes lowered the loss, and at "consolidate" turns that
//! into an importance `Omega` that anchors it to its value.
//!
//! # Dynamics
//!
//! The base rule proposes `δ = -eta g` (so `g = -δ / eta`). At every event:
//!
//! ```text
//! δ_tot = δ - min(2 eta c Omega, 0.5) (θ - θ*)      (surrogate-loss penalty, gain clipped)
//! θ     <- bounds(θ + δ_tot)
//! omega += -g Δθ                                    (Δθ the step taken)
//! ```
//!
//! On consolidate at tick `t`: `Omega <- Omega decay + max(0, omega / ((θ - θ_start)² + xi))`,
//! `θ* = θ_start = θ`, `omega = 0` (`decay = exp(-(t - t_last) / tau_omega)`, 1 without
//! `tau_omega`). Consolidations come from the scalar modulator bound to input
//! `consolidate` (every tick where it turns positive) and, task-free, every `every`.
//!
//! # Parameters
//!
//! `c` (1, default 0.1): strength; `xi` (the weight unit squared, default 0.1):
//! damping; `eta` (1, default 1): the base rule's learning rate; `every` (ms, none):
//! task-free consolidation interval; `tau_omega` (ms, none): decay of `Omega`.
//!
//! # State
//!
//! Per synapse `omega`, `Omega`, `theta_star`, `theta_start` (f32, 16 bytes, spec 11);
//! `θ` is the engine's weight.
//!
//! # Events
//!
//! Every pre and post event of the base rule; consolidations run at their tick, after
//! every event before it and before every event at or after it.
//!
//! # References
//!
//! Zenke, Poole & Ganguli 2017, ICML, PMLR 70:3987.

use crate::bounds::Bounds;
use crate::driver::Update;
use crate::synapses::Context;
use std::collections::VecDeque;
use synfire_graphs::{Axis, PlainState, StateError, StateReader, StateWriter, Tick};

/// The input slot of the consolidate modulator.
pub(crate) const INPUT: &str = "consolidate";

/// Synaptic intelligence behind every synapse of a projection.
#[derive(Debug, Clone)]
pub(crate) struct SiUpdate {
    xi: f64,
    eta: f64,
    /// Task-free interval in ticks.
    every: Option<u64>,
    /// `tau_omega` in ticks.
    tau: Option<f64>,
    bounds: Bounds,
    /// `2 eta c`: the penalty's gain per unit of `Omega`.
    penalty: f64,
    /// `1 / eta` when `eta` is a power of two (dividing and multiplying then agree).
    inv_eta: Option<f64>,
    /// Hard bounds: [`Bounds::apply`] reduces to a clamp.
    hard: bool,
    /// Whether the rule reads input `consolidate`.
    modulated: bool,
    /// Its third-factor slot (after the base rule's own inputs).
    slot: usize,
    n: usize,
    /// Per synapse `[omega, Omega, theta_star]`, what every event reads: one record
    /// per out-of-order visit.
    s: Vec<[f32; 3]>,
    /// Per synapse `theta_start`, read only at consolidations: apart, so that the
    /// values every event reads make a smaller working set (12 bytes, not 16).
    start: Vec<f32>,
    /// The columns of `s`, made at the first probe after a settle.
    columns: std::sync::OnceLock<[Vec<f32>; 3]>,
    ready: bool,
    /// Ticks below this have been scanned for consolidations.
    scanned: u64,
    /// The modulator's value at tick `scanned - 1` (0 before tick 0).
    last_value: f64,
    pending: VecDeque<u64>,
    last_consolidation: u64,
}

impl SiUpdate {
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn new(c: f64, xi: f64, eta: f64, every: Option<u64>, tau: Option<f64>, bounds: Bounds, modulated: bool, n: usize) -> Self {
        SiUpdate {
            xi,
            eta,
            every,
            tau,
            bounds,
            penalty: 2.0 * eta * c,
            inv_eta: (eta.is_normal() && eta.to_bits() & ((1u64 << 52) - 1) == 0).then(|| 1.0 / eta).filter(|i| i.is_normal()),
            hard: bounds.mu_plus == 0.0 && bounds.mu_minus == 0.0,
            modulated,
            slot: 0,
            n,
            s: Vec::new(),
            start: Vec::new(),
            columns: std::sync::OnceLock::new(),
            ready: false,
            scanned: 0,
            last_value: 0.0,
            pending: VecDeque::new(),
            last_consolidation: 0,
        }
    }

    /// Reads `consolidate` from third-factor slot `slot` (a base rule with inputs
    /// of its own takes the first slots).
    pub(crate) fn at_slot(mut self, slot: usize) -> Self {
        self.slot = slot;
        self
    }

    fn next_periodic(&self, after: u64) -> u64 {
        self.every.map_or(u64::MAX, |p| (after / p + 1) * p)
    }
}

impl Update for SiUpdate {
    #[inline(always)]
    fn apply(&mut self, k: usize, _t: u64, w: f32, delta: f64) -> f32 {
        let theta = f64::from(w);
        let s = &mut self.s[k];
        // `2 eta c` is the product's first two factors, so the gain has the same bits.
        let gain = (self.penalty * f64::from(s[1])).min(0.5);
        let total = delta - gain * (theta - f64::from(s[2]));
        let next = if self.hard { (theta + total).clamp(self.bounds.min, self.bounds.max) as f32 } else { self.bounds.apply(w, total) };
        // `-delta / eta`; a power-of-two `eta` has an exact reciprocal, the same bits.
        let g = match self.inv_eta {
            Some(inv) => -delta * inv,
            None => -delta / self.eta,
        };
        s[0] = (f64::from(s[0]) - g * (f64::from(next) - theta)) as f32;
        next
    }

    #[inline(always)]
    fn prefetch(&self, k: usize) {
        crate::prefetch_ptr(self.s.as_ptr().wrapping_add(k));
    }

    fn observe(&mut self, t: u64, ctx: &Context<'_>) {
        if !self.modulated {
            return;
        }
        while self.scanned <= t {
            let s = self.scanned;
            let v = ctx.third.scalar(self.slot, Tick(s)).unwrap_or(0.0);
            if v > 0.0 && self.last_value <= 0.0 {
                self.pending.push_back(s);
            }
            self.last_value = v;
            self.scanned += 1;
        }
    }

    fn next_clock(&self) -> u64 {
        self.pending.front().copied().unwrap_or(u64::MAX).min(self.next_periodic(self.last_consolidation))
    }

    fn clock(&mut self, t: u64, weights: &mut [f32], sign: f32) {
        while self.pending.front().is_some_and(|&p| p <= t) {
            self.pending.pop_front();
        }
        let decay = self.tau.map_or(1.0, |tau| (-((t - self.last_consolidation) as f64) / tau).exp());
        for (k, &w) in weights.iter().enumerate() {
            let theta = f64::from(sign * w);
            let s = &mut self.s[k];
            let moved = theta - f64::from(self.start[k]);
            let gained = (f64::from(s[0]) / (moved * moved + self.xi)).max(0.0);
            *s = [0.0, (f64::from(s[1]) * decay + gained) as f32, theta as f32];
            self.start[k] = theta as f32;
        }
        self.last_consolidation = t;
    }

    fn prepare(&mut self, weights: &mut [f32], sign: f32) {
        if !self.ready {
            self.s = weights.iter().map(|&w| [0.0, 0.0, sign * w]).collect();
            self.start = weights.iter().map(|&w| sign * w).collect();
            self.ready = true;
        }
    }

    fn settle(&mut self, _now: u64, _weights: &mut [f32], _sign: f32) {
        self.columns = std::sync::OnceLock::new();
    }

    fn inputs(&self) -> &'static [&'static str] {
        if self.modulated { &[INPUT] } else { &[] }
    }

    fn bytes_per_synapse(&self) -> usize {
        16
    }

    fn synapse_state(&self, name: &str) -> Option<&[f32]> {
        let c = ["omega", "Omega", "theta_star"].iter().position(|&n| n == name)?;
        let columns = self.columns.get_or_init(|| std::array::from_fn(|i| self.s.iter().map(|s| s[i]).collect()));
        Some(&columns[c])
    }

    fn memory_bytes(&self) -> usize {
        12 * self.s.capacity() + 4 * self.start.capacity() + self.columns.get().map_or(0, |c| 4 * c.iter().map(Vec::capacity).sum::<usize>())
    }
}

/// Columns: `omega`, `Omega`, `theta_star`, `theta_start` ([`Axis::Synapse`]); scalars
/// `scanned`, `last_value` (the modulator's bits), `last_consolidation`. Saved after
/// a settle, when no consolidation is pending (it ran at its tick).
impl PlainState for SiUpdate {
    fn save(&self, out: &mut StateWriter) {
        for (i, name) in ["omega", "Omega", "theta_star", "theta_start"].iter().enumerate() {
            let column: Vec<f32> = if i < 3 { self.s.iter().map(|s| s[i]).collect() } else { self.start.clone() };
            out.f32(name, Axis::Synapse, &column);
        }
        out.scalar("scanned", self.scanned);
        out.scalar("last_value", self.last_value.to_bits());
        out.scalar("last_consolidation", self.last_consolidation);
    }

    fn restore(&mut self, r: &mut StateReader<'_>) -> Result<(), StateError> {
        let mut cols = [vec![0.0; self.n], vec![0.0; self.n], vec![0.0; self.n], vec![0.0; self.n]];
        for (name, col) in ["omega", "Omega", "theta_star", "theta_start"].iter().zip(cols.iter_mut()) {
            r.f32_into(name, col)?;
        }
        let scanned = r.scalar("scanned")?;
        let last_value = f64::from_bits(r.scalar("last_value")?);
        let last_consolidation = r.scalar("last_consolidation")?;
        self.s = (0..self.n).map(|k| std::array::from_fn(|i| cols[i][k])).collect();
        let [.., start] = cols;
        self.start = start;
        self.columns = std::sync::OnceLock::new();
        (self.scanned, self.last_value, self.last_consolidation, self.ready) = (scanned, last_value, last_consolidation, true);
        self.pending.clear();
        Ok(())
    }
}
