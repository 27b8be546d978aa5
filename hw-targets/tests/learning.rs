//! On-chip learning on `loihi2-like`: `stdp_pair` lowered to the learning engine's
//! sum of products runs in the engine exactly as the independent serial reference of
//! `common/learning.rs` (spikes, every weight, every update count), for epochs of 1,
//! 2 and 5 steps and 1, 2 and 4 workers; it resumes from a checkpoint; it is
//! counted and priced; what cannot be lowered is refused by name.
#![allow(clippy::unwrap_used, clippy::needless_range_loop)]

mod common;

use common::learning::Learner;
use synfire_graphs::Graph;
use synfire_graphs::connectivity::{Csr, instantiate};
use synfire_graphs::prelude::*;
use synfire_rules::Stdp;
use synfire_runtime::Runtime;
use synfire_targets::loihi2::{learning, lower};
use synfire_targets::{CompileOptions, Loihi2, LowerError, Target};

fn neuron() -> synfire_graphs::NeuronSpec {
    Lif::cuba().tau_m(20.0.ms()).v_th((-50.0).mv()).v_reset((-60.0).mv()).e_l((-60.0).mv()).t_ref(0.0.ms()).tau_syn_e(5.0.ms()).tau_syn_i(5.0.ms())
}

/// 24 Poisson inputs onto 12 LIF neurons through a learning projection, with static
/// recurrence (delay 2) so that learning changes the spikes.
fn network(rule: synfire_rules::StdpPair) -> Graph {
    let mut net = Network::new().dt(1.0.ms()).seed(21);
    let x = net.poisson("x", 24, 40.0.hz());
    let n = net.population("n", 12, neuron());
    net.connect(x, n, Conn::all_to_all().weight(uniform(1.0.mv(), 5.0.mv())).delay(1.0.ms()).plastic(rule).named("learn"));
    net.connect(n, n, Conn::prob(0.3).weight(0.8.mv()).delay(2.0.ms()).named("rec"));
    net.freeze_with(&synfire_rules::Catalog).unwrap()
}

fn rule() -> synfire_rules::StdpPair {
    Stdp::pair().bounds(0.0..=8.0).a_plus(0.04).a_minus(0.045).tau_plus(15.0.ms()).tau_minus(25.0.ms())
}

struct Run {
    spikes: Vec<(u64, u64)>,
    weights: Vec<f32>,
    learn: Vec<u64>,
}

fn engine(graph: &Graph, opts: &CompileOptions, workers: usize, ticks: u64) -> anyhow::Result<Run> {
    let plan = Loihi2.compile(graph, opts)?;
    let rec = synfire_targets::compare::record(graph, Some(plan.kernels()), workers, ticks)?;
    let mut sim = Runtime::builder().workers(workers).kernels(plan.kernels()).build(graph)?;
    sim.run_ticks(ticks)?;
    let weights = sim.projection_weights(graph.proj("learn").unwrap())?.last().to_vec();
    Ok(Run { spikes: rec.spikes, weights, learn: rec.activity.learn })
}

/// The network stepped serially: integer CUBA-LIF, stored weights `w_int 2^e`, the
/// learning engine's reference applying epochs before each step.
fn serial(graph: &Graph, opts: &CompileOptions, sources: &[(u64, u64)], ticks: u64) -> Run {
    let wiring = synfire_targets::wiring::Wiring::new(graph);
    let l = lower::population(graph, 1, opts, &mut Vec::new()).unwrap();
    let p = l.params;
    let plastic = lower::projection_in(graph, &wiring, 0, &l, lower::SignMode::Excitatory, learning::w_max(graph, 0).unwrap()).unwrap();
    let rec = lower::projection(graph, &wiring, 1, &l).unwrap();
    let csr: Vec<Csr> = (0..2).map(|q| instantiate(graph, q)).collect();
    let mut w: Vec<Vec<f64>> = vec![
        csr[0].weights.iter().map(|&x| (f64::from(x) * plastic.per_unit).round_ties_even().clamp(0.0, 255.0) * 2f64.powi(plastic.weight_exp)).collect(),
        csr[1]
            .weights
            .iter()
            .map(|&x| (2.0 * (f64::from(x) * rec.per_unit / 2.0).round_ties_even()).clamp(-256.0, 254.0) * 2f64.powi(rec.weight_exp))
            .collect(),
    ];
    let epoch = opts.epoch_steps.unwrap_or(learning::DEFAULT_EPOCH);
    let mut learner = Learner::new(graph, 0, learning::lower(graph, 0, plastic.per_unit, plastic.weight_exp, epoch).unwrap());
    let n = 12;
    let mut ring = vec![vec![0f64; n]; ticks as usize + 8];
    let mut state = vec![(0i128, 0i128, 0u8); n];
    let mut out = Vec::new();
    let mut src = sources.iter().peekable();
    for t in 0..ticks {
        learner.catch_up(t, &csr[0], &mut w[0]);
        let mut emitted = Vec::new();
        while let Some(&&(ts, g)) = src.peek().filter(|s| s.0 <= t) {
            for k in csr[0].row(g as usize) {
                ring[(ts + 1) as usize][csr[0].targets[k] as usize] += w[0][k];
            }
            emitted.push(g);
            src.next();
        }
        for i in 0..n {
            let a = ring[t as usize][i].floor() as i128;
            if common::reference_step(p.du.into(), p.dv.into(), p.vth_mant.into(), i128::from(p.bias_mant) << p.bias_exp, p.refractory, &mut state[i], a) {
                out.push((t, 24 + i as u64));
                emitted.push(24 + i as u64);
                for k in csr[1].row(i) {
                    ring[(t + 2) as usize][csr[1].targets[k] as usize] += w[1][k];
                }
            }
        }
        emitted.iter().for_each(|&g| learner.spike(g, t));
    }
    learner.catch_up(ticks, &csr[0], &mut w[0]);
    let mut learn = vec![0u64; 36];
    learn[24..].copy_from_slice(&learner.updates);
    Run { spikes: out, weights: w[0].iter().map(|&x| x as f32).collect(), learn }
}

#[test]
fn the_learning_engine_equals_its_serial_reference_on_any_worker_count() -> anyhow::Result<()> {
    let graph = network(rule());
    let ticks = 400;
    for epoch in [1u16, 2, 5] {
        let opts = CompileOptions { epoch_steps: Some(epoch), ..CompileOptions::default() };
        let one = engine(&graph, &opts, 1, ticks)?;
        for workers in [2, 4] {
            let other = engine(&graph, &opts, workers, ticks)?;
            assert_eq!(other.spikes, one.spikes, "epoch {epoch}: {workers} workers");
            assert_eq!(other.weights, one.weights, "epoch {epoch}: {workers} workers");
            assert_eq!(other.learn, one.learn, "epoch {epoch}: {workers} workers");
        }
        let sources: Vec<_> = one.spikes.iter().copied().filter(|s| s.1 < 24).collect();
        let expect = serial(&graph, &opts, &sources, ticks);
        let neurons: Vec<_> = one.spikes.iter().copied().filter(|s| s.1 >= 24).collect();
        assert!(neurons.len() > 50, "epoch {epoch}: too few spikes to learn from: {}", neurons.len());
        assert_eq!(neurons, expect.spikes, "epoch {epoch}: spikes");
        assert_eq!(one.weights, expect.weights, "epoch {epoch}: weights");
        assert_eq!(one.learn, expect.learn, "epoch {epoch}: updates per target");
        // Learning happened: most weights moved, some reached a bound.
        let plan = Loihi2.compile(&graph, &opts)?;
        let sim = Runtime::builder().kernels(plan.kernels()).build(&graph)?;
        let initial = sim.projection_weights(graph.proj("learn").unwrap())?.last().to_vec();
        let moved = initial.iter().zip(&one.weights).filter(|(a, b)| a != b).count();
        assert!(moved > initial.len() / 2, "epoch {epoch}: {moved} of {} weights moved", initial.len());
        assert!(one.learn.iter().sum::<u64>() > 0);
    }
    Ok(())
}

#[test]
fn learning_resumes_from_a_checkpoint_on_another_worker_count() -> anyhow::Result<()> {
    let mut graph = network(rule());
    graph.probes.push(synfire_graphs::probe::ProbeDef {
        name: "all".into(),
        kind: synfire_graphs::probe::ProbeKind::Spikes { pops: vec![0, 1] },
        window: None,
    });
    let probe = graph.probe::<probe_kind::Spikes>("all").unwrap();
    let opts = CompileOptions { epoch_steps: Some(3), ..CompileOptions::default() };
    let plan = Loihi2.compile(&graph, &opts)?;
    let mut whole = Runtime::builder().workers(1).kernels(plan.kernels()).build(&graph)?;
    whole.run_ticks(301)?;
    let mut first = Runtime::builder().workers(1).kernels(plan.kernels()).build(&graph)?;
    // 151 is inside an epoch of 3 steps: the open epoch's spikes travel in the file.
    first.run_ticks(151)?;
    let ck = first.checkpoint()?;
    let mut second = Runtime::builder().workers(4).kernels(plan.kernels()).restore(&graph, &ck)?;
    second.run_ticks(150)?;
    let late = |s: &synfire_runtime::SpikeList| s.ticks.iter().zip(&s.gids).filter(|(t, _)| **t >= 151).map(|(t, g)| (*t, *g)).collect::<Vec<_>>();
    assert!(!late(&whole.spikes(probe)?).is_empty());
    assert_eq!(late(&whole.spikes(probe)?), late(&second.spikes(probe)?));
    assert_eq!(whole.projection_weights(graph.proj("learn").unwrap())?.values, second.projection_weights(graph.proj("learn").unwrap())?.values);
    let (a, b) = (whole.checkpoint()?, second.checkpoint()?);
    assert_eq!(a.projection_state(0), b.projection_state(0), "traces and update counts");
    Ok(())
}

#[test]
fn learning_updates_are_counted_per_core_and_priced() -> anyhow::Result<()> {
    let graph = network(rule());
    let plan = Loihi2.compile(&graph, &CompileOptions::default())?;
    let learns = plan.warnings.iter().find(|w| w.contains("projection 'learn': learns on the chip: dw = 15*2^")).unwrap();
    // The chip's bound is 255 weight steps; the hinted state scale puts w_max there.
    let hint: f64 = learns.split("a state_scale of ").nth(1).unwrap().split(' ').next().unwrap().parse()?;
    let exact = Loihi2.compile(&graph, &CompileOptions { state_scale: Some(hint), ..CompileOptions::default() })?;
    let w = exact.warnings.iter().find(|w| w.contains("learns on the chip")).unwrap();
    assert!(w.contains("so w_max 8 becomes 8.00"), "{w}");
    let rec = synfire_targets::compare::record(&graph, Some(plan.kernels()), 2, 300)?;
    let ledger = plan.ledger(&rec.activity);
    let total: u64 = rec.activity.learn.iter().sum();
    assert!(total > 0);
    assert_eq!(ledger.learn_syn_updates, total);
    assert_eq!(ledger.per_core.iter().map(|c| c.learn_syn_updates).sum::<u64>(), total);
    // At most one update per synapse and epoch (default 2 steps): 24 x 12 synapses.
    assert!(total <= 24 * 12 * 150);
    let cost = plan.price(&ledger, 1e-3);
    let term = cost.dynamic.iter().find(|t| t.name == "learning updates").unwrap();
    assert!((term.joules - total as f64 * 120e-12).abs() < 1e-15);
    Ok(())
}

fn refused(rule: synfire_rules::StdpPair) -> String {
    match Loihi2.compile(&network(rule), &CompileOptions::default()) {
        Err(e @ LowerError::Unsupported { .. }) => e.to_string(),
        Err(e) => panic!("not an Unsupported: {e}"),
        Ok(_) => panic!("compiled"),
    }
}

#[test]
fn what_has_no_trace_product_form_is_refused_by_name() {
    let e = refused(rule().nearest());
    assert!(e.contains("projection 'learn': rule 'stdp_pair' needs nearest-spike traces"), "{e}");
    let e = refused(rule().multiplicative());
    assert!(e.contains("projection 'learn': rule 'stdp_pair' needs weight dependence mu = (1, 1)"), "{e}");
    let e = refused(rule().bounds(1.0..=8.0));
    assert!(e.contains("projection 'learn': rule 'stdp_pair' needs bounds 1..=8"), "{e}");
    let mut net = Network::new().dt(1.0.ms()).seed(21);
    let x = net.poisson("x", 4, 40.0.hz());
    let n = net.population("n", 2, neuron());
    net.connect(x, n, Conn::all_to_all().weight(1.0.mv()).delay(1.0.ms()).plastic(Stdp::triplet()).named("tri"));
    let g = net.freeze_with(&synfire_rules::Catalog).unwrap();
    let e = Loihi2.compile(&g, &CompileOptions::default()).unwrap_err().to_string();
    assert!(e.contains("projection 'tri': rule 'stdp_triplet' has no sum-of-products form"), "{e}");
    let e = Loihi2.compile(&network(rule()), &CompileOptions { epoch_steps: Some(64), ..CompileOptions::default() }).unwrap_err().to_string();
    assert!(e.contains("projection 'learn': epoch_steps = 64"), "{e}");
}
