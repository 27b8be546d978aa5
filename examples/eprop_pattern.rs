//! e-prop in the engine: a recurrent network of 100 LIF neurons learns to reproduce a
//! sum of sines from a frozen Poisson input (specs 4.2), with symmetric feedback
//! (the feedback weights learn with the readout's update and stay its transpose).
//! Trains 100 one-second trials on 2 workers and prints the normalised MSE every 20
//! (`synfire run eprop-pattern` runs the full 1000 iterations over seeds, with plots).
//!
//! `cargo run --release --example eprop_pattern`

use synfire::eprop::{EpropSpec, Feedback, Trainer};
use synfire::prelude::*;
use synfire::tasks::eprop_pattern::{frozen_input, nmse, target};

fn main() -> anyhow::Result<()> {
    let spec = EpropSpec { feedback: Feedback::Symmetric, ..EpropSpec::pattern_generation() };
    let mut net = Network::new().dt(1.0.ms()).seed(0);
    let handles = spec.build(&mut net);
    let graph = net.freeze_with(&RuleCatalog)?;
    let mut trainer = Trainer::new(&graph, &spec, &handles, 2)?;
    let input = frozen_input(0, spec.n_in, spec.trial_ticks);
    let y_star = target(0, spec.trial_ticks);
    let rows: Vec<Vec<f64>> = y_star.iter().map(|&v| vec![v]).collect();
    for iteration in 0..=100 {
        let out = trainer.trial(&input, &rows)?;
        if iteration % 20 == 0 {
            let y: Vec<f64> = out.y.iter().map(|r| r[0]).collect();
            let rate = out.spikes as f64 / spec.n_lif as f64;
            println!("iteration {iteration:>3}: nMSE {:.3}, {rate:.1} Hz", nmse(&y, &y_star));
        }
    }
    Ok(())
}
