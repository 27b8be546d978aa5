//! The `loihi2-like` ledger of an engine run: idle and active neuron updates as the
//! kernels counted them, graded events and their synaptic work, and conservation
//! (T5) with graded inputs; all independent of the worker count.
#![allow(clippy::unwrap_used)]

use synfire_graphs::Graph;
use synfire_graphs::prelude::*;
use synfire_targets::compare::record;
use synfire_targets::loihi2::{Loihi2Pricer, graded};
use synfire_targets::wiring::Wiring;
use synfire_targets::{CompileOptions, Loihi2, Pricer, Target};

/// Poisson spikes onto host rate units (a graded input) and onto 300 LIF neurons
/// split over two populations: `driven` receives the payloads, `quiet` only a sparse
/// spike input, so most of its updates are idle.
fn network() -> Graph {
    let mut net = Network::new().dt(1.0.ms()).seed(4);
    let x = net.poisson("x", 20, 30.0.hz());
    let r = net.population("r", 6, RateUnit::linear().tau(4.0.ms()));
    let lif = Lif::cuba().tau_m(20.0.ms()).v_th((-50.0).mv()).v_reset((-60.0).mv()).e_l((-60.0).mv()).t_ref(0.0.ms()).tau_syn_e(5.0.ms()).tau_syn_i(5.0.ms());
    let driven = net.population("driven", 100, lif.clone());
    let quiet = net.population("quiet", 200, lif);
    net.connect(x, r, Conn::all_to_all().weight(uniform(0.0.one(), 0.4.one())).delay(1.0.ms()));
    net.connect(r, driven, Conn::all_to_all().weight(uniform(0.0.mv(), 4.0.mv())).delay(1.0.ms()).named("r->driven"));
    net.connect(x, quiet, Conn::prob(0.01).weight(0.5.mv()).delay(1.0.ms()).named("x->quiet"));
    net.connect(driven, quiet, Conn::prob(0.01).weight(0.5.mv()).delay(2.0.ms()).named("driven->quiet"));
    net.freeze().unwrap()
}

#[test]
fn idle_updates_and_graded_events_come_from_the_run() -> anyhow::Result<()> {
    let graph = network();
    let plan = Loihi2.compile(&graph, &CompileOptions::default())?;
    let ticks = 400;
    let run = record(&graph, Some(plan.kernels()), 1, ticks)?;
    for workers in [2, 4] {
        assert_eq!(record(&graph, Some(plan.kernels()), workers, ticks)?.activity, run.activity, "{workers} workers");
    }
    let a = &run.activity;
    let ledger = plan.ledger(a);
    let mapping = plan.mapping.as_ref().unwrap();
    // The graded input takes no core: cores hold driven, then quiet.
    assert!(mapping.cores.iter().all(|c| graph.populations[c.pop].name != "r"));
    // Per core: every update is idle or active, and the idle ones are the kernels'.
    for (c, u) in mapping.cores.iter().enumerate() {
        let n = u.neurons.end - u.neurons.start;
        let g0 = (graph.offsets[u.pop] + u.neurons.start) as usize;
        let idle: u64 = a.idle[g0..g0 + n as usize].iter().sum();
        assert_eq!(ledger.per_core[c].neuron_updates_idle, idle, "core {c}");
        assert_eq!(ledger.per_core[c].neuron_updates_active + idle, n * ticks, "core {c}");
    }
    let quiet = graph.gid_range(3);
    let quiet_idle: u64 = a.idle[quiet.start as usize..quiet.end as usize].iter().sum();
    assert!(quiet_idle > 200 * ticks / 2, "the quiet population is idle most of the time: {quiet_idle}");
    assert!(ledger.neuron_updates_active > 100 * ticks / 2, "the driven population is active");
    // Graded events: payloads of the rate units, delivered through the chip's synapses.
    let wiring = Wiring::new(&graph);
    let r = graph.gid_range(1);
    let graded: u64 = (r.start..r.end).map(|g| a.graded[g as usize] * wiring.out_degree[g as usize]).sum();
    assert!(graded > 0);
    assert_eq!(ledger.syn_events_graded, graded);
    assert_eq!(ledger.per_core.iter().map(|c| c.syn_events_graded).sum::<u64>(), graded);
    // T5 with graded inputs: the chip's synaptic events are spikes and payloads times
    // their out-degree onto the chip (the host projection x->r is not the chip's).
    let onto_chip = |g: usize| wiring.out_degree[g] - mapping.dest_synapses[g].iter().sum::<u64>();
    let host: u64 = (0..a.spikes.len()).map(|g| (a.spikes[g] + a.graded[g]) * onto_chip(g)).sum();
    let all: u64 = (0..a.spikes.len()).map(|g| (a.spikes[g] + a.graded[g]) * wiring.out_degree[g]).sum();
    assert_eq!(a.syn_events, all, "the runtime delivered every event");
    assert_eq!(ledger.syn_events, all - host);
    assert_eq!(ledger.per_core.iter().map(|c| c.syn_events).sum::<u64>(), ledger.syn_events);
    assert_eq!(ledger.input_events, (0..a.spikes.len()).filter(|&g| g < 26).map(|g| a.spikes[g] + a.graded[g]).sum::<u64>());
    // Priced: 81 pJ an active update, 52 pJ an idle one (Davies 2018, Table 2).
    let cost = plan.price(&ledger, 1e-3);
    let term = |name: &str| cost.dynamic.iter().find(|t| t.name == name).unwrap().joules;
    assert!((term("neuron updates, idle") - ledger.neuron_updates_idle as f64 * 52e-12).abs() < 1e-15);
    assert!((term("neuron updates, active") - ledger.neuron_updates_active as f64 * 81e-12).abs() < 1e-15);
    assert!(cost.notes.iter().any(|n| n.contains("graded payloads")));
    // The pricer alone, from a hand-made activity: every update active (the spec's
    // worked examples), nothing graded.
    let hand = Loihi2Pricer::new(&graph, mapping, &wiring).ledger(&synfire_targets::Activity::new(ticks, a.spikes.clone(), a.syn_events));
    assert_eq!((hand.neuron_updates_idle, hand.neuron_updates_active), (0, 300 * ticks));
    assert_eq!(graded::payload(1.0), 256);
    Ok(())
}
