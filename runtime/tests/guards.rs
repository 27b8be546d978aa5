//! Run guards: a network that blows up or runs away stops with an error naming the
//! neuron (or population) and the time, at the same window for any worker count,
//! and what was recorded up to that window stays readable.

mod support;

use synfire_graphs::prelude::*;
use synfire_runtime::{RunError, Runtime};

#[test]
fn a_neuron_that_blows_up_stops_the_run_naming_it() {
    // Excitatory and inhibitory input near f32's largest value: from about 30 ms on
    // (when the source starts) the synaptic currents overflow to +inf and -inf and
    // the membrane becomes inf - inf = NaN.
    let mut net = Network::new().dt(0.1.ms()).seed(3);
    let x = net.source("X", 10, SourceSpec::poisson_steps([(0.0.ms(), 0.0.hz()), (30.0.ms(), 2000.0.hz())]));
    let pop = net.population("N", 10, Lif::cuba());
    net.connect(x, pop, Conn::one_to_one().weight(3e38.mv()).delay(1.0.ms()));
    net.connect(x, pop, Conn::one_to_one().weight((-3e38).mv()).delay(2.0.ms()));
    let spikes = net.record_spikes([pop]);
    let g = net.freeze().expect("valid");
    let mut seen = Vec::new();
    for workers in [1, 3] {
        let mut sim = Runtime::builder().workers(workers).guard_every(10.0.ms()).build(&g).expect("builds");
        sim.run_for(25.0.ms()).expect("runs while finite");
        let err = sim.run_for(100.0.ms()).unwrap_err();
        let RunError::Guard { time_ms, message } = &err else { panic!("{err}") };
        assert!(message.contains("population `N` neuron") && message.contains("not finite"), "{message}");
        assert!(*time_ms > 30.0 && *time_ms <= 60.0, "stopped at {time_ms} ms");
        // Stopped at a window boundary: probes are readable, further runs refused.
        assert_eq!(sim.tick() as f64 * 0.1, *time_ms);
        sim.spikes(spikes).expect("still readable");
        assert!(matches!(sim.run_for(1.0.ms()), Err(RunError::Guard { .. })));
        seen.push((err.to_string(), sim.spikes(spikes).expect("spikes").ticks));
    }
    assert_eq!(seen[0], seen[1], "the same stop for 1 and 3 workers");
}

#[test]
fn a_runaway_population_stops_at_its_rate_bound() {
    let (g, probe) = support::cuba(800, 1.0, 5);
    let mut stops = Vec::new();
    for workers in [1, 2] {
        let mut sim = Runtime::builder().workers(workers).max_rate(2.0.hz()).guard_every(50.0.ms()).build(&g).expect("builds");
        let err = sim.run_for(1000.0.ms()).unwrap_err();
        let RunError::Guard { time_ms, message } = &err else { panic!("{err}") };
        assert!(message.contains("population `E`") && message.contains("above the bound of 2 Hz"), "{message}");
        assert_eq!(*time_ms, 50.0);
        let s = sim.spikes(probe).expect("readable");
        assert!(!s.is_empty() && s.ticks.iter().all(|&t| t < 500));
        stops.push((err.to_string(), s.ticks));
    }
    assert_eq!(stops[0], stops[1]);
    // Without the bound the same network runs on.
    let mut sim = Runtime::builder().build(&g).expect("builds");
    sim.run_for(200.0.ms()).expect("no guard fires");
}

#[test]
fn bad_guard_settings_are_errors() {
    let (g, _) = support::cuba(100, 1.0, 1);
    let err = Runtime::builder().guard_every(0.01.ms()).build(&g).unwrap_err();
    assert!(err.to_string().contains("guard_every"), "{err}");
    let err = Runtime::builder().max_rate((-1.0).hz()).build(&g).unwrap_err();
    assert!(err.to_string().contains("max_rate"), "{err}");
}

/// A plastic weight that stops being finite stops the run naming the projection and
/// the synapse: here a computed modulator whose gain overflows to infinity drives
/// reward-modulated STDP with unbounded weights.
#[test]
fn a_weight_that_blows_up_stops_the_run_naming_the_synapse() {
    let mut net = Network::new().dt(0.1.ms()).seed(8);
    let x = net.poisson("X", 50, 50.0.hz());
    let n = net.population("N", 10, Lif::cuba().e_l((-52.0).mv()));
    net.computed_modulator("da", 0.0, x, synfire_graphs::Activity::average(5.0.ms()).gain(1e308).delay(1.0.ms()));
    // Unbounded weights: nothing clips the overflow.
    let rule = synfire_rules::RewardStdp { bounds: synfire_rules::Bounds::NONE, ..synfire_rules::RewardStdp::izhikevich2007() }
        .a_plus(0.05)
        .a_minus(0.06)
        .modulator("da");
    net.connect(x, n, Conn::prob(0.5).weight(1.0.mv()).delay(1.0.ms()).plastic(rule));
    let spikes = net.record_spikes([n]);
    let g = net.freeze_with(&synfire_rules::Catalog).expect("valid");
    let mut seen = Vec::new();
    for workers in [1, 2] {
        // Checked every tick: the weight is caught before a spike carries it to a neuron.
        let mut sim = Runtime::builder().workers(workers).guard_every(0.1.ms()).build(&g).expect("builds");
        let err = sim.run_for(200.0.ms()).unwrap_err();
        let RunError::Guard { time_ms, message } = &err else { panic!("{err}") };
        assert!(message.contains("projection `X->N`: the weight of synapse") && (message.contains("NaN") || message.contains("inf")), "{message}");
        assert!(*time_ms < 200.0);
        sim.spikes(spikes).expect("recorded data stays readable");
        seen.push(err.to_string());
    }
    assert_eq!(seen[0], seen[1], "the same synapse named for 1 and 2 workers");
}
