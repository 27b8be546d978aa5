//! Trials: what a training loop asks of the engine between runs.
//!
//! - [`Runtime::begin_trial`] starts a trial in chosen populations at the current
//!   tick: their neurons return to the initial state the graph defines (the same
//!   draws as when the runtime was built), input already on its way to them is
//!   dropped (the spikes and graded events in their receptors' ring buffers; learning
//!   signals, which belong to earlier ticks, still arrive), and the rules
//!   on projections into them that keep trial traces (e-prop's eligibility) start
//!   those from zero. Weights, optimiser state and everything else stay.
//! - [`Runtime::schedule_current`] plans a neuron's injected current tick by tick
//!   (a readout's target `y*`, a trial's input), for any future ticks.
//! - [`Runtime::inject_spikes`] (in `runtime.rs`) takes spikes at any future tick (a
//!   trial's frozen input pattern).
//!
//! - [`Runtime::set_learning`] stops or resumes learning in every plastic
//!   projection: evaluation trials without learning.
//!
//! All of them are deterministic: they act at ticks, never at wall-clock moments, and
//! every shard applies them alike.

use crate::error::RunError;
use crate::kernel::{KernelFactory, KernelInit};
use crate::runtime::Runtime;
use crate::shard::{Body, Shard};
use crate::worker::{Command, Reply};
use std::sync::Arc;
use synfire_graphs::{Graph, PopId, PopKind, Tick, Time};

impl Runtime {
    /// Starts a trial now in populations `pops` (see the module docs).
    pub fn begin_trial(&mut self, pops: &[PopId]) -> Result<(), RunError> {
        self.alive()?;
        let mut indices = Vec::with_capacity(pops.len());
        for &p in pops {
            if !self.graph.owns_pop(p) {
                return Err(RunError::BadHandle { what: "population", message: format!("population {} does not belong to this graph", p.index()) });
            }
            indices.push(p.index());
        }
        let (pops, now) = (Arc::new(indices), self.now);
        for reply in self.broadcast(|| Command::BeginTrial { pops: pops.clone(), now })? {
            if let Reply::Outcome(Err(e)) = reply {
                return Err(e);
            }
        }
        Ok(())
    }

    /// Stops (`on = false`) or resumes learning from now on, in every rule of the
    /// run: while it is off no rule changes a weight or accumulates anything a later
    /// change would use (gradients, optimiser state, eligibility), and spikes,
    /// readouts and probes run as usual with the weights as they are. Either every
    /// rule switches or none does: a rule that cannot keep that promise (one without
    /// a learning switch, or e-prop with a step pending that would act after now)
    /// makes this an [`RunError::Unsupported`] naming its projection, and nothing
    /// changes. The switch is state: checkpoints keep it.
    pub fn set_learning(&mut self, on: bool) -> Result<(), RunError> {
        self.alive()?;
        if on == self.learning {
            return Ok(());
        }
        let now = self.now;
        for apply in [false, true] {
            for reply in self.broadcast(|| Command::SwitchLearning { on, now, apply })? {
                if let Reply::Outcome(Err(e)) = reply {
                    return Err(e);
                }
            }
        }
        self.learning = on;
        Ok(())
    }

    /// Whether the rules learn ([`Runtime::set_learning`]; on when a run starts).
    pub fn learning(&self) -> bool {
        self.learning
    }

    /// Makes neurons of `pop` spike at the given times, now or later, in one
    /// command: [`Runtime::inject_spikes`] for a whole spike train (a trial's input
    /// pattern), `(time, index within pop)` in any order.
    pub fn inject_spike_train(&mut self, pop: PopId, spikes: &[(Time, u32)]) -> Result<(), RunError> {
        self.alive()?;
        if !self.graph.owns_pop(pop) {
            return Err(RunError::BadHandle { what: "population", message: format!("population {} does not belong to this graph", pop.index()) });
        }
        let size = self.graph.populations[pop.index()].size;
        let base = self.graph.offsets[pop.index()];
        let mut train = Vec::with_capacity(spikes.len());
        for &(at, i) in spikes {
            let tick = self.graph.ticks(at).0;
            if tick < self.now {
                return Err(RunError::BadInput { field: "spikes", message: format!("a spike at {at} lies before now ({})", self.now()) });
            }
            if u64::from(i) >= size {
                return Err(RunError::BadInput { field: "spikes", message: format!("neuron {i} is outside population of {size}") });
            }
            train.push(crate::transport::Spike { tick, gid: base + u64::from(i) });
        }
        train.sort_unstable();
        train.dedup();
        self.injected.extend_from_slice(&train);
        self.injected.sort_unstable();
        self.injected.dedup();
        let train = Arc::new(train);
        self.broadcast(|| Command::Inject(train.clone()))?;
        Ok(())
    }

    /// The samples state probe `probe` recorded since the start or the last call,
    /// which are forgotten (a training loop reads each trial's output without the
    /// record of every earlier trial growing in memory).
    pub fn take_state(&mut self, probe: synfire_graphs::Probe<synfire_graphs::probe_kind::State>) -> Result<crate::records::StateTrace, RunError> {
        self.alive()?;
        let synfire_graphs::ProbeKind::State { .. } = self.probe_kind(probe)? else {
            return Err(RunError::BadHandle { what: "probe", message: "not a state probe".into() });
        };
        let index = probe.index();
        let mut recs = Vec::new();
        for reply in self.broadcast(|| Command::TakeStates(index))? {
            if let Reply::States(r) = reply {
                recs.extend(r);
            }
        }
        let trace = self.state_from(index, &recs)?;
        if let Some(p) = self.prior.states.get_mut(index) {
            *p = None;
        }
        Ok(trace)
    }

    /// The spikes spike probe `probe` recorded since the start or the last call. The
    /// spike probes share one record, which is forgotten: afterwards every spike
    /// probe (and [`Runtime::spikes`]) starts from the spikes after this call. A
    /// training loop counts each trial's spikes this way without the record of every
    /// earlier trial growing in memory and in the time of reading it.
    pub fn take_spikes(&mut self, probe: synfire_graphs::Probe<synfire_graphs::probe_kind::Spikes>) -> Result<crate::records::SpikeList, RunError> {
        self.alive()?;
        let list = self.spikes(probe)?;
        // Each shard answers with the spikes it forgot (read above in canonical order).
        self.broadcast(|| Command::TakeSpikes)?;
        self.prior.spikes.clear();
        Ok(list)
    }

    /// Plans the injected current of neuron `index` of `pop`: `values[k]` during
    /// tick `from + k dt` (model's current unit); the last value holds afterwards, as
    /// with [`Runtime::set_current`]. `from` must not lie before now.
    pub fn schedule_current(&mut self, pop: PopId, index: u64, from: Time, values: &[f64]) -> Result<(), RunError> {
        self.alive()?;
        self.neuron_check(pop, index)?;
        let tick = self.graph.ticks(from).0;
        if tick < self.now {
            return Err(RunError::BadInput { field: "from", message: format!("{from} lies before now ({})", self.now()) });
        }
        if let Some(bad) = values.iter().find(|v| !v.is_finite()) {
            return Err(RunError::BadInput { field: "values", message: format!("{bad} is not finite") });
        }
        let values = Arc::new(values.iter().map(|&v| v as f32).collect::<Vec<f32>>());
        let pop = pop.index();
        self.broadcast(|| Command::PlanCurrent { pop, index, from: tick, values: values.clone() })?;
        Ok(())
    }
}

impl Shard {
    /// This shard's part of [`Runtime::set_learning`]: checks every rule, or (when
    /// `apply`, after every shard's rules accepted) switches them.
    pub(crate) fn switch_learning(&mut self, graph: &Graph, on: bool, now: u64, apply: bool) -> Result<(), RunError> {
        for inc in &mut self.incoming {
            let Some(rule) = inc.rule.as_mut() else { continue };
            if apply {
                rule.switch_learning(Tick(now), on);
            } else if let Err(why) = rule.can_switch_learning(Tick(now), on) {
                let proj = &graph.projections[inc.proj];
                return Err(RunError::Unsupported {
                    path: format!("projections[{}] {} (rule {})", inc.proj, proj.name, rule.name()),
                    message: format!("learning cannot be switched {} at tick {now}: {why}", if on { "on" } else { "off" }),
                });
            }
        }
        Ok(())
    }

    /// This shard's part of [`Runtime::begin_trial`] at tick `now`.
    pub(crate) fn begin_trial(&mut self, graph: &Graph, factory: &dyn KernelFactory, pops: &[usize], now: u64) -> Result<(), RunError> {
        let mut reset = vec![false; self.slices.len()];
        for (si, slice) in self.slices.iter_mut().enumerate() {
            if !pops.contains(&slice.pop) {
                continue;
            }
            reset[si] = true;
            if let (Body::Neurons(kernel), PopKind::Neurons(model)) = (&mut slice.body, &graph.populations[slice.pop].kind) {
                let def = &graph.populations[slice.pop];
                let init = KernelInit {
                    model,
                    pop_name: &def.name,
                    dt: graph.dt,
                    seed: graph.seed,
                    pop_offset: graph.offsets[slice.pop],
                    neurons: slice.start..slice.start + slice.len as u64,
                };
                let mut fresh = factory.build(&init)?;
                if kernel.threshold_distance().is_some() {
                    fresh.track_threshold();
                }
                *kernel = fresh;
            }
            // Input on its way in is dropped; learning signals are kept: they
            // belong to the ticks before the trial began, and rules still pair them.
            for ring in &mut slice.ring[..slice.receptors] {
                ring.fill(0.0);
            }
        }
        let pop_of_gid = |gid: u64| graph.offsets.partition_point(|&o| o <= gid).saturating_sub(1);
        for inc in &mut self.incoming {
            let ends = synfire_rules::TrialEnds { source: pops.contains(&pop_of_gid(inc.src_gid0)), target: reset[inc.slice] };
            if (ends.source || ends.target)
                && let Some(rule) = inc.rule.as_mut()
                && (rule.needs().per_tick || rule.needs().trials)
            {
                rule.begin_trial(Tick(now), ends);
            }
        }
        Ok(())
    }
}
