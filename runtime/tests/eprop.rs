//! e-prop in the engine against the dense f64 reference of the specs' equations
//! (`rules/tests/rules/eprop_reference.rs`): the accumulated gradients of every
//! synapse, tick by tick, for LIF and ALIF, both filter normalisations; and the same
//! training bit for bit on any worker count and window, and across a checkpoint.

mod support;

#[path = "../../rules/tests/rules/eprop_reference.rs"]
#[allow(dead_code)]
mod eprop_reference;

use eprop_reference::{EpropNet, Matrix};
use synfire_graphs::prelude::*;
use synfire_graphs::{Graph, Number, PopId, ProjId, Time};
use synfire_rules::Eprop;
use synfire_runtime::Runtime;

const N_IN: usize = 5;
const N_REC: usize = 6;
const N_OUT: usize = 2;

/// The handles of an e-prop network.
struct Net {
    graph: Graph,
    input: ProjId,
    rec: ProjId,
    out: ProjId,
    fb: ProjId,
    x_spikes: Probe<probe_kind::Spikes>,
    /// Empty without `Cfg::probe_g`.
    g: Vec<Probe<probe_kind::Weights>>,
}

/// What varies between the networks of these tests.
#[derive(Debug, Clone, Copy)]
struct Cfg {
    beta: f64,
    normalised: bool,
    update_every: Time,
    /// Firing-rate regulariser strength (target 10 Hz).
    c_reg: f64,
    /// Adam (instead of SGD) for the readout weights.
    adam_readout: bool,
    /// The regulariser's online form.
    online: bool,
    /// Symmetric feedback: `B = W_out^T`, learning with the readout.
    symmetric: bool,
    /// Every delay, in ticks.
    delay: u64,
    /// Poisson inputs at 200 Hz, else inputs that fire only when injected.
    poisson: bool,
    /// Probes of `g` on the three projections, every tick.
    probe_g: bool,
}

impl Cfg {
    fn new(beta: f64, normalised: bool) -> Cfg {
        Cfg {
            beta,
            normalised,
            update_every: 10.0.s(),
            c_reg: 0.0,
            online: false,
            symmetric: false,
            adam_readout: false,
            delay: 1,
            poisson: true,
            probe_g: true,
        }
    }
}

/// Poisson inputs onto recurrent ALIF neurons (LIF for `beta = 0`) and two leaky
/// readouts whose error comes back as `L` through random feedback; dt = 1 ms,
/// targets injected one tick late (the readout sees the hidden spikes of tick `t`
/// at `t + 1` with the one-tick delays of the reference comparisons).
fn network(seed: u64, cfg: Cfg, targets: &[Vec<f64>]) -> Net {
    let (tau_m, tau_out, v_th) = (20.0, 15.0, 0.6);
    let kappa = (-1.0f64 / tau_out).exp();
    let d = (cfg.delay as f64).ms();
    let mut net = Network::new().dt(1.0.ms()).seed(seed);
    let x = if cfg.poisson {
        net.poisson("X", N_IN as u64, 200.0.hz())
    } else {
        net.source("X", N_IN as u64, synfire_graphs::SourceSpec::SpikeTimes { times: vec![Vec::new(); N_IN] })
    };
    let model = Alif::new().tau_m(tau_m.ms()).tau_a(200.0.ms()).set("v_th", v_th.one()).beta(cfg.beta.one()).t_ref(2.0.ms());
    let h = net.population("H", N_REC as u64, model);
    let gain = if cfg.normalised { 1.0 - kappa } else { 1.0 };
    let y = net.population("Y", N_OUT as u64, RateUnit::readout().tau(tau_out.ms()).gain(gain.one()));
    for (k, series) in (0..N_OUT).filter(|_| !targets.is_empty()).map(|k| (k, targets.iter().map(move |t| t[k]))) {
        let steps: Vec<(Time, Number)> = series.enumerate().map(|(t, v)| (((t as u64 + cfg.delay) as f64).ms(), Number(v))).collect();
        net.inject(y, &format!("target{k}"), Stim::steps(steps).neurons(k as u32..k as u32 + 1));
    }
    net.learning_signal("L", h);
    let hidden = Eprop::hidden()
        .eta(0.01)
        .update_every(cfg.update_every)
        .tau_out(tau_out.ms())
        .signal_delay(((2 * cfg.delay) as f64).ms())
        .normalised(false, cfg.normalised)
        .signal("L");
    let hidden = if cfg.online { hidden.regularise_online(cfg.c_reg, 10.0.hz()) } else { hidden.regularise(cfg.c_reg, 10.0.hz()) };
    let readout = Eprop::readout().eta(0.01).update_every(cfg.update_every);
    let readout = if cfg.adam_readout { readout.adam() } else { readout };
    let w = |s: f64| uniform((-s).one(), s.one());
    let input = net.connect(x, h, Conn::all_to_all().weight(w(0.8)).delay(d).plastic(hidden.clone()));
    let rec = net.connect(h, h, Conn::all_to_all().autapses(false).weight(w(0.5)).delay(d).plastic(hidden));
    let (out, fb) = if cfg.symmetric {
        // The readout weights drawn here, the feedback their transpose.
        use rand::RngExt;
        let mut r = synfire_graphs::rng::stream(seed, synfire_graphs::rng::Domain::Task, 9, 0);
        let w_out: Vec<(u32, u32, Number)> =
            (0..N_REC as u32).flat_map(|j| (0..N_OUT as u32).map(move |k| (j, k))).map(|(j, k)| (j, k, Number(r.random_range(-0.7..0.7)))).collect();
        let fb_rule = synfire_rules::EpropFeedback::new().eta(0.01).update_every(cfg.update_every).readout(tau_out.ms(), gain, d);
        let out = net.connect(h, y, Conn::weighted_list(w_out.clone()).delay(d).plastic(readout));
        let fb =
            net.connect(y, h, Conn::weighted_list(w_out.iter().map(|&(j, k, w)| (k, j, w)).collect::<Vec<_>>()).delay(d).into_signal("L").plastic(fb_rule));
        (out, fb)
    } else {
        (
            net.connect(h, y, Conn::all_to_all().weight(w(0.7)).delay(d).plastic(readout)),
            net.connect(y, h, Conn::all_to_all().weight(w(1.0)).delay(d).into_signal("L")),
        )
    };
    let x_spikes = net.record_spikes([x, h]);
    let g = if cfg.probe_g { [input, rec, out].iter().map(|&p| net.record_synapse_state(p, "g", 1.0.ms(), None)).collect() } else { Vec::new() };
    let graph = net.freeze_with(&synfire_rules::Catalog).expect("valid");
    Net { graph, input, rec, out, fb, x_spikes, g }
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

/// Targets: two slow sines.
fn targets(n: usize) -> Vec<Vec<f64>> {
    (0..n).map(|t| vec![(t as f64 / 4.0).sin(), 0.5 * (t as f64 / 7.0).cos()]).collect()
}

/// The reference network with the engine's weights.
fn reference_of(sim: &Runtime, net: &Net, beta: f64, normalised: bool) -> EpropNet {
    let alpha = (-1.0f64 / 20.0).exp();
    let kappa = (-1.0f64 / 15.0).exp();
    let b_t = dense(sim, net.fb, N_REC, N_OUT);
    EpropNet {
        n_in: N_IN,
        n_rec: N_REC,
        n_out: N_OUT,
        w_in: dense(sim, net.input, N_REC, N_IN),
        w_rec: dense(sim, net.rec, N_REC, N_REC),
        w_out: dense(sim, net.out, N_OUT, N_REC),
        b: b_t,
        alpha,
        rho: (-1.0f64 / 200.0).exp(),
        kappa,
        v_th: 0.6,
        beta,
        n_ref: 2,
        gamma: 0.3,
        s_in: 1.0,
        s_out: if normalised { 1.0 - kappa } else { 1.0 },
    }
}

/// The recorded gradient of probe `p` at sample `k` as `[target][source]`.
fn sample(trace: &synfire_runtime::WeightTrace, k: usize, rows: usize, cols: usize) -> Matrix {
    let n = trace.synapses.len();
    let mut m = vec![vec![0.0; cols]; rows];
    for (c, &(s, t)) in trace.synapses.iter().enumerate() {
        m[t as usize][s as usize] = f64::from(trace.values[k * n + c]);
    }
    m
}

/// The reference's inputs: `x[t]` is what arrives at tick `t` (sent at `t - 1`).
fn inputs(sim: &Runtime, net: &Net, ticks: usize) -> Vec<Vec<f64>> {
    let mut x = vec![vec![0.0; N_IN]; ticks];
    let xs = sim.spikes(net.x_spikes).expect("spikes");
    for ((&t, &i), &p) in xs.ticks.iter().zip(&xs.index).zip(&xs.pops) {
        if p == 0 && (t as usize) + 1 < ticks {
            x[t as usize + 1][i as usize] = 1.0;
        }
    }
    x
}

fn max_abs(m: &Matrix) -> f64 {
    m.iter().flatten().fold(0.0f64, |a, &b| a.max(b.abs()))
}

fn assert_close(what: &str, got: &Matrix, want: &Matrix) {
    let scale = max_abs(want).max(1e-3);
    for (r, (a, b)) in got.iter().zip(want).enumerate() {
        for (c, (x, y)) in a.iter().zip(b).enumerate() {
            assert!((x - y).abs() <= 1e-5 * scale, "{what}[{r}][{c}]: engine {x}, reference {y} (scale {scale})");
        }
    }
}

#[test]
fn accumulated_gradients_equal_the_dense_reference_tick_by_tick() {
    // LIF runs across the hidden rule's segment boundaries (every 64 ticks); ALIF
    // for 70 ticks (one boundary): beyond about 70 its f32 adaptation drifts from the f64
    // reference by more than the tolerance (with the tick-by-tick replay as well).
    // Random feedback for every neuron and filter, symmetric feedback (B = W_out^T,
    // the feedback rule learning with the readout) for LIF and ALIF.
    for (beta, normalised, ticks, symmetric) in
        [(0.0, false, 300, false), (0.0, true, 300, false), (0.3, false, 70, false), (0.3, true, 70, false), (0.0, false, 300, true), (0.3, true, 70, true)]
    {
        const TICKS: usize = 300;
        let tg = targets(TICKS);
        let net = network(11, Cfg { symmetric, ..Cfg::new(beta, normalised) }, &tg);
        let mut sim = Runtime::builder().workers(2).build(&net.graph).expect("builds");
        let reference = reference_of(&sim, &net, beta, normalised);
        if symmetric {
            let w_out = dense(&sim, net.out, N_OUT, N_REC);
            assert!((0..N_REC).all(|j| (0..N_OUT).all(|k| reference.b[j][k] == w_out[k][j])), "B is W_out^T");
        }
        sim.run_ticks(TICKS as u64).expect("runs");
        let x = inputs(&sim, &net, TICKS);
        let run = reference.eprop(&x, &tg);
        let spikes: usize = run.z.iter().flatten().filter(|&&z| z > 0.0).count();
        assert!(spikes > 20, "the hidden neurons fire ({spikes} spikes)");
        let [gi, gr, go] = [0, 1, 2].map(|k| sim.weights(net.g[k]).expect("g"));
        assert_eq!(gi.ticks[..3], [1, 2, 3], "a sample after every tick");
        // Sample k holds g after every tick before k (engine ticks). Hidden gradients
        // of engine tick t are known at t + 2; the readout's of reference tick t is
        // engine tick t + 1 and known at once.
        for k in 3..ticks {
            // Sample `k - 1` is taken at tick `k`, after ticks `0..k`.
            let (ri, rr, _) = &run.g_trace[k - 3];
            assert_close(&format!("beta {beta} norm {normalised} g_in after {k}"), &sample(&gi, k - 1, N_REC, N_IN), ri);
            assert_close(&format!("beta {beta} norm {normalised} g_rec after {k}"), &sample(&gr, k - 1, N_REC, N_REC), rr);
            let (_, _, ro) = &run.g_trace[k - 2];
            assert_close(&format!("beta {beta} norm {normalised} g_out after {k}"), &sample(&go, k - 1, N_OUT, N_REC), ro);
        }
        assert!(max_abs(&run.g_trace[TICKS - 3].0) > 1e-3, "the gradient is not trivially zero");
    }
}

/// Only a probed rule brings its per-synapse state into an unfinished segment at a
/// settle (its probe view, on copies): without the `g` probes a settle at tick 40
/// (inside the first segment) holds no view, with them it holds `g` and `ebar` of
/// every input and recurrent synapse; the weights are the same bits either way.
/// (That the probed values are every tick's own is the reference comparison above.)
#[test]
fn only_probed_rules_fill_their_probe_view() {
    let tg = targets(40);
    let mut held = Vec::new();
    let mut weights = Vec::new();
    for probe_g in [true, false] {
        let net = network(11, Cfg { probe_g, ..Cfg::new(0.0, true) }, &tg);
        let mut sim = Runtime::builder().workers(2).build(&net.graph).expect("builds");
        sim.run_ticks(40).expect("runs");
        weights.push([net.input, net.rec, net.out].map(|p| support::weight_bits(&sim, p)));
        held.push(sim.memory().expect("memory").plasticity_bytes);
    }
    assert!(weights[0] == weights[1], "probes change no weight");
    let view = 2 * 4 * (N_IN * N_REC + N_REC * (N_REC - 1)) as u64;
    assert_eq!(held[0] - held[1], view, "with probes: g and ebar of every hidden synapse in the view; without: none");
}

/// The optimiser step at tick 30 applies the interval's gradient: SGD `w - eta g`
/// with the regulariser's `c_reg (fbar - f_target) / T sum_t e` on the hidden
/// weights, Adam's first step `w - eta g / (|g| + eps)` on the readout's.
#[test]
fn a_step_applies_the_intervals_gradient_with_the_regulariser_and_adam() {
    // The trial form, then the online form (each tick's e weighted by the rate
    // since tick 0 through that tick).
    for online in [false, true] {
        step_with_regulariser(online);
    }
}

fn step_with_regulariser(online: bool) {
    const T: usize = 30;
    let tg = targets(T + 10);
    let cfg = Cfg { update_every: (T as f64).ms(), c_reg: 50.0, online, adam_readout: true, ..Cfg::new(0.3, false) };
    let net = network(4, cfg, &tg);
    let mut sim = Runtime::builder().workers(3).build(&net.graph).expect("builds");
    let reference = reference_of(&sim, &net, 0.3, false);
    sim.run_ticks(T as u64 + 5).expect("runs");
    let x = inputs(&sim, &net, T);
    let run = reference.eprop(&x, &tg[..T]);
    // Spikes per tick over the interval, and the target rate per tick (10 Hz at 1 ms).
    let fbar: Vec<f64> = (0..N_REC).map(|j| run.z.iter().map(|z| z[j]).sum::<f64>() / T as f64).collect();
    let (eta, c_reg, f_target, t) = (0.01, 50.0, 0.01, T as f64);
    let hidden = |w0: &Matrix, g: &Matrix, sum_e: &Matrix, sum_fe: &Matrix| -> Matrix {
        let reg = |j: usize, i: usize| if online { sum_fe[j][i] - f_target * sum_e[j][i] } else { (fbar[j] - f_target) * sum_e[j][i] };
        (0..w0.len()).map(|j| (0..w0[j].len()).map(|i| w0[j][i] - eta * (g[j][i] + c_reg / t * reg(j, i))).collect()).collect()
    };
    let want_in = hidden(&reference.w_in, &run.g_in, &run.sum_e_in, &run.sum_fe_in);
    let mut want_rec = hidden(&reference.w_rec, &run.g_rec, &run.sum_e_rec, &run.sum_fe_rec);
    (0..N_REC).for_each(|j| want_rec[j][j] = 0.0);
    // The two forms differ here (the rates are not constant over the interval).
    let gap =
        (0..N_REC).flat_map(|j| (0..N_IN).map(move |i| (j, i))).map(|(j, i)| (run.sum_fe_in[j][i] - fbar[j] * run.sum_e_in[j][i]).abs()).fold(0.0f64, f64::max);
    assert!(gap > 1e-3, "the online and trial forms differ on this run ({gap})");
    // The readout's interval is its engine ticks 0..30: reference ticks up to 28.
    let g_out = &run.g_trace[T - 2].2;
    let want_out: Matrix = (0..N_OUT).map(|k| (0..N_REC).map(|j| reference.w_out[k][j] - eta * g_out[k][j] / (g_out[k][j].abs() + 1e-8)).collect()).collect();
    let moved = |a: &Matrix, b: &Matrix| a.iter().flatten().zip(b.iter().flatten()).filter(|(x, y)| (*x - *y).abs() > 1e-6).count();
    assert!(moved(&want_in, &reference.w_in) > N_IN * N_REC / 2, "the step moves most input weights");
    let scale = |w: &Matrix| Matrix::from(w.clone());
    for (what, p, rows, cols, want) in
        [("w_in", net.input, N_REC, N_IN, &want_in), ("w_rec", net.rec, N_REC, N_REC, &want_rec), ("w_out", net.out, N_OUT, N_REC, &want_out)]
    {
        let got = dense(&sim, p, rows, cols);
        for (r, (a, b)) in got.iter().zip(scale(want)).enumerate() {
            for (c, (x, y)) in a.iter().zip(b).enumerate() {
                assert!((x - y).abs() <= 1e-5 * y.abs().max(1.0), "{what}[{r}][{c}]: engine {x}, reference {y}");
            }
        }
    }
}

/// The weights a training run produces, as bits.
fn trained(net: &Net, workers: usize, window: Option<u64>, ticks: u64) -> Vec<Vec<u32>> {
    let mut sim = support::runtime(&net.graph, workers, window);
    sim.run_ticks(ticks).expect("runs");
    [net.input, net.rec, net.out].iter().map(|&p| support::weight_bits(&sim, p)).collect()
}

/// Training with steps every 20 ms, Adam and the regulariser, with delays of two
/// ticks (so windows of 1 and 2 ticks): bit-identical for 1 to 4 workers and every
/// window, and across a checkpoint taken between a step's tick and the tick it acts.
#[test]
fn training_is_bit_identical_for_any_workers_window_and_checkpoint() {
    for online in [false, true] {
        bit_identical_training(online);
    }
}

/// The determinism checks with the regulariser in its trial or its online form.
fn bit_identical_training(online: bool) {
    let tg = targets(400);
    let cfg = Cfg { update_every: 20.0.ms(), c_reg: 10.0, online, adam_readout: true, delay: 2, ..Cfg::new(0.2, true) };
    let net = network(8, cfg, &tg);
    let want = trained(&net, 1, None, 300);
    let mut start = support::runtime(&net.graph, 1, None);
    start.run_ticks(0).expect("runs");
    let w0 = support::weight_bits(&start, net.input);
    let moved = want[0].iter().zip(&w0).filter(|(a, b)| a != b).count();
    assert!(moved >= 5, "training moved {moved} of {} input weights", want[0].len());
    for (workers, window) in [(2, None), (3, Some(1)), (4, Some(2)), (2, Some(1))] {
        assert!(trained(&net, workers, window, 300) == want, "{workers} workers, window {window:?}");
    }
    // Tick 141: after the step of tick 140, before it acts at 144.
    let mut a = support::runtime(&net.graph, 3, None);
    a.run_ticks(141).expect("runs");
    let mut b = support::round_trip(&net.graph, &mut a, 2);
    drop(a);
    b.run_ticks(300 - 141).expect("runs");
    let got: Vec<Vec<u32>> = [net.input, net.rec, net.out].iter().map(|&p| support::weight_bits(&b, p)).collect();
    assert!(got == want, "weights differ after the resume");
}

const T: usize = 30;
const GAP: usize = 4;
const P: usize = T + GAP;
const LAG: usize = 2;
const TRIALS: usize = 3;

/// Runs `TRIALS` trials: trial `k` occupies ticks `k P + LAG .. k P + LAG + T` (so
/// the step of tick `k P`, acting from `k P + LAG`, is in place when it begins); its
/// input is injected and its target planned before it, and every population is
/// reset one tick after it (the readout's last error is of that tick). With
/// `pause_at`, the run is checkpointed at that tick and resumed on `resume_workers`.
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

/// Trials: a frozen input pattern and target each trial, a reset after each. With
/// the steps of `update_every = T + gap` acting just as a trial begins, the engine's
/// weights after three trials equal the reference trained trial by trial with SGD
/// (`W -= eta g` after each, every trial from rest): so the reset returns neurons,
/// readouts and traces to rest, keeps the last learning signals of a trial, and
/// scheduled currents and spikes arrive at their ticks.
#[test]
fn trials_train_like_the_reference_trial_by_trial() {
    let tg = targets(T);
    let cfg = Cfg { update_every: (P as f64).ms(), poisson: false, ..Cfg::new(0.3, false) };
    let net = network(21, cfg, &[]);
    let sim = run_trials(&net, &tg, 2, None);
    let mut reference = reference_of(&Runtime::builder().build(&net.graph).expect("builds"), &net, 0.3, false);
    let mut x = vec![vec![0.0; N_IN]; T];
    for (t, row) in x.iter_mut().enumerate().skip(1) {
        for (i, v) in row.iter_mut().enumerate() {
            *v = if support::eprop_fires(i, t - 1) { 1.0 } else { 0.0 };
        }
    }
    for _ in 0..TRIALS {
        let run = reference.eprop(&x, &tg);
        let sgd = |w: &mut Matrix, g: &Matrix| w.iter_mut().flatten().zip(g.iter().flatten()).for_each(|(w, g)| *w -= 0.01 * g);
        sgd(&mut reference.w_in, &run.g_in);
        sgd(&mut reference.w_rec, &run.g_rec);
        sgd(&mut reference.w_out, &run.g_out);
    }
    for (what, p, rows, cols, want) in [
        ("w_in", net.input, N_REC, N_IN, &reference.w_in),
        ("w_rec", net.rec, N_REC, N_REC, &reference.w_rec),
        ("w_out", net.out, N_OUT, N_REC, &reference.w_out),
    ] {
        let got = dense(&sim, p, rows, cols);
        for (r, (a, b)) in got.iter().zip(want).enumerate() {
            for (c, (x, y)) in a.iter().zip(b).enumerate() {
                assert!((x - y).abs() <= 1e-5 * y.abs().max(1.0), "{what}[{r}][{c}] after {TRIALS} trials: engine {x}, reference {y}");
            }
        }
    }
}

/// A checkpoint in the middle of a trial, with the trial's input spikes and target
/// currents still ahead, resumes bit-identically on another worker count.
#[test]
fn a_checkpoint_mid_trial_keeps_planned_inputs_and_targets() {
    let tg = targets(T);
    let cfg = Cfg { update_every: (P as f64).ms(), poisson: false, adam_readout: true, ..Cfg::new(0.3, true) };
    let net = network(22, cfg, &[]);
    let bits = |sim: &Runtime| -> Vec<Vec<u32>> { [net.input, net.rec, net.out].iter().map(|&p| support::weight_bits(sim, p)).collect() };
    let want = bits(&run_trials(&net, &tg, 1, None));
    for (at, w) in [((P + LAG + 10) as u64, 3), ((2 * P + LAG + T) as u64, 2)] {
        assert!(bits(&run_trials(&net, &tg, 2, Some((at, w)))) == want, "checkpoint at tick {at}, resumed on {w} workers");
    }
}

/// Per trial: the learned state before it (as bits) and the hidden spikes during it.
type Seen = (Vec<Vec<u32>>, usize);

/// Trial length of the evaluation tests: a period of 64 ticks, so that an evaluation
/// of two trials spans whole segments of the hidden rule (64 ticks each).
const T_EVAL: usize = 60;
const P_EVAL: usize = T_EVAL + GAP;

/// Runs trials as [`run_trials`] does, of `T_EVAL` ticks, trial `k` learning when
/// `plan[k]` (learning switched at the trial's first tick, just as the step of the
/// trial before acts). Returns the runtime and, per trial, the weights and the
/// optimiser columns of every plastic projection before it and the hidden spikes
/// during it. With `pause_at`, checkpointed at that tick and resumed on that many
/// workers.
fn run_plan(net: &Net, tg: &[Vec<f64>], workers: usize, plan: &[bool], pause_at: Option<(u64, usize)>) -> (Runtime, Vec<Seen>) {
    let all: Vec<PopId> = ["X", "H", "Y"].iter().map(|n| net.graph.pop(n).expect("pop")).collect();
    let (x_pop, y_pop) = (all[0], all[2]);
    let mut sim = Runtime::builder().workers(workers).build(&net.graph).expect("builds");
    let advance = |sim: &mut Runtime, to: u64| support::advance_with_pause(&net.graph, sim, to, pause_at);
    let mut seen = Vec::new();
    for (trial, &learn) in plan.iter().enumerate() {
        let start = trial * P_EVAL + LAG;
        advance(&mut sim, start as u64);
        sim.set_learning(learn).expect("e-prop switches learning at a trial start");
        let before = learned_state(&mut sim, net);
        sim.take_spikes(net.x_spikes).expect("spikes");
        support::plan_eprop_trial(&mut sim, (x_pop, y_pop), N_IN, tg, start, T_EVAL);
        advance(&mut sim, (start + T_EVAL + 1) as u64);
        sim.begin_trial(&all).expect("resets");
        let h0 = net.graph.offsets[all[1].index()];
        let hidden = sim.take_spikes(net.x_spikes).expect("spikes").gids.iter().filter(|&&g| g >= h0 && g < h0 + N_REC as u64).count();
        seen.push((before, hidden));
    }
    advance(&mut sim, (plan.len() * P_EVAL + LAG) as u64);
    (sim, seen)
}

/// The weights of every plastic projection and the rules' accumulated gradients,
/// Adam moments and step counts (the `clock` columns), as bits.
fn learned_state(sim: &mut Runtime, net: &Net) -> Vec<Vec<u32>> {
    let mut out: Vec<Vec<u32>> = [net.input, net.rec, net.out, net.fb].iter().map(|&p| support::weight_bits(sim, p)).collect();
    let ck = sim.checkpoint().expect("checkpoint");
    for p in [net.input, net.rec, net.out, net.fb] {
        let table = ck.projection_state(p.index()).expect("plastic projections have state");
        for c in &table.columns {
            let name = c.name.rsplit('.').next().unwrap_or_default();
            if ["g", "adam_m", "adam_v", "sum_e", "counts"].contains(&name) {
                match &c.values {
                    synfire_graphs::Values::F32(v) => out.push(v.iter().map(|x| x.to_bits()).collect()),
                    other => panic!("{} holds {}", c.name, other.type_name()),
                }
            }
            if name == "clock"
                && let synfire_graphs::Values::U64(v) = &c.values
            {
                // The optimiser's steps (the third value of both e-prop clocks).
                out.push(vec![v[2] as u32]);
            }
        }
    }
    out
}

/// Evaluation trials without learning (`Runtime::set_learning(false)`): weights,
/// gradients, Adam's moments and step counts stay bit-identical over them while
/// the network spikes; learning afterwards resumes exactly as if they had not
/// happened (every trace resets between trials and the evaluation spans whole 64-tick segments);
/// bit-identical on 1 and 3 workers and across a checkpoint in an evaluation trial
/// resumed on 2 workers. Symmetric feedback, Adam on the readout and the
/// regulariser exercise every e-prop rule and its optimiser state.
#[test]
fn evaluation_trials_learn_nothing_and_training_resumes_as_if_they_never_ran() {
    let tg = targets(T_EVAL);
    let cfg = Cfg { update_every: (P_EVAL as f64).ms(), poisson: false, adam_readout: true, symmetric: true, c_reg: 10.0, ..Cfg::new(0.3, true) };
    let net = network(23, cfg, &[]);
    let plan = [true, true, false, false, true, true];
    let (mut sim, seen) = run_plan(&net, &tg, 1, &plan, None);
    assert!(seen[1].0 != seen[0].0, "training trials change the learned state");
    assert!(seen[2].0 == seen[3].0, "nothing changes during the first evaluation trial");
    assert!(seen[3].0 == seen[4].0, "nothing changes during the second evaluation trial");
    assert!(seen[4].0 != seen[5].0, "learning resumes");
    assert!(seen[2].1 > 0 && seen[3].1 > 0, "the network spikes while it is evaluated: {seen:?}", seen = seen.iter().map(|s| s.1).collect::<Vec<_>>());
    let (mut never, _) = run_plan(&net, &tg, 1, &[true; 4], None);
    assert!(learned_state(&mut sim, &net) == learned_state(&mut never, &net), "training after the evaluation equals training without it");
    let want = learned_state(&mut sim, &net);
    let (mut three, _) = run_plan(&net, &tg, 3, &plan, None);
    assert!(learned_state(&mut three, &net) == want, "1 and 3 workers");
    let mid_eval = (3 * P_EVAL + LAG + 17) as u64;
    let (mut resumed, _) = run_plan(&net, &tg, 3, &plan, Some((mid_eval, 2)));
    assert!(learned_state(&mut resumed, &net) == want, "checkpoint in an evaluation trial, resumed on 2 workers");
}

/// What cannot switch learning refuses it by name and changes nothing: e-prop with
/// a step whose weights would change after the switch (a step at tick 64 acting at
/// 66, switched at 65), the online regulariser, and a rule without a switch (pair
/// STDP); a switch at a trial start is accepted.
#[test]
fn a_rule_that_cannot_stop_learning_refuses_by_name() {
    let cfg = Cfg { update_every: (P_EVAL as f64).ms(), poisson: false, ..Cfg::new(0.3, false) };
    let net = network(24, cfg, &[]);
    let mut sim = Runtime::builder().workers(2).build(&net.graph).expect("builds");
    sim.run_ticks(65).expect("runs");
    let err = sim.set_learning(false).expect_err("a step is pending");
    assert!(matches!(&err, synfire_runtime::RunError::Unsupported { path, .. } if path.contains("rule eprop")), "{err}");
    assert!(err.to_string().contains("tick 64") && err.to_string().contains("66"), "{err}");
    assert!(sim.learning(), "a refused switch changes nothing");
    sim.run_ticks(1).expect("runs");
    sim.set_learning(false).expect("from the tick the step acts, learning may stop");
    assert!(!sim.learning());

    let online = network(24, Cfg { online: true, c_reg: 1.0, ..cfg }, &[]);
    let mut sim = Runtime::builder().build(&online.graph).expect("builds");
    let err = sim.set_learning(false).expect_err("online regulariser");
    assert!(err.to_string().contains("regularise_online"), "{err}");

    let (graph, _, stdp) = support::cuba_stdp(200, 1.0, 3);
    let mut sim = Runtime::builder().workers(2).build(&graph).expect("builds");
    let err = sim.set_learning(false).expect_err("stdp_pair has no learning switch");
    let name = &graph.projections[stdp.index()].name;
    assert!(err.to_string().contains(name.as_str()) && err.to_string().contains("stdp_pair"), "{err}");
    assert!(sim.learning());
}
