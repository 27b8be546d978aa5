//! A shard's state as tables, for checkpoints: what each slice and each plastic
//! projection holds, in the shard's own indexing (merged into global tables by the
//! coordinator, see `checkpoint::layout_map`).
//!
//! | part | columns |
//! |---|---|
//! | neuron slice | `kernel.*` (the kernel's own columns), `ring<r>` (input waiting for ticks `now .. now + max_delay`, width `max_delay`, per receptor `r`), `currents.user` + `currents.user_set` |
//! | source slice | none (sources draw from counter-based streams keyed by gid and tick) |
//! | plastic projection | `weights` (per synapse), `rule.*` (the rule's own columns) |
//! | static projection | none (its weights are regenerated from the seed) |
//!
//! Saved at a window boundary after delivery and `settle`: no spike is in flight,
//! every weight holds every event before `now`.

use crate::checkpoint::CheckpointError;
use crate::checkpoint::layout_map::Shape;
use crate::records::Counters;
use crate::shard::{Body, Shard};
use synfire_graphs::{Axis, StateError, StateReader, StateTable, StateWriter, Values};

/// `(population or projection index, shape)` of every part a shard owns.
pub(crate) type Parts = Vec<(usize, Shape)>;

/// One shard's state.
#[derive(Debug, Default)]
pub(crate) struct ShardState {
    /// `(population, shape, table)` of every neuron slice.
    pub pops: Vec<(usize, Shape, StateTable)>,
    /// `(projection, shape, table)` of every plastic projection.
    pub projs: Vec<(usize, Shape, StateTable)>,
    pub counters: Counters,
    /// The modulators' state (the same on every shard).
    pub modulators: crate::modulators::ModulatorState,
}

fn state_err(what: String, e: impl std::fmt::Display) -> CheckpointError {
    CheckpointError::State { what, message: e.to_string() }
}

impl Shard {
    /// The shape of every part this shard owns: `(populations, plastic projections)`.
    pub(crate) fn shapes(&self) -> (Parts, Parts) {
        let pops = self
            .slices
            .iter()
            .filter(|s| matches!(s.body, Body::Neurons(_)))
            .map(|s| (s.pop, Shape { first: s.start, len: s.len as u64, offsets: Vec::new() }))
            .collect();
        let projs = self
            .incoming
            .iter()
            .filter(|inc| inc.rule.is_some())
            .map(|inc| {
                let s = &self.slices[inc.slice];
                (inc.proj, Shape { first: s.start, len: s.len as u64, offsets: inc.csr.offsets.clone() })
            })
            .collect();
        (pops, projs)
    }

    /// Saves every slice and plastic projection at window boundary `now`
    /// (settling the rules first).
    pub(crate) fn save_state(&mut self, now: u64, max_delay: u64) -> ShardState {
        self.settle(now);
        let (pop_shapes, proj_shapes) = self.shapes();
        let mut out = ShardState { counters: self.counters, modulators: self.modulators.state(), ..ShardState::default() };
        let mask = self.mask;
        for ((pop, shape), slice) in pop_shapes.into_iter().zip(self.slices.iter().filter(|s| matches!(s.body, Body::Neurons(_)))) {
            let mut w = StateWriter::new();
            if let Body::Neurons(k) = &slice.body {
                w.group("kernel", |g| k.save(g));
            }
            let (len, width) = (slice.len, max_delay as usize);
            for (r, ring) in slice.ring.iter().enumerate() {
                let mut v = vec![0.0f32; len * width];
                for k in 0..width {
                    let slot = ((now + k as u64) & mask) as usize;
                    for i in 0..len {
                        v[i * width + k] = ring[slot * len + i];
                    }
                }
                w.column(&format!("ring{r}"), Axis::Neuron, width, Values::F32(v));
            }
            slice.currents.save(&mut w, len);
            out.pops.push((pop, shape, w.finish()));
        }
        for ((proj, shape), inc) in proj_shapes.into_iter().zip(self.incoming.iter().filter(|inc| inc.rule.is_some())) {
            let mut w = StateWriter::new();
            w.f32("weights", Axis::Synapse, &inc.csr.weights);
            if let Some(rule) = &inc.rule {
                w.group("rule", |g| rule.save(g));
            }
            out.projs.push((proj, shape, w.finish()));
        }
        out
    }

    /// Restores the tables [`Shard::save_state`] wrote (split for this shard's layout)
    /// at window boundary `now`. `pops[k]` and `projs[k]` follow [`Shard::shapes`].
    pub(crate) fn restore_state(
        &mut self,
        now: u64,
        max_delay: u64,
        pops: &[StateTable],
        projs: &[StateTable],
        counters: Counters,
        modulators: crate::modulators::ModulatorState,
    ) -> Result<(), CheckpointError> {
        self.modulators.restore(modulators).map_err(|e| state_err("modulators".into(), e))?;
        let mask = self.mask;
        let neurons = self.slices.iter_mut().filter(|s| matches!(s.body, Body::Neurons(_)));
        for (slice, table) in neurons.zip(pops) {
            let mut r = StateReader::new(table);
            let (len, width) = (slice.len, max_delay as usize);
            let restore = || -> Result<(), StateError> {
                if let Body::Neurons(k) = &mut slice.body {
                    r.group("kernel", |g| k.restore(g))?;
                }
                for (ri, ring) in slice.ring.iter_mut().enumerate() {
                    let (_, v) = r.values::<f32>(&format!("ring{ri}"), Some(len), width)?;
                    ring.iter_mut().for_each(|x| *x = 0.0);
                    for k in 0..width {
                        let slot = ((now + k as u64) & mask) as usize;
                        for i in 0..len {
                            ring[slot * len + i] = v[i * width + k];
                        }
                    }
                }
                slice.currents.restore(&mut r, len)?;
                r.finish()
            };
            restore().map_err(|e| state_err(format!("populations[{}]", slice.pop), e))?;
        }
        for (inc, table) in self.incoming.iter_mut().filter(|inc| inc.rule.is_some()).zip(projs) {
            let mut r = StateReader::new(table);
            let restore = || -> Result<(), StateError> {
                r.f32_into("weights", &mut inc.csr.weights)?;
                if let Some(rule) = inc.rule.as_mut() {
                    r.group("rule", |g| rule.restore(g))?;
                }
                r.finish()
            };
            restore().map_err(|e| state_err(format!("projections[{}]", inc.proj), e))?;
        }
        self.counters = counters;
        Ok(())
    }
}
