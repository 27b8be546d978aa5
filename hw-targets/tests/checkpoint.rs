//! A run on a target's kernels checkpoints and resumes like any run: the integer
//! state is plain state, quantised weights are regenerated through the plan's
//! weight transform, and the resumed run equals the run that never stopped, on
//! another worker count.
#![allow(clippy::unwrap_used)]

mod common;

use synfire_graphs::prelude::*;
use synfire_runtime::Runtime;
use synfire_targets::{CompileOptions, CortexM4, Loihi2, Target, Xylo};

#[test]
fn every_integer_target_resumes_bit_identically() -> anyhow::Result<()> {
    let mut graph = common::tiny_rsnn(16)?;
    graph.probes.push(synfire_graphs::probe::ProbeDef {
        name: "all".into(),
        kind: synfire_graphs::probe::ProbeKind::Spikes { pops: vec![0, 1, 2] },
        window: None,
    });
    let probe = graph.probe::<probe_kind::Spikes>("all").unwrap();
    let targets: [&dyn Target; 3] = [&Loihi2, &Xylo, &CortexM4];
    for target in targets {
        let plan = target.compile(&graph, &CompileOptions::default())?;
        let mut whole = Runtime::builder().workers(1).kernels(plan.kernels()).build(&graph)?;
        whole.run_ticks(200)?;
        let mut first = Runtime::builder().workers(1).kernels(plan.kernels()).build(&graph)?;
        first.run_ticks(100)?;
        let ck = first.checkpoint()?;
        let mut second = Runtime::builder().workers(2).kernels(plan.kernels()).restore(&graph, &ck)?;
        second.run_ticks(100)?;
        let (a, b) = (whole.spikes(probe)?, second.spikes(probe)?);
        let late = |s: &synfire_runtime::SpikeList| s.ticks.iter().zip(&s.gids).filter(|(t, _)| **t >= 100).map(|(t, g)| (*t, *g)).collect::<Vec<_>>();
        assert!(!late(&a).is_empty(), "{}", target.id());
        assert_eq!(late(&a), late(&b), "{}: resumed run", target.id());
    }
    Ok(())
}

#[test]
fn graded_inputs_and_idle_counts_resume_bit_identically() -> anyhow::Result<()> {
    let mut net = Network::new().dt(1.0.ms()).seed(8);
    let x = net.poisson("x", 12, 80.0.hz());
    let r = net.population("r", 4, RateUnit::linear().tau(5.0.ms()));
    let lif = Lif::cuba().e_l((-60.0).mv()).v_reset((-60.0).mv()).t_ref(0.0.ms()).tau_syn_e(5.0.ms()).tau_syn_i(5.0.ms());
    let n = net.population("n", 30, lif);
    net.connect(x, r, Conn::all_to_all().weight(uniform(0.0.one(), 0.3.one())).delay(1.0.ms()));
    net.connect(r, n, Conn::all_to_all().weight(uniform(2.0.mv(), 12.0.mv())).delay(1.0.ms()));
    let spikes = net.record_spikes([x, n]);
    let graph = net.freeze()?;
    let plan = Loihi2.compile(&graph, &CompileOptions::default())?;
    let mut whole = Runtime::builder().workers(1).kernels(plan.kernels()).build(&graph)?;
    whole.run_ticks(200)?;
    let mut first = Runtime::builder().workers(2).kernels(plan.kernels()).build(&graph)?;
    first.run_ticks(100)?;
    let ck = first.checkpoint()?;
    let mut second = Runtime::builder().workers(3).kernels(plan.kernels()).restore(&graph, &ck)?;
    second.run_ticks(100)?;
    let late = |s: &synfire_runtime::SpikeList| s.ticks.iter().zip(&s.gids).filter(|(t, _)| **t >= 100).map(|(t, g)| (*t, *g)).collect::<Vec<_>>();
    assert!(late(&whole.spikes(spikes)?).iter().any(|s| s.1 >= 16), "the graded input drives n");
    assert_eq!(late(&whole.spikes(spikes)?), late(&second.spikes(spikes)?));
    // The kernels' counters (graded events, idle updates) continue across the file.
    let (a, b) = (whole.checkpoint()?, second.checkpoint()?);
    for pop in [1, 2] {
        assert_eq!(a.population_state(pop), b.population_state(pop), "population {pop}");
    }
    Ok(())
}
