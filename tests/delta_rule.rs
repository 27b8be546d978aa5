//! The delta rule in the engine (`synfire_rules::Delta`, spec 10.1): Poisson-coded
//! inputs onto a spiking output neuron, the target as a per-neuron error signal
//! `y* - p` (target spikes minus output spikes; the engine refuses the rule on a
//! projection into rate units). Equal to a serial reference of `dw = eta (y* - p) x` computed from the
//! recorded spikes and outputs, bit-identical for 1, 2 and 4 workers, and it learns.

use synfire::prelude::*;
use synfire_graphs::PlasticityRule;
use synfire_graphs::{Graph, ProjId};
use synfire_rules::Delta;
use synfire_rules::delta::error_signal;
use synfire_runtime::Runtime;

const ETA: f64 = 2.0;
/// Initial weights (mV).
const W0: f64 = 4.0;
const TAU_MS: f64 = 20.0;
const DT_MS: f64 = 0.1;
const DELAY_TICKS: u64 = 10; // X -> R
const FB_TICKS: u64 = 2; // the error's delay

struct Net {
    graph: Graph,
    plastic: ProjId,
    spikes: Probe<probe_kind::Spikes>,
}

/// 10 channels at 20 Hz (the pattern's active bits) and 40 at 2 Hz onto one LIF
/// neuron R; the target T is a Poisson train at `rate` (the output rate wanted).
fn network(rate: f64) -> Net {
    network_with(rate, |d| d.to_spec())
}

/// [`network`] with the `on` projection's rule made from the delta rule by `wrap`.
fn network_with(rate: f64, wrap: impl Fn(Delta) -> synfire_graphs::RuleSpec) -> Net {
    let mut net = Network::new().dt(DT_MS.ms()).seed(11);
    let on = net.poisson("on", 10, 20.0.hz());
    let off = net.poisson("off", 40, 2.0.hz());
    let r = net.population("R", 1, Lif::cuba());
    let t = net.poisson("T", 1, rate.hz());
    error_signal(&mut net, "E", r, t, (FB_TICKS as f64 * DT_MS).ms());
    let rule = Delta::new().eta(ETA).tau(TAU_MS.ms()).error("E");
    let plastic = net.connect(on, r, Conn::all_to_all().weight(W0.mv()).delay((DELAY_TICKS as f64 * DT_MS).ms()).plastic(wrap(rule.clone())));
    net.connect(off, r, Conn::all_to_all().weight(W0.mv()).delay((DELAY_TICKS as f64 * DT_MS).ms()).plastic(rule));
    let spikes = net.record_spikes([on, r, t]);
    Net { graph: net.freeze_with(&synfire_rules::Catalog).expect("valid"), plastic, spikes }
}

/// Final weights of the `on` projection and the spikes `(tick, population, index)`.
fn run(n: &Net, workers: usize, ticks: u64) -> (Vec<f32>, Vec<(u64, u32, u32)>) {
    let mut sim = Runtime::builder().workers(workers).build(&n.graph).expect("builds");
    sim.run_ticks(ticks).expect("runs");
    let w = sim.projection_weights(n.plastic).expect("weights").values;
    let s = sim.spikes(n.spikes).expect("spikes");
    let spikes = (0..s.len()).map(|k| (s.ticks[k], s.pops[k], s.index[k])).collect();
    (w, spikes)
}

/// The population index of `name` in the spike list's order.
fn pop(n: &Net, name: &str) -> u32 {
    n.graph.populations.iter().position(|p| p.name == name).expect("population") as u32
}

#[test]
fn the_delta_rule_is_deterministic_and_equals_its_serial_reference() {
    let n = network(20.0);
    let ticks = 20000;
    let (w, spikes) = run(&n, 1, ticks);
    for workers in [2, 4] {
        assert!(run(&n, workers, ticks).0 == w, "{workers} workers");
    }
    // Serial reference: x_i(t) = λ x_i(t-1) + arrivals(t), w_i += eta E(t) x_i(t),
    // E(t) = T(t - d) - R(t - d), the spikes of target and output at tick t - d.
    let (on, r, t_pop) = (pop(&n, "on"), pop(&n, "R"), pop(&n, "T"));
    let mut e_at = vec![0.0f64; ticks as usize + FB_TICKS as usize + 1];
    let lambda = (-DT_MS / TAU_MS).exp();
    let mut x = [0.0f64; 10];
    let mut wr = vec![W0; 10];
    let mut arrivals = vec![Vec::new(); ticks as usize + DELAY_TICKS as usize + 1];
    for &(t, p, i) in &spikes {
        if p == on {
            arrivals[(t + DELAY_TICKS) as usize].push(i as usize);
        } else if p == t_pop {
            e_at[(t + FB_TICKS) as usize] += 1.0;
        } else if p == r {
            e_at[(t + FB_TICKS) as usize] -= 1.0;
        }
    }
    assert!(spikes.iter().any(|s| s.1 == r), "the output fires");
    for t in 0..ticks as usize {
        for xi in x.iter_mut() {
            *xi *= lambda;
        }
        for &i in &arrivals[t] {
            x[i] += 1.0;
        }
        let e = e_at[t];
        for i in 0..10 {
            wr[i] += ETA * e * x[i];
        }
    }
    let moved = wr.iter().fold(0.0f64, |m, v| m.max((v - W0).abs()));
    assert!(moved > 0.5, "the rule learned: {wr:?}");
    for (i, (&a, &b)) in w.iter().zip(&wr).enumerate() {
        assert!((f64::from(a) - b).abs() < 1e-4 * b.abs().max(1.0), "synapse {i}: engine {a}, reference {b}");
    }
}

#[test]
fn the_output_rate_approaches_its_target() {
    for target in [10.0, 30.0] {
        let n = network(target);
        let (_, spikes) = run(&n, 2, 40000);
        let r = pop(&n, "R");
        // The last 2 s of 4.
        let late = spikes.iter().filter(|s| s.1 == r && s.0 >= 20000).count() as f64 / 2.0;
        assert!((late - target).abs() < 0.3 * target, "output {late} Hz, target {target} Hz");
    }
}

/// Metaplastic hidden weights (spec 7.2) around the delta rule on the spiking
/// projection: the same engine, the wrapper's attenuation of updates that shrink
/// `|w|`, against the serial reference of both equations; 1, 2 and 4 workers agree.
#[test]
fn the_wrapped_delta_rule_on_spikes_equals_its_serial_reference() {
    use synfire_rules::Metaplastic;
    const M: f64 = 0.3;
    let n = network_with(20.0, |d| d.metaplastic(M).to_spec());
    let ticks = 20000;
    let (w, spikes) = run(&n, 1, ticks);
    for workers in [2, 4] {
        assert!(run(&n, workers, ticks).0 == w, "{workers} workers");
    }
    let (on, r, t_pop) = (pop(&n, "on"), pop(&n, "R"), pop(&n, "T"));
    let mut e_at = vec![0.0f64; ticks as usize + FB_TICKS as usize + 1];
    let mut arrivals = vec![Vec::new(); ticks as usize + DELAY_TICKS as usize + 1];
    for &(t, p, i) in &spikes {
        if p == on {
            arrivals[(t + DELAY_TICKS) as usize].push(i as usize);
        } else if p == t_pop {
            e_at[(t + FB_TICKS) as usize] += 1.0;
        } else if p == r {
            e_at[(t + FB_TICKS) as usize] -= 1.0;
        }
    }
    let lambda = (-DT_MS / TAU_MS).exp();
    let (mut x, mut h, mut attenuated) = ([0.0f64; 10], vec![W0; 10], 0);
    for t in 0..ticks as usize {
        for xi in x.iter_mut() {
            *xi *= lambda;
        }
        for &i in &arrivals[t] {
            x[i] += 1.0;
        }
        for i in 0..10 {
            let mut d = ETA * e_at[t] * x[i];
            if d * h[i] < 0.0 {
                d *= 1.0 - (M * h[i].abs()).tanh().powi(2);
                attenuated += 1;
            }
            h[i] += d;
        }
    }
    assert!(attenuated > 100, "the wrapper attenuated updates: {attenuated}");
    let plain = run(&network(20.0), 1, ticks).0;
    assert!(plain != w, "the wrapper changed the result");
    for (i, (&a, &b)) in w.iter().zip(&h).enumerate() {
        assert!((f64::from(a) - b).abs() < 1e-3 * b.abs().max(1.0), "synapse {i}: engine {a}, reference {b}");
    }
}
