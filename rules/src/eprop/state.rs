//! e-prop's plain state: everything [`EpropRule`](super::EpropRule) carries between windows.
//!
//! Columns (saved after `settle(now)`): `clock` ([`Axis::Scalar`], u64: `pos`,
//! `next_step`, optimiser steps, ticks of `psi` history, ticks of `L` history, width
//! of `pending`), `resets` (scalar, the trial starts still ahead, `u64::MAX` padded), `learning`
//! (scalar, learning on or off now and the switches later ticks still read);
//! per source `zbar` and `pending` (arrival ticks, `u64::MAX` padded); per synapse
//! `ebar`, `g`, and where they exist `eps`, `sum_e`, `adam_m`, `adam_v`; per target
//! (`Axis::Neuron`) the histories `psi` and `l` (and `creg`, `seen` with the online
//! regulariser), one value per recorded tick, and with the trial-form regulariser
//! `counts`, one value per optimiser interval from the current one. Widths are at
//! least 1 (padded), so that an empty history is still a column. Last, under `update.`,
//! the columns of the [`Update`] applying the steps: none for the plain rule, a
//! metaplastic wrapper's own (e.g. `update.w_h`).

use super::rule::EpropEngine;
use crate::driver::Update;
use synfire_graphs::{Axis, PlainState, StateError, StateReader, StateWriter, Values};

/// Pads empty places in integer columns.
const NONE: u64 = u64::MAX;

impl<U> EpropEngine<U> {
    fn ticks(&self, v: &[f32]) -> usize {
        v.len() / self.n_targets.max(1)
    }
}

/// `values` (ticks x n, by tick) as rows by target of width `max(ticks, 1)` (the
/// per-target histories of the per-tick rules, e-prop's and SuperSpike's).
pub(crate) fn by_target(values: &[f32], n: usize, ticks: usize) -> Vec<f32> {
    let w = ticks.max(1);
    let mut out = vec![0.0; n * w];
    for t in 0..ticks {
        for j in 0..n {
            out[j * w + t] = values[t * n + j];
        }
    }
    out
}

/// The inverse of [`by_target`].
pub(crate) fn by_tick(rows: &[f32], n: usize, ticks: usize) -> Vec<f32> {
    let w = ticks.max(1);
    let mut out = vec![0.0; n * ticks];
    for t in 0..ticks {
        for j in 0..n {
            out[t * n + j] = rows[j * w + t];
        }
    }
    out
}

impl<U: Update> PlainState for EpropEngine<U> {
    fn save(&self, out: &mut StateWriter) {
        let n = self.n_targets;
        let (psi_ticks, l_ticks) = (self.ticks(&self.psi), self.ticks(&self.l));
        let width = self.pending.iter().map(|q| q.len()).max().unwrap_or(0).max(1);
        out.column("clock", Axis::Scalar, 6, Values::U64(vec![self.pos, self.next_step, self.opt.steps, psi_ticks as u64, l_ticks as u64, width as u64]));
        let mut resets: Vec<u64> = self.resets.iter().copied().collect();
        resets.resize(resets.len().max(1), NONE);
        out.column("resets", Axis::Scalar, resets.len(), Values::U64(resets));
        self.learning.save(out);
        out.f32("zbar", Axis::Source, &self.zbar);
        let mut pending = vec![NONE; self.pending.len() * width];
        for (i, q) in self.pending.iter().enumerate() {
            for (k, &a) in q.iter().enumerate() {
                pending[i * width + k] = a;
            }
        }
        out.column("pending", Axis::Source, width, Values::U64(pending));
        out.f32("ebar", Axis::Synapse, &self.ebar);
        out.f32("g", Axis::Synapse, &self.g);
        for (name, v) in [("eps", &self.eps), ("sum_e", &self.sum_e), ("adam_m", &self.opt.m), ("adam_v", &self.opt.v)] {
            if !v.is_empty() {
                out.f32(name, Axis::Synapse, v);
            }
        }
        out.column("psi", Axis::Neuron, psi_ticks.max(1), Values::F32(by_target(&self.psi, n, if self.psi.is_empty() { 0 } else { psi_ticks })));
        out.column("l", Axis::Neuron, l_ticks.max(1), Values::F32(by_target(&self.l, n, l_ticks)));
        match self.reg {
            Some(r) if r.online => {
                out.column("creg", Axis::Neuron, psi_ticks.max(1), Values::F32(by_target(&self.creg, n, psi_ticks)));
                out.f32("seen", Axis::Neuron, &self.seen);
            }
            Some(_) => {
                let intervals = self.ticks(&self.counts).max(1);
                out.column("counts", Axis::Neuron, intervals, Values::F32(by_target(&self.counts, n, intervals)));
            }
            None => {}
        }
        out.group("update", |w| self.update.save(w));
    }

    fn restore(&mut self, input: &mut StateReader<'_>) -> Result<(), StateError> {
        let n = self.n_targets;
        let clock = input.values::<u64>("clock", Some(1), 6)?.1.to_vec();
        let (psi_ticks, l_ticks, width) = (clock[3] as usize, clock[4] as usize, clock[5] as usize);
        let c = input.column("resets")?;
        let resets: Vec<u64> = match &c.values {
            Values::U64(v) => v.iter().copied().filter(|&r| r != NONE).collect(),
            _ => return Err(c.misfit("`resets` must hold u64 ticks".into())),
        };
        let learning = crate::learning::LearningClock::restore(input)?;
        let zbar = input.values::<f32>("zbar", Some(self.zbar.len()), 1)?.1.to_vec();
        let pending = input.values::<u64>("pending", Some(self.pending.len()), width.max(1))?.1;
        let pending = (0..self.pending.len()).map(|i| pending[i * width..(i + 1) * width].iter().copied().filter(|&a| a != NONE).collect()).collect();
        let ns = self.g.len();
        let mut syn = |name: &str, present: bool| -> Result<Vec<f32>, StateError> {
            if present { Ok(input.values::<f32>(name, Some(ns), 1)?.1.to_vec()) } else { Ok(Vec::new()) }
        };
        let ebar = syn("ebar", true)?;
        let g = syn("g", true)?;
        let eps = syn("eps", !self.eps.is_empty())?;
        let sum_e = syn("sum_e", !self.sum_e.is_empty())?;
        let m = syn("adam_m", !self.opt.m.is_empty())?;
        let v = syn("adam_v", !self.opt.v.is_empty())?;
        let hidden = self.role == super::Role::Hidden;
        let psi = input.values::<f32>("psi", Some(n), psi_ticks.max(1))?.1;
        let psi = if hidden { by_tick(psi, n, psi_ticks) } else { Vec::new() };
        let l = by_tick(input.values::<f32>("l", Some(n), l_ticks.max(1))?.1, n, l_ticks);
        let (mut counts, mut creg, mut seen) = (Vec::new(), Vec::new(), Vec::new());
        match self.reg {
            Some(r) if r.online => {
                creg = by_tick(input.values::<f32>("creg", Some(n), psi_ticks.max(1))?.1, n, psi_ticks);
                seen = input.values::<f32>("seen", Some(n), 1)?.1.to_vec();
            }
            Some(_) => {
                // One value per target and interval; the width is the intervals.
                let c = input.column("counts")?;
                let intervals = c.width as usize;
                match &c.values {
                    Values::F32(v) if intervals >= 1 && v.len() == n * intervals => counts = by_tick(v, n, intervals),
                    _ => return Err(c.misfit(format!("`counts` must hold f32 spike counts, {n} targets by intervals"))),
                }
            }
            None => {}
        }
        let mut update = self.update.clone();
        input.group("update", |r| update.restore(r))?;
        self.update = update;
        (self.pos, self.next_step, self.opt.steps) = (clock[0], clock[1], clock[2]);
        (self.resets, self.learning) = (resets.into(), learning);
        (self.zbar, self.pending) = (zbar, pending);
        (self.ebar, self.g, self.eps, self.sum_e, self.opt.m, self.opt.v) = (ebar, g, eps, sum_e, m, v);
        (self.psi, self.l, self.counts, self.creg, self.seen) = (psi, l, counts, creg, seen);
        Ok(())
    }
}
