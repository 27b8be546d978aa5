//! Escape-noise neurons (specs 1.6): Poisson input drives discrete LIF neurons with
//! sigmoid escape noise and ALIF neurons with exponential escape noise, coupled both
//! ways. Runs on 1 and 2 workers, checks that the spikes are bit-identical (the noise
//! is drawn from streams keyed by seed, neuron and tick, not by worker), and prints
//! each population's rate and, for comparison, the rate of the same network with the
//! deterministic threshold.
//!
//! `cargo run --release --example escape_noise`

use synfire::prelude::*;

/// The network with `lif_noise` on the LIF population and `alif_noise` on the ALIF
/// one; returns the graph and the two populations' spike probes.
fn network(lif_noise: EscapeNoise, alif_noise: EscapeNoise) -> anyhow::Result<(Graph, Probe<probe_kind::Spikes>, Probe<probe_kind::Spikes>)> {
    let mut net = Network::new().dt(1.0.ms()).seed(3);
    let x = net.poisson("X", 100, 20.0.hz());
    let lif = net.population("LIF", 200, LifDiscrete::new().init("u", uniform(0.0.one(), 1.0.one())).escape_noise(lif_noise));
    let alif = net.population("ALIF", 100, Alif::new().escape_noise(alif_noise));
    net.connect(x, lif, Conn::prob(0.1).weight(uniform(0.5.one(), 1.5.one())).delay(1.0.ms()));
    net.connect(x, alif, Conn::prob(0.1).weight(0.15.one()).delay(1.0.ms()));
    net.connect(lif, alif, Conn::prob(0.05).weight(0.1.one()).delay(2.0.ms()));
    net.connect(alif, lif, Conn::prob(0.1).weight((-0.2).one()).delay(2.0.ms()));
    let (s_lif, s_alif) = (net.record_spikes([lif]), net.record_spikes([alif]));
    Ok((net.freeze()?, s_lif, s_alif))
}

fn main() -> anyhow::Result<()> {
    let seconds = 1.0;
    let rate = |n: usize, size: f64| n as f64 / size / seconds;
    let (graph, s_lif, s_alif) = network(EscapeNoise::sigmoid(10.0), EscapeNoise::exponential(0.01, 0.133))?;
    let run = |graph: &Graph, workers: usize| -> anyhow::Result<_> {
        let mut sim = Runtime::builder().workers(workers).build(graph)?;
        sim.run_for(seconds.s())?;
        Ok((sim.spikes(s_lif)?, sim.spikes(s_alif)?))
    };
    let one = run(&graph, 1)?;
    let two = run(&graph, 2)?;
    let same = one == two;
    let (det, d_lif, d_alif) = network(EscapeNoise::Step, EscapeNoise::Step)?;
    let mut sim = Runtime::builder().workers(1).build(&det)?;
    sim.run_for(seconds.s())?;
    let (step_lif, step_alif) = (sim.spikes(d_lif)?.len(), sim.spikes(d_alif)?.len());

    println!("{:<12}{:<36}{:>10}{:>20}", "population", "escape noise", "rate (Hz)", "deterministic (Hz)");
    println!("{:<12}{:<36}{:>10.1}{:>20.1}", "LIF", "sigmoid, beta = 10", rate(one.0.len(), 200.0), rate(step_lif, 200.0));
    println!("{:<12}{:<36}{:>10.1}{:>20.1}", "ALIF", "exponential, p0 = 0.01, du = 0.133", rate(one.1.len(), 100.0), rate(step_alif, 100.0));
    println!("1 vs 2 workers: {}", if same { "bit-identical spikes" } else { "DIFFERENT" });
    anyhow::ensure!(same, "escape-noise spikes depend on the worker count");
    Ok(())
}
