//! Reward-modulated STDP in the engine: the modulator reaches the rule through
//! `Context`, per-tick rules run every tick, results are bit-identical for any worker
//! count and window, the modulator's sign sets the sign of learning, and a checkpoint
//! taken mid-run (with the modulator's history) resumes bit-identically.

use std::path::Path;
use synfire_graphs::prelude::*;
use synfire_graphs::{ModId, ProjId};
use synfire_rules::RewardStdp;
use synfire_runtime::{Checkpoint, Runtime};

/// 200 Poisson inputs at 20 Hz onto 40 CUBA neurons through plastic synapses whose
/// rule reads the modulator `dopamine`.
fn network() -> (Graph, ProjId, ModId) {
    let mut net = Network::new().dt(0.1.ms()).seed(11);
    let x = net.source("X", 200, SourceSpec::poisson(20.0.hz()));
    let n = net.population("N", 40, Lif::cuba().e_l((-52.0).mv()).init("v", uniform((-60.0).mv(), (-50.0).mv())));
    let da = net.modulator("dopamine", 0.0);
    let rule = RewardStdp::izhikevich2007().a_plus(0.05).a_minus(0.06).tau_c(200.0.ms()).bounds(0.0..=4.0).modulator("dopamine");
    let p = net.connect(x, n, Conn::prob(0.2).weight(1.5.mv()).delay(1.0.ms()).plastic(rule));
    net.connect(n, n, Conn::prob(0.1).weight((-1.0).mv()).delay(2.0.ms()));
    (net.freeze_with(&synfire_rules::Catalog).expect("valid"), p, da)
}

/// Pairs for 200 ms without reward, then `reward` for 200 ms; the weights' bits.
fn run(g: &Graph, p: ProjId, da: ModId, reward: f64, workers: usize, window: Option<u64>) -> Vec<u32> {
    let mut b = Runtime::builder().workers(workers);
    if let Some(w) = window {
        b = b.window_ticks(w);
    }
    let mut sim = b.build(g).expect("builds");
    sim.run_for(200.0.ms()).expect("runs");
    sim.set_modulator(da, reward).expect("sets");
    sim.run_for(200.0.ms()).expect("runs");
    sim.projection_weights(p).expect("weights").values.iter().map(|w| w.to_bits()).collect()
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
    let mut sim = Runtime::builder().workers(3).build(&g).expect("builds");
    sim.run_for(200.0.ms()).expect("runs");
    sim.set_modulator(da, 1.0).expect("sets");
    sim.run_for(73.0.ms()).expect("runs");
    let bytes = sim.checkpoint().expect("saves").to_bytes().expect("encodes");
    drop(sim);
    let ck = Checkpoint::from_bytes(&bytes, Path::new("mem")).expect("decodes");
    let mut sim = Runtime::builder().workers(2).restore(&g, &ck).expect("restores");
    sim.run_for(127.0.ms()).expect("runs on");
    let got: Vec<u32> = sim.projection_weights(p).expect("weights").values.iter().map(|w| w.to_bits()).collect();
    assert!(got == want);
}
