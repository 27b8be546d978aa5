//! Reward-modulated STDP in the engine: the modulator reaches the rule through
//! `Context`, per-tick rules run every tick, results are bit-identical for any worker
//! count and window, the modulator's sign sets the sign of learning, and a checkpoint
//! taken mid-run (with the modulator's history) resumes bit-identically.

mod support;

use synfire_graphs::prelude::*;
use synfire_graphs::{ModId, ProjId};
use synfire_rules::RewardStdp;
use synfire_runtime::Runtime;

/// 200 Poisson inputs at 20 Hz onto 40 CUBA neurons through plastic synapses whose
/// rule reads the modulator `dopamine`.
fn network() -> (Graph, ProjId, ModId) {
    network_with(|net| net.modulator("dopamine", 0.0))
}

/// [`network`] with the modulator `dopamine` that `add` puts in.
fn network_with(add: impl FnOnce(&mut Network) -> ModId) -> (Graph, ProjId, ModId) {
    let mut net = Network::new().dt(0.1.ms()).seed(11);
    let x = net.source("X", 200, SourceSpec::poisson(20.0.hz()));
    let n = net.population("N", 40, Lif::cuba().e_l((-52.0).mv()).init("v", uniform((-60.0).mv(), (-50.0).mv())));
    let da = add(&mut net);
    let rule = RewardStdp::izhikevich2007().a_plus(0.05).a_minus(0.06).tau_c(200.0.ms()).bounds(0.0..=4.0).modulator("dopamine");
    let p = net.connect(x, n, Conn::prob(0.2).weight(1.5.mv()).delay(1.0.ms()).plastic(rule));
    net.connect(n, n, Conn::prob(0.1).weight((-1.0).mv()).delay(2.0.ms()));
    (net.freeze_with(&synfire_rules::Catalog).expect("valid"), p, da)
}

/// Pairs for 200 ms without reward, then `reward` for 200 ms; the weights' bits.
fn run(g: &Graph, p: ProjId, da: ModId, reward: f64, workers: usize, window: Option<u64>) -> Vec<u32> {
    let mut sim = support::runtime(g, workers, window);
    sim.run_for(200.0.ms()).expect("runs");
    sim.set_modulator(da, reward).expect("sets");
    sim.run_for(200.0.ms()).expect("runs");
    support::weight_bits(&sim, p)
}

fn mean(bits: &[u32]) -> f64 {
    bits.iter().map(|&b| f64::from(f32::from_bits(b))).sum::<f64>() / bits.len() as f64
}

#[test]
fn reward_modulated_stdp_is_the_same_for_any_worker_count_and_window() {
    let (g, p, da) = network();
    let want = run(&g, p, da, 1.0, 1, None);
    for (workers, window) in [(2, None), (3, Some(3)), (4, Some(1))] {
        assert!(run(&g, p, da, 1.0, workers, window) == want, "{workers} workers, window {window:?}");
    }
}

#[test]
fn the_modulator_sets_the_sign_of_learning() {
    let (g, p, da) = network();
    let initial = f64::from(1.5f32);
    let (plus, zero, minus) = (mean(&run(&g, p, da, 1.0, 2, None)), mean(&run(&g, p, da, 0.0, 2, None)), mean(&run(&g, p, da, -1.0, 2, None)));
    assert_eq!(zero, initial, "no reward, no change");
    assert!(plus != minus && (plus - initial) * (minus - initial) < 0.0, "+1 gives {plus}, -1 gives {minus}, from {initial}");
}

#[test]
fn a_modulated_run_resumes_from_a_checkpoint() {
    let (g, p, da) = network();
    let want = run(&g, p, da, 1.0, 1, None);
    let mut first = support::runtime(&g, 3, None);
    first.run_for(200.0.ms()).expect("runs");
    first.set_modulator(da, 1.0).expect("sets");
    first.run_for(73.0.ms()).expect("runs");
    let mut sim = support::round_trip(&g, &mut first, 2);
    drop(first);
    sim.run_for(127.0.ms()).expect("runs on");
    let got = support::weight_bits(&sim, p);
    assert!(got == want);
}

/// A schedule in the graph is the same as setting the modulator between runs at
/// the schedule's times, bit for bit.
#[test]
fn a_scheduled_modulator_equals_setting_it_between_runs() {
    let (g, p, da) = network();
    let by_api = run(&g, p, da, 1.0, 2, None);
    let (g2, p2, _) = network_with(|net| net.scheduled_modulator("dopamine", 0.0, [(200.0.ms(), 1.0)]));
    for workers in [1, 3] {
        let mut sim = Runtime::builder().workers(workers).build(&g2).expect("builds");
        sim.run_for(400.0.ms()).expect("runs");
        let w = support::weight_bits(&sim, p2);
        assert!(w == by_api, "{workers} workers: the schedule differs from set_modulator");
    }
}

/// A modulator computed from a population's activity: `initial` until the delay has
/// passed, then `offset + gain * a` with `a` the leaky average of the rate, which for
/// 2000 Poisson sources at 25 Hz sits at 25 Hz (standard deviation about 0.6 Hz with
/// tau = 20 ms). It cannot be set from the API.
#[test]
fn a_computed_modulator_follows_the_population_rate() {
    let mut net = Network::new().dt(0.1.ms()).seed(4);
    let x = net.poisson("X", 2000, 25.0.hz());
    let m = net.computed_modulator("rate", 7.0, x, synfire_graphs::Activity::average(20.0.ms()).gain(0.1).offset(-1.0).delay(0.5.ms()));
    let g = net.freeze().expect("valid");
    assert_eq!(g.min_delay(), Some(5), "the modulator's delay bounds the window");
    let mut sim = Runtime::builder().workers(2).build(&g).expect("builds");
    assert_eq!(sim.modulator(m).expect("value"), 7.0);
    sim.run_ticks(4).expect("runs");
    assert_eq!(sim.modulator(m).expect("value"), 7.0, "initial until the delay has passed");
    let mut values = Vec::new();
    for _ in 0..40 {
        sim.run_for(10.0.ms()).expect("runs");
        values.push(sim.modulator(m).expect("value"));
    }
    let late = &values[20..];
    let mean = late.iter().sum::<f64>() / late.len() as f64;
    assert!((mean - 1.5).abs() < 0.1, "offset + gain * 25 Hz = 1.5, mean {mean}");
    assert!(late.iter().all(|v| (v - 1.5).abs() < 0.35), "{late:?}");
    assert!(late.windows(2).any(|w| w[0] != w[1]), "the value moves with the activity");
    assert!(sim.set_modulator(m, 1.0).is_err(), "a computed modulator cannot be set");
}
