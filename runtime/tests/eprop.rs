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
use synfire_graphs::{Graph, Number, ProjId, Time};
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
    g: [Probe<probe_kind::Weights>; 3],
}

/// Poisson inputs onto recurrent ALIF neurons (LIF for `beta = 0`) and two leaky
/// readouts whose error comes back as `L` through random feedback; dt = 1 ms,
/// every delay one tick, targets injected one tick late (the readout sees the
/// hidden spikes of tick `t` at `t + 1`).
fn network(seed: u64, beta: f64, normalised: bool, targets: &[Vec<f64>], update_every: Time) -> Net {
    let (tau_m, tau_out, v_th) = (20.0, 15.0, 0.6);
    let kappa = (-1.0f64 / tau_out).exp();
    let mut net = Network::new().dt(1.0.ms()).seed(seed);
    let x = net.poisson("X", N_IN as u64, 200.0.hz());
    let model = Alif::new().tau_m(tau_m.ms()).tau_a(200.0.ms()).set("v_th", v_th.one()).beta(beta.one()).t_ref(2.0.ms());
    let h = net.population("H", N_REC as u64, model);
    let gain = if normalised { 1.0 - kappa } else { 1.0 };
    let y = net.population("Y", N_OUT as u64, RateUnit::readout().tau(tau_out.ms()).gain(gain.one()));
    for (k, series) in (0..N_OUT).map(|k| (k, targets.iter().map(move |t| t[k]))) {
        let steps: Vec<(Time, Number)> = series.enumerate().map(|(t, v)| (((t + 1) as f64).ms(), Number(v))).collect();
        net.inject(y, &format!("target{k}"), Stim::steps(steps).neurons(k as u32..k as u32 + 1));
    }
    net.learning_signal("L", h);
    let hidden = Eprop::hidden().eta(0.01).update_every(update_every).tau_out(tau_out.ms()).signal_delay(2.0.ms()).normalised(false, normalised).signal("L");
    let w = |s: f64| uniform((-s).one(), s.one());
    let input = net.connect(x, h, Conn::all_to_all().weight(w(0.8)).delay(1.0.ms()).plastic(hidden.clone()));
    let rec = net.connect(h, h, Conn::all_to_all().autapses(false).weight(w(0.5)).delay(1.0.ms()).plastic(hidden));
    let out = net.connect(h, y, Conn::all_to_all().weight(w(0.7)).delay(1.0.ms()).plastic(Eprop::readout().eta(0.01).update_every(update_every)));
    let fb = net.connect(y, h, Conn::all_to_all().weight(w(1.0)).delay(1.0.ms()).into_signal("L"));
    let x_spikes = net.record_spikes([x]);
    let g = [input, rec, out].map(|p| net.record_synapse_state(p, "g", 1.0.ms(), None));
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
    const TICKS: usize = 60;
    for (beta, normalised) in [(0.0, false), (0.0, true), (0.3, false), (0.3, true)] {
        let tg = targets(TICKS);
        let net = network(11, beta, normalised, &tg, 10.0.s());
        let mut sim = Runtime::builder().workers(2).build(&net.graph).expect("builds");
        let reference = reference_of(&sim, &net, beta, normalised);
        sim.run_ticks(TICKS as u64).expect("runs");
        // Inputs: the reference's x[t] is what arrives at tick t (sent at t - 1).
        let mut x = vec![vec![0.0; N_IN]; TICKS];
        let xs = sim.spikes(net.x_spikes).expect("spikes");
        for (&t, &i) in xs.ticks.iter().zip(&xs.index) {
            if (t as usize) + 1 < TICKS {
                x[t as usize + 1][i as usize] = 1.0;
            }
        }
        let run = reference.eprop(&x, &tg);
        let spikes: usize = run.z.iter().flatten().filter(|&&z| z > 0.0).count();
        assert!(spikes > 20, "the hidden neurons fire ({spikes} spikes)");
        let [gi, gr, go] = net.g.map(|p| sim.weights(p).expect("g"));
        assert_eq!(gi.ticks[..3], [1, 2, 3], "a sample after every tick");
        // Sample k holds g after every tick before k (engine ticks). Hidden gradients
        // of engine tick t are known at t + 2; the readout's of reference tick t is
        // engine tick t + 1 and known at once.
        for k in 3..TICKS {
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
