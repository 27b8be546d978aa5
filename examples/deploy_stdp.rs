//! A network that learns while it runs, deployed to `loihi2-like` with its learning
//! on the chip: pair STDP lowered to the learning engine's sum of products, run on
//! the chip's integer numerics next to the reference run, and priced with its
//! learning updates and its idle neuron updates counted from the run. `xylo-like`
//! refuses the rule by name (no on-chip learning).
//!
//! `cargo run --release --example deploy_stdp`

use synfire::prelude::*;
use synfire::targets::compare::{compare, record};
use synfire::targets::{CompileOptions, Loihi2, Target, Xylo};

fn main() -> anyhow::Result<()> {
    let mut net = Network::new().dt(1.0.ms()).seed(12);
    let x = net.poisson("X", 64, 30.0.hz());
    let lif = Lif::cuba().tau_m(20.0.ms()).e_l((-60.0).mv()).v_th((-50.0).mv()).v_reset((-60.0).mv()).t_ref(2.0.ms()).tau_syn_e(5.0.ms()).tau_syn_i(5.0.ms());
    let e = net.population("E", 100, lif);
    let stdp = synfire::rules::Stdp::pair().a_plus(0.01).a_minus(0.0105).bounds(0.0..=5.0);
    let xe = net.connect(x, e, Conn::prob(0.5).weight(uniform(1.0.mv(), 4.0.mv())).delay(1.0.ms()).plastic(stdp).named("XE"));
    net.connect(e, e, Conn::prob(0.1).weight(0.5.mv()).delay(2.0.ms()).named("EE"));
    let graph = net.freeze_with(&synfire::rules::Catalog)?;

    let plan = Loihi2.compile(&graph, &CompileOptions::default())?;
    println!("{}", plan.mapping_text());
    // The lowered rule, its impulses and the chip's weight bound are in the warnings.
    println!("{}", plan.quantisation_text());
    let ticks = graph.ticks(1.0.s()).0;
    let reference = record(&graph, None, 2, ticks)?;
    let chip = record(&graph, Some(plan.kernels()), 2, ticks)?;
    println!("{}", compare(&graph, &reference, &chip, 1).text());
    let ledger = plan.ledger(&chip.activity);
    println!("learning updates {}, neuron updates active {} / idle {}", ledger.learn_syn_updates, ledger.neuron_updates_active, ledger.neuron_updates_idle);
    println!("{}", plan.price(&ledger, graph.dt.0 * 1e-3).text());
    // Where learning took the weights, in f32 and on the learning engine (whose
    // stored weights are in the chip's state units, so compare the change).
    for (name, kernels) in [("reference", None), ("loihi2-like", Some(plan.kernels()))] {
        let mut b = Runtime::builder().workers(2);
        if let Some(k) = kernels {
            b = b.kernels(k);
        }
        let mut sim = b.build(&graph)?;
        let before = sim.projection_weights(xe)?.last().iter().map(|&w| f64::from(w)).sum::<f64>();
        sim.run_ticks(ticks)?;
        let w = sim.projection_weights(xe)?;
        let after = w.last().iter().map(|&w| f64::from(w)).sum::<f64>();
        println!("{name:<12} summed XE weight changed by {:+.2} %", 100.0 * (after / before - 1.0));
    }

    match Xylo.compile(&graph, &CompileOptions::default()) {
        Ok(_) => anyhow::bail!("xylo-like has no on-chip learning"),
        Err(e) => println!("{e}"),
    }
    Ok(())
}
