//! Metaplastic synapses (spec 7) in the DSL: pair STDP on the inputs of one population,
//! wrapped three ways — a Benna–Fusi chain (`.benna_fusi(..)`), metaplastic hidden
//! weights (`.metaplastic(m)`) and synaptic intelligence consolidated by a scheduled
//! modulator (`.synaptic_intelligence(..)`); and reward-modulated STDP with hidden
//! weights (`RewardStdp::izhikevich2007().metaplastic(m)`, the reward a scheduled
//! modulator). Runs on 1 and 2 workers, checks that the
//! weights are bit-identical, and prints what the wrappers' states did.
//!
//! `cargo run --release --example metaplastic`

use synfire::graphs::{Graph, Probe, ProjId, probe_kind};
use synfire::prelude::*;

struct Setup {
    graph: Graph,
    projs: [ProjId; 4],
    probes: [Probe<probe_kind::Weights>; 5],
}

fn network() -> anyhow::Result<Setup> {
    let mut net = Network::new().dt(0.1.ms()).seed(2);
    let x = net.poisson("X", 200, 15.0.hz());
    let e = net.population("E", 40, Lif::cuba().e_l((-55.0).mv()).init("v", uniform((-60.0).mv(), (-50.0).mv())));
    // A "task switch" at 500 ms: SI consolidates its importance at the rising edge.
    net.scheduled_modulator("switch", 0.0, [(500.0.ms(), 1.0), (501.0.ms(), 0.0)]);
    let base = || Stdp::pair().a_plus(0.01).a_minus(0.0105).bounds(0.0..=3.0);
    let conn = || Conn::prob(0.1).weight(2.0.mv()).delay(1.0.ms());
    let chain = net.connect(x, e, conn().plastic(base().benna_fusi(BennaFusi::geometric(6).clock(10.0.ms()))));
    let hidden = net.connect(x, e, conn().plastic(base().metaplastic(1.0)));
    let si = net.connect(x, e, conn().plastic(base().synaptic_intelligence(SynapticIntelligence::new(0.1).xi(0.01).consolidate_on("switch"))));
    // Reward from 200 ms on: R-STDP's eligibility becomes hidden-weight change.
    net.scheduled_modulator("reward", 0.0, [(200.0.ms(), 2.0)]);
    let rstdp = RewardStdp::izhikevich2007().a_plus(0.05).a_minus(0.06).tau_c(200.0.ms()).bounds(0.0..=3.0).modulator("reward");
    let rewarded = net.connect(x, e, conn().plastic(rstdp.metaplastic(2.0)));
    let every = 100.0.ms();
    let probes = [
        net.record_synapse_state(chain, "u_1", every, Some(50)),
        net.record_synapse_state(chain, "u_6", every, Some(50)),
        net.record_synapse_state(hidden, "w_h", every, Some(50)),
        net.record_synapse_state(si, "Omega", every, Some(50)),
        net.record_synapse_state(rewarded, "w_h", every, Some(50)),
    ];
    Ok(Setup { graph: net.freeze_with(&RuleCatalog)?, projs: [chain, hidden, si, rewarded], probes })
}

fn main() -> anyhow::Result<()> {
    let s = network()?;
    let mut runs = Vec::new();
    for workers in [1, 2] {
        let mut sim = Runtime::builder().workers(workers).build(&s.graph)?;
        sim.run_for(1.0.s())?;
        runs.push(sim);
    }
    for &p in &s.projs {
        let bits = |sim: &Runtime| -> anyhow::Result<Vec<u32>> { Ok(sim.projection_weights(p)?.values.iter().map(|w| w.to_bits()).collect()) };
        anyhow::ensure!(bits(&runs[0])? == bits(&runs[1])?, "the weights depend on the worker count");
    }
    let sim = &runs[0];
    let mean = |v: &[f32]| v.iter().map(|&x| f64::from(x)).sum::<f64>() / v.len().max(1) as f64;
    for (name, probe) in ["chain u_1", "chain u_6", "hidden W_h", "SI Omega", "R-STDP W_h"].iter().zip(&s.probes) {
        let trace = sim.weights(*probe)?;
        let n = trace.synapses.len().max(1);
        let first = &trace.values[..n.min(trace.values.len())];
        let last = &trace.values[trace.values.len().saturating_sub(n)..];
        println!("{name:<12} mean {:.3e} at 100 ms -> {:.3e} at 1 s", mean(first), mean(last));
    }
    println!("weights bit-identical on 1 and 2 workers");
    Ok(())
}
