//! Fluctuation-driven weight initialisation (specs 3): 200 Poisson inputs at 20 Hz
//! drive 500 discrete LIF neurons through weights chosen so that the free membrane
//! potential has a requested mean and standard deviation. Spiking is switched off
//! with `theta = 1e9` (the targets are given as `sigma_u`, which does not read
//! `theta`), the run lasts 20 s, and the first 0.5 s are discarded. Prints target
//! and measured moments of `U`.
//!
//! `cargo run --release --example fluctuation_init`

use synfire::prelude::*;

fn main() -> anyhow::Result<()> {
    for (label, init) in [("centred", FluctuationDriven::centred(1.0, 20.0.hz())), ("mean-shifted", FluctuationDriven::new(0.5, 0.5, 20.0.hz()))] {
        let mut net = Network::new().dt(1.0.ms()).seed(1);
        let x = net.poisson("X", 200, 20.0.hz());
        let l = net.population("L", 500, LifDiscrete::new().theta(1e9.one()));
        net.connect(x, l, Conn::all_to_all().weight_fluctuation_driven(init).delay(1.0.ms()));
        let u = net.record_state(l, "u", 0..500, 1.0.ms());
        net.probe_window(u, 500.0.ms(), 20.0.s());
        let graph = net.freeze()?;
        // freeze() resolved the initialiser into a normal distribution of weights.
        let synfire::graphs::Dist::Normal { mean: mu_w, sd: sigma_w, .. } = graph.projections[0].conn.weight.dist else {
            anyhow::bail!("the initialiser was not resolved")
        };
        println!("{label}: weights normal(mu_w = {mu_w:.5}, sigma_w = {sigma_w:.5})");

        let mut sim = Runtime::builder().workers(2).build(&graph)?;
        sim.run_for(20.0.s())?;
        let trace = sim.state(u)?;
        let n = trace.neurons.len();
        let (mut mean, mut sd) = (0.0, 0.0);
        for col in 0..n {
            let xs: Vec<f64> = trace.column(col).into_iter().map(f64::from).collect();
            let m = xs.iter().sum::<f64>() / xs.len() as f64;
            mean += m / n as f64;
            sd += (xs.iter().map(|x| (x - m).powi(2)).sum::<f64>() / xs.len() as f64).sqrt() / n as f64;
        }
        let synfire::graphs::fluctuation::Spread::SigmaU(sigma_u) = init.spread else { anyhow::bail!("the example gives sigma_u") };
        println!("  target   mean {:>7.4}  std {:.4}", init.mu_u, sigma_u);
        println!("  measured mean {mean:>7.4}  std {sd:.4}  (temporal, averaged over {n} neurons)");
        // Each neuron's mean is nu eps_bar times the sum of its own 200 weights, so the
        // population mean carries the error of that draw (the std hardly does).
        let k = synfire::graphs::fluctuation::kernel(init.epsilons, 20.0.ms(), 10.0.ms(), 1.0.ms())?;
        println!("  standard error of the mean from the weight draw: {:.4}", 200f64.sqrt() * sigma_w * 20.0 * k.eps_bar / (n as f64).sqrt());
    }
    Ok(())
}
