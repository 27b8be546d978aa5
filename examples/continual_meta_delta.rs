//! The delta rule of spec 10.1 behind the metaplastic wrappers of spec 7, in the
//! DSL: `Delta::new()...error("E")` is signal-gated learning on the error
//! `E = y* - p` (`delta::error_signal` wires it), and `.metaplastic(m)`,
//! `.synaptic_intelligence(..)`, `.benna_fusi(..)` wrap it exactly as they wrap pair
//! STDP. Poisson-coded inputs (10 channels at 20 Hz, 40 at 2 Hz) drive one LIF
//! neuron with a 20 Hz target; each variant runs on 1 and 2 workers (bit-identical)
//! and prints the output rate it reached and its mean input weight. The wrappers
//! change what is learnt, as they should: the plain rule settles a little below the
//! target (input spikes that cause output spikes also lower the error), hidden weights
//! (`m` in 1/mV) shield large weights from decreases only, so here they grow and the
//! rate overshoots, and a Benna–Fusi chain pours the initial weight into its deeper
//! beakers, so the efficacy and the rate stay low over these 4 s.
//!
//! `cargo run --release --example continual_meta_delta` (the full continual-learning
//! protocol is `synfire run continual-patterns`).

use synfire::graphs::{PlasticityRule, RuleSpec};
use synfire::prelude::*;
use synfire::rules::Delta;
use synfire::rules::delta::error_signal;

fn run(rule: RuleSpec, workers: usize) -> anyhow::Result<(f64, Vec<f32>)> {
    let mut net = Network::new().dt(0.1.ms()).seed(5);
    let on = net.poisson("on", 10, 20.0.hz());
    let off = net.poisson("off", 40, 2.0.hz());
    let out = net.population("out", 1, Lif::cuba());
    let target = net.poisson("target", 1, 20.0.hz());
    net.scheduled_modulator("switch", 0.0, [(2000.0.ms(), 1.0), (2001.0.ms(), 0.0)]);
    error_signal(&mut net, "E", out, target, 0.2.ms());
    let conn = || Conn::all_to_all().weight(4.0.mv()).delay(1.0.ms());
    let plastic = net.connect(on, out, conn().plastic(rule.clone()));
    net.connect(off, out, conn().plastic(rule));
    let spikes = net.record_spikes([out]);
    let graph = net.freeze_with(&RuleCatalog)?;
    let mut sim = Runtime::builder().workers(workers).build(&graph)?;
    sim.run_ticks(40_000)?; // 4 s
    let late = sim.spikes(spikes)?.ticks.iter().filter(|&&t| t >= 20000).count() as f64 / 2.0;
    Ok((late, sim.projection_weights(plastic)?.values))
}

fn main() -> anyhow::Result<()> {
    let delta = || Delta::new().eta(2.0).tau(20.0.ms()).error("E");
    let variants: [(&str, RuleSpec); 4] = [
        ("plain", delta().to_spec()),
        ("meta(m=0.3)", delta().metaplastic(0.3).to_spec()),
        ("si(c=0.1)", delta().synaptic_intelligence(SynapticIntelligence::new(0.1).eta(2.0).consolidate_on("switch")).to_spec()),
        ("benna-fusi(m=6)", delta().benna_fusi(BennaFusi::geometric(6).clock(10.0.ms())).to_spec()),
    ];
    println!("{:<16} {:>14} {:>16}", "variant", "rate 2-4 s", "mean w (on)");
    for (name, rule) in variants {
        let (rate, w) = run(rule.clone(), 1)?;
        anyhow::ensure!(run(rule, 2)?.1 == w, "{name}: 1 and 2 workers differ");
        let mean = w.iter().map(|&w| f64::from(w)).sum::<f64>() / w.len() as f64;
        println!("{name:<16} {:>11.1} Hz {mean:>13.2} mV", rate);
    }
    println!("target: 20 Hz; weights bit-identical on 1 and 2 workers");
    Ok(())
}
