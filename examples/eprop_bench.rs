//! Training throughput of e-prop in the engine: synaptic updates (plastic synapses
//! times trial ticks) per second of wall time, and bytes per plastic synapse, for
//! the pattern-generation network (100 inputs, 100 LIF, all to all) or a
//! 1000-neuron recurrent network at 10% connectivity (`rec1000`; `rec1000-alif`:
//! the same with ALIF neurons, for the memory figure). `bench/eprop.sh` alternates
//! it with the dense NumPy implementation of the same equations
//! (`bench/eprop_numpy.py`), which reads this network from the file written with
//! `--export`, so that both sides simulate the same weights, input and target.
//!
//! `cargo run --release --example eprop_bench -- pattern 20 1 [SEED] [--export net.json]`
//! (network, trials, workers); prints one JSON object: throughput, memory, and the
//! hidden rate and nMSE of the untrained trial (the warm-up, not timed) and of the
//! last trial.

use synfire::eprop::{EpropSpec, Feedback, Trainer};
use synfire::prelude::*;
use synfire::tasks::eprop_pattern::{frozen_input, nmse, target};

fn main() -> anyhow::Result<()> {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let export = match args.iter().position(|a| a == "--export") {
        Some(k) if k + 1 < args.len() => Some(args.drain(k..k + 2).nth(1).unwrap_or_default()),
        Some(_) => anyhow::bail!("--export needs a file name"),
        None => None,
    };
    let network = args.first().map_or("pattern", String::as_str);
    let trials: u64 = args.get(1).map_or(Ok(20), |s| s.parse())?;
    let workers: usize = args.get(2).map_or(Ok(1), |s| s.parse())?;
    let seed: u64 = args.get(3).map_or(Ok(1), |s| s.parse())?;
    let rec1000 = EpropSpec { n_lif: 1000, p_rec: 0.1, feedback: Feedback::Random { scale: 0.03 }, ..EpropSpec::pattern_generation() };
    let spec = match network {
        "pattern" => EpropSpec { feedback: Feedback::Random { scale: 0.1 }, ..EpropSpec::pattern_generation() },
        "rec1000" => rec1000,
        // ALIF neurons (every one adapting) at the evidence task's adaptation, for
        // the bytes per ALIF synapse; the NumPy side has no ALIF.
        "rec1000-alif" => EpropSpec { n_lif: 0, n_alif: 1000, beta: 0.0174, tau_a: 2000.0, ..rec1000 },
        other => anyhow::bail!("unknown network `{other}` (pattern, rec1000, rec1000-alif)"),
    };
    let mut net = Network::new().dt(1.0.ms()).seed(seed);
    let h = spec.build(&mut net);
    let graph = net.freeze_with(&RuleCatalog)?;
    let mut trainer = Trainer::new(&graph, &spec, &h, workers)?;
    let input = frozen_input(seed, spec.n_in, spec.trial_ticks);
    let tgt = target(seed, spec.trial_ticks);
    let rows: Vec<Vec<f64>> = tgt.iter().map(|&v| vec![v]).collect();
    if let Some(path) = &export {
        std::fs::write(path, serde_json::to_string(&network_json(network, &spec, &h, &mut trainer, &input, &tgt)?)?)?;
    }
    let n_rec = (spec.n_lif + spec.n_alif) as f64;
    let trial_s = spec.trial_ticks as f64 * 1e-3;
    let loss = |out: &synfire::eprop::TrialOutput| nmse(&out.y.iter().map(|r| r[0]).collect::<Vec<_>>(), &tgt);
    // The untrained network's trial (its step is the first update), not timed.
    let first = trainer.trial(&input, &rows)?;
    let (rate_first, nmse_first) = (first.spikes as f64 / n_rec / trial_s, loss(&first));
    let (started, cpu_before) = (std::time::Instant::now(), process_cpu_ns());
    let mut spikes = 0;
    let mut last = first;
    for _ in 0..trials {
        last = trainer.trial(&input, &rows)?;
        spikes += last.spikes;
    }
    let wall_s = started.elapsed().as_secs_f64();
    let cpu_s = (process_cpu_ns() - cpu_before) as f64 * 1e-9;
    let memory = trainer.runtime().memory()?;
    let ticks = trials * spec.trial_ticks;
    let updates = memory.plastic_synapses * ticks;
    println!(
        "{}",
        serde_json::json!({
            "impl": "synfire", "network": network, "workers": workers, "trials": trials, "ticks": ticks,
            "plastic_synapses": memory.plastic_synapses, "wall_s": wall_s, "cpu_s": cpu_s,
            "synapse_updates_per_s": updates as f64 / wall_s, "synapse_updates_per_cpu_s": updates as f64 / cpu_s,
            "bytes_per_plastic_synapse": memory.bytes_per_plastic_synapse(),
            "hidden_rate_hz": spikes as f64 / n_rec / (trials as f64 * trial_s),
            "rate_first_hz": rate_first, "nmse_first": nmse_first,
            "rate_last_hz": last.spikes as f64 / n_rec / trial_s, "nmse_last": loss(&last),
        })
    );
    Ok(())
}

/// CPU time of every thread of the process so far (ns, from the scheduler's
/// statistics): on a shared machine the figure that load does not inflate.
fn process_cpu_ns() -> u64 {
    let Ok(dir) = std::fs::read_dir("/proc/self/task") else { return 0 };
    dir.filter_map(Result::ok)
        .filter_map(|t| std::fs::read_to_string(t.path().join("schedstat")).ok())
        .filter_map(|s| s.split_whitespace().next().and_then(|v| v.parse::<u64>().ok()))
        .sum()
}

/// The network as `bench/eprop_numpy.py` reads it: the constants, every weight as
/// `(source, target, value)` columns, the frozen input as `(trial tick, input)` and
/// the target per trial tick.
fn network_json(
    name: &str,
    spec: &EpropSpec,
    h: &synfire::eprop::EpropHandles,
    trainer: &mut Trainer,
    input: &[(u64, u32)],
    tgt: &[f64],
) -> anyhow::Result<serde_json::Value> {
    anyhow::ensure!(
        spec.n_alif == 0 && spec.n_out == 1 && spec.n_ref == 0 && spec.normalised && matches!(spec.feedback, Feedback::Random { .. }),
        "the NumPy side implements pattern generation's equations only (LIF, no refractoriness, one readout, normalised filters, random feedback)"
    );
    let synfire::eprop::Optimiser::Sgd { eta } = spec.optimiser else { anyhow::bail!("the NumPy side implements SGD only") };
    let mut columns = |p: synfire::graphs::ProjId| -> anyhow::Result<serde_json::Value> {
        let w = trainer.runtime().projection_weights(p)?;
        let (src, dst): (Vec<u32>, Vec<u32>) = w.synapses.iter().copied().unzip();
        Ok(serde_json::json!({ "src": src, "dst": dst, "w": w.last() }))
    };
    Ok(serde_json::json!({
        "name": name, "n_in": spec.n_in, "n_rec": spec.n_lif, "trial_ticks": spec.trial_ticks, "gap": EpropSpec::GAP,
        "tau_m": spec.tau_m, "tau_out": spec.tau_out, "v_th": spec.v_th, "n_ref": spec.n_ref, "gamma": spec.gamma,
        "eta": eta, "c_reg": spec.c_reg, "f_target_hz": spec.f_target,
        "w_in": columns(h.input_projections[0])?, "w_rec": columns(h.recurrent[0])?,
        "w_out": columns(h.readout_projections[0])?, "b": columns(h.feedback[0])?,
        "input": input.iter().map(|&(t, i)| [t, u64::from(i)]).collect::<Vec<_>>(), "target": tgt,
    }))
}
