//! SuperSpike's plain state: everything [`SuperSpikeRule`](super::SuperSpikeRule) carries between windows.
//!
//! Columns (saved after `settle(now)`): `clock` ([`Axis::Scalar`], u64: `pos`,
//! `next_step`, ticks of `sigma'` history, ticks of error history, width of
//! `pending`); per source `syn`, `psp` and `pending` (arrival ticks, `u64::MAX`
//! padded); per synapse `el`, `el_flt`, `m`, `v`; per target (`Axis::Neuron`) `err`,
//! `err_flt` and the histories `sigma` and `e`, one value per recorded tick (widths
//! at least 1, padded, so that an empty history is still a column); last, under
//! `update.`, the columns of the [`Update`] applying the updates (none for the plain
//! rule, a metaplastic wrapper's own).

use super::rule::SuperSpikeEngine;
use crate::driver::Update;
use crate::eprop::state::{by_target, by_tick};
use synfire_graphs::{Axis, PlainState, StateError, StateReader, StateWriter, Values};

/// Pads empty places in integer columns.
const NONE: u64 = u64::MAX;

impl<U: Update> PlainState for SuperSpikeEngine<U> {
    fn save(&self, out: &mut StateWriter) {
        let n = self.n_targets;
        let ticks = |v: &[f32]| v.len() / n.max(1);
        let (s_ticks, e_ticks) = (ticks(&self.sigma), ticks(&self.e));
        let width = self.pending.iter().map(|q| q.len()).max().unwrap_or(0).max(1);
        out.column("clock", Axis::Scalar, 5, Values::U64(vec![self.pos, self.next_step, s_ticks as u64, e_ticks as u64, width as u64]));
        out.f32("syn", Axis::Source, &self.syn);
        out.f32("psp", Axis::Source, &self.psp);
        let mut pending = vec![NONE; self.pending.len() * width];
        for (i, q) in self.pending.iter().enumerate() {
            for (k, &a) in q.iter().enumerate() {
                pending[i * width + k] = a;
            }
        }
        out.column("pending", Axis::Source, width, Values::U64(pending));
        for (name, v) in [("el", &self.el), ("el_flt", &self.el_flt), ("m", &self.m), ("v", &self.v)] {
            out.f32(name, Axis::Synapse, v);
        }
        out.f32("err", Axis::Neuron, &self.err);
        out.f32("err_flt", Axis::Neuron, &self.err_flt);
        out.column("sigma", Axis::Neuron, s_ticks.max(1), Values::F32(by_target(&self.sigma, n, s_ticks)));
        out.column("e", Axis::Neuron, e_ticks.max(1), Values::F32(by_target(&self.e, n, e_ticks)));
        out.group("update", |w| self.update.save(w));
    }

    fn restore(&mut self, input: &mut StateReader<'_>) -> Result<(), StateError> {
        let n = self.n_targets;
        let clock = input.values::<u64>("clock", Some(1), 5)?.1.to_vec();
        let (s_ticks, e_ticks, width) = (clock[2] as usize, clock[3] as usize, clock[4] as usize);
        let ns = self.pending.len();
        let syn = input.values::<f32>("syn", Some(ns), 1)?.1.to_vec();
        let psp = input.values::<f32>("psp", Some(ns), 1)?.1.to_vec();
        let pending = input.values::<u64>("pending", Some(ns), width.max(1))?.1;
        let pending = (0..ns).map(|i| pending[i * width..(i + 1) * width].iter().copied().filter(|&a| a != NONE).collect()).collect();
        let nk = self.m.len();
        let mut per_syn = |name: &str| -> Result<Vec<f32>, StateError> { Ok(input.values::<f32>(name, Some(nk), 1)?.1.to_vec()) };
        let (el, el_flt, m, v) = (per_syn("el")?, per_syn("el_flt")?, per_syn("m")?, per_syn("v")?);
        let err = input.values::<f32>("err", Some(n), 1)?.1.to_vec();
        let err_flt = input.values::<f32>("err_flt", Some(n), 1)?.1.to_vec();
        let sigma = by_tick(input.values::<f32>("sigma", Some(n), s_ticks.max(1))?.1, n, s_ticks);
        let e = by_tick(input.values::<f32>("e", Some(n), e_ticks.max(1))?.1, n, e_ticks);
        let mut update = self.update.clone();
        input.group("update", |r| update.restore(r))?;
        self.update = update;
        (self.pos, self.next_step) = (clock[0], clock[1]);
        (self.syn, self.psp, self.pending) = (syn, psp, pending);
        (self.el, self.el_flt, self.m, self.v) = (el, el_flt, m, v);
        (self.err, self.err_flt, self.sigma, self.e) = (err, err_flt, sigma, e);
        Ok(())
    }
}
