//! `synfire bench NAME`: build a built-in network at some size, simulate it, and
//! report build and simulation times apart (specs/benchmarks.md "count per run").

use super::process;
use anyhow::Context;
use serde::Serialize;
use std::time::Instant;
use synfire::networks::{BuiltIn, DEFAULT_NEURONS};
use synfire_graphs::Time;
use synfire_runtime::Runtime;

/// Arguments of `synfire bench`.
#[derive(Debug, clap::Args)]
pub struct BenchArgs {
    /// The network: cuba (A), coba (B) or cuba-stdp (D).
    #[arg(value_parser = clap::builder::PossibleValuesParser::new(BuiltIn::ALL.map(BuiltIn::name)))]
    pub name: String,
    /// Number of neurons (in-degree stays 80).
    #[arg(long, default_value_t = DEFAULT_NEURONS)]
    pub neurons: u64,
    /// Model time to simulate, with a unit: 10s, 500ms.
    #[arg(long, value_parser = super::parse_duration, default_value = "1s")]
    pub duration: Time,
    /// Worker threads.
    #[arg(long, default_value_t = 1)]
    pub workers: usize,
    /// Seed of every random stream.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Ticks per window [default: the minimum delay].
    #[arg(long)]
    pub window_ticks: Option<u64>,
    /// Print one JSON object instead of a summary.
    #[arg(long)]
    pub json: bool,
}

/// The figures of one benchmark run (the JSON keys).
#[derive(Debug, Clone, PartialEq, Serialize)]
struct BenchResult {
    network: String,
    neurons: u64,
    synapses: u64,
    workers: usize,
    model_time_s: f64,
    /// Simulation wall time, without building.
    wall_s: f64,
    /// Wall time of freezing the description and building the shards.
    build_s: f64,
    spikes: u64,
    syn_events: u64,
    syn_events_per_s: f64,
    neuron_updates: u64,
    /// `wall_s / model_time_s`.
    realtime_factor: f64,
    /// Bytes of the hot connectivity arrays per synapse, as held by the shards.
    bytes_per_synapse: f64,
    /// Synapses of plastic projections.
    plastic_synapses: u64,
    /// Connectivity plus plasticity state per plastic synapse (traces, histories, indices).
    bytes_per_plastic_synapse: f64,
    peak_rss_bytes: Option<u64>,
    /// User plus system CPU time of the simulation (all threads), 10 ms resolution.
    cpu_s: Option<f64>,
}

/// Runs `synfire bench`.
pub fn run(args: &BenchArgs) -> anyhow::Result<()> {
    let built_in = BuiltIn::from_name(&args.name).with_context(|| format!("unknown network `{}`", args.name))?;
    let started = Instant::now();
    // No probes: the benchmark measures the engine, not the recorders.
    let net = built_in.build(args.neurons, args.seed)?;
    let graph = net.network.freeze_with(&synfire_rules::Catalog).with_context(|| format!("the built-in network `{}` does not freeze", args.name))?;
    let mut builder = Runtime::builder().workers(args.workers);
    if let Some(w) = args.window_ticks {
        builder = builder.window_ticks(w);
    }
    let mut rt = builder.build(&graph).with_context(|| format!("cannot build the runtime for `{}`", args.name))?;
    let build_s = started.elapsed().as_secs_f64();

    let cpu_before = process::cpu_secs();
    let started = Instant::now();
    rt.run_for(args.duration).with_context(|| format!("the run of `{}` failed", args.name))?;
    let wall_s = started.elapsed().as_secs_f64();
    let cpu_s = process::cpu_secs().zip(cpu_before).map(|(after, before)| after - before);
    let counters = rt.counters()?;
    let memory = rt.memory()?;
    let peak_rss_bytes = process::peak_rss_bytes();
    let model_time_s = rt.now().as_secs();
    drop(rt);
    let synapses = memory.synapses;
    let result = BenchResult {
        network: args.name.clone(),
        neurons: graph.num_neurons(),
        synapses,
        workers: args.workers,
        model_time_s,
        wall_s,
        build_s,
        spikes: counters.spikes,
        syn_events: counters.syn_events,
        syn_events_per_s: counters.syn_events as f64 / wall_s,
        neuron_updates: counters.neuron_updates,
        realtime_factor: wall_s / model_time_s,
        bytes_per_synapse: memory.bytes_per_synapse(),
        plastic_synapses: memory.plastic_synapses,
        bytes_per_plastic_synapse: memory.bytes_per_plastic_synapse(),
        peak_rss_bytes,
        cpu_s,
    };
    if args.json {
        out!("{}", serde_json::to_string(&result)?);
    } else {
        print_summary(&result);
    }
    Ok(())
}

fn print_summary(r: &BenchResult) {
    out!("synfire bench {}: {} neurons, {} synapses, {} worker(s)", r.network, r.neurons, r.synapses, r.workers);
    out!("  build        {:.3} s", r.build_s);
    out!("  simulation   {:.3} s wall for {:.3} s model time ({:.3} s wall per model second)", r.wall_s, r.model_time_s, r.realtime_factor);
    if let Some(cpu) = r.cpu_s {
        out!("  cpu          {cpu:.2} s (all threads)");
    }
    let rate = r.spikes as f64 / r.neurons as f64 / r.model_time_s;
    out!("  spikes       {} (mean {rate:.2} Hz)", r.spikes);
    out!("  syn. events  {} ({:.3e} per second of wall time)", r.syn_events, r.syn_events_per_s);
    out!("  neuron upd.  {}", r.neuron_updates);
    out!(
        "  memory       ~{:.1} bytes per synapse (estimate); peak RSS {}",
        r.bytes_per_synapse,
        r.peak_rss_bytes.map_or("unknown".to_string(), |b| format!("{:.1} MiB", b as f64 / 1048576.0))
    );
    if r.plastic_synapses > 0 {
        out!("  plastic      {} synapses, {:.1} bytes each (connectivity and rule state)", r.plastic_synapses, r.bytes_per_plastic_synapse);
    }
}
