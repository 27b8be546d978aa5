//! Third factors as graph nodes: a scheduled reward, a modulator computed from a
//! population's activity, and a per-neuron learning signal fed back from a readout
//! through random weights, each driving a rule in the engine. Runs each on 1 and 3
//! workers, checks bit-identity, and prints what the weights did.
//!
//! `cargo run --release --example third_factors`

use synfire::graphs::{Activity, Graph, PopId, ProjId};
use synfire::prelude::*;
use synfire::rules::SignalHebb;

fn mean_weight(graph: &Graph, proj: ProjId, workers: usize, ms: f64) -> anyhow::Result<(f64, Vec<u32>)> {
    let mut sim = Runtime::builder().workers(workers).build(graph)?;
    sim.run_for(ms.ms())?;
    let w = sim.projection_weights(proj)?.values;
    let mean = w.iter().map(|&x| f64::from(x)).sum::<f64>() / w.len().max(1) as f64;
    Ok((mean, w.iter().map(|x| x.to_bits()).collect()))
}

fn report(what: &str, graph: &Graph, proj: ProjId, before: f64, ms: f64) -> anyhow::Result<()> {
    let (one, bits1) = mean_weight(graph, proj, 1, ms)?;
    let (_, bits3) = mean_weight(graph, proj, 3, ms)?;
    anyhow::ensure!(bits1 == bits3, "{what}: weights depend on the worker count");
    println!("{what:<34} mean weight {before:.4} -> {one:.4} mV (1 and 3 workers bit-identical)");
    Ok(())
}

/// Poisson inputs onto LIF neurons through reward-modulated STDP that reads the
/// modulator `add` puts into the network (given the neuron population).
fn rstdp_network(add: impl FnOnce(&mut Network, PopId) -> String) -> anyhow::Result<(Graph, ProjId)> {
    let mut net = Network::new().dt(0.1.ms()).seed(1);
    let x = net.poisson("X", 200, 20.0.hz());
    let n = net.population("N", 40, Lif::cuba().e_l((-52.0).mv()).init("v", uniform((-60.0).mv(), (-50.0).mv())));
    let node = add(&mut net, n);
    let rule = RewardStdp::izhikevich2007().a_plus(0.05).a_minus(0.06).tau_c(200.0.ms()).bounds(0.0..=4.0).modulator(&node);
    let p = net.connect(x, n, Conn::prob(0.2).weight(1.5.mv()).delay(1.0.ms()).plastic(rule));
    Ok((net.freeze_with(&RuleCatalog)?, p))
}

fn main() -> anyhow::Result<()> {
    // A reward from 300 ms on, punishment from 1.2 s.
    let (g, p) = rstdp_network(|net, _| {
        net.scheduled_modulator("reward", 0.0, [(300.0.ms(), 1.0), (1200.0.ms(), -1.0)]);
        "reward".into()
    })?;
    report("scheduled reward (R-STDP)", &g, p, 1.5, 1500.0)?;

    // The same rule gated by the network's own activity: offset + gain * rate of N.
    let (g, p) = rstdp_network(|net, n| {
        net.computed_modulator("activity", 0.0, n, Activity::average(50.0.ms()).gain(0.1).offset(-0.5).delay(1.0.ms()));
        "activity".into()
    })?;
    report("modulator computed from N's rate", &g, p, 1.5, 1000.0)?;

    // A per-neuron learning signal: a readout of H comes back to H through random
    // feedback weights B (L_j = sum_k B_jk r_k), and gates Hebbian learning on X->H.
    let mut net = Network::new().dt(0.1.ms()).seed(1);
    let x = net.poisson("X", 100, 30.0.hz());
    let h = net.population("H", 50, Lif::cuba().e_l((-52.0).mv()).init("v", uniform((-60.0).mv(), (-50.0).mv())));
    let readout = net.population("readout", 3, RateUnit::linear().tau(10.0.ms()).theta((-1.0).one()).gain(0.2.one()));
    net.learning_signal("L", h);
    let p = net.connect(x, h, Conn::prob(0.3).weight(2.0.mv()).delay(1.0.ms()).plastic(SignalHebb::new().eta(0.0005).bounds(0.0..=4.0).signal("L")));
    net.connect(h, readout, Conn::prob(0.5).weight(0.2.one()).delay(0.5.ms()));
    net.connect(readout, h, Conn::all_to_all().weight(uniform((-1.0).one(), 1.0.one())).delay(0.5.ms()).into_signal("L"));
    report("per-neuron signal via feedback B", &net.freeze_with(&RuleCatalog)?, p, 2.0, 1000.0)?;
    Ok(())
}
