//! The tiny recurrent decoder of specs/targets.md 8 and 13 (after tinyRSNN: 96
//! inputs, 64 recurrent LIF neurons, 2 readouts, 4 ms steps) on `cortex-m4` and
//! `loihi2-like`: energy and latency per 4 ms step, and the weight memory at 8 bits
//! against 32 bits.
//!
//! `cargo run --release --example deploy_tiny_rsnn`

use synfire::prelude::*;
use synfire::targets::compare::record;
use synfire::targets::footprint::Footprint;
use synfire::targets::{CompileOptions, CortexM4, Loihi2, Target};

fn main() -> anyhow::Result<()> {
    let mut net = Network::new().dt(4.0.ms()).seed(5);
    let lif = |tau_m: f64, v_th: f64| {
        Lif::cuba().tau_m(tau_m.ms()).v_th(v_th.mv()).v_reset((-60.0).mv()).e_l((-60.0).mv()).t_ref(0.0.ms()).tau_syn_e(10.0.ms()).tau_syn_i(10.0.ms())
    };
    let x = net.poisson("in", 96, 20.0.hz());
    let h = net.population("hidden", 64, lif(20.0, -50.0));
    let o = net.population("readout", 2, lif(50.0, -40.0));
    net.connect(x, h, Conn::all_to_all().weight(uniform(0.0.mv(), 1.2.mv())).delay(4.0.ms()));
    net.connect(h, h, Conn::all_to_all().weight(uniform(0.0.mv(), 0.3.mv())).delay(4.0.ms()));
    net.connect(h, o, Conn::all_to_all().weight(uniform(0.0.mv(), 2.0.mv())).delay(4.0.ms()));
    let graph = net.freeze()?;
    let ticks = graph.ticks(1.0.s()).0;

    for target in [&CortexM4 as &dyn Target, &Loihi2] {
        let plan = target.compile(&graph, &CompileOptions::default())?;
        let run = record(&graph, Some(plan.kernels()), 2, ticks)?;
        let cost = plan.price(&plan.ledger(&run.activity), graph.dt.0 * 1e-3);
        println!("{}", plan.mapping_text());
        println!("{}", cost.text());
        println!(
            "{}: {:.3} nJ dynamic and {:.2} us per 4 ms step ({:.2} % of the step)\n",
            plan.target,
            cost.dynamic_joules() / cost.steps as f64 * 1e9,
            cost.t_step() * 1e6,
            100.0 * cost.t_step() / cost.dt_s
        );
    }
    println!("{}", Footprint::of(&graph).text());
    Ok(())
}
