//! Metaplastic wrappers in the engine: a Benna–Fusi chain, hidden weights and synaptic
//! intelligence (consolidated by a scheduled modulator) on the inputs of one
//! population, and reward-modulated STDP behind a chain and SI, give bit-identical spikes and weights on 1, 2 and 4 workers, and a run
//! checkpointed midway and restored on another worker count continues bit for bit.

use std::path::Path;
use synfire_graphs::prelude::*;
use synfire_graphs::{Graph, Probe, ProjId, Time, probe_kind};
use synfire_rules::{BennaFusi, Catalog, HiddenWeights, Metaplastic, RewardStdp, Stdp, SynapticIntelligence};
use synfire_runtime::{Checkpoint, Runtime};

fn network() -> (Graph, Probe<probe_kind::Spikes>, Vec<ProjId>) {
    let mut net = Network::new().dt(0.1.ms()).seed(11);
    let x = net.poisson("X", 200, 15.0.hz());
    let e = net.population("E", 40, Lif::cuba().e_l((-55.0).mv()).init("v", uniform((-60.0).mv(), (-50.0).mv())));
    net.scheduled_modulator("switch", 0.0, [(150.0.ms(), 1.0), (151.0.ms(), 0.0)]);
    net.scheduled_modulator("reward", 0.0, [(40.0.ms(), 3.0), (200.0.ms(), -3.0)]);
    let rstdp = || RewardStdp::izhikevich2007().a_plus(0.1).a_minus(0.12).tau_c(100.0.ms()).bounds(0.0..=3.0).modulator("reward");
    let base = || Stdp::pair().a_plus(0.02).a_minus(0.021).bounds(0.0..=3.0);
    let conn = || Conn::prob(0.1).weight(2.0.mv()).delay(1.0.ms());
    let projs = vec![
        net.connect(x, e, conn().plastic(base().benna_fusi(BennaFusi::geometric(6).clock(2.0.ms())))),
        net.connect(x, e, conn().plastic(base().hidden_weights(HiddenWeights::analog(1.0)))),
        net.connect(x, e, conn().plastic(base().synaptic_intelligence(SynapticIntelligence::new(1.0).xi(0.01).consolidate_on("switch")))),
        // Per-synapse delays: the lazy engine.
        net.connect(x, e, Conn::prob(0.1).weight(2.0.mv()).delay(uniform(1.0.ms(), 3.0.ms())).plastic(base().benna_fusi(BennaFusi::geometric(4)))),
        // Reward-modulated STDP behind a chain on its clock and behind SI consolidated
        // by the switch: the reward's ticks propose, the wrapper applies.
        net.connect(
            x,
            e,
            Conn::prob(0.1).weight(2.0.mv()).delay(uniform(1.0.ms(), 2.0.ms())).plastic(rstdp().benna_fusi(BennaFusi::geometric(5).clock(3.0.ms()))),
        ),
        net.connect(x, e, conn().plastic(rstdp().synaptic_intelligence(SynapticIntelligence::new(1.0).xi(0.01).consolidate_on("switch")))),
    ];
    let probe = net.record_spikes([e]);
    (net.freeze_with(&Catalog).expect("freezes"), probe, projs)
}

type Outcome = (Vec<(u64, u64)>, Vec<Vec<u32>>);

fn outcome(sim: &Runtime, probe: Probe<probe_kind::Spikes>, projs: &[ProjId]) -> Outcome {
    let s = sim.spikes(probe).expect("spikes");
    let w = projs.iter().map(|&p| sim.projection_weights(p).expect("weights").values.iter().map(|x| x.to_bits()).collect()).collect();
    (s.ticks.iter().copied().zip(s.gids.iter().copied()).collect(), w)
}

#[test]
fn wrapped_rules_are_bit_identical_for_any_worker_count_and_across_checkpoints() {
    let (g, probe, projs) = network();
    let run = |workers: usize| {
        let mut sim = Runtime::builder().workers(workers).build(&g).expect("builds");
        sim.run_for(Time(300.0)).expect("runs");
        outcome(&sim, probe, &projs)
    };
    let want = run(1);
    assert!(want.0.len() > 200, "the network is nearly silent: {} spikes", want.0.len());
    for workers in [2, 4] {
        assert!(run(workers) == want, "{workers} workers differ from 1");
    }
    for (w1, w2) in [(1, 2), (4, 1)] {
        let bytes = {
            let mut sim = Runtime::builder().workers(w1).build(&g).expect("builds");
            sim.run_for(Time(137.3)).expect("runs");
            sim.checkpoint().expect("checkpoint").to_bytes().expect("encodes")
        };
        let ck = Checkpoint::from_bytes(&bytes, Path::new("mem")).expect("decodes");
        let mut sim = Runtime::builder().workers(w2).restore(&g, &ck).expect("restores");
        sim.run_for(Time(300.0 - 137.3)).expect("runs on");
        assert!(outcome(&sim, probe, &projs) == want, "checkpoint {w1} -> {w2} workers");
    }
    // Every projection learned: its weights, all equal at the start, spread.
    for (n, w) in want.1.iter().enumerate() {
        assert!(w.iter().any(|&b| b != w[0]), "projection {n} did not learn");
    }
}

/// `Runtime::synapse_state` reads a wrapper's per-synapse state now: the same values
/// as a probe of that state sampled at the same tick (hidden weights, SI's `Omega`,
/// a chain's `u_2`), on 1 and 3 workers alike; an unknown name and a static
/// projection are errors naming the projection and the state.
#[test]
fn synapse_state_reads_what_a_probe_of_it_records() {
    let (mut net, x, e) = {
        let mut net = Network::new().dt(0.1.ms()).seed(5);
        let x = net.poisson("X", 60, 20.0.hz());
        let e = net.population("E", 12, Lif::cuba().e_l((-55.0).mv()).init("v", uniform((-60.0).mv(), (-50.0).mv())));
        (net, x, e)
    };
    net.scheduled_modulator("switch", 0.0, [(40.0.ms(), 1.0), (41.0.ms(), 0.0)]);
    let base = || Stdp::pair().a_plus(0.02).a_minus(0.021).bounds(0.0..=3.0);
    let conn = || Conn::prob(0.3).weight(2.0.mv()).delay(1.0.ms());
    let wrapped = [
        (net.connect(x, e, conn().plastic(base().hidden_weights(HiddenWeights::analog(1.0)))), "w_h"),
        (net.connect(x, e, conn().plastic(base().synaptic_intelligence(SynapticIntelligence::new(1.0).xi(0.01).consolidate_on("switch")))), "Omega"),
        (net.connect(x, e, conn().plastic(base().benna_fusi(BennaFusi::geometric(4).clock(2.0.ms())))), "u_2"),
    ];
    let fixed = net.connect(x, e, conn());
    let probes: Vec<_> = wrapped.iter().map(|&(p, var)| net.record_synapse_state(p, var, 80.0.ms(), None)).collect();
    let g = net.freeze_with(&Catalog).expect("freezes");
    let read = |workers: usize| {
        let mut sim = Runtime::builder().workers(workers).build(&g).expect("builds");
        sim.run_for(80.0.ms()).expect("runs");
        let now: Vec<Vec<f32>> = wrapped.iter().map(|&(p, var)| sim.synapse_state(p, var).expect("state").values).collect();
        (sim, now)
    };
    let (sim, now) = read(1);
    for ((&(_, var), probe), values) in wrapped.iter().zip(&probes).zip(&now) {
        let trace = sim.weights(*probe).expect("probe");
        let last = trace.values[trace.values.len() - trace.synapses.len()..].to_vec();
        assert_eq!(trace.ticks.last(), Some(&sim.tick()), "{var}: the probe sampled now");
        assert!(&last == values, "{var}: synapse_state equals the probe's sample");
        assert!(values.iter().any(|&v| v != values[0]), "{var}: the state moved ({values:?})");
    }
    assert!(read(3).1 == now, "3 workers read the same state");
    let err = sim.synapse_state(wrapped[0].0, "Omega").expect_err("hidden weights keep no Omega");
    assert!(err.to_string().contains("Omega") && err.to_string().contains("meta_hidden"), "{err}");
    let err = sim.synapse_state(fixed, "w_h").expect_err("a static projection");
    assert!(err.to_string().contains("static") && err.to_string().contains("w_h"), "{err}");
}
