//! Training throughput of e-prop in the engine: synaptic updates (plastic synapses
//! times ticks) per second of wall time, and bytes per plastic synapse, for the
//! pattern-generation network (100 inputs, 100 LIF, all to all) or a 1000-neuron
//! recurrent network at 10% connectivity. `bench/eprop.sh` alternates it with the
//! dense NumPy implementation of the same equations (`bench/eprop_numpy.py`).
//!
//! `cargo run --release --example eprop_bench -- pattern 20 1` (network, trials,
//! workers); prints one JSON object.

use synfire::eprop::{EpropSpec, Feedback, Trainer};
use synfire::prelude::*;
use synfire::tasks::eprop_pattern::{frozen_input, target};

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let network = args.first().map_or("pattern", String::as_str);
    let trials: u64 = args.get(1).map_or(Ok(20), |s| s.parse())?;
    let workers: usize = args.get(2).map_or(Ok(1), |s| s.parse())?;
    let spec = match network {
        "pattern" => EpropSpec { feedback: Feedback::Random { scale: 0.1 }, ..EpropSpec::pattern_generation() },
        "rec1000" => EpropSpec { n_lif: 1000, p_rec: 0.1, feedback: Feedback::Random { scale: 0.03 }, ..EpropSpec::pattern_generation() },
        other => anyhow::bail!("unknown network `{other}` (pattern, rec1000)"),
    };
    let mut net = Network::new().dt(1.0.ms()).seed(1);
    let h = spec.build(&mut net);
    let graph = net.freeze_with(&RuleCatalog)?;
    let mut trainer = Trainer::new(&graph, &spec, &h, workers)?;
    let input = frozen_input(1, spec.n_in, spec.trial_ticks);
    let rows: Vec<Vec<f64>> = target(1, spec.trial_ticks).iter().map(|&v| vec![v]).collect();
    trainer.trial(&input, &rows)?;
    let started = std::time::Instant::now();
    let mut spikes = 0;
    for _ in 0..trials {
        spikes += trainer.trial(&input, &rows)?.spikes;
    }
    let wall_s = started.elapsed().as_secs_f64();
    let memory = trainer.runtime().memory()?;
    let ticks = trials * spec.period();
    let updates = memory.plastic_synapses * ticks;
    let rate_hz = spikes as f64 / (spec.n_lif + spec.n_alif) as f64 / (trials * spec.trial_ticks) as f64 * 1e3;
    println!(
        "{}",
        serde_json::json!({
            "impl": "synfire", "network": network, "workers": workers, "trials": trials, "ticks": ticks,
            "plastic_synapses": memory.plastic_synapses, "wall_s": wall_s,
            "synapse_updates_per_s": updates as f64 / wall_s,
            "bytes_per_plastic_synapse": memory.bytes_per_plastic_synapse(), "hidden_rate_hz": rate_hz,
        })
    );
    Ok(())
}
