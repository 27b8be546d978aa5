//! Scalar modulators (graph third-factor nodes) as the rules of a shard see them.
//!
//! A modulator's value is a step function of the tick: it starts at the node's
//! initial value, takes each step of its schedule at its tick, and changes when
//! [`Runtime::set_modulator`](crate::Runtime::set_modulator) is called between runs,
//! from the next tick to be integrated on (replacing the schedule's later steps). A
//! modulator computed from a population's activity gets one step per tick, at
//! delivery (phase 5 of the window): every shard sees every event of the window, so
//! each computes the same values, in canonical order, without a message of its own.
//! Every shard holds the same steps, so the value at a tick does not depend on the
//! worker count or the window length. Rules read values of past ticks too (a
//! presynaptic event is delivered up to one window late), so steps are kept back to
//! the last window boundary, not just the latest value.

use crate::transport::{Graded, Spike};
use synfire_graphs::{Graph, ModulatorKind, Tick};
use synfire_rules::ThirdFactors;

/// What a checkpoint keeps of the modulators (the same on every shard).
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub(crate) struct ModulatorState {
    /// Per modulator: its value steps `(from tick, value)` still in use.
    pub steps: Vec<Vec<(u64, f64)>>,
    /// Per modulator: the leaky average of a computed one (0 otherwise).
    pub averages: Vec<f64>,
}

/// The leaky average behind a computed modulator (see [`synfire_graphs::Activity`]).
#[derive(Debug, Clone, PartialEq)]
struct Average {
    /// Global ids of the population.
    gids: std::ops::Range<u64>,
    /// `exp(-dt / tau)`.
    decay: f64,
    /// Turns a tick's count or sum into `x = count / denom`: `N dt` (Hz), or `N`.
    denom: f64,
    gain: f64,
    offset: f64,
    delay: u64,
}

/// Every scalar modulator's steps `(from tick, value)`, increasing in tick, and the
/// averages of the computed ones.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Modulators {
    pub steps: Vec<Vec<(u64, f64)>>,
    /// The leaky average `a` of each computed modulator (0 for the others): state.
    pub averages: Vec<f64>,
    computed: Vec<Option<Average>>,
}

impl Modulators {
    pub(crate) fn new(graph: &Graph) -> Self {
        let steps = graph.modulators.iter().map(|m| vec![(0, m.initial)]).collect();
        let computed = graph
            .modulators
            .iter()
            .map(|m| {
                m.activity.map(|a| {
                    let n = graph.populations[a.pop].size.max(1) as f64;
                    let graded = graph.graded(a.pop);
                    Average {
                        gids: graph.gid_range(a.pop),
                        decay: (-graph.dt.0 / a.tau.0).exp(),
                        denom: if graded { n } else { n * graph.dt.0 * 1e-3 },
                        gain: a.gain,
                        offset: a.offset,
                        delay: a.delay.to_ticks(graph.dt).max(1),
                    }
                })
            })
            .collect();
        let mut mods = Modulators { steps, averages: vec![0.0; graph.modulators.len()], computed };
        for (m, def) in graph.modulators.iter().enumerate() {
            for &(t, v) in &def.schedule {
                mods.set(m, t.to_ticks(graph.dt), v);
            }
        }
        mods
    }

    /// The state a checkpoint keeps.
    pub(crate) fn state(&self) -> ModulatorState {
        ModulatorState { steps: self.steps.clone(), averages: self.averages.clone() }
    }

    /// Restores a saved state, checking its shape against the graph's modulators.
    pub(crate) fn restore(&mut self, st: ModulatorState) -> Result<(), String> {
        let n = self.steps.len();
        if st.steps.len() != n || st.averages.len() != n {
            return Err(format!("{} steps and {} averages saved for {n} modulators in the graph", st.steps.len(), st.averages.len()));
        }
        if let Some(m) = st.steps.iter().position(|s| s.is_empty() || s.windows(2).any(|w| w[0].0 >= w[1].0)) {
            return Err(format!("modulator {m}: steps empty or not increasing"));
        }
        (self.steps, self.averages) = (st.steps, st.averages);
        Ok(())
    }

    /// Whether any modulator is computed from activity.
    pub(crate) fn any_computed(&self) -> bool {
        self.computed.iter().any(Option::is_some)
    }

    /// Phase 5: the computed modulators take the activity of ticks `start..end` (the
    /// window's events of every shard, in canonical order) and add their steps at
    /// `tick + delay`, which is at or after `end` because a window is no longer than
    /// the delay.
    pub(crate) fn observe(&mut self, start: u64, end: u64, spikes: &[Spike], graded: &[Graded]) {
        for (m, avg) in self.computed.iter().enumerate() {
            let Some(avg) = avg else { continue };
            let (mut i, mut j) = (0, 0);
            for t in start..end {
                let mut x = 0.0f64;
                while i < spikes.len() && spikes[i].tick <= t {
                    if spikes[i].tick == t && avg.gids.contains(&spikes[i].gid) {
                        x += 1.0;
                    }
                    i += 1;
                }
                while j < graded.len() && graded[j].tick <= t {
                    if graded[j].tick == t && avg.gids.contains(&graded[j].gid) {
                        x += f64::from(graded[j].value);
                    }
                    j += 1;
                }
                let a = avg.decay * self.averages[m] + (1.0 - avg.decay) * (x / avg.denom);
                self.averages[m] = a;
                self.steps[m].push((t + avg.delay, avg.offset + avg.gain * a));
            }
        }
    }

    /// Forgets the steps no rule can read any more: every read after the window
    /// boundary `now` is for a tick at or after `now`.
    pub(crate) fn prune(&mut self, now: u64) {
        for s in &mut self.steps {
            let k = s.partition_point(|&(from, _)| from <= now);
            if k > 1 {
                s.drain(..k - 1);
            }
        }
    }

    /// Sets modulator `m` to `value` from tick `from` on.
    pub(crate) fn set(&mut self, m: usize, from: u64, value: f64) {
        if let Some(s) = self.steps.get_mut(m) {
            s.retain(|&(t, _)| t < from);
            s.push((from, value));
        }
    }

    /// The value of modulator `m` during tick `t`.
    pub(crate) fn at(&self, m: usize, t: u64) -> Option<f64> {
        let s = self.steps.get(m)?;
        let k = s.partition_point(|&(from, _)| from <= t);
        Some(if k == 0 { 0.0 } else { s[k - 1].1 })
    }
}

/// What one input slot of a rule reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Slot {
    /// Scalar modulator `m`.
    Scalar(usize),
    /// The per-neuron signal held in ring `r` of the target slice (after the
    /// model's receptors, one ring per signal over the population).
    Signal(usize),
}

/// The node bound to each input slot of one projection's rule: slot `s` reads
/// `spec.inputs[rule.inputs()[s]]`, a scalar modulator or a per-neuron signal over
/// the projection's target.
pub(crate) fn bind(graph: &Graph, proj: usize, inputs: &[&str]) -> Result<Vec<Slot>, String> {
    let p = &graph.projections[proj];
    let spec = p.conn.rule.as_ref();
    inputs
        .iter()
        .map(|name| {
            let node = spec.and_then(|s| s.inputs.get(*name)).ok_or_else(|| format!("the rule's input `{name}` is not bound to a modulator"))?;
            let m = graph.modulators.iter().position(|m| &m.name == node).ok_or_else(|| format!("input `{name}`: no modulator is called `{node}`"))?;
            match graph.modulators[m].kind {
                ModulatorKind::Scalar => Ok(Slot::Scalar(m)),
                ModulatorKind::PerNeuron { pop } if pop == p.target => {
                    graph.signal_ring(m).map(Slot::Signal).ok_or_else(|| format!("input `{name}`: `{node}` has no ring"))
                }
                ModulatorKind::PerNeuron { .. } => Err(format!("input `{name}`: `{node}` is a signal over another population")),
            }
        })
        .collect()
}

/// The per-neuron signals of one slice during the per-tick phase of tick `tick`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Signals<'a> {
    /// The slice's rings (receptors first, then signals).
    pub rings: &'a [Vec<f32>],
    /// Neurons of the slice.
    pub len: usize,
    /// Ring slot of `tick`.
    pub slot: usize,
    pub tick: u64,
}

/// What a rule reads through [`synfire_rules::Context::third`].
#[derive(Debug, Clone, Copy)]
pub(crate) struct Bound<'a> {
    pub mods: &'a Modulators,
    pub slots: &'a [Slot],
    /// Set only while per-tick rules run: per-neuron signals are read in `on_tick`
    /// of the tick they arrive at, and consumed after it.
    pub signals: Option<Signals<'a>>,
}

impl<'a> Bound<'a> {
    /// Scalar modulators only (every phase but per-tick rules).
    pub(crate) fn scalars(mods: &'a Modulators, slots: &'a [Slot]) -> Self {
        Bound { mods, slots, signals: None }
    }

    /// The context a rule call gets: these third factors, no neuron state.
    pub(crate) fn ctx(&self) -> synfire_rules::Context<'_> {
        synfire_rules::Context { third: self, post: synfire_rules::Post::default() }
    }

    /// The context of a per-tick rule that reads its targets' state.
    pub(crate) fn ctx_with<'b>(&'b self, post: synfire_rules::Post<'b>) -> synfire_rules::Context<'b> {
        synfire_rules::Context { third: self, post }
    }
}

impl ThirdFactors for Bound<'_> {
    fn scalar(&self, slot: usize, t: Tick) -> Option<f64> {
        match *self.slots.get(slot)? {
            Slot::Scalar(m) => self.mods.at(m, t.0),
            Slot::Signal(_) => None,
        }
    }

    fn per_neuron(&self, slot: usize, target: u32, t: Tick) -> Option<f64> {
        let (Slot::Signal(r), Some(s)) = (*self.slots.get(slot)?, self.signals) else { return None };
        if s.tick != t.0 || target as usize >= s.len {
            return None;
        }
        Some(f64::from(s.rings.get(r)?[s.slot * s.len + target as usize]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_value_holds_from_its_tick_until_the_next_step() {
        let mut m = Modulators { steps: vec![vec![(0, 0.5)]], ..Modulators::default() };
        m.set(0, 10, -1.0);
        m.set(0, 20, 2.0);
        assert_eq!([m.at(0, 0), m.at(0, 9), m.at(0, 10), m.at(0, 19), m.at(0, 25)], [Some(0.5), Some(0.5), Some(-1.0), Some(-1.0), Some(2.0)]);
        // Setting again at the same tick replaces the step.
        m.set(0, 20, 3.0);
        assert_eq!(m.at(0, 20), Some(3.0));
        assert_eq!(m.at(1, 0), None);
    }
}
