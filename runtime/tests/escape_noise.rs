//! Escape-noise neurons in the engine (specs 1.6): the spikes of a recurrent network
//! of noisy discrete LIF and ALIF neurons are bit-identical for any worker count and
//! window length, and survive a checkpoint round trip.

#![allow(clippy::unwrap_used)]

mod support;

use synfire_graphs::prelude::*;
use synfire_graphs::{EscapeNoise, Graph, Probe, Time, probe_kind};

/// Poisson input onto 120 sigmoid-noise discrete LIF neurons and 60 exponential-noise
/// ALIF neurons, coupled both ways; every delay 3 ms at dt = 1 ms, so windows of 1 to
/// 3 ticks are legal.
fn network(seed: u64) -> (Graph, Probe<probe_kind::Spikes>) {
    let mut net = Network::new().dt(1.0.ms()).seed(seed);
    let x = net.poisson("X", 50, 40.0.hz());
    let lif = net.population("L", 120, LifDiscrete::new().init("u", uniform(0.0.one(), 1.0.one())).escape_noise(EscapeNoise::sigmoid(10.0)));
    let alif = net.population("A", 60, Alif::new().init("v", uniform(0.0.one(), 0.5.one())).escape_noise(EscapeNoise::exponential(0.02, 0.133)));
    let d = 3.0.ms();
    net.connect(x, lif, Conn::prob(0.2).weight(uniform(0.5.one(), 1.5.one())).delay(d));
    net.connect(x, alif, Conn::prob(0.2).weight(uniform(0.1.one(), 0.3.one())).delay(d));
    net.connect(lif, lif, Conn::prob(0.05).weight(uniform((-0.5).one(), 0.5.one())).delay(d));
    net.connect(lif, alif, Conn::prob(0.1).weight(0.1.one()).delay(d));
    net.connect(alif, lif, Conn::prob(0.1).weight((-0.3).one()).delay(d));
    let spikes = net.record_spikes([lif, alif]);
    (net.freeze().unwrap(), spikes)
}

fn spikes(graph: &Graph, probe: Probe<probe_kind::Spikes>, workers: usize, window: Option<u64>) -> Vec<(u64, u64)> {
    let mut sim = support::runtime(graph, workers, window);
    sim.run_for(Time(300.0)).unwrap();
    support::pairs(&sim.spikes(probe).unwrap())
}

#[test]
fn noisy_spikes_are_identical_for_any_workers_and_window() {
    let (graph, probe) = network(11);
    let baseline = spikes(&graph, probe, 1, Some(3));
    let (lif, alif) = (baseline.iter().filter(|s| s.1 < 170).count(), baseline.iter().filter(|s| s.1 >= 170).count());
    println!("{lif} LIF and {alif} ALIF spikes in 300 ms");
    assert!(lif > 500 && alif > 100, "both populations fire: {lif} LIF and {alif} ALIF spikes");
    for (workers, window) in [(1, Some(1)), (2, Some(3)), (2, Some(1)), (3, Some(3)), (3, Some(2)), (3, None)] {
        assert_eq!(spikes(&graph, probe, workers, window), baseline, "workers {workers}, window {window:?}");
    }
    // Another seed draws other spikes: the noise is real.
    let (other, probe2) = network(12);
    assert_ne!(spikes(&other, probe2, 1, None), baseline);
}

#[test]
fn a_checkpoint_continues_the_noisy_run_bit_for_bit() {
    let (graph, probe) = network(5);
    let mut whole = support::runtime(&graph, 2, None);
    whole.run_for(Time(200.0)).unwrap();
    let want = whole.spikes(probe).unwrap().window(100.0, 200.0);

    let mut first = support::runtime(&graph, 1, None);
    first.run_for(Time(100.0)).unwrap();
    let mut resumed = support::round_trip(&graph, &mut first, 3);
    resumed.run_for(Time(100.0)).unwrap();
    let got = resumed.spikes(probe).unwrap().window(100.0, 200.0);
    assert!(want.len() > 100, "{} spikes", want.len());
    assert_eq!(support::pairs(&got), support::pairs(&want));
}
