//! Rate units beside spiking neurons: a Poisson input drives LIF neurons, whose
//! spikes drive linear-threshold rate units; the units' graded output feeds sigmoid
//! units and inhibits the LIF neurons back. Runs on 1 and 3 workers and checks that
//! spikes and graded outputs are bit-identical, then prints the mean outputs.
//!
//! `cargo run --release --example graded`

use synfire::prelude::*;

fn main() -> anyhow::Result<()> {
    let mut net = Network::new().dt(0.1.ms()).seed(5);
    let x = net.poisson("X", 100, 20.0.hz());
    let e = net.population("E", 200, Lif::cuba().e_l((-55.0).mv()).init("v", uniform((-60.0).mv(), (-50.0).mv())));
    let r = net.population("R", 40, RateUnit::linear().tau(5.0.ms()).gain(0.5.one()).theta(0.02.one()));
    let s = net.population("S", 20, RateUnit::sigmoid().tau(10.0.ms()).gain(4.0.one()).theta(0.5.one()));
    net.connect(x, e, Conn::prob(0.1).weight(3.0.mv()).delay(1.0.ms()));
    net.connect(e, r, Conn::prob(0.3).weight(1.0.one()).delay(0.5.ms()));
    // Each tick a unit with output r adds w * r to its targets' input.
    net.connect(r, e, Conn::prob(0.3).weight((-0.05).mv()).delay(1.0.ms()));
    net.connect(r, s, Conn::all_to_all().weight(0.2.one()).delay(0.2.ms()));
    let spikes = net.record_spikes([e]);
    let out_r = net.record_state(r, "r", 0..40, 1.0.ms());
    let out_s = net.record_state(s, "r", 0..20, 1.0.ms());
    let graph = net.freeze()?;

    let run = |workers: usize| -> anyhow::Result<_> {
        let mut sim = Runtime::builder().workers(workers).build(&graph)?;
        sim.run_for(0.5.s())?;
        Ok((sim.spikes(spikes)?, sim.state(out_r)?, sim.state(out_s)?))
    };
    let one = run(1)?;
    let three = run(3)?;
    let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
    let same = one.0 == three.0 && bits(&one.1.values) == bits(&three.1.values) && bits(&one.2.values) == bits(&three.2.values);
    let mean = |v: &[f32]| v.iter().map(|&x| f64::from(x)).sum::<f64>() / v.len().max(1) as f64;
    println!("E spikes        {}", one.0.len());
    println!("mean r of R     {:.4}", mean(&one.1.values));
    println!("mean r of S     {:.4}", mean(&one.2.values));
    println!("1 vs 3 workers  {}", if same { "bit-identical" } else { "DIFFERENT" });
    anyhow::ensure!(same, "results depend on the worker count");
    Ok(())
}
