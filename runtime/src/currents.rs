//! Injected currents of one slice: the graph's current stimuli plus currents set
//! by the user between runs, summed into the `ext` array the kernel reads.
//!
//! The array is rebuilt only at ticks where some stimulus starts, steps or stops,
//! so a constant current costs nothing per tick beyond the kernel's read of it.

use synfire_graphs::rng::{Domain, stream};
use synfire_graphs::{CurrentDef, CurrentShape, Time};

/// One stimulus as it applies to a slice.
#[derive(Debug, Clone)]
struct Applied {
    /// Local indices in the slice.
    local: std::ops::Range<usize>,
    /// Per-neuron amplitudes for DC (index relative to `local.start`), empty for steps.
    dc: Vec<f32>,
    /// `(tick, amplitude)` steps.
    steps: Vec<(u64, f32)>,
    start: u64,
    stop: u64,
}

impl Applied {
    fn value(&self, t: u64, k: usize) -> f32 {
        if t < self.start || t >= self.stop {
            return 0.0;
        }
        if self.steps.is_empty() {
            return self.dc[k];
        }
        self.steps.iter().take_while(|(from, _)| *from <= t).last().map_or(0.0, |s| s.1)
    }
}

/// The currents of one slice.
#[derive(Debug, Clone, Default)]
pub(crate) struct Currents {
    applied: Vec<Applied>,
    /// Ticks at which the sum changes, increasing, with a cursor.
    changes: Vec<u64>,
    next: usize,
    /// Set by the user between runs (closed loop), per local neuron; empty if never set.
    user: Vec<f32>,
    /// Whether `ext` must be rebuilt before the next tick.
    dirty: bool,
    /// User currents planned for later ticks: `(tick, local neuron, value)`, sorted
    /// by tick then neuron; each becomes the neuron's user current from its tick on.
    planned: Vec<(u64, u32, f32)>,
}

impl Currents {
    /// The stimuli of `defs` that target population `pop`, restricted to the slice
    /// of population indices `range`.
    pub(crate) fn new(defs: &[CurrentDef], pop: usize, range: std::ops::Range<u64>, pop_gid0: u64, dt: Time, seed: u64) -> Currents {
        let mut applied = Vec::new();
        let mut changes = Vec::new();
        for (si, d) in defs.iter().enumerate().filter(|(_, d)| d.target == pop) {
            let (lo, hi) = d.neurons.as_ref().map_or((range.start, range.end), |r| (u64::from(r.start).max(range.start), u64::from(r.end).min(range.end)));
            if lo >= hi {
                continue;
            }
            let start = d.start.to_ticks(dt);
            let stop = d.stop.map_or(u64::MAX, |s| s.to_ticks(dt));
            let (dc, steps) = match &d.shape {
                CurrentShape::Dc { amplitude } => {
                    let first = d.neurons.as_ref().map_or(0, |r| u64::from(r.start));
                    let dc = (lo..hi)
                        .map(|i| {
                            let mut rng = stream(seed, Domain::Stimulus, pop_gid0 + i, (1 << 32) + si as u64);
                            amplitude.sample(&mut rng, (i - first) as usize).unwrap_or(0.0) as f32
                        })
                        .collect();
                    (dc, Vec::new())
                }
                CurrentShape::Steps { times, amplitudes } => (Vec::new(), times.iter().zip(amplitudes).map(|(t, a)| (t.to_ticks(dt), *a as f32)).collect()),
            };
            changes.push(start);
            if stop != u64::MAX {
                changes.push(stop);
            }
            changes.extend(steps.iter().map(|s: &(u64, f32)| s.0));
            applied.push(Applied { local: (lo - range.start) as usize..(hi - range.start) as usize, dc, steps, start, stop });
        }
        changes.sort_unstable();
        changes.dedup();
        Currents { applied, changes, next: 0, user: Vec::new(), dirty: false, planned: Vec::new() }
    }

    /// Whether the slice ever gets a current (else `ext` stays empty).
    pub(crate) fn is_empty(&self) -> bool {
        self.applied.is_empty() && self.user.is_empty() && self.planned.is_empty()
    }

    /// Plans user currents of local neuron `i`: `values[k]` from tick `from + k` on
    /// (the last value holds afterwards, as a set current does). Replaces what was
    /// planned for that neuron at those ticks.
    pub(crate) fn plan(&mut self, i: usize, from: u64, values: &[f32], len: usize) {
        if self.user.is_empty() {
            self.user = vec![0.0; len];
        }
        let end = from + values.len() as u64;
        self.planned.retain(|&(t, j, _)| !(j as usize == i && t >= from && t < end));
        self.planned.extend(values.iter().enumerate().map(|(k, &v)| (from + k as u64, i as u32, v)));
        self.planned.sort_by_key(|&(t, j, _)| (t, j));
    }

    /// Sets the user current of local neuron `i` (slice of `len` neurons).
    pub(crate) fn set_user(&mut self, i: usize, value: f32, len: usize) {
        if self.user.is_empty() {
            self.user = vec![0.0; len];
        }
        self.user[i] = value;
        self.dirty = true;
    }

    /// Saves the user currents (the stimuli come from the graph): `user` per neuron
    /// and `user_set` (whether this slice's user currents were ever set).
    pub(crate) fn save(&self, w: &mut synfire_graphs::StateWriter, len: usize) {
        let user = if self.user.is_empty() { vec![0.0; len] } else { self.user.clone() };
        w.group("currents", |g| {
            g.f32("user", synfire_graphs::Axis::Neuron, &user);
            // Per neuron, since only the owner's shard allocates user currents.
            g.u32("user_set", synfire_graphs::Axis::Neuron, &vec![u32::from(!self.user.is_empty()); len]);
            // Planned currents as entries by neuron, then tick.
            let mut by_neuron = self.planned.clone();
            by_neuron.sort_by_key(|&(t, j, _)| (j, t));
            let entries = synfire_graphs::Axis::Entries("planned_target".into());
            g.u32("planned_target", entries.clone(), &by_neuron.iter().map(|p| p.1).collect::<Vec<_>>());
            g.u64("planned_tick", entries.clone(), &by_neuron.iter().map(|p| p.0).collect::<Vec<_>>());
            g.f32("planned_value", entries, &by_neuron.iter().map(|p| p.2).collect::<Vec<_>>());
        });
    }

    /// Restores what [`Currents::save`] wrote; `ext` is rebuilt at the next tick.
    pub(crate) fn restore(&mut self, r: &mut synfire_graphs::StateReader<'_>, len: usize) -> Result<(), synfire_graphs::StateError> {
        r.group("currents", |g| {
            let mut user = vec![0.0; len];
            g.f32_into("user", &mut user)?;
            let mut set = vec![0u32; len];
            g.u32_into("user_set", &mut set)?;
            let target = g.values::<u32>("planned_target", None, 1)?.1.to_vec();
            let ticks = g.values::<u64>("planned_tick", Some(target.len()), 1)?.1.to_vec();
            let values = g.values::<f32>("planned_value", Some(target.len()), 1)?.1.to_vec();
            let mut planned: Vec<(u64, u32, f32)> = ticks.into_iter().zip(target).zip(values).map(|((t, j), v)| (t, j, v)).collect();
            planned.sort_by_key(|&(t, j, _)| (t, j));
            self.user = if set.iter().any(|&s| s != 0) || !planned.is_empty() { user } else { Vec::new() };
            self.planned = planned;
            self.next = 0;
            self.dirty = true;
            Ok(())
        })
    }

    /// Rebuilds `ext` if the currents change at tick `t`.
    pub(crate) fn update(&mut self, t: u64, ext: &mut Vec<f32>, len: usize) {
        let mut changed = self.dirty;
        let due = self.planned.partition_point(|p| p.0 <= t);
        if due > 0 {
            for &(_, j, v) in &self.planned[..due] {
                self.user[j as usize] = v;
            }
            self.planned.drain(..due);
            changed = true;
        }
        while self.next < self.changes.len() && self.changes[self.next] <= t {
            self.next += 1;
            changed = true;
        }
        if !changed {
            return;
        }
        self.dirty = false;
        ext.clear();
        if self.is_empty() {
            return;
        }
        ext.resize(len, 0.0);
        if !self.user.is_empty() {
            ext.copy_from_slice(&self.user);
        }
        for a in &self.applied {
            for (k, i) in a.local.clone().enumerate() {
                ext[i] += a.value(t, k);
            }
        }
    }
}
