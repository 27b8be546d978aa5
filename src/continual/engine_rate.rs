//! The unit-level learner of spec 10.1 in the engine, rate abstraction: a graded
//! unit `p = sigmoid(w·x)` whose input synapses learn by the delta rule
//! (`synfire_rules::Delta`, signal-gated learning on the error `y* - p`) behind one
//! of the metaplastic wrappers, on the runtime's worker threads.
//!
//! # Network (dt = 1 ms, every delay one tick, every unit instantaneous)
//!
//! ```text
//! X (N graded inputs) --w, delta rule--> O (rate_sigmoid): p(t) = sigmoid(Σ w X(t-1))
//! O --1--> G (rate_linear gate): G(t) = max(0, O(t-1) + gate(t))
//! T (rate_linear target) --+1--> E over O;  G --(-1)--> E over O
//! ```
//!
//! `X_j` outputs the centred pattern `x_j - 0.2`: an affine rate unit
//! (`rate_affine`, output of either sign) driven by its injected current (`tau` -> 0
//! makes every unit follow its input within the tick). The gate is open (0) in one tick per
//! presentation and closed (-10, so `G = 0`) otherwise, and the target `T` carries
//! `y*` in that tick only, so the error signal `E = T - G` is non-zero once per
//! presentation: one update per presentation, as in the protocol. The rule's trace
//! has `tau` -> 0, so it is the presynaptic value arriving in that tick.
//!
//! A presentation of pattern `μ` from tick `s` (`K = 4` ticks):
//!
//! ```text
//! s      X = x^μ (held for K ticks), sent with w as of s
//! s + 1  O = sigmoid(w·x^μ)
//! s + 2  G = O(s + 1) (gate open), T = y*
//! s + 3  E = y* - p reaches the rule: w += eta E x^μ through the wrapper
//! ```
//!
//! Evaluation presents every pattern for one tick, gate closed, and reads `p` from
//! a state probe on `O` one tick later (`p > 0.5` means label 1). Phases are padded
//! to whole presentations so that a Benna–Fusi clock of `K` ticks steps once per
//! update. SI consolidates at the rising edge of the scalar modulator
//! `consolidate`, raised for one presentation at each task switch.

use super::rate::{Protocol, TaskData};
use super::{ContinualError, Variant};
use synfire_graphs::dist::array;
use synfire_graphs::{Graph, ModId, PopId, Probe, ProjId, RuleSpec, probe_kind};
use synfire_graphs::{PlasticityRule, prelude::*};
use synfire_rules::{BennaFusi, Delta, Metaplastic, SynapticIntelligence};
use synfire_runtime::{RunError, Runtime};

/// Ticks per presentation.
pub const K: u64 = 4;
/// Tick of a presentation at which the gate is open and the target is given.
const OPEN: u64 = 2;
/// The closed gate's current (any `p <= 1` stays below threshold).
const CLOSED: f64 = -10.0;
/// A time constant short enough that a unit (or the rule's trace) holds only the
/// value of its own tick: `exp(-dt/tau)` is 0 in f32.
const INSTANT_MS: f64 = 1e-3;

/// The network of one variant.
#[derive(Debug)]
pub struct RateNet {
    /// The frozen graph.
    pub graph: Graph,
    x: PopId,
    g: PopId,
    t: PopId,
    /// The learning projection `X -> O`.
    pub plastic: ProjId,
    out: Probe<probe_kind::State>,
    consolidate: ModId,
}

/// The delta rule behind `variant`, in the DSL (`Delta::new()...metaplastic(m)`).
pub fn rule(variant: Variant, eta: f64) -> RuleSpec {
    let delta = Delta::new().eta(eta).tau(INSTANT_MS.ms()).error("E");
    match variant {
        Variant::Metaplastic { m } => delta.metaplastic(m).to_spec(),
        Variant::Si { c, xi } => delta.synaptic_intelligence(SynapticIntelligence::new(c).xi(xi).eta(eta).consolidate_on("consolidate")).to_spec(),
        Variant::BennaFusi { m } => delta.benna_fusi(BennaFusi::geometric(m).clock((K as f64).ms())).to_spec(),
        _ => delta.to_spec(),
    }
}

/// The network of spec 10.1's rate form for `variant`, initial weights `w0`.
pub fn network(p: &Protocol, variant: Variant, w0: &[f64], seed: u64) -> Result<RateNet, ContinualError> {
    let instant = INSTANT_MS.ms();
    let tick = 1.0.ms();
    let mut net = Network::new().dt(tick).seed(seed);
    let x = net.population("X", p.inputs as u64, RateUnit::affine().set("tau", instant));
    let o = net.population("O", 1, RateUnit::sigmoid().set("tau", instant));
    let g = net.population("G", 1, RateUnit::linear().set("tau", instant));
    let t = net.population("T", 1, RateUnit::linear().set("tau", instant));
    let consolidate = net.modulator("consolidate", 0.0);
    net.learning_signal("E", o);
    net.connect(t, o, Conn::one_to_one().weight(1.0.one()).delay(tick).into_signal("E"));
    net.connect(g, o, Conn::one_to_one().weight((-1.0).one()).delay(tick).into_signal("E"));
    net.connect(o, g, Conn::one_to_one().weight(1.0.one()).delay(tick));
    let weights = array(w0.iter().map(|&w| w.one()));
    let plastic = net.connect(x, o, Conn::all_to_all().weight(weights).delay(tick).plastic(rule(variant, p.eta)));
    let out = net.record_state(o, "r", [0], tick);
    let graph = net.freeze_with(&synfire_rules::Catalog).map_err(|e| ContinualError::Variant { variant: variant.label(), why: e.to_string() })?;
    Ok(RateNet { graph, x, g, t, plastic, out, consolidate })
}

/// A running rate learner: the network on a runtime.
#[derive(Debug)]
pub struct EngineLearner {
    net: RateNet,
    sim: Runtime,
    variant: Variant,
    /// The unit's mean output over the last evaluation.
    mean_output: f64,
}

impl EngineLearner {
    /// The learner for `variant` with initial weights `w0`, on `workers` workers.
    pub fn new(p: &Protocol, variant: Variant, w0: &[f64], seed: u64, workers: usize) -> Result<EngineLearner, ContinualError> {
        let net = network(p, variant, w0, seed)?;
        let sim = Runtime::builder().workers(workers).build(&net.graph).map_err(|e| run(variant, e))?;
        Ok(EngineLearner { net, sim, variant, mean_output: f64::NAN })
    }

    /// A learner resumed from `sim` (a restored checkpoint of `net`).
    pub fn resume(net: RateNet, sim: Runtime, variant: Variant) -> EngineLearner {
        EngineLearner { net, sim, variant, mean_output: f64::NAN }
    }

    /// The network.
    pub fn net(&self) -> &RateNet {
        &self.net
    }

    /// The runtime (for checkpoints).
    pub fn runtime(&mut self) -> &mut Runtime {
        &mut self.sim
    }

    /// Plans the inputs, gate and target for `ticks` ticks from now, presenting
    /// `pats[i]` (pattern, label) for `per` ticks each; `open`: the gate opens in
    /// tick `OPEN` of each presentation.
    fn plan(&mut self, pats: &[(&[f64], f64)], per: u64, open: bool, ticks: u64) -> Result<(), RunError> {
        let now = self.sim.now();
        let n = ticks as usize;
        // `f(presentation, tick within it)` for every planned tick.
        let at = |f: &dyn Fn(usize, u64) -> f64| -> Vec<f64> { (0..n).map(|k| f(k / per as usize, k as u64 % per)).collect() };
        for j in 0..self.net.graph.populations[self.net.x.index()].size as usize {
            let v = at(&|i, _| pats.get(i).map_or(0.0, |p| p.0[j]));
            self.sim.schedule_current(self.net.x, j as u64, now, &v)?;
        }
        let gate = at(&|i, o| if open && o == OPEN && i < pats.len() { 0.0 } else { CLOSED });
        self.sim.schedule_current(self.net.g, 0, now, &gate)?;
        let target = at(&|i, o| if open && o == OPEN { pats.get(i).map_or(0.0, |p| p.1) } else { 0.0 });
        self.sim.schedule_current(self.net.t, 0, now, &target)?;
        Ok(())
    }

    /// Ticks of an evaluation of `n` patterns: whole presentations covering the
    /// patterns and the two ticks until the last answer is sampled.
    pub fn eval_ticks(n: u64) -> u64 {
        (n + 2).div_ceil(K) * K
    }

    /// One epoch: the patterns of `data` in `order`, one update each.
    pub fn train(&mut self, data: &TaskData, order: &[usize]) -> Result<(), RunError> {
        let pats: Vec<(&[f64], f64)> = order.iter().map(|&mu| (&data.x[mu][..], data.y[mu])).collect();
        let ticks = pats.len() as u64 * K;
        self.plan(&pats, K, true, ticks)?;
        self.sim.run_ticks(ticks)
    }

    /// The unit's output for every pattern of every task in `data`, learning off.
    pub fn outputs(&mut self, data: &[TaskData]) -> Result<Vec<Vec<f64>>, RunError> {
        let pats: Vec<(&[f64], f64)> = data.iter().flat_map(|d| d.x.iter().zip(&d.y).map(|(x, &y)| (&x[..], y))).collect();
        let ticks = Self::eval_ticks(pats.len() as u64);
        let start = self.sim.tick();
        self.sim.take_state(self.net.out)?;
        self.plan(&pats, 1, false, ticks)?;
        self.sim.run_ticks(ticks)?;
        let trace = self.sim.take_state(self.net.out)?;
        // Pattern `i` is presented in tick `start + i`; `O` answers in the next tick,
        // which the probe shows at the start of the one after (a sample labelled `t`
        // is the state before tick `t`).
        let p_at = |i: usize| trace.ticks.iter().position(|&t| t == start + i as u64 + 2).map_or(f64::NAN, |r| f64::from(trace.values[r]));
        let mut out = Vec::with_capacity(data.len());
        let mut i = 0;
        for d in data {
            out.push((0..d.y.len()).map(|k| p_at(i + k)).collect());
            i += d.y.len();
        }
        Ok(out)
    }

    /// The fraction of each task's patterns classified right (`p > 0.5` means 1).
    pub fn accuracy(&mut self, data: &[TaskData]) -> Result<Vec<f64>, RunError> {
        let p = self.outputs(data)?;
        let all: Vec<f64> = p.iter().flatten().copied().collect();
        self.mean_output = all.iter().sum::<f64>() / all.len().max(1) as f64;
        Ok(data.iter().zip(&p).map(|(d, p)| d.y.iter().zip(p).filter(|(y, p)| (**p > 0.5) == (**y > 0.5)).count() as f64 / d.y.len().max(1) as f64).collect())
    }

    /// A task switch: the `consolidate` modulator rises for one presentation.
    pub fn consolidate(&mut self) -> Result<(), RunError> {
        self.plan(&[], K, false, K)?;
        self.sim.set_modulator(self.net.consolidate, 1.0)?;
        self.sim.run_ticks(K)?;
        self.sim.set_modulator(self.net.consolidate, 0.0)
    }

    /// The efficacies of the learning synapses now.
    pub fn weights(&self) -> Result<Vec<f64>, RunError> {
        Ok(self.sim.projection_weights(self.net.plastic)?.values.iter().map(|&w| f64::from(w)).collect())
    }
}

fn run(variant: Variant, source: RunError) -> ContinualError {
    ContinualError::Run { variant: variant.label(), source }
}

impl super::Learn for EngineLearner {
    fn train_epoch(&mut self, data: &TaskData, order: &[usize]) -> Result<(), ContinualError> {
        self.train(data, order).map_err(|e| run(self.variant, e))
    }
    fn accuracy(&mut self, data: &[TaskData]) -> Result<Vec<f64>, ContinualError> {
        EngineLearner::accuracy(self, data).map_err(|e| run(self.variant, e))
    }
    fn switch(&mut self) -> Result<(), ContinualError> {
        self.consolidate().map_err(|e| run(self.variant, e))
    }
    fn snapshot(&mut self) -> Result<super::Snapshot, ContinualError> {
        let mut s = super::snapshot::of_projection(&self.sim, self.net.plastic, self.variant).map_err(|e| run(self.variant, e))?;
        s.activity.push(("O mean output p".into(), self.mean_output));
        Ok(s)
    }
}
