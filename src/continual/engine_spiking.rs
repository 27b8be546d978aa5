//! The unit-level learner of spec 10.1 in the engine, spiking form: Poisson-coded
//! patterns onto one LIF neuron whose input synapses learn by the delta rule
//! (`synfire_rules::Delta`, signal-gated learning on the error `y* - p`) behind one
//! of the metaplastic wrappers, on the runtime's worker threads.
//!
//! # Network (dt = 1 ms)
//!
//! ```text
//! X (N spike sources) --w (mV), delta rule, 1 tick--> R (lif_cuba, bias i_e)
//! R --1, delays 1..=100 ticks--> G (rate_linear gate): G(t) = max(0, Σ_{d=1..100} R(t-d) + gate(t))
//! T (rate_linear target) --+1--> E over R;  G --(-1/(r_max T))--> E over R   (1 tick)
//! ```
//!
//! A presentation of pattern `μ` from tick `s` lasts `T` = 100 ticks: `X` replays
//! the pattern's Poisson trains ([`super::poisson`]) in ticks `s..s+100`, which
//! reach `R` in ticks `s+1..=s+100`. The hundred delay lines onto `G` make
//! `G(s+101)` the exact count `n_R` of `R`'s spikes in those ticks; the gate is
//! open (0) in that tick only (closed, `-1000`, otherwise: `G = 0`) and `T` carries
//! `y*` in it, so the error signal
//!
//! ```text
//! E(s+102) = y* - n_R / (r_max T) = y* - p
//! ```
//!
//! reaches the rule once per presentation, which adds `eta E x_j` with `x_j` the
//! presynaptic trace (`tau`, a spike adds 1) of that tick: the delta rule of spec
//! 10.1, one update per presentation, `p` the output's rate as a fraction of
//! `r_max`. One update per presentation matters: the wrappers are not linear (the
//! metaplastic gate attenuates only updates that shrink `|w|`, SI's path integral
//! sums products of updates), so a per-tick rule whose pieces cancel over a
//! presentation would still drift (`|w|` ratchets up under the metaplastic gate).
//! `x_j` also holds two ticks of the next presentation's arrivals and what is left
//! of earlier presentations (`exp(-T/tau)`, 37 % at `tau` = 100 ms): the price
//! of a trace in place of a count.
//!
//! `R` starts every presentation from rest ([`Runtime::begin_trial`]: its state
//! and the input on its way to it from the presentation before are dropped), so a
//! count does not depend on which pattern came before; without this the first
//! 20-40 ms of each count carried the previous pattern (plain: B 0.94 after B on
//! seeds 1-5 of the full protocol).
//!
//! The bias `i_e` makes `R` fire at `r_max / 2` with no synaptic input (the closed
//! form of a LIF under constant drive), so untrained weights sit on the decision
//! boundary `p = 1/2`, as the rate form's `sigmoid(0)`, and both labels push the
//! weights from the start.
//!
//! Evaluation, learning off: the gate stays closed, so `E = 0`; every pattern is
//! presented for 100 ticks and `R`'s spikes are counted in the ticks its input
//! reaches it. Label 1 means `n_R > r_max T / 2` (`p > 1/2`, the rate form's
//! threshold). Every phase ends with [`TAIL`] quiet ticks so that its last error
//! arrives and its last answer is counted inside it. SI consolidates at the rising
//! edge of the modulator `consolidate`, raised during one blank presentation at each
//! task switch; a Benna–Fusi chain steps once per 100 ms.

use super::poisson::{self, PRESENTATION_MS};
use super::rate::{Protocol, TaskData};
pub use super::spiking_protocol::SpikingProtocol;
use super::{ContinualError, Variant};
use synfire_graphs::dist::array;
use synfire_graphs::{Graph, ModId, PopId, Probe, ProjId, Receptor, RuleSpec, SourceSpec, Time, probe_kind};
use synfire_graphs::{PlasticityRule, prelude::*};
use synfire_rules::{BennaFusi, Delta, Metaplastic, SynapticIntelligence};
use synfire_runtime::{RunError, Runtime};

/// Ticks per presentation (dt = 1 ms).
pub const TICKS: u64 = PRESENTATION_MS as u64;
/// Quiet ticks that end a phase: its last presentation's error arrives 102 ticks
/// after the presentation began, inside them.
pub const TAIL: u64 = 3;
/// The closed gate's current (below minus any count: `R` spikes at most once a tick).
const CLOSED: f64 = -1000.0;
/// A time constant short enough that a rate unit holds only its own tick's input.
const INSTANT_MS: f64 = 1e-3;

/// The network of one variant.
#[derive(Debug)]
pub struct SpikingNet {
    /// The frozen graph.
    pub graph: Graph,
    x: PopId,
    r: PopId,
    g: PopId,
    t: PopId,
    /// The learning projection `X -> R`.
    pub plastic: ProjId,
    spikes: Probe<probe_kind::Spikes>,
    consolidate: ModId,
}

/// The delta rule behind `variant` in spiking units (trace `tau`).
pub fn rule(variant: Variant, s: &SpikingProtocol) -> RuleSpec {
    let eta = s.eta;
    let delta = Delta::new().eta(eta).tau(s.tau_trace_ms.ms()).error("E");
    match variant {
        Variant::Metaplastic { m } => delta.metaplastic(m).to_spec(),
        Variant::Si { c, xi } => delta.synaptic_intelligence(SynapticIntelligence::new(c).xi(xi).eta(eta).consolidate_on("consolidate")).to_spec(),
        Variant::BennaFusi { m } => delta.benna_fusi(BennaFusi::geometric(m).clock(PRESENTATION_MS.ms())).to_spec(),
        _ => delta.to_spec(),
    }
}

/// The network of spec 10.1's spiking form for `variant`, initial weights `w0` (mV).
pub fn network(p: &Protocol, s: &SpikingProtocol, variant: Variant, w0: &[f64], seed: u64) -> Result<SpikingNet, ContinualError> {
    s.check()?;
    let (instant, tick) = (INSTANT_MS.ms(), 1.0.ms());
    let mut net = Network::new().dt(tick).seed(seed);
    let x = net.source("X", p.inputs as u64, SourceSpec::SpikeTimes { times: vec![Vec::new(); p.inputs] });
    let lif = Lif::cuba()
        .set("e_l", (-60.0).mv())
        .set("v_reset", (-60.0).mv())
        .set("v_th", (-60.0 + s.threshold_mv).mv())
        .set("t_ref", s.t_ref_ms.ms())
        .set("tau_syn_e", s.tau_syn_ms.ms())
        .set("i_e", s.bias_pa().pa());
    let r = net.population("R", 1, lif);
    let g = net.population("G", 1, RateUnit::linear().set("tau", instant));
    let t = net.population("T", 1, RateUnit::linear().set("tau", instant));
    let consolidate = net.modulator("consolidate", 0.0);
    net.learning_signal("E", r);
    net.connect(t, r, Conn::one_to_one().weight(1.0.one()).delay(tick).into_signal("E"));
    net.connect(g, r, Conn::one_to_one().weight((-1.0 / s.spikes_max()).one()).delay(tick).into_signal("E"));
    // Delay lines: G sees every spike of R for a presentation's length.
    for d in 1..=TICKS {
        net.connect(r, g, Conn::one_to_one().weight(1.0.one()).delay((d as f64).ms()));
    }
    let weights = array(w0.iter().map(|&w| w.mv()));
    let conn = Conn::all_to_all().weight(weights).receptor(Receptor::Exc).delay(tick).plastic(rule(variant, s));
    let plastic = net.connect(x, r, conn);
    let spikes = net.record_spikes([r]);
    let graph = net.freeze_with(&synfire_rules::Catalog).map_err(|e| ContinualError::Variant { variant: variant.label(), why: e.to_string() })?;
    Ok(SpikingNet { graph, x, r, g, t, plastic, spikes, consolidate })
}

/// A running spiking learner: the network on a runtime.
#[derive(Debug)]
pub struct SpikingLearner {
    net: SpikingNet,
    sim: Runtime,
    variant: Variant,
    s: SpikingProtocol,
    /// The output's mean rate (Hz) over the last evaluation's presentations.
    rate_hz: f64,
}

/// One presentation: the pattern's bits, its label, its task and index.
struct Shown<'a> {
    x: &'a [f64],
    y: f64,
    task: usize,
    index: usize,
}

impl SpikingLearner {
    /// The learner for `variant` with initial weights `w0` (mV), on `workers` workers.
    pub fn new(p: &Protocol, s: &SpikingProtocol, variant: Variant, w0: &[f64], seed: u64, workers: usize) -> Result<SpikingLearner, ContinualError> {
        let net = network(p, s, variant, w0, seed)?;
        let sim = Runtime::builder().workers(workers).build(&net.graph).map_err(|e| run(variant, e))?;
        Ok(SpikingLearner { net, sim, variant, s: *s, rate_hz: f64::NAN })
    }

    /// A learner resumed from `sim` (a restored checkpoint of `net`).
    pub fn resume(net: SpikingNet, sim: Runtime, variant: Variant, s: &SpikingProtocol) -> SpikingLearner {
        SpikingLearner { net, sim, variant, s: *s, rate_hz: f64::NAN }
    }

    /// The runtime (for checkpoints).
    pub fn runtime(&mut self) -> &mut Runtime {
        &mut self.sim
    }

    /// Plans `shown` from now, one presentation each, then `blank` empty ones and
    /// [`TAIL`] quiet ticks: input trains, target and gate (`learn`: the gate opens
    /// and `T` carries `y*` 101 ticks after each presentation begins).
    fn plan(&mut self, shown: &[Shown], blank: u64, learn: bool) -> Result<u64, RunError> {
        let start = self.sim.tick();
        let ticks = (shown.len() as u64 + blank) * TICKS + TAIL;
        let seed = self.net.graph.seed;
        let mut train = Vec::new();
        for (i, p) in shown.iter().enumerate() {
            let s0 = start + i as u64 * TICKS;
            let bits: Vec<bool> = p.x.iter().map(|&v| v > 0.0).collect();
            for (t, j) in poisson::presentation(seed, poisson::Key::of(self.s.noise, s0, p.task, p.index), &bits, TICKS, 1.0) {
                train.push((Time((s0 + t) as f64), j));
            }
        }
        self.sim.inject_spike_train(self.net.x, &train)?;
        // The presentation whose error tick `k` is, if any (values hold afterwards:
        // the last is the closed gate and no target).
        let due = |k: u64| if learn && k > TICKS && (k - 1).is_multiple_of(TICKS) { shown.get(((k - 1) / TICKS - 1) as usize) } else { None };
        let mut gate: Vec<f64> = (0..ticks).map(|k| if due(k).is_some() { 0.0 } else { CLOSED }).collect();
        let mut target: Vec<f64> = (0..ticks).map(|k| due(k).map_or(0.0, |p| p.y)).collect();
        gate.push(CLOSED);
        target.push(0.0);
        let now = self.sim.now();
        self.sim.schedule_current(self.net.g, 0, now, &gate)?;
        self.sim.schedule_current(self.net.t, 0, now, &target)?;
        Ok(ticks)
    }

    /// One epoch: the patterns of `data` in `order`, learning on.
    pub fn train(&mut self, data: &TaskData, order: &[usize]) -> Result<(), RunError> {
        let shown: Vec<Shown> = order.iter().map(|&mu| Shown { x: &data.x[mu], y: data.y[mu], task: data.task, index: mu }).collect();
        self.plan(&shown, 0, true)?;
        self.present(shown.len())
    }

    /// Runs `n` planned presentations, each a trial of `R` from rest, then the tail.
    fn present(&mut self, n: usize) -> Result<(), RunError> {
        for _ in 0..n {
            self.sim.begin_trial(&[self.net.r])?;
            self.sim.run_ticks(TICKS)?;
        }
        self.sim.run_ticks(TAIL)
    }

    /// The output's spike count for every pattern of every task in `data`, learning off.
    pub fn counts(&mut self, data: &[TaskData]) -> Result<Vec<Vec<u32>>, RunError> {
        let shown: Vec<Shown> =
            data.iter().flat_map(|d| d.x.iter().zip(&d.y).enumerate().map(|(mu, (x, &y))| Shown { x, y, task: d.task, index: mu })).collect();
        let start = self.sim.tick();
        self.sim.take_spikes(self.net.spikes)?;
        self.plan(&shown, 0, false)?;
        self.present(shown.len())?;
        let spikes = self.sim.take_spikes(self.net.spikes)?;
        // Presentation `i`'s input reaches `R` from tick `start + i TICKS + 1` on.
        let mut n = vec![0u32; shown.len()];
        for &t in &spikes.ticks {
            if let Some(i) = t.checked_sub(start + 1).map(|k| (k / TICKS) as usize)
                && t < start + 1 + shown.len() as u64 * TICKS
                && let Some(c) = n.get_mut(i)
            {
                *c += 1;
            }
        }
        let mut out = Vec::with_capacity(data.len());
        let mut i = 0;
        for d in data {
            out.push(n[i..i + d.y.len()].to_vec());
            i += d.y.len();
        }
        Ok(out)
    }

    /// The fraction of each task's patterns classified right (`n_R > r_max T / 2`
    /// means 1).
    pub fn accuracy(&mut self, data: &[TaskData]) -> Result<Vec<f64>, RunError> {
        let half = self.s.spikes_max() / 2.0;
        let n = self.counts(data)?;
        let (spikes, shown) = n.iter().flatten().fold((0u64, 0u64), |(s, k), &c| (s + u64::from(c), k + 1));
        self.rate_hz = spikes as f64 / (shown.max(1) * TICKS) as f64 * 1000.0;
        Ok(data
            .iter()
            .zip(&n)
            .map(|(d, n)| d.y.iter().zip(n).filter(|(y, n)| (f64::from(**n) > half) == (**y > 0.5)).count() as f64 / d.y.len().max(1) as f64)
            .collect())
    }

    /// A task switch: the `consolidate` modulator rises for one blank presentation.
    pub fn consolidate(&mut self) -> Result<(), RunError> {
        let ticks = self.plan(&[], 1, false)?;
        self.sim.set_modulator(self.net.consolidate, 1.0)?;
        self.sim.run_ticks(ticks)?;
        self.sim.set_modulator(self.net.consolidate, 0.0)
    }

    /// The ticks of `R`'s spikes since the last evaluation or call (for tests).
    pub fn take_output_spikes(&mut self) -> Result<Vec<u64>, RunError> {
        Ok(self.sim.take_spikes(self.net.spikes)?.ticks)
    }

    /// The efficacies of the learning synapses now (mV).
    pub fn weights(&self) -> Result<Vec<f64>, RunError> {
        Ok(self.sim.projection_weights(self.net.plastic)?.values.iter().map(|&w| f64::from(w)).collect())
    }
}

fn run(variant: Variant, source: RunError) -> ContinualError {
    ContinualError::Run { variant: variant.label(), source }
}

impl super::Learn for SpikingLearner {
    fn train_epoch(&mut self, data: &TaskData, order: &[usize]) -> Result<(), ContinualError> {
        self.train(data, order).map_err(|e| run(self.variant, e))
    }
    fn accuracy(&mut self, data: &[TaskData]) -> Result<Vec<f64>, ContinualError> {
        SpikingLearner::accuracy(self, data).map_err(|e| run(self.variant, e))
    }
    fn switch(&mut self) -> Result<(), ContinualError> {
        self.consolidate().map_err(|e| run(self.variant, e))
    }
    fn snapshot(&mut self) -> Result<super::Snapshot, ContinualError> {
        let mut s = super::snapshot::of_projection(&self.sim, self.net.plastic, self.variant).map_err(|e| run(self.variant, e))?;
        s.activity.push(("R rate Hz".into(), self.rate_hz));
        Ok(s)
    }
}
