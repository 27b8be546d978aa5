//! `synfire run SCENARIO`: simulate a built-in network or a scenario file, write
//! spikes, a report and plots, and print a summary.

use super::process;
use super::simulate::{self, Recorded};
use crate::output::{self, Counts, PopulationReport, Report, Staging};
use anyhow::Context;
use std::path::{Path, PathBuf};
use synfire::networks::{BuiltIn, DEFAULT_NEURONS};
use synfire_graphs::{Graph, Time, UnitExt};
use synfire_runtime::Runtime;

/// Arguments of `synfire run`.
#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// A built-in network (cuba, coba) or a scenario file.
    pub scenario: String,
    /// Worker threads [default: the scenario's, else 1].
    #[arg(long)]
    pub workers: Option<usize>,
    /// Model time to simulate, with a unit: 10s, 500ms [default: the scenario's, else 1s].
    #[arg(long, value_parser = super::parse_duration)]
    pub duration: Option<Time>,
    /// Seed of every random stream [default: the scenario's, else 0].
    #[arg(long)]
    pub seed: Option<u64>,
    /// Output directory [default: out/<scenario name>].
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Ticks per window, at most the minimum delay [default: the minimum delay].
    #[arg(long)]
    pub window_ticks: Option<u64>,
    /// Size of a built-in network [default: 4000].
    #[arg(long)]
    pub neurons: Option<u64>,
}

/// What a scenario sets besides its graph; the command line overrides each.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RunSettings {
    /// Model time to simulate.
    pub duration: Option<Time>,
    /// Worker threads.
    pub workers: Option<usize>,
    /// Ticks per window.
    pub window_ticks: Option<u64>,
}

/// Model time of a run when neither the scenario nor the command line sets it.
const DEFAULT_DURATION_MS: f64 = 1000.0;

/// Loads a scenario file into a graph and its run settings; problems name their
/// line and column or their place in the file.
pub fn load_scenario(path: &Path) -> anyhow::Result<(Graph, RunSettings)> {
    let shown = path.display();
    let scenario = synfire_graphs::scenario::Scenario::load(path).map_err(|e| anyhow::anyhow!("{shown}: {e}"))?;
    let graph = scenario.freeze_with(&synfire_rules::Catalog).map_err(|e| anyhow::anyhow!("{shown}: {e}"))?;
    let window_ticks = scenario.run.window.map(|w| graph.ticks(w).0);
    let settings = RunSettings { duration: Some(scenario.run.duration), workers: scenario.run.workers.map(|w| w as usize), window_ticks };
    Ok((graph, settings))
}

/// The graph, settings and display name of `scenario` (a built-in name or a path).
fn resolve(args: &RunArgs) -> anyhow::Result<(String, Graph, RunSettings)> {
    if let Some(b) = BuiltIn::from_name(&args.scenario) {
        let net = b.build(args.neurons.unwrap_or(DEFAULT_NEURONS), args.seed.unwrap_or(0))?.with_probes(10.0.ms());
        let graph = net.network.freeze().with_context(|| format!("the built-in network `{}` does not freeze", b.name()))?;
        return Ok((b.name().to_string(), graph, RunSettings::default()));
    }
    let path = Path::new(&args.scenario);
    if !path.exists() {
        let names: Vec<&str> = BuiltIn::ALL.iter().map(|b| b.name()).collect();
        anyhow::bail!("`{}` is neither a built-in network ({}) nor a file", args.scenario, names.join(", "));
    }
    if args.neurons.is_some() {
        anyhow::bail!("--neurons sets the size of a built-in network; `{}` is a scenario file", args.scenario);
    }
    let (mut graph, settings) = load_scenario(path)?;
    if let Some(seed) = args.seed {
        graph.seed = seed;
    }
    let name = path.file_stem().map_or_else(|| "scenario".to_string(), |s| s.to_string_lossy().into_owned());
    Ok((name, graph, settings))
}

/// Runs `synfire run`.
pub fn run(args: &RunArgs) -> anyhow::Result<()> {
    let (name, graph, settings) = resolve(args)?;
    let duration = args.duration.or(settings.duration).unwrap_or(Time(DEFAULT_DURATION_MS));
    let workers = args.workers.or(settings.workers).unwrap_or(1);
    let out_dir = args.out.clone().unwrap_or_else(|| Path::new("out").join(&name));
    // Staged first: an unwritable output directory fails before the simulation.
    let mut staging = Staging::new(&out_dir)?;

    let mut builder = Runtime::builder().workers(workers);
    if let Some(w) = args.window_ticks.or(settings.window_ticks) {
        builder = builder.window_ticks(w);
    }
    let mut rt = builder.build(&graph).with_context(|| format!("cannot build the runtime for `{name}`"))?;
    let (wall_s, evolution) = simulate::run_with_progress(&mut rt, duration).with_context(|| format!("the run of `{name}` failed at {}", rt.now()))?;
    let counters = rt.counters()?;
    let peak_rss_bytes = process::peak_rss_bytes();
    let recorded = simulate::collect(&rt)?;

    let model_time_s = rt.now().as_secs();
    let plastic = simulate::plastic_projections(&graph);
    let mut files = vec!["spikes.npy", "spikes.csv", "report.json", "raster.svg", "rates.svg"];
    if !plastic.is_empty() {
        files.extend(["weights.svg", "weight_evolution.svg"]);
    }
    let report = Report {
        scenario: name.clone(),
        neurons: graph.num_neurons(),
        workers,
        window_ticks: rt.window_ticks(),
        seed: graph.seed,
        dt_ms: graph.dt.0,
        model_time_s,
        wall_s,
        build_s: rt.build_secs(),
        counts: Counts { spikes: counters.spikes, syn_events: counters.syn_events, neuron_updates: counters.neuron_updates },
        populations: populations(&graph, &recorded, model_time_s),
        syn_events_per_s: counters.syn_events as f64 / wall_s,
        realtime_factor: wall_s / model_time_s,
        peak_rss_bytes,
        files: files.iter().map(|f| f.to_string()).collect(),
    };
    output::write_npy(&staging.file("spikes.npy"), &recorded.spikes)?;
    output::write_csv(&staging.file("spikes.csv"), &recorded.spikes)?;
    report.write(&staging.file("report.json"))?;
    let raster_ms = duration.0.min(DEFAULT_DURATION_MS).min(rt.now().0);
    output::write_raster(
        &staging.file("raster.svg"),
        &format!("{name}: spike raster, first {raster_ms} ms"),
        &recorded.spikes,
        &recorded.spike_pops,
        raster_ms,
    )?;
    let bin = recorded.rates.first().map_or(10.0, |r| r.2.bin_ms);
    output::write_rates(&staging.file("rates.svg"), &format!("{name}: population rates ({bin} ms bins)"), &recorded.rates, rt.now().0)?;
    if !plastic.is_empty() {
        let mut finals = Vec::new();
        for (k, pname) in &plastic {
            let proj = graph.proj(pname).with_context(|| format!("projection `{pname}` has no handle"))?;
            finals.push((*k, pname.clone(), rt.projection_weights(proj)?.values));
        }
        output::write_weight_histogram(&staging.file("weights.svg"), &format!("{name}: plastic weights at {} ms", rt.now().0), &finals)?;
        let evolution: Vec<_> = plastic.iter().zip(evolution).map(|((k, n), e)| (*k, n.clone(), e)).collect();
        output::write_weight_evolution(&staging.file("weight_evolution.svg"), &format!("{name}: plastic weights over time"), &evolution)?;
    }
    staging.commit()?;
    print_summary(&report, &out_dir);
    Ok(())
}

/// Size and mean rate of every population.
fn populations(graph: &Graph, recorded: &Recorded, model_time_s: f64) -> Vec<PopulationReport> {
    graph
        .populations
        .iter()
        .enumerate()
        .map(|(p, def)| {
            let spikes = recorded.spike_pops.iter().any(|s| s.0 == p).then(|| recorded.spikes.pops.iter().filter(|&&x| x as usize == p).count() as u64);
            let mean_rate_hz = spikes.filter(|_| recorded.whole_run[p] && model_time_s > 0.0).map(|n| n as f64 / def.size as f64 / model_time_s);
            PopulationReport { name: def.name.clone(), size: def.size, spikes, mean_rate_hz }
        })
        .collect()
}

fn print_summary(r: &Report, out_dir: &Path) {
    let plural = if r.workers == 1 { "" } else { "s" };
    let ticks = if r.window_ticks == 1 { "tick" } else { "ticks" };
    println!(
        "synfire run {}: {} neurons, {} worker{plural}, seed {}, dt {} ms, window {} {ticks}",
        r.scenario, r.neurons, r.workers, r.seed, r.dt_ms, r.window_ticks
    );
    println!(
        "  simulated    {:.3} s of model time in {:.3} s wall ({:.3} s wall per model second); build {:.3} s",
        r.model_time_s, r.wall_s, r.realtime_factor, r.build_s
    );
    let rates: Vec<String> = r.populations.iter().filter_map(|p| p.mean_rate_hz.map(|h| format!("{} {h:.2} Hz", p.name))).collect();
    println!("  spikes       {} ({})", r.counts.spikes, if rates.is_empty() { "no population recorded".to_string() } else { rates.join(", ") });
    println!("  syn. events  {} ({:.3e} per second of wall time)", r.counts.syn_events, r.syn_events_per_s);
    println!("  neuron upd.  {}", r.counts.neuron_updates);
    if let Some(b) = r.peak_rss_bytes {
        println!("  peak memory  {:.1} MiB", b as f64 / (1024.0 * 1024.0));
    }
    println!("  outputs      {}/ {}", out_dir.display(), r.files.join(" "));
}
