//! Signal-gated Hebbian learning: a presynaptic trace times a per-neuron learning
//! signal, the shape of every three-factor rule with a per-neuron third factor
//! (e-prop's `L_j e_ij` with the eligibility reduced to the presynaptic trace;
//! Frémaux & Gerstner 2016).
//!
//! # Dynamics
//!
//! Per source `i`, a trace of arrivals (synaptic time: a spike emitted at `s` over a
//! delay `d` arrives at `s + d`), and per synapse `i -> j`, every tick `t`:
//!
//! ```text
//! x_i(t) = λ x_i(t-1) + A_i(t)          λ = exp(-dt / tau), A_i(t) = arrivals at t
//! w_ij  <- clip(w_ij + eta L_j(t) x_i(t))
//! ```
//!
//! `L_j(t)` is the per-neuron signal of slot 0 (input `"signal"`) for target `j` at
//! tick `t`, typically `sum_k B_jk a_k(t - d_B)` delivered by feedback projections
//! from another population (a readout's error); `None` reads as 0. All arithmetic is
//! f32 in this order. On a projection stored with negative weights the rule learns
//! magnitudes (bounds and `eta` apply to `|w|`, the sign is kept).
//!
//! # Parameters
//!
//! | name | unit | default | meaning |
//! |---|---|---|---|
//! | `eta` | weight | 1e-3 | learning rate (weight change per unit signal and trace) |
//! | `tau` | ms | 20 | presynaptic trace time constant |
//! | `w_min`, `w_max` | weight | none | hard bounds (either may be left out) |
//! | input `signal` | node | (required) | the per-neuron signal over the target population |
//!
//! The projection needs one delay for all synapses (a per-synapse delay is refused).
//!
//! # State
//!
//! Per source `x_i`, the tick its row is integrated up to, and its pending arrivals
//! (at most `d`: spikes emitted in the last `d` ticks). Per projection the signal of
//! every tick with a non-zero signal since the oldest row position (`n_targets`
//! floats each, at most a window of them after `advance`). Nothing per synapse
//! beyond the weight.
//!
//! # Events
//!
//! The weight a spike transmits must be the weight of its own tick, but the engine
//! delivers a window's spikes after integrating the whole window. So updates are
//! applied lazily, row by row, in tick order, exactly as the recurrence above:
//!
//! - `on_tick(t)`: records `L_j(t)` for every target (when any is non-zero).
//! - `on_pre(i, t)`: integrates row `i` through tick `t` (so it transmits `w(t)`),
//!   then queues the arrival at `t + d`; returns efficacy 1.
//! - `advance(now)`, `settle(now)`: integrate every row through `now - 1` and forget
//!   the signals no row needs. Results never depend on when they are called.
//! - `on_post`: nothing.

use crate::bounds::Bounds;
use crate::error::RuleError;
use crate::params::{Checks, Reader, Writer};
use crate::plasticity::{Needs, Plasticity, ProjectionInfo};
use crate::synapses::{Context, Synapses};
use std::collections::VecDeque;
use std::ops::RangeInclusive;
use synfire_graphs::{Axis, DelayTicks, PlainState, PlasticityRule, RuleProblem, RuleSpec, StateError, StateReader, StateWriter, Tick, Time, UnitExt, Values};

/// Catalogue name.
pub const NAME: &str = "signal_hebb";

/// The rule's one input, slot 0 of its third factors.
pub(crate) const INPUT: &str = "signal";

/// Marks an empty place in the saved pending arrivals.
const NONE: u64 = u64::MAX;

/// Parameters of signal-gated Hebbian learning.
#[derive(Debug, Clone, PartialEq)]
pub struct SignalHebb {
    /// Learning rate, in the projection's weight unit.
    pub eta: f64,
    /// Presynaptic trace time constant.
    pub tau: Time,
    /// Hard bounds.
    pub bounds: Bounds,
    /// The per-neuron signal node bound to the input `"signal"` (required).
    pub signal: Option<String>,
}

impl SignalHebb {
    /// `eta = 1e-3`, `tau = 20 ms`, unbounded; bind a signal with [`SignalHebb::signal`].
    #[allow(clippy::new_without_default)] // no default signal: a rule without one never learns
    pub fn new() -> SignalHebb {
        SignalHebb { eta: 1e-3, tau: 20.0.ms(), bounds: Bounds::NONE, signal: None }
    }
    /// Sets the learning rate.
    pub fn eta(mut self, eta: f64) -> Self {
        self.eta = eta;
        self
    }
    /// Sets the trace time constant.
    pub fn tau(mut self, t: Time) -> Self {
        self.tau = t;
        self
    }
    /// Clips weights to `range`.
    pub fn bounds(mut self, range: RangeInclusive<f64>) -> Self {
        self.bounds = Bounds::hard(range);
        self
    }
    /// Binds the input `"signal"` to the per-neuron signal `node` over the target
    /// population (see `Network::learning_signal`).
    pub fn signal(mut self, node: &str) -> Self {
        self.signal = Some(node.to_string());
        self
    }

    /// Reads a spec of this rule.
    pub fn from_spec(spec: &RuleSpec) -> Result<Self, Vec<RuleProblem>> {
        let d = SignalHebb::new();
        let mut r = Reader::new(spec);
        let p = SignalHebb {
            eta: r.number("eta", d.eta),
            tau: r.time("tau", d.tau),
            bounds: Bounds::read_hard(&mut r, d.bounds),
            signal: spec.inputs.get(INPUT).cloned(),
        };
        r.result(p)
    }

    /// The running rule for one projection in one shard (parameters checked first).
    pub fn build(&self, info: &ProjectionInfo) -> Result<SignalHebbRule, RuleError> {
        let problems = self.check();
        if !problems.is_empty() {
            return Err(RuleError::Invalid { rule: NAME.into(), problems });
        }
        let DelayTicks::Const(d) = info.delay else {
            return Err(RuleError::Projection { rule: NAME.into(), message: "needs one delay for every synapse of the projection".into() });
        };
        let bounds = crate::catalog::scale_bounds(self.bounds, info.weight_scale);
        Ok(SignalHebbRule {
            decay: (-info.dt.0 / self.tau.0).exp() as f32,
            eta: (self.eta * info.weight_scale) as f32,
            min: bounds.min as f32,
            max: bounds.max as f32,
            sign: if info.negative { -1.0 } else { 1.0 },
            delay: u64::from(d),
            n_targets: info.n_targets,
            x: vec![0.0; info.n_sources],
            pos: vec![0; info.n_sources],
            pending: vec![VecDeque::new(); info.n_sources],
            log: VecDeque::new(),
        })
    }
}

impl PlasticityRule for SignalHebb {
    fn to_spec(&self) -> RuleSpec {
        let w = Writer::new(NAME).number("eta", self.eta).quantity("tau", self.tau);
        let mut spec = self.bounds.write(w).done();
        if let Some(node) = &self.signal {
            spec.inputs.insert(INPUT.into(), node.clone());
        }
        spec
    }

    fn check(&self) -> Vec<RuleProblem> {
        let mut c = Checks::default();
        c.finite("eta", self.eta);
        c.positive_time("tau", self.tau);
        self.bounds.check(&mut c, false);
        if self.signal.is_none() {
            let why = "signal-gated learning needs its input `signal` bound to a per-neuron signal over the target population (`.signal(\"L\")`); unbound it would never learn";
            c.problems.push(crate::error::problem("inputs.signal", why));
        }
        c.problems
    }
}

/// The running rule.
#[derive(Debug, Clone)]
pub struct SignalHebbRule {
    decay: f32,
    eta: f32,
    min: f32,
    max: f32,
    sign: f32,
    delay: u64,
    n_targets: usize,
    /// Per source: the trace after the last tick its row is integrated through.
    x: Vec<f32>,
    /// Per source: the first tick its row has not integrated.
    pos: Vec<u64>,
    /// Per source: arrival ticks not integrated yet, increasing.
    pending: Vec<VecDeque<u64>>,
    /// `(tick, L per target)` for the ticks with a non-zero signal, increasing.
    log: VecDeque<(u64, Vec<f32>)>,
}

impl SignalHebbRule {
    /// Integrates row `i` through tick `until - 1`.
    fn integrate(&mut self, i: usize, until: u64, syn: &mut Synapses<'_>) {
        let from = self.pos[i];
        if until <= from {
            return;
        }
        let (mut x, q) = (self.x[i], &mut self.pending[i]);
        let row = syn.row(i);
        // The first logged tick at or after `from`.
        let mut li = self.log.partition_point(|(s, _)| *s < from);
        for s in from..until {
            x *= self.decay;
            while q.front() == Some(&s) {
                q.pop_front();
                x += 1.0;
            }
            if let Some((ls, l)) = self.log.get(li)
                && *ls == s
            {
                li += 1;
                if x != 0.0 {
                    for k in row.clone() {
                        let lj = l[syn.targets[k] as usize];
                        if lj != 0.0 {
                            let m = self.sign * syn.weights[k] + self.eta * lj * x;
                            syn.weights[k] = self.sign * m.clamp(self.min, self.max);
                        }
                    }
                }
            }
        }
        (self.x[i], self.pos[i]) = (x, until);
    }

    /// Integrates every row through `now - 1` and drops the signals before `now`.
    fn catch_up(&mut self, now: u64, syn: &mut Synapses<'_>) {
        for i in 0..self.x.len() {
            self.integrate(i, now, syn);
        }
        while self.log.front().is_some_and(|(s, _)| *s < now) {
            self.log.pop_front();
        }
    }
}

impl Plasticity for SignalHebbRule {
    fn name(&self) -> &str {
        NAME
    }

    fn needs(&self) -> Needs {
        Needs { per_tick: true, ..Needs::default() }
    }

    fn on_post(&mut self, _target: u32, _t: Tick) {}

    fn on_pre(&mut self, source: u32, t: Tick, syn: &mut Synapses<'_>, _ctx: &Context<'_>) -> f32 {
        let i = source as usize;
        if i < self.x.len() {
            self.integrate(i, t.0 + 1, syn);
            self.pending[i].push_back(t.0 + self.delay);
        }
        1.0
    }

    fn advance(&mut self, now: Tick, syn: &mut Synapses<'_>, _ctx: &Context<'_>) {
        self.catch_up(now.0, syn);
    }

    fn settle(&mut self, now: Tick, syn: &mut Synapses<'_>, _ctx: &Context<'_>) {
        self.catch_up(now.0, syn);
    }

    fn on_tick(&mut self, t: Tick, _syn: &mut Synapses<'_>, ctx: &Context<'_>) {
        let l: Vec<f32> = (0..self.n_targets).map(|j| ctx.third.per_neuron(0, j as u32, t).unwrap_or(0.0) as f32).collect();
        if l.iter().any(|&v| v != 0.0) {
            self.log.push_back((t.0, l));
        }
    }

    fn inputs(&self) -> &'static [&'static str] {
        &[INPUT]
    }

    fn bytes_per_synapse(&self) -> usize {
        0
    }

    fn memory_bytes(&self) -> usize {
        self.x.len() * 12 + self.pending.iter().map(|q| q.capacity() * 8 + 32).sum::<usize>() + self.log.iter().map(|(_, l)| 8 + l.len() * 4).sum::<usize>()
    }
}

/// Columns `x` and `pos` ([`Axis::Source`], f32 and u64) and `pending`
/// ([`Axis::Source`], u64, width the delay: the arrival ticks still to come, then
/// `u64::MAX`). Saved after `settle(now)`, when every row is at `now` and no signal is
/// logged.
impl PlainState for SignalHebbRule {
    fn save(&self, out: &mut StateWriter) {
        out.f32("x", Axis::Source, &self.x);
        out.u64("pos", Axis::Source, &self.pos);
        let w = self.delay.max(1) as usize;
        let mut pending = vec![NONE; self.x.len() * w];
        for (i, q) in self.pending.iter().enumerate() {
            for (k, &a) in q.iter().take(w).enumerate() {
                pending[i * w + k] = a;
            }
        }
        out.column("pending", Axis::Source, w, Values::U64(pending));
    }

    fn restore(&mut self, input: &mut StateReader<'_>) -> Result<(), StateError> {
        let n = self.x.len();
        let w = self.delay.max(1) as usize;
        let x = input.values::<f32>("x", Some(n), 1)?.1.to_vec();
        let pos = input.values::<u64>("pos", Some(n), 1)?.1.to_vec();
        let pending = input.values::<u64>("pending", Some(n), w)?.1;
        self.pending = (0..n).map(|i| pending[i * w..(i + 1) * w].iter().copied().filter(|&a| a != NONE).collect()).collect();
        (self.x, self.pos) = (x, pos);
        self.log.clear();
        Ok(())
    }
}
