//! Deploying the CUBA network (Vogels & Abbott 2005) to hardware targets: it fits
//! `loihi2-like` on 5 cores and runs there on the chip's integer numerics next to the
//! reference run; it does not fit `xylo-like`, and the error says every reason.
//!
//! `cargo run --release --example deploy`

use synfire::prelude::*;
use synfire::targets::compare::{compare, record};
use synfire::targets::{CompileOptions, Loihi2, Target, Xylo};

fn main() -> anyhow::Result<()> {
    let mut net = Network::new().dt(0.1.ms()).seed(42);
    let lif = Lif::cuba()
        .tau_m(20.0.ms())
        .v_th((-50.0).mv())
        .v_reset((-60.0).mv())
        .e_l((-49.0).mv())
        .t_ref(5.0.ms())
        .tau_syn_e(5.0.ms())
        .tau_syn_i(10.0.ms())
        .init("v", uniform((-60.0).mv(), (-50.0).mv()));
    let e = net.population("E", 3200, lif.clone());
    let i = net.population("I", 800, lif);
    net.connect_all([e], [e, i], Conn::prob(0.02).weight(1.62.mv()).delay(0.1.ms()));
    net.connect_all([i], [e, i], Conn::prob(0.02).weight((-9.0).mv()).delay(0.1.ms()));
    let graph = net.freeze()?;

    let plan = Loihi2.compile(&graph, &CompileOptions::default())?;
    println!("{}", plan.mapping_text());
    println!("{}", plan.quantisation_text());
    // Both runs on two worker threads; the chip's run uses the plan's kernels and
    // quantised weights.
    let ticks = graph.ticks(0.2.s()).0;
    let reference = record(&graph, None, 2, ticks)?;
    let chip = record(&graph, Some(plan.kernels()), 2, ticks)?;
    println!("{}", compare(&graph, &reference, &chip, 1).text());
    println!("{}", plan.price(&plan.ledger(&chip.activity), graph.dt.0 * 1e-3).text());

    match Xylo.compile(&graph, &CompileOptions::default()) {
        Ok(_) => anyhow::bail!("CUBA cannot fit one Xylo core"),
        Err(e) => println!("{e}"),
    }
    Ok(())
}
