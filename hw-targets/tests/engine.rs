//! `loihi2-like` inside the engine: the runtime with the plan's kernels and quantised
//! weights equals an independent serial integer simulation of the network, for 1, 2
//! and 4 workers, and its delivered events obey conservation (T5).
#![allow(clippy::unwrap_used)]

mod common;

use synfire_graphs::Graph;
use synfire_graphs::connectivity::instantiate;
use synfire_graphs::prelude::*;
use synfire_runtime::Runtime;
use synfire_targets::loihi2::lower;
use synfire_targets::{Activity, CompileOptions, Loihi2, Target};

/// Poisson inputs onto a recurrent CUBA population with delays of 1 and 3 steps,
/// mixed-sign weights and a refractory period.
fn network() -> anyhow::Result<(Graph, Probe<probe_kind::Spikes>)> {
    let mut net = Network::new().dt(1.0.ms()).seed(11);
    let x = net.poisson("x", 40, 40.0.hz());
    let n = net.population("n", 120, common::cuba_neuron().e_l((-52.0).mv()).t_ref(2.0.ms()));
    net.connect(x, n, Conn::prob(0.3).weight(uniform(0.5.mv(), 3.0.mv())).delay(1.0.ms()).named("x->n"));
    net.connect(n, n, Conn::prob(0.1).weight(uniform(0.2.mv(), 1.5.mv())).delay(3.0.ms()).named("exc"));
    net.connect(n, n, Conn::prob(0.05).weight((-2.0).mv()).delay(1.0.ms()).named("inh"));
    let spikes = net.record_spikes([x, n]);
    Ok((net.freeze()?, spikes))
}

/// (tick, gid) of every spike, in canonical order.
type Spikes = Vec<(u64, u64)>;

fn run(graph: &Graph, probe: Probe<probe_kind::Spikes>, workers: usize, ticks: u64) -> anyhow::Result<(Spikes, u64)> {
    let plan = Loihi2.compile(graph, &CompileOptions::default())?;
    let mut sim = Runtime::builder().workers(workers).kernels(plan.kernels()).build(graph)?;
    sim.run_ticks(ticks)?;
    let s = sim.spikes(probe)?;
    Ok((s.ticks.iter().copied().zip(s.gids.iter().copied()).collect(), sim.counters()?.syn_events))
}

/// The network stepped serially from the spec's equations: ring buffers per
/// receptor, weights `2 round_even(w c / 2) 2^e`, one floor per receptor and step.
fn serial(graph: &Graph, source_spikes: &[(u64, u64)], ticks: u64) -> Spikes {
    let opts = CompileOptions::default();
    let pop = 1;
    let l = lower::population(graph, pop, &opts, &mut Vec::new()).unwrap();
    let n = graph.populations[pop].size as usize;
    let g0 = graph.offsets[pop];
    let p = l.params;
    let bias = i128::from(p.bias_mant) << p.bias_exp;
    let v0 = (((-52.0) - (-60.0)) * l.scale as f64).round() as i128;
    let mut state = vec![(0i128, v0, 0u8); n];
    // input[t][receptor][i] as exact sums of f64 multiples of 2^e.
    let mut ring = vec![vec![vec![0f64; n]; 2]; ticks as usize + 8];
    let weights: Vec<_> = (0..graph.projections.len())
        .map(|q| {
            let csr = instantiate(graph, q);
            let pr = &graph.projections[q];
            let charge = if pr.receptor == 1 { 2.0 } else { 1.0 };
            let real = l.scale * l.g * charge / 64.0;
            let max = csr.weights.iter().fold(0f64, |m, &w| m.max((f64::from(w) * real).abs()));
            let e = (-8..=7).find(|&e| max / 2f64.powi(e) <= 254.0).unwrap();
            let stored: Vec<f64> =
                csr.weights.iter().map(|&w| (2.0 * (f64::from(w) * real / 2f64.powi(e) / 2.0).round_ties_even()).clamp(-256.0, 254.0) * 2f64.powi(e)).collect();
            (csr, stored)
        })
        .collect();
    let mut out = Vec::new();
    let mut emitted: Vec<(u64, u64)> = Vec::new();
    let mut sources = source_spikes.iter().peekable();
    for t in 0..ticks {
        // Deliver everything emitted at t - d arriving now (sources emit at t too).
        emitted.clear();
        while let Some(&&(ts, g)) = sources.peek() {
            if ts > t {
                break;
            }
            emitted.push((ts, g));
            sources.next();
        }
        for &(ts, g) in &emitted {
            deliver(graph, &weights, &mut ring, ts, g);
        }
        let mut fired = Vec::new();
        for i in 0..n {
            let a: i128 = (0..2).map(|r| ring[t as usize][r][i].floor() as i128).sum();
            if common::reference_step(p.du.into(), p.dv.into(), p.vth_mant.into(), bias, p.refractory, &mut state[i], a) {
                fired.push((t, g0 + i as u64));
            }
        }
        for &(ts, g) in &fired {
            deliver(graph, &weights, &mut ring, ts, g);
        }
        out.extend(fired);
    }
    out
}

fn deliver(graph: &Graph, weights: &[(synfire_graphs::connectivity::Csr, Vec<f64>)], ring: &mut [Vec<Vec<f64>>], t: u64, gid: u64) {
    for (q, (csr, stored)) in weights.iter().enumerate() {
        let p = &graph.projections[q];
        let r = graph.gid_range(p.source);
        if !r.contains(&gid) {
            continue;
        }
        let s = (gid - r.start) as usize;
        let at = (t + u64::from(p.delay.min())) as usize;
        if at >= ring.len() {
            continue;
        }
        for k in csr.row(s) {
            ring[at][p.receptor][csr.targets[k] as usize] += stored[k];
        }
    }
}

#[test]
fn the_engine_runs_the_chip_numerics_exactly_on_any_worker_count() -> anyhow::Result<()> {
    let (graph, probe) = network()?;
    let ticks = 300;
    let (one, _) = run(&graph, probe, 1, ticks)?;
    let sources: Spikes = one.iter().copied().filter(|&(_, g)| g < 40).collect();
    let neurons: Spikes = one.iter().copied().filter(|&(_, g)| g >= 40).collect();
    assert!(neurons.len() > 200, "the test network must be active: {} spikes", neurons.len());
    assert_eq!(neurons, serial(&graph, &sources, ticks), "engine with loihi2-like kernels vs the serial integer reference");
    for workers in [2, 4] {
        assert_eq!(run(&graph, probe, workers, ticks)?.0, one, "{workers} workers");
    }
    Ok(())
}

#[test]
fn t5_delivered_events_are_spikes_times_out_degree() -> anyhow::Result<()> {
    let (graph, probe) = network()?;
    let plan = Loihi2.compile(&graph, &CompileOptions::default())?;
    let ticks = 200;
    let (spikes, delivered) = run(&graph, probe, 2, ticks)?;
    // The runtime counts a spike's rows when its window is delivered, whatever the
    // arrival tick, so every spike of the run counts with its whole out-degree.
    let mut counts = vec![0u64; graph.num_neurons() as usize];
    let mut expect = 0;
    for &(_, g) in &spikes {
        counts[g as usize] += 1;
        for (q, p) in graph.projections.iter().enumerate() {
            let r = graph.gid_range(p.source);
            if r.contains(&g) {
                expect += instantiate(&graph, q).row((g - r.start) as usize).len() as u64;
            }
        }
    }
    assert_eq!(delivered, expect);
    // The ledger's per-core events are counted from the mapping: they agree with the
    // plan's out-degrees over every spike.
    let ledger = plan.ledger(&Activity::new(ticks, counts.clone(), delivered));
    let all: u64 = counts.iter().zip(&plan.out_degree).map(|(k, d)| k * d).sum();
    assert_eq!(ledger.per_core.iter().map(|c| c.syn_events).sum::<u64>(), all);
    assert_eq!(ledger.spikes + ledger.input_events, spikes.len() as u64);
    Ok(())
}

#[test]
fn t5_conservation_on_every_target() -> anyhow::Result<()> {
    use synfire_targets::compare::record;
    use synfire_targets::{CortexM4, Reference, Xylo};
    // A graph every target takes: 16 inputs, no refractory period, one-step delays.
    let graph = common::tiny_rsnn(16)?;
    let targets: [&dyn Target; 4] = [&Reference, &Loihi2, &Xylo, &CortexM4];
    for target in targets {
        let plan = target.compile(&graph, &CompileOptions::default())?;
        let run = record(&graph, Some(plan.kernels()), 2, 200)?;
        let expect: u64 = run.activity.spikes.iter().zip(&plan.out_degree).map(|(k, d)| k * d).sum();
        assert!(expect > 0, "{}", target.id());
        assert_eq!(run.activity.syn_events, expect, "{}: delivered = spikes x out-degree", target.id());
        assert_eq!(plan.ledger(&run.activity).syn_events, expect, "{}: the ledger's events", target.id());
    }
    Ok(())
}
