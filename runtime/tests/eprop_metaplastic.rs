//! e-prop behind the metaplastic wrappers of specs 7 (hidden weights, Benna–Fusi,
//! synaptic intelligence) against the dense f64 reference of
//! `rules/tests/rules/eprop_reference.rs`: the reference gives each trial's gradient,
//! and the wrapper's equations, written here, apply the optimiser's proposed change
//! `-eta g` at the tick each step acts. Then determinism (1 and 3 workers) and a
//! checkpoint mid-training.

mod support;

#[path = "../../rules/tests/rules/eprop_reference.rs"]
#[allow(dead_code)]
mod eprop_reference;

use eprop_reference::{EpropNet, Matrix};
use synfire_graphs::prelude::*;
use synfire_graphs::{Graph, PlasticityRule, PopId, ProjId, RuleSpec};
use synfire_rules::{BennaFusi, Eprop, Metaplastic, SynapticIntelligence};
use synfire_runtime::Runtime;

const N_IN: usize = 5;
const N_REC: usize = 6;
const N_OUT: usize = 2;
const T: usize = 30;
const GAP: usize = 4;
/// The optimiser interval and trial period, in ticks of 1 ms.
const P: usize = T + GAP;
/// Ticks from a step to the tick it acts on the hidden weights (the signal delay).
const LAG: usize = 2;
const TRIALS: usize = 4;
const ETA: f64 = 0.01;
/// Synaptic intelligence: consolidations every 50 ms, strength and damping.
const SI_EVERY: u64 = 50;
const SI_C: f64 = 5.0;
const SI_XI: f64 = 1e-3;

struct Net {
    graph: Graph,
    input: ProjId,
    rec: ProjId,
    out: ProjId,
    fb: ProjId,
    /// Per plastic projection (input, rec, out), the probes of the wrapper's state.
    state: Vec<Vec<(String, Probe<probe_kind::Weights>)>>,
}

/// The wrappers under test.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Wrap {
    Hidden,
    Chain,
    Si,
    /// Synaptic intelligence consolidating at the rising edges of a modulator.
    SiModulated,
}

impl Wrap {
    fn apply(self, rule: Eprop) -> RuleSpec {
        match self {
            Wrap::Hidden => rule.metaplastic(1.5).to_spec(),
            Wrap::Chain => rule.benna_fusi(BennaFusi::geometric(3).clock((P as f64).ms())).to_spec(),
            Wrap::Si => rule.synaptic_intelligence(SynapticIntelligence::new(SI_C).xi(SI_XI).eta(ETA).every((SI_EVERY as f64).ms())).to_spec(),
            Wrap::SiModulated => rule.synaptic_intelligence(SynapticIntelligence::new(SI_C).xi(SI_XI).eta(ETA).consolidate_on("switch")).to_spec(),
        }
    }
    fn columns(self) -> &'static [&'static str] {
        match self {
            Wrap::Hidden => &["w_h"],
            Wrap::Chain => &["u_1", "u_2", "u_3"],
            Wrap::Si | Wrap::SiModulated => &["omega", "Omega", "theta_star"],
        }
    }
}

/// Inputs that fire when injected onto recurrent LIF neurons (`alif` with `beta =
/// 0`) and two leaky readouts whose error comes back through fixed random feedback;
/// every rule wrapped by `wrap`. dt = 1 ms, delays of one tick.
fn network(seed: u64, wrap: Wrap) -> Net {
    let (tau_out, d) = (15.0, 1.0.ms());
    let mut net = Network::new().dt(1.0.ms()).seed(seed);
    let x = net.source("X", N_IN as u64, synfire_graphs::SourceSpec::SpikeTimes { times: vec![Vec::new(); N_IN] });
    let model = Alif::new().tau_m(20.0.ms()).tau_a(200.0.ms()).set("v_th", 0.6.one()).beta(0.0.one()).t_ref(2.0.ms());
    let h = net.population("H", N_REC as u64, model);
    let y = net.population("Y", N_OUT as u64, RateUnit::readout().tau(tau_out.ms()).gain(1.0.one()));
    net.learning_signal("L", h);
    if wrap == Wrap::SiModulated {
        // Positive from 50 ms to 60 ms and from 100 ms on: rising edges at 50 and 100.
        net.scheduled_modulator("switch", 0.0, [(50.0.ms(), 1.0), (60.0.ms(), 0.0), (100.0.ms(), 1.0)]);
    }
    let every = (P as f64).ms();
    let hidden = Eprop::hidden().eta(ETA).update_every(every).tau_out(tau_out.ms()).signal_delay((LAG as f64).ms()).signal("L");
    let readout = Eprop::readout().eta(ETA).update_every(every);
    let w = |s: f64| uniform((-s).one(), s.one());
    let input = net.connect(x, h, Conn::all_to_all().weight(w(0.8)).delay(d).plastic(wrap.apply(hidden.clone())));
    let rec = net.connect(h, h, Conn::all_to_all().autapses(false).weight(w(0.5)).delay(d).plastic(wrap.apply(hidden)));
    let out = net.connect(h, y, Conn::all_to_all().weight(w(0.7)).delay(d).plastic(wrap.apply(readout)));
    let fb = net.connect(y, h, Conn::all_to_all().weight(w(1.0)).delay(d).into_signal("L"));
    let state =
        [input, rec, out].iter().map(|&p| wrap.columns().iter().map(|&c| (c.to_string(), net.record_synapse_state(p, c, 1.0.ms(), None))).collect()).collect();
    let graph = net.freeze_with(&synfire_rules::Catalog).expect("valid");
    Net { graph, input, rec, out, fb, state }
}

/// The engine's weights of `p` as a dense `[target][source]` matrix.
fn dense(sim: &Runtime, p: ProjId, rows: usize, cols: usize) -> Matrix {
    let w = sim.projection_weights(p).expect("weights");
    let mut m = vec![vec![0.0; cols]; rows];
    for (&(s, t), &v) in w.synapses.iter().zip(w.last()) {
        m[t as usize][s as usize] = f64::from(v);
    }
    m
}

/// The last sample of a state probe as `[target][source]`.
fn last(sim: &Runtime, probe: Probe<probe_kind::Weights>, rows: usize, cols: usize) -> Matrix {
    let trace = sim.weights(probe).expect("state");
    let n = trace.synapses.len();
    let k = trace.ticks.len() - 1;
    let mut m = vec![vec![0.0; cols]; rows];
    for (c, &(s, t)) in trace.synapses.iter().enumerate() {
        m[t as usize][s as usize] = f64::from(trace.values[k * n + c]);
    }
    m
}

/// Two slow sines.
fn targets(n: usize) -> Vec<Vec<f64>> {
    (0..n).map(|t| vec![(t as f64 / 4.0).sin(), 0.5 * (t as f64 / 7.0).cos()]).collect()
}

/// Trial `k` occupies ticks `k P + LAG .. k P + LAG + T` (after the step of tick
/// `k P` acts), every population reset one tick after it; the run ends at
/// `TRIALS P + LAG`, when the last step has acted. With `pause_at`, checkpointed at
/// that tick and resumed on that many workers.
fn run_trials(net: &Net, tg: &[Vec<f64>], workers: usize, pause_at: Option<(u64, usize)>) -> Runtime {
    let all: Vec<PopId> = ["X", "H", "Y"].iter().map(|n| net.graph.pop(n).expect("pop")).collect();
    let (x_pop, y_pop) = (all[0], all[2]);
    let mut sim = Runtime::builder().workers(workers).build(&net.graph).expect("builds");
    let advance = |sim: &mut Runtime, to: u64| support::advance_with_pause(&net.graph, sim, to, pause_at);
    for trial in 0..TRIALS {
        let start = trial * P + LAG;
        advance(&mut sim, start as u64);
        support::plan_eprop_trial(&mut sim, (x_pop, y_pop), N_IN, tg, start, T);
        advance(&mut sim, (start + T + 1) as u64);
        sim.begin_trial(&all).expect("resets");
    }
    advance(&mut sim, (TRIALS * P + LAG) as u64);
    sim
}

/// One synapse's wrapper state in the reference, in f64.
#[derive(Debug, Clone)]
enum Syn {
    /// Hidden weight `W_h` (`m` = 1.5).
    Hidden { h: f64 },
    /// Beakers `u_1..u_3`.
    Chain { u: [f64; 3] },
    /// `theta`, `omega`, `Omega`, `theta_star`, `theta_start`.
    Si { theta: f64, omega: f64, big: f64, star: f64, start: f64 },
}

impl Syn {
    fn new(wrap: Wrap, w0: f64) -> Syn {
        match wrap {
            Wrap::Hidden => Syn::Hidden { h: w0 },
            Wrap::Chain => Syn::Chain { u: [w0, 0.0, 0.0] },
            Wrap::Si | Wrap::SiModulated => Syn::Si { theta: w0, omega: 0.0, big: 0.0, star: w0, start: w0 },
        }
    }

    /// Spec 7.2 / 7.1 / 7.3 for the proposed change `delta = -eta g`.
    fn step(&mut self, delta: f64) {
        match self {
            Syn::Hidden { h } => {
                let d = if delta * *h < 0.0 { delta * (1.0 - (1.5 * h.abs()).tanh().powi(2)) } else { delta };
                *h += d;
            }
            // I_ext = C_1 delta / Δ: u_1 moves by delta.
            Syn::Chain { u } => u[0] += delta,
            Syn::Si { theta, omega, big, star, .. } => {
                let g = -delta / ETA;
                let gain = (2.0 * ETA * SI_C * *big).min(0.5);
                let total = delta - gain * (*theta - *star);
                // `theta` is the engine's f32 weight (spec 7.3 in the runtime): the
                // step taken, which the path integral weighs, is between f32 values.
                let next = f64::from((*theta + total) as f32);
                *omega += -g * (next - *theta);
                *theta = next;
            }
        }
    }

    /// The chain's Jacobi step (geometric constants, m = 3, Δ = 1) or a consolidation.
    fn clock(&mut self) {
        match self {
            Syn::Chain { u } => {
                let (c, g) = ([1.0, 2.0, 4.0], [1.0 / 8.0, 1.0 / 16.0, 1.0 / 32.0]);
                let old = *u;
                let next = |k: usize| if k + 1 < 3 { old[k + 1] } else { 0.0 };
                for k in 0..3 {
                    let from_above = if k > 0 { g[k - 1] * (old[k - 1] - old[k]) } else { 0.0 };
                    u[k] = old[k] + (from_above + g[k] * (next(k) - old[k])) / c[k];
                }
            }
            Syn::Si { theta, omega, big, star, start } => {
                let moved = *theta - *start;
                *big += (*omega / (moved * moved + SI_XI)).max(0.0);
                (*star, *start, *omega) = (*theta, *theta, 0.0);
            }
            Syn::Hidden { .. } => {}
        }
    }

    fn efficacy(&self) -> f64 {
        match self {
            Syn::Hidden { h } => *h,
            Syn::Chain { u } => u[0],
            Syn::Si { theta, .. } => *theta,
        }
    }

    /// The probed columns, in [`Wrap::columns`] order.
    fn columns(&self) -> Vec<f64> {
        match self {
            Syn::Hidden { h } => vec![*h],
            Syn::Chain { u } => u.to_vec(),
            Syn::Si { omega, big, star, .. } => vec![*omega, *big, *star],
        }
    }
}

/// The reference's wrapped synapses of one projection, `[target][source]`.
struct Layer {
    syn: Vec<Vec<Syn>>,
    /// Ticks at which this projection's steps act after step `k`'s tick `(k + 1) P`.
    lag: usize,
}

impl Layer {
    fn new(wrap: Wrap, w0: &Matrix, lag: usize) -> Layer {
        Layer { syn: w0.iter().map(|r| r.iter().map(|&w| Syn::new(wrap, w)).collect()).collect(), lag }
    }
    fn weights(&self) -> Matrix {
        self.syn.iter().map(|r| r.iter().map(Syn::efficacy).collect()).collect()
    }
}

/// Whether the wrapper's clock runs at tick `s` (the chain's steps every `P`, the
/// consolidations every 50 ms or at the modulator's rising edges).
fn clock_at(wrap: Wrap, s: usize) -> bool {
    s > 0
        && match wrap {
            Wrap::Chain => s.is_multiple_of(P),
            Wrap::Si | Wrap::SiModulated => s.is_multiple_of(SI_EVERY as usize),
            Wrap::Hidden => false,
        }
}

/// The reference trained trial by trial: each trial's gradient from the dense
/// reference with the wrapped efficacies, its change `-eta g` applied at the tick the
/// step acts (`(k + 1) P`, plus `LAG` on the hidden weights), clocks at their ticks
/// before the steps of the same tick. Returns the layers (input, rec, out).
fn reference(net: &Net, wrap: Wrap, tg: &[Vec<f64>]) -> (EpropNet, [Layer; 3]) {
    let sim = Runtime::builder().build(&net.graph).expect("builds");
    let alpha = (-1.0f64 / 20.0).exp();
    let mut r = EpropNet {
        n_in: N_IN,
        n_rec: N_REC,
        n_out: N_OUT,
        w_in: dense(&sim, net.input, N_REC, N_IN),
        w_rec: dense(&sim, net.rec, N_REC, N_REC),
        w_out: dense(&sim, net.out, N_OUT, N_REC),
        b: dense(&sim, net.fb, N_REC, N_OUT),
        alpha,
        rho: (-1.0f64 / 200.0).exp(),
        kappa: (-1.0f64 / 15.0).exp(),
        v_th: 0.6,
        beta: 0.0,
        n_ref: 2,
        gamma: 0.3,
        s_in: 1.0,
        s_out: 1.0,
    };
    let mut layers = [Layer::new(wrap, &r.w_in, LAG), Layer::new(wrap, &r.w_rec, LAG), Layer::new(wrap, &r.w_out, 0)];
    let mut x = vec![vec![0.0; N_IN]; T];
    for (t, row) in x.iter_mut().enumerate().skip(1) {
        for (i, v) in row.iter_mut().enumerate() {
            *v = if support::eprop_fires(i, t - 1) { 1.0 } else { 0.0 };
        }
    }
    let mut grads: Vec<[Matrix; 3]> = Vec::new();
    let end = TRIALS * P + LAG;
    for s in 0..=end {
        for (l, layer) in layers.iter_mut().enumerate() {
            if clock_at(wrap, s) {
                layer.syn.iter_mut().flatten().for_each(Syn::clock);
            }
            if s >= P + layer.lag && (s - layer.lag).is_multiple_of(P) {
                let g = &grads[(s - layer.lag) / P - 1][l];
                for (row, gr) in layer.syn.iter_mut().zip(g) {
                    for (syn, &g) in row.iter_mut().zip(gr) {
                        syn.step(-ETA * g);
                    }
                }
            }
        }
        [r.w_in, r.w_rec, r.w_out] = [layers[0].weights(), layers[1].weights(), layers[2].weights()];
        for j in 0..N_REC {
            r.w_rec[j][j] = 0.0;
        }
        if s % P == LAG && s / P < TRIALS {
            // Trial `s / P` starts: every step acting by now is in place.
            let run = r.eprop(&x, tg);
            grads.push([run.g_in, run.g_rec, run.g_out]);
        }
    }
    (r, layers)
}

/// `got` within `tol` of `want` (relative, absolute below 1).
fn assert_close(what: &str, got: &Matrix, want: &Matrix, skip_diagonal: bool, tol: f64) {
    for (r, (a, b)) in got.iter().zip(want).enumerate() {
        for (c, (x, y)) in a.iter().zip(b).enumerate() {
            if skip_diagonal && r == c {
                continue;
            }
            assert!((x - y).abs() <= tol * y.abs().max(1.0), "{what}[{r}][{c}]: engine {x}, reference {y}");
        }
    }
}

/// Every wrapper on every e-prop projection (input, recurrent, readout), LIF: after
/// four trials (four steps, with the chain's steps and consolidations between
/// them) the engine's weights and the wrapper's state equal the reference's.
#[test]
fn wrapped_eprop_trains_like_the_reference_with_the_wrappers_equations() {
    let tg = targets(T);
    for wrap in [Wrap::Hidden, Wrap::Chain, Wrap::Si, Wrap::SiModulated] {
        let net = network(21, wrap);
        let sim = run_trials(&net, &tg, 2, None);
        let (_, layers) = reference(&net, wrap, &tg);
        let dims = [(N_REC, N_IN), (N_REC, N_REC), (N_OUT, N_REC)];
        let mut moved = 0;
        for (l, (&p, layer)) in [net.input, net.rec, net.out].iter().zip(&layers).enumerate() {
            let (rows, cols) = dims[l];
            let diag = l == 1;
            let want = layer.weights();
            assert_close(&format!("{wrap:?} weights of projection {l}"), &dense(&sim, p, rows, cols), &want, diag, 1e-5);
            let w0 = dense(&Runtime::builder().build(&net.graph).expect("builds"), p, rows, cols);
            moved += want.iter().flatten().zip(w0.iter().flatten()).filter(|(a, b)| (*a - *b).abs() > 1e-4).count();
            for (c, (name, probe)) in net.state[l].iter().enumerate() {
                let want: Matrix = layer.syn.iter().map(|r| r.iter().map(|s| s.columns()[c]).collect()).collect();
                // SI's path integral sums `g` times the steps between f32 weights,
                // each step a difference of nearby f32 values: an ulp of the weight
                // is 1e-5 of a step, so `omega` (and `Omega` from it) agree to 1e-4.
                let tol = if name.eq_ignore_ascii_case("omega") { 1e-4 } else { 1e-5 };
                assert_close(&format!("{wrap:?} {name} of projection {l}"), &last(&sim, *probe, rows, cols), &want, diag, tol);
            }
        }
        assert!(moved > 20, "{wrap:?}: training moved {moved} weights");
        if matches!(wrap, Wrap::Si | Wrap::SiModulated) {
            let big = layers.iter().flat_map(|l| l.syn.iter().flatten()).filter(|s| matches!(s, Syn::Si { big, .. } if *big > 1e-3)).count();
            assert!(big > 10, "{wrap:?}: consolidations gave {big} synapses an importance");
        }
    }
}

/// The learned state of every plastic projection as bits: weights and each
/// wrapper's probed columns.
fn bits(sim: &Runtime, net: &Net) -> Vec<Vec<u32>> {
    let mut out: Vec<Vec<u32>> = [net.input, net.rec, net.out].iter().map(|&p| support::weight_bits(sim, p)).collect();
    for probes in &net.state {
        for (_, p) in probes {
            let t = sim.weights(*p).expect("state");
            let n = t.synapses.len();
            out.push(t.values[t.values.len() - n..].iter().map(|v| v.to_bits()).collect());
        }
    }
    out
}

/// Wrapped training is bit-identical on 1 and 3 workers, and across a checkpoint
/// mid-trial and one between a step's tick and the tick it acts on, each resumed on
/// another worker count.
#[test]
fn wrapped_eprop_is_bit_identical_for_workers_and_checkpoints() {
    let tg = targets(T);
    for wrap in [Wrap::Hidden, Wrap::Chain, Wrap::SiModulated] {
        let net = network(22, wrap);
        let want = bits(&run_trials(&net, &tg, 1, None), &net);
        assert!(bits(&run_trials(&net, &tg, 3, None), &net) == want, "{wrap:?}: 1 and 3 workers");
        for (at, w) in [((P + LAG + 10) as u64, 3), ((2 * P + 1) as u64, 2)] {
            assert!(bits(&run_trials(&net, &tg, 2, Some((at, w))), &net) == want, "{wrap:?}: checkpoint at tick {at}, resumed on {w} workers");
        }
    }
}

/// Evaluation without learning works for wrapped e-prop: a trial with learning off
/// leaves the weights and the hidden weights bit-identical.
#[test]
fn wrapped_eprop_switches_learning_off() {
    let tg = targets(T);
    let net = network(23, Wrap::Hidden);
    let mut sim = run_trials(&net, &tg, 2, None);
    let before = bits(&sim, &net);
    sim.set_learning(false).expect("wrapped e-prop has a learning switch");
    let x_pop = net.graph.pop("X").expect("pop");
    let start = sim.tick();
    for t in 0..T - 1 {
        let idx: Vec<u32> = (0..N_IN).filter(|&i| support::eprop_fires(i, t)).map(|i| i as u32).collect();
        sim.inject_spikes(x_pop, &idx, ((start as usize + t) as f64).ms()).expect("injects");
    }
    sim.run_ticks(2 * P as u64).expect("runs");
    let after = bits(&sim, &net);
    assert!(before[..3] == after[..3], "no step while learning is off");
    assert!(before[3..].iter().zip(&after[3..]).all(|(a, b)| a == b), "the hidden weights stay");
}
