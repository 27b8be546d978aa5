//! `synfire bench NAME`: build a built-in network at some size, simulate it, and
//! report build and simulation times apart (specs/benchmarks.md "count per run").

use super::process;
use anyhow::Context;
use serde::Serialize;
use std::time::Instant;
use synfire::networks::{BuiltIn, DEFAULT_NEURONS};
use synfire_graphs::connectivity::{generate, instantiate};
use synfire_graphs::{Connector, DelayTicks, Graph, Time};
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
    /// Estimate, see [`bytes_per_synapse`].
    bytes_per_synapse: f64,
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
    let graph = net.network.freeze().with_context(|| format!("the built-in network `{}` does not freeze", args.name))?;
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
    let peak_rss_bytes = process::peak_rss_bytes();
    let model_time_s = rt.now().as_secs();
    drop(rt);

    // Counted after the peak memory was read, so that counting cannot raise it.
    let counts = synapse_counts(&graph);
    let synapses = counts.iter().sum();
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
        bytes_per_synapse: bytes_per_synapse(&graph, &counts, args.workers),
        peak_rss_bytes,
        cpu_s,
    };
    if args.json {
        println!("{}", serde_json::to_string(&result)?);
    } else {
        print_summary(&result);
    }
    Ok(())
}

/// Number of synapses of each projection of the graph.
///
/// The runtime does not report it yet, so it is counted here by generating the
/// connectivity again, one block of targets at a time so that memory stays small.
/// Replace with `Runtime::synapse_count()` once it exists.
fn synapse_counts(graph: &Graph) -> Vec<u64> {
    const BLOCK: u32 = 4096;
    let mut counts = Vec::with_capacity(graph.projections.len());
    for (k, proj) in graph.projections.iter().enumerate() {
        let keyed_by_target = matches!(proj.conn.connector, Connector::AllToAll | Connector::OneToOne | Connector::Prob(_) | Connector::InDegree(_));
        let mut count = 0u64;
        if keyed_by_target {
            let n = graph.populations[proj.target].size as u32;
            for start in (0..n).step_by(BLOCK as usize) {
                let targets: Vec<u32> = (start..n.min(start + BLOCK)).collect();
                count += generate(graph, k, &targets).len() as u64;
            }
        } else {
            // Source-keyed connectors generate everything for any block: once is enough.
            count = instantiate(graph, k).len() as u64;
        }
        counts.push(count);
    }
    counts
}

/// Estimated bytes of the hot connectivity arrays per synapse: a 4-byte target and a
/// 4-byte weight per synapse, 4 more where delays vary, plus each shard's 8-byte CSR
/// row offset per source neuron and projection. Plasticity state is not included.
fn bytes_per_synapse(graph: &Graph, counts: &[u64], shards: usize) -> f64 {
    let synapses: u64 = counts.iter().sum();
    if synapses == 0 {
        return 0.0;
    }
    let mut bytes = 0.0;
    for (proj, &n) in graph.projections.iter().zip(counts) {
        let per_synapse = if matches!(proj.delay, DelayTicks::PerSynapse { .. }) { 12.0 } else { 8.0 };
        let sources = graph.populations[proj.source].size as f64;
        bytes += per_synapse * n as f64 + 8.0 * (sources + 1.0) * shards as f64;
    }
    bytes / synapses as f64
}

fn print_summary(r: &BenchResult) {
    println!("synfire bench {}: {} neurons, {} synapses, {} worker(s)", r.network, r.neurons, r.synapses, r.workers);
    println!("  build        {:.3} s", r.build_s);
    println!("  simulation   {:.3} s wall for {:.3} s model time ({:.3} s wall per model second)", r.wall_s, r.model_time_s, r.realtime_factor);
    if let Some(cpu) = r.cpu_s {
        println!("  cpu          {cpu:.2} s (all threads)");
    }
    let rate = r.spikes as f64 / r.neurons as f64 / r.model_time_s;
    println!("  spikes       {} (mean {rate:.2} Hz)", r.spikes);
    println!("  syn. events  {} ({:.3e} per second of wall time)", r.syn_events, r.syn_events_per_s);
    println!("  neuron upd.  {}", r.neuron_updates);
    println!(
        "  memory       ~{:.1} bytes per synapse (estimate); peak RSS {}",
        r.bytes_per_synapse,
        r.peak_rss_bytes.map_or("unknown".to_string(), |b| format!("{:.1} MiB", b as f64 / 1048576.0))
    );
}
