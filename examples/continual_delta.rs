//! The delta rule in the engine (spec 10.1's learner, spiking): Poisson-coded pattern
//! channels onto one LIF output neuron, whose synapses learn `dw = eta (y* - p) x`
//! with the error (target spikes minus output spikes) as a per-neuron signal. The
//! output's rate moves to the target's.
//!
//! `cargo run --release --example continual_delta`

use synfire::prelude::*;
use synfire_rules::Delta;
use synfire_rules::delta::error_signal;
use synfire_runtime::Runtime;

fn main() -> anyhow::Result<()> {
    for target in [10.0, 30.0] {
        let mut net = Network::new().dt(0.1.ms()).seed(3);
        let on = net.poisson("on", 10, 20.0.hz()); // the pattern's active channels
        let off = net.poisson("off", 40, 2.0.hz()); // its inactive ones
        let out = net.population("out", 1, Lif::cuba());
        let wanted = net.poisson("target", 1, target.hz());
        error_signal(&mut net, "E", out, wanted, 0.2.ms());
        let rule = Delta::new().eta(2.0).tau(20.0.ms()).error("E");
        for src in [on, off] {
            net.connect(src, out, Conn::all_to_all().weight(4.0.mv()).delay(1.0.ms()).plastic(rule.clone()));
        }
        let rate = net.record_rate(out, 1000.0.ms());
        let graph = net.freeze_with(&synfire_rules::Catalog)?;
        let mut sim = Runtime::builder().workers(2).build(&graph)?;
        sim.run_for(5000.0.ms())?;
        let r = sim.rates(rate)?;
        println!("target {target:>4} Hz: output rate per second {:?}", r.rates_hz.iter().map(|v| v.round()).collect::<Vec<_>>());
    }
    Ok(())
}
