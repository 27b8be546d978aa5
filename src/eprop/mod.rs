//! e-prop networks as a DSL building block, and the trial loop that trains them.
//!
//! [`EpropSpec`] describes the recurrent network of Bellec et al. (2020) (specs
//! 4.2): inputs, a recurrent population of LIF and ALIF neurons (one `alif`
//! population, LIF being `beta = 0`, or two), leaky readouts whose error is fed back
//! as the learning signal `L`, the `eprop` and `eprop_readout` rules with their
//! optimiser, and the delays that make the rules' timing line up (every delay one
//! tick, so `L` of tick `t` arrives at `t + 2`). [`EpropSpec::build`] adds all of it
//! to a [`Network`]; the [`Trainer`] runs trials on it: a frozen or fresh input
//! pattern, a target, a reset after each trial, and the readout's output read back.
//!
//! ```
//! use synfire::eprop::{EpropSpec, Trainer};
//! use synfire::prelude::*;
//!
//! let spec = EpropSpec { n_in: 10, n_lif: 8, n_out: 1, trial_ticks: 50, ..EpropSpec::pattern_generation() };
//! let mut net = Network::new().dt(1.0.ms()).seed(3);
//! let h = spec.build(&mut net);
//! let graph = net.freeze_with(&RuleCatalog)?;
//! let mut trainer = Trainer::new(&graph, &spec, &h, 1)?;
//! let target: Vec<Vec<f64>> = (0..50).map(|t| vec![(t as f64 / 8.0).sin()]).collect();
//! let out = trainer.trial(&[(0, 3), (10, 4)], &target)?;
//! assert_eq!(out.y.len(), 50);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod trainer;

pub use trainer::{Trainer, TrialOutput};

use synfire_graphs::prelude::*;
use synfire_graphs::rng::{Domain, stream};
use synfire_graphs::{Number, PlasticityRule, PopId, ProjId, Rate, RuleSpec, SourceSpec};
use synfire_rules::metaplastic::Meta;
use synfire_rules::{Eprop, EpropFeedback, Metaplastic};

/// A metaplastic wrapper (specs 7) around every e-prop rule of an [`EpropSpec`]:
/// Benna–Fusi, hidden weights or synaptic intelligence, with their parameters.
pub type MetaChoice = Meta;

/// How the learning signal reaches the hidden neurons.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Feedback {
    /// Fixed random weights `B ~ N(0, scale^2)` (random e-prop).
    Random {
        /// Standard deviation.
        scale: f64,
    },
    /// `B = W_out^T` at every tick (symmetric e-prop): the feedback weights start as
    /// the readout weights' transpose and learn with the same update
    /// (`eprop_feedback`), so they stay equal bit for bit.
    Symmetric,
    /// Feedback weights `N(0, scale^2)` that learn with the readout's update
    /// (adaptive e-prop).
    Adaptive {
        /// Standard deviation of the initial weights.
        scale: f64,
    },
}

/// The optimiser of every e-prop rule.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Optimiser {
    /// `w -= eta g` once per trial.
    Sgd {
        /// Learning rate (in the tutorials' weight units).
        eta: f64,
    },
    /// Adam with `(0.9, 0.999, 1e-8)`.
    Adam {
        /// Learning rate (in the tutorials' weight units).
        eta: f64,
    },
}

/// An e-prop network (specs 4.2). Times are in ticks of 1 ms.
#[derive(Debug, Clone, PartialEq)]
pub struct EpropSpec {
    /// Input neurons (spike sources driven by the trainer).
    pub n_in: u64,
    /// Recurrent LIF neurons.
    pub n_lif: u64,
    /// Recurrent ALIF neurons.
    pub n_alif: u64,
    /// Readouts.
    pub n_out: u64,
    /// Membrane time constant (ms).
    pub tau_m: f64,
    /// Readout time constant (ms).
    pub tau_out: f64,
    /// Adaptation time constant (ms) and strength of the ALIF neurons.
    pub tau_a: f64,
    /// ALIF adaptation strength.
    pub beta: f64,
    /// Threshold.
    pub v_th: f64,
    /// Refractory ticks.
    pub n_ref: u64,
    /// Pseudo-derivative dampening.
    pub gamma: f64,
    /// The tutorials' normalised filters (`1 - alpha` on the input and the
    /// presynaptic trace, `1 - kappa` on the readout and the filtered eligibility);
    /// the engine's input scaling is 1, so weights and learning rates of the
    /// recurrent network are stored scaled by `1 - alpha`.
    pub normalised: bool,
    /// Feedback of the learning signal.
    pub feedback: Feedback,
    /// Optimiser.
    pub optimiser: Optimiser,
    /// Firing-rate regulariser strength and target.
    pub c_reg: f64,
    /// The regulariser's target rate (Hz).
    pub f_target: f64,
    /// Ticks of one trial (input and target).
    pub trial_ticks: u64,
    /// Trials whose gradients are summed into one optimiser step.
    pub batch: u64,
    /// Connection probability of the recurrent synapses (1: all to all, no autapses).
    pub p_rec: f64,
    /// Classification: softmax readouts learning a cross-entropy loss where a
    /// one-hot target is given (the loss window), instead of regression.
    pub softmax: bool,
    /// A metaplastic wrapper around the input, recurrent and readout rules (each
    /// optimiser step's change goes through it at the tick the step acts); `None`:
    /// the plain rules. Synaptic intelligence's `eta` is set to each rule's own
    /// learning rate, so that its `g = -delta / eta` is the gradient (with SGD; with
    /// Adam it is Adam's normalised step). The feedback rules of symmetric and
    /// adaptive feedback learn with the plain readout update: behind a wrapper, `B`
    /// is no longer `W_out^T`.
    pub meta: Option<MetaChoice>,
}

impl EpropSpec {
    /// The pattern-generation network of specs 4.2: 100 inputs, 100 LIF, one
    /// readout, tau_m = tau_out = 30 ms, v_th = 0.03, no refractory period, random
    /// feedback `N(0, 1/100)`, SGD with eta = 1e-4, c_reg = 300 at 10 Hz, 1000 ms
    /// trials, the tutorial's normalised filters.
    pub fn pattern_generation() -> EpropSpec {
        EpropSpec {
            n_in: 100,
            n_lif: 100,
            n_alif: 0,
            n_out: 1,
            tau_m: 30.0,
            tau_out: 30.0,
            tau_a: 2000.0,
            beta: 0.0,
            v_th: 0.03,
            n_ref: 0,
            gamma: 0.3,
            normalised: true,
            feedback: Feedback::Random { scale: 0.1 },
            optimiser: Optimiser::Sgd { eta: 1e-4 },
            c_reg: 300.0,
            f_target: 10.0,
            trial_ticks: 1000,
            batch: 1,
            p_rec: 1.0,
            softmax: false,
            meta: None,
        }
    }

    /// The evidence-accumulation network of specs 4.2: 40 inputs, 50 LIF and 50 ALIF
    /// neurons (tau_m = 20 ms, tau_a = 2 s, beta = 0.0174, v_th = 0.6, refractory 4
    /// ticks: the tutorials' counter of 5), two softmax readouts (tau_out = 20 ms),
    /// random feedback `N(0, 1)`, Adam with eta = 5e-3 over batches of 64 trials of
    /// 2250 ms, c_reg = 1 at 10 Hz, the paper's un-normalised filters.
    pub fn evidence_accumulation() -> EpropSpec {
        EpropSpec {
            n_in: 40,
            n_lif: 50,
            n_alif: 50,
            n_out: 2,
            tau_m: 20.0,
            tau_out: 20.0,
            tau_a: 2000.0,
            beta: 0.0174,
            v_th: 0.6,
            n_ref: 4,
            gamma: 0.3,
            normalised: false,
            feedback: Feedback::Random { scale: 1.0 },
            optimiser: Optimiser::Adam { eta: 5e-3 },
            c_reg: 1.0,
            f_target: 10.0,
            trial_ticks: 2250,
            batch: 64,
            p_rec: 1.0,
            softmax: true,
            meta: None,
        }
    }

    /// Ticks from a learning signal's tick to its arrival (readout and feedback
    /// delays, one tick each).
    pub const LAG: u64 = 2;
    /// Ticks between trials: the trial's last readout tick, the reset, and the
    /// learning signals still on their way.
    pub const GAP: u64 = 4;

    /// Ticks from one trial's start to the next.
    pub fn period(&self) -> u64 {
        self.trial_ticks + Self::GAP
    }

    /// The recurrent network's `alpha = exp(-1/tau_m)`.
    fn alpha(&self) -> f64 {
        (-1.0 / self.tau_m).exp()
    }

    /// `rule` behind the wrapper [`EpropSpec::meta`], if any (synaptic intelligence
    /// with the rule's own learning rate `eta`).
    fn wrapped(&self, rule: Eprop, eta: f64) -> RuleSpec {
        match &self.meta {
            None => rule.to_spec(),
            Some(Meta::BennaFusi(p)) => rule.benna_fusi(*p).to_spec(),
            Some(Meta::Hidden(p)) => rule.hidden_weights(*p).to_spec(),
            Some(Meta::Si(p)) => rule.synaptic_intelligence(p.clone().eta(eta)).to_spec(),
        }
    }

    /// Adds the network to `net` (whose dt must be 1 ms).
    pub fn build(&self, net: &mut Network) -> EpropHandles {
        let c_in = if self.normalised { 1.0 - self.alpha() } else { 1.0 };
        let kappa = (-1.0 / self.tau_out).exp();
        let x = net.source("input", self.n_in, SourceSpec::SpikeTimes { times: vec![Vec::new(); self.n_in as usize] });
        let cell =
            |beta: f64| Alif::new().tau_m(self.tau_m.ms()).tau_a(self.tau_a.ms()).set("v_th", self.v_th.one()).beta(beta.one()).t_ref((self.n_ref as f64).ms());
        let mut hidden = Vec::new();
        let mut names = Vec::new();
        for (name, n, beta) in [("lif", self.n_lif, 0.0), ("alif", self.n_alif, self.beta)] {
            if n > 0 {
                hidden.push(net.population(name, n, cell(beta)));
                names.push(name);
            }
        }
        let gain = if self.normalised { 1.0 - kappa } else { 1.0 };
        let softmax = if self.softmax { 1.0 } else { 0.0 };
        let y = net.population("readout", self.n_out, RateUnit::readout().tau(self.tau_out.ms()).gain(gain.one()).set("softmax", softmax.one()));
        let every = ((self.period() * self.batch.max(1)) as f64).ms();
        let (eta, adam) = match self.optimiser {
            Optimiser::Sgd { eta } => (eta, false),
            Optimiser::Adam { eta } => (eta, true),
        };
        let with_adam = |r: Eprop| if adam { r.adam() } else { r };
        let n_rec = self.n_lif + self.n_alif;
        let d = 1.0.ms();
        let mut input = Vec::new();
        let mut recurrent = Vec::new();
        let mut readout = Vec::new();
        let mut feedback = Vec::new();
        for (&h, name) in hidden.iter().zip(&names) {
            let signal = format!("L_{name}");
            net.learning_signal(&signal, h);
            let rule = self.wrapped(
                with_adam(
                    Eprop::hidden()
                        .eta(eta * c_in)
                        .update_every(every)
                        .tau_out(self.tau_out.ms())
                        .signal_delay((Self::LAG as f64).ms())
                        .gamma(self.gamma)
                        .normalised(self.normalised, self.normalised)
                        .regularise(self.c_reg, Rate(self.f_target))
                        .signal(&signal),
                ),
                eta * c_in,
            );
            let sd = |n: u64| (c_in / (n as f64).sqrt()).one();
            input.push(net.connect(x, h, Conn::all_to_all().weight(normal(0.0.one(), sd(self.n_in))).delay(d).plastic(rule.clone())));
            for &src in &hidden {
                let (all, sd_rec) = (self.p_rec >= 1.0, sd(((n_rec as f64) * self.p_rec.min(1.0)).max(1.0) as u64));
                let conn = if all { Conn::all_to_all() } else { Conn::prob(self.p_rec) }.weight(normal(0.0.one(), sd_rec)).delay(d).plastic(rule.clone());
                recurrent.push(net.connect(src, h, if src == h { conn.autapses(false) } else { conn }));
            }
            let out_rule = self.wrapped(with_adam(Eprop::readout().eta(eta).update_every(every)), eta);
            // Readout weights drawn here (not by the engine), so that symmetric
            // feedback can start as their transpose.
            let n_h = net_size(self, name);
            let sd_out = 1.0 / (n_rec as f64).sqrt();
            let mut r = stream(net.rng_seed(), Domain::Task, READOUT_WEIGHTS, hidden_index(name));
            let normal01 = |r: &mut rand_pcg::Pcg32| -> f64 { rand_distr::Distribution::sample(&rand_distr::StandardNormal, r) };
            let w_out: Vec<(u32, u32, f64)> =
                (0..n_h as u32).flat_map(|j| (0..self.n_out as u32).map(move |k| (j, k))).map(|(j, k)| (j, k, sd_out * normal01(&mut r))).collect();
            let listed = |t: &[(u32, u32, f64)]| t.iter().map(|&(a, b, w)| (a, b, Number(w))).collect::<Vec<_>>();
            readout.push(net.connect(h, y, Conn::weighted_list(listed(&w_out)).delay(d).plastic(out_rule)));
            let fb_rule = || {
                let r = EpropFeedback::new().eta(eta).update_every(every).readout(self.tau_out.ms(), gain, d);
                if adam { r.adam() } else { r }
            };
            let fb = match self.feedback {
                Feedback::Random { scale } => Conn::all_to_all().weight(normal(0.0.one(), scale.one())),
                Feedback::Symmetric => Conn::weighted_list(listed(&w_out.iter().map(|&(j, k, w)| (k, j, w)).collect::<Vec<_>>())).plastic(fb_rule()),
                Feedback::Adaptive { scale } => Conn::all_to_all().weight(normal(0.0.one(), scale.one())).plastic(fb_rule()),
            };
            feedback.push(net.connect(y, h, fb.delay(d).into_signal(&signal)));
        }
        let y_probe = net.record_state(y, "y", 0..self.n_out as u32, 1.0.ms());
        let spikes = net.record_spikes(hidden.iter().copied());
        EpropHandles { input: x, hidden, readout: y, input_projections: input, recurrent, readout_projections: readout, feedback, y: y_probe, spikes }
    }
}

/// What the builder draws from the task stream: the readout weights.
const READOUT_WEIGHTS: u64 = 11;

/// The size of hidden population `name`.
fn net_size(spec: &EpropSpec, name: &str) -> u64 {
    if name == "lif" { spec.n_lif } else { spec.n_alif }
}

/// The index of hidden population `name` (its draws' sub-stream).
fn hidden_index(name: &str) -> u64 {
    u64::from(name != "lif")
}

/// The handles of a built e-prop network.
#[derive(Debug, Clone)]
pub struct EpropHandles {
    /// The inputs.
    pub input: PopId,
    /// The recurrent populations (LIF, then ALIF).
    pub hidden: Vec<PopId>,
    /// The readouts.
    pub readout: PopId,
    /// Input -> hidden, per hidden population.
    pub input_projections: Vec<ProjId>,
    /// Hidden -> hidden.
    pub recurrent: Vec<ProjId>,
    /// Hidden -> readout.
    pub readout_projections: Vec<ProjId>,
    /// Readout -> hidden, into the learning signal.
    pub feedback: Vec<ProjId>,
    /// The readouts' `y`, every tick.
    pub y: Probe<probe_kind::State>,
    /// Every hidden spike.
    pub spikes: Probe<probe_kind::Spikes>,
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn small(feedback: Feedback) -> EpropSpec {
        EpropSpec {
            n_in: 12,
            n_lif: 6,
            n_alif: 4,
            n_out: 2,
            trial_ticks: 40,
            feedback,
            optimiser: Optimiser::Adam { eta: 5e-3 },
            ..EpropSpec::pattern_generation()
        }
    }

    /// Trains `trials` trials of a fixed pattern on `workers` workers and returns the
    /// runtime's trainer.
    fn trained(spec: &EpropSpec, workers: usize, trials: usize) -> (Trainer, EpropHandles) {
        let mut net = Network::new().dt(1.0.ms()).seed(5);
        let h = spec.build(&mut net);
        let graph = net.freeze_with(&synfire_rules::Catalog).unwrap();
        let mut t = Trainer::new(&graph, spec, &h, workers).unwrap();
        let input: Vec<(u64, u32)> = (0..40).flat_map(|t| (0..12u32).filter(move |i| (t * 7 + u64::from(*i) * 3) % 5 == 0).map(move |i| (t, i))).collect();
        let target: Vec<Vec<f64>> = (0..40).map(|t| vec![(t as f64 / 6.0).sin(), (t as f64 / 9.0).cos()]).collect();
        for _ in 0..trials {
            t.trial(&input, &target).unwrap();
        }
        (t, h)
    }

    fn by_pair(t: &mut Trainer, p: ProjId, flip: bool) -> std::collections::BTreeMap<(u32, u32), u32> {
        let w = t.runtime().projection_weights(p).unwrap();
        w.synapses.iter().zip(w.last()).map(|(&(s, d), v)| (if flip { (d, s) } else { (s, d) }, v.to_bits())).collect()
    }

    /// Symmetric e-prop: the feedback weights learn with the readout's update and
    /// stay the transpose of the readout weights bit for bit, while both move.
    #[test]
    fn symmetric_feedback_stays_the_readout_transpose() {
        let spec = small(Feedback::Symmetric);
        let (mut t, h) = trained(&spec, 3, 6);
        for (&out, &fb) in h.readout_projections.iter().zip(&h.feedback) {
            let w_out = by_pair(&mut t, out, false);
            let b = by_pair(&mut t, fb, true);
            assert_eq!(w_out, b, "B = W_out^T");
        }
        let (mut t0, h0) = trained(&spec, 1, 0);
        let moved = by_pair(&mut t, h.readout_projections[0], false)
            .iter()
            .zip(by_pair(&mut t0, h0.readout_projections[0], false))
            .filter(|(a, b)| a.1 != &b.1)
            .count();
        assert!(moved > 0, "the readout learned");
    }

    /// `meta` wraps the input, recurrent and readout rules: hidden weights with
    /// `m = 0` (no attenuation, the efficacy `W_h` itself) train bit for bit like
    /// the plain rules, `m = 1` differently; synaptic intelligence gets each rule's
    /// learning rate; wrapped training is the same on 1 and 3 workers.
    #[test]
    fn a_wrapper_choice_wraps_every_eprop_rule() {
        use synfire_rules::{HiddenWeights, SynapticIntelligence};
        let plain = small(Feedback::Random { scale: 0.3 });
        let with = |m: MetaChoice| EpropSpec { meta: Some(m), ..plain.clone() };
        let bits = |spec: &EpropSpec, workers: usize| {
            let (mut t, h) = trained(spec, workers, 3);
            [h.input_projections.clone(), h.recurrent.clone(), h.readout_projections.clone()]
                .concat()
                .iter()
                .map(|&p| by_pair(&mut t, p, false))
                .collect::<Vec<_>>()
        };
        let want = bits(&plain, 1);
        assert!(bits(&with(Meta::Hidden(HiddenWeights::analog(0.0))), 2) == want, "m = 0 is the plain rule");
        let m1 = with(Meta::Hidden(HiddenWeights::analog(1.0)));
        let got = bits(&m1, 1);
        assert!(got != want, "m = 1 attenuates");
        assert!(bits(&m1, 3) == got, "1 and 3 workers");
        let si = with(Meta::Si(SynapticIntelligence::new(0.1).every(100.0.ms())));
        let mut net = Network::new().dt(1.0.ms()).seed(5);
        let h = si.build(&mut net);
        let graph = net.freeze_with(&synfire_rules::Catalog).unwrap();
        let eta = |p: ProjId| {
            let rule = graph.projections[p.index()].conn.rule.clone().unwrap();
            assert_eq!(rule.name, "synaptic_intelligence");
            let base = rule.base.unwrap();
            (rule.params["eta"].clone(), base.params["eta"].clone())
        };
        for p in [h.input_projections[0], h.readout_projections[0]] {
            let (si_eta, base_eta) = eta(p);
            assert_eq!(si_eta, base_eta, "SI's eta is its base's");
        }
    }

    /// Adaptive feedback learns; random feedback does not; both train the same on
    /// any worker count.
    #[test]
    fn feedback_modes_learn_as_named_on_any_worker_count() {
        for (fb, learns) in [(Feedback::Adaptive { scale: 0.3 }, true), (Feedback::Random { scale: 0.3 }, false)] {
            let spec = small(fb);
            let (mut t1, h) = trained(&spec, 1, 4);
            let (mut t2, h2) = trained(&spec, 2, 4);
            let (mut t0, h0) = trained(&spec, 1, 0);
            let b1 = by_pair(&mut t1, h.feedback[0], false);
            assert_eq!(b1, by_pair(&mut t2, h2.feedback[0], false), "{fb:?}: 1 and 2 workers");
            assert_eq!(b1 != by_pair(&mut t0, h0.feedback[0], false), learns, "{fb:?}");
        }
    }
}
