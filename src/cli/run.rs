//! `synfire run SCENARIO`: simulate a built-in network or a scenario file, write
//! every probe, a report and plots (the groups `[run.output] files` chooses) into the
//! output directory (`--out`, else `[run.output] directory`, else `out/<name>`), and
//! print a summary.

use super::process;
use super::simulate::{self, Recorded};
use crate::output::{self, Counts, Entry, Manifest, Plan, PopulationReport, Report, Staging, Timing, WeightSummary};
use anyhow::Context;
use std::path::{Path, PathBuf};
use synfire::networks::{BuiltIn, DEFAULT_NEURONS};
use synfire_graphs::scenario::OutputFile;
use synfire_graphs::{Graph, Time, UnitExt};
use synfire_runtime::{RunError, Runtime};

/// Arguments of `synfire run`.
#[derive(Debug, Clone, clap::Args)]
pub struct RunArgs {
    /// A built-in network (cuba, coba, cuba-stdp), a built-in training task (see
    /// `synfire::tasks`) or a scenario file; without one, the flagship task
    /// `continual-patterns` (spec 10.1: plain vs metaplastic vs SI synapses).
    #[arg(default_value = "continual-patterns")]
    pub scenario: String,
    /// Worker threads [default: the scenario's, else 1].
    #[arg(long)]
    pub workers: Option<usize>,
    /// Model time to simulate, with a unit: 10s, 500ms [default: the scenario's, else 1s].
    #[arg(long, value_parser = super::parse_duration)]
    pub duration: Option<Time>,
    /// Seed of every random stream [default: the scenario's, else 0]; a task's first seed.
    #[arg(long)]
    pub seed: Option<u64>,
    /// Seeds a training task runs, from --seed on; its figures are mean and spread
    /// over them [default: the task's].
    #[arg(long)]
    pub seeds: Option<u64>,
    /// Iterations of a training task [default: the task's].
    #[arg(long)]
    pub iterations: Option<u64>,
    /// Output directory [default: out/<scenario name>].
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Ticks per window, at most the minimum delay [default: the minimum delay].
    #[arg(long)]
    pub window_ticks: Option<u64>,
    /// Size of a built-in network [default: 4000].
    #[arg(long)]
    pub neurons: Option<u64>,
    /// Write a checkpoint into the output directory at the first progress step (1% of
    /// the run, at least 100 ms) at or after each multiple of this much model time
    /// (`checkpoint.synfire`, replaced each time); `synfire resume` continues from it.
    #[arg(long, value_parser = super::parse_duration)]
    pub checkpoint_every: Option<Time>,
    /// Stop the run when a population fires faster than this many Hz over 100 ms
    /// (a runaway network); the outputs up to then are written and the exit code is 1.
    #[arg(long)]
    pub max_rate: Option<f64>,
    /// The time range of the raster plot, e.g. `2s..2.5s` [default: the first second].
    #[arg(long, value_parser = parse_range)]
    pub raster_window: Option<(Time, Time)>,
    /// Run even when the memory estimate exceeds the memory the machine has available
    /// (the estimate counts spike probes at 10 Hz per neuron: a quiet network may fit).
    #[arg(long)]
    pub force: bool,
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
    /// Output directory (`--out` overrides it).
    pub directory: Option<PathBuf>,
    /// Which outputs; `None` for all.
    pub files: Option<Vec<OutputFile>>,
    /// The scenario's `[trials]`, which make it a training run.
    pub trials: Option<synfire_graphs::scenario::trials::TrialPlan>,
}

/// Model time of a run when neither the scenario nor the command line sets it.
const DEFAULT_DURATION_MS: f64 = 1000.0;

/// Loads a scenario file into a graph and its run settings; problems name their
/// line and column or their place in the file.
pub fn load_scenario(path: &Path) -> anyhow::Result<(Graph, RunSettings)> {
    let shown = path.display();
    let scenario = synfire_graphs::scenario::Scenario::load(path).map_err(|e| anyhow::anyhow!("{shown}: {e}"))?;
    let graph = scenario.freeze_with(&synfire_rules::Catalog).map_err(|e| anyhow::anyhow!("{shown}: {e}"))?;
    // The same warnings as `check` (delays rounded to ticks, ...): a run must not
    // hide what `check` would say.
    for w in graph.warnings() {
        eprintln!("{shown}: warning: {w}");
    }
    let window_ticks = scenario.run.window.map(|w| graph.ticks(w).0);
    let output = scenario.run.output;
    let trials = scenario.run.trials;
    let settings = RunSettings {
        trials,
        duration: Some(scenario.run.duration),
        workers: scenario.run.workers.map(|w| w as usize),
        window_ticks,
        directory: output.as_ref().and_then(|o| o.directory.clone()),
        files: output.map(|o| o.files),
    };
    Ok((graph, settings))
}

/// Parses a time range such as `2s..2.5s` (clap value parser).
fn parse_range(text: &str) -> Result<(Time, Time), String> {
    let (a, b) = text.split_once("..").ok_or_else(|| format!("`{text}` is not a range FROM..TO such as 2s..2.5s"))?;
    let from = if a.trim().is_empty() { Time(0.0) } else { synfire_graphs::Unit::Ms.parse(a).map(Time)? };
    let to = super::parse_duration(b)?;
    if !(from.0 >= 0.0 && from.0 < to.0) {
        return Err(format!("`{text}`: the range must start at 0 or later and end after it starts"));
    }
    Ok((from, to))
}

/// The graph, settings and display name of `scenario` (a built-in name or a path).
fn resolve(args: &RunArgs) -> anyhow::Result<(String, Graph, RunSettings)> {
    if let Some(b) = BuiltIn::from_name(&args.scenario) {
        // A file of the same name is not read: say so rather than shadow it silently.
        if Path::new(&args.scenario).exists() {
            eprintln!("warning: `{0}` is a built-in network, so the file `{0}` is not read (write `./{0}` to run the file)", args.scenario);
        }
        let net = b.build(args.neurons.unwrap_or(DEFAULT_NEURONS), args.seed.unwrap_or(0))?.with_probes(10.0.ms());
        let graph = net.network.freeze().with_context(|| format!("the built-in network `{}` does not freeze", b.name()))?;
        return Ok((b.name().to_string(), graph, RunSettings::default()));
    }
    let path = Path::new(&args.scenario);
    if !path.exists() {
        let names: Vec<&str> = BuiltIn::ALL.iter().map(|b| b.name()).collect();
        let tasks: Vec<&str> = synfire::tasks::ALL.iter().map(|t| t.name()).collect();
        let tasks = if tasks.is_empty() { String::new() } else { format!(", a built-in task ({})", tasks.join(", ")) };
        anyhow::bail!("`{}` is neither a built-in network ({}){tasks} nor a file", args.scenario, names.join(", "));
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

/// What a run needs besides its runtime and graph, kept in its checkpoints
/// (`Checkpoint::user`, as JSON) so that `synfire resume` continues it.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Job {
    /// Built-in network name or scenario file stem.
    pub name: String,
    /// The output groups to write.
    pub files: Vec<OutputFile>,
    /// Worker threads.
    pub workers: usize,
    /// Ticks per window, if set.
    pub window_ticks: Option<u64>,
    /// Checkpoint period in ticks, if any.
    pub checkpoint_every: Option<u64>,
    /// The rate bound of the run guard, in Hz, if any.
    pub max_rate: Option<f64>,
    /// The raster plot's time range, if chosen.
    #[serde(default)]
    pub raster_window: Option<(Time, Time)>,
    /// How far the run got.
    pub progress: simulate::Progress,
}

/// The continual-learning scenario in the file `name`, if it is one (a TOML file
/// whose top level has a `[continual]` table); other files are network scenarios.
fn continual_file(name: &str) -> anyhow::Result<Option<synfire::continual::file::ScenarioFile>> {
    let path = Path::new(name);
    let is_toml = path.extension().is_some_and(|e| e == "toml");
    match std::fs::read_to_string(path) {
        Ok(text) if is_toml && synfire::continual::file::is_continual(&text) => Ok(Some(synfire::continual::file::ScenarioFile::load(path)?)),
        _ => Ok(None),
    }
}

/// The checkpoint file in a run's output directory.
pub const CHECKPOINT_FILE: &str = "checkpoint.synfire";

/// Runs `synfire run`.
pub fn run(args: &RunArgs) -> anyhow::Result<()> {
    if let Some(task) = synfire::tasks::find(&args.scenario) {
        if Path::new(&args.scenario).exists() {
            eprintln!("warning: `{0}` is a built-in task, so the file `{0}` is not read (write `./{0}` to run the file)", args.scenario);
        }
        return super::task::run(task, args);
    }
    if let Some(file) = continual_file(&args.scenario)? {
        // The file's seeds and output directory, unless the command line names others.
        let out = args.out.clone().or(file.directory.clone()).unwrap_or_else(|| {
            let stem = Path::new(&args.scenario).file_stem().map_or("continual".into(), |s| s.to_string_lossy().into_owned());
            Path::new("out").join(stem)
        });
        let args = RunArgs { seed: args.seed.or(Some(file.seed)), out: Some(out), ..args.clone() };
        return super::task::run(&synfire::tasks::continual_file::ContinualFile { file }, &args);
    }
    if args.seeds.is_some() || args.iterations.is_some() {
        anyhow::bail!("--seeds and --iterations apply to training tasks; `{}` is a network run", args.scenario);
    }
    let (name, graph, settings) = resolve(args)?;
    if let Some(plan) = &settings.trials {
        for (flag, set) in [
            ("--duration", args.duration.is_some()),
            ("--checkpoint-every", args.checkpoint_every.is_some()),
            ("--raster-window", args.raster_window.is_some()),
        ] {
            if set {
                anyhow::bail!("{flag} does not apply to `{name}`: its [trials] set how long it runs and what it writes");
            }
        }
        let workers = args.workers.or(settings.workers).unwrap_or(1);
        let out_dir = args.out.clone().or(settings.directory.clone()).unwrap_or_else(|| Path::new("out").join(&name));
        let builder = runtime_builder(workers, args.window_ticks.or(settings.window_ticks), args.max_rate);
        return super::task::run_trials(&name, &graph, plan, builder, workers, &out_dir);
    }
    let duration = args.duration.or(settings.duration).unwrap_or(Time(DEFAULT_DURATION_MS));
    let workers = args.workers.or(settings.workers).unwrap_or(1);
    let out_dir = args.out.clone().or(settings.directory.clone()).unwrap_or_else(|| Path::new("out").join(&name));
    let files = settings.files.clone().unwrap_or_else(|| OutputFile::ALL.to_vec());
    let checkpoint_every = match args.checkpoint_every {
        Some(t) if t.to_ticks(graph.dt) == 0 => anyhow::bail!("--checkpoint-every {t} is shorter than one time step ({})", graph.dt),
        t => t.map(|t| t.to_ticks(graph.dt)),
    };
    let window_ticks = args.window_ticks.or(settings.window_ticks);
    if !args.force
        && let Some(why) = super::process::memory_refusal(&graph.memory_estimate(Some(duration)), duration)
    {
        anyhow::bail!("`{name}` is refused: {why}; --force runs it anyway");
    }
    // Planned and staged first: clashing file names and an unwritable output
    // directory fail before the simulation.
    let plan = Plan::new(&graph, &files).with_context(|| format!("cannot write the outputs of `{name}`"))?;
    let staging = Staging::new(&out_dir)?;
    let builder = runtime_builder(workers, window_ticks, args.max_rate);
    let rt = builder.build(&graph).with_context(|| format!("cannot build the runtime for `{name}`"))?;
    let progress = simulate::Progress::start(&rt, duration)?;
    let job = Job { name, files, workers, window_ticks, checkpoint_every, max_rate: args.max_rate, raster_window: args.raster_window, progress };
    execute(job, rt, &plan, staging, &out_dir)
}

/// The runtime settings of a run (shared by `run` and `resume`).
pub fn runtime_builder(workers: usize, window_ticks: Option<u64>, max_rate: Option<f64>) -> synfire_runtime::RuntimeBuilder {
    let mut builder = Runtime::builder().workers(workers);
    if let Some(w) = window_ticks {
        builder = builder.window_ticks(w);
    }
    if let Some(hz) = max_rate {
        builder = builder.max_rate(synfire_graphs::Rate(hz));
    }
    builder
}

/// Simulates the rest of `job` (writing checkpoints as it asks), then writes every
/// output. When a run guard stops the run, the outputs up to that window are still
/// written, and the guard's error is returned.
pub fn execute(mut job: Job, mut rt: Runtime, plan: &Plan, staging: Staging, out_dir: &Path) -> anyhow::Result<()> {
    let name = job.name.clone();
    let mut next_checkpoint = job.checkpoint_every.map(|e| (job.progress.done / e + 1) * e);
    let snapshot = job.clone();
    let result = simulate::run_with_progress(&mut rt, &mut job.progress, |rt, progress| {
        if let (Some(at), Some(every)) = (next_checkpoint, job.checkpoint_every)
            && progress.done >= at
            && progress.done < progress.total
        {
            let mut ck = rt.checkpoint()?;
            ck.user = serde_json::to_vec(&Job { progress: progress.clone(), ..snapshot.clone() })?;
            std::fs::create_dir_all(out_dir).with_context(|| format!("cannot create {}", out_dir.display()))?;
            ck.write(&out_dir.join(CHECKPOINT_FILE))?;
            next_checkpoint = Some((progress.done / every + 1) * every);
        }
        Ok(())
    });
    // A guard or a signal stops the run early: the outputs up to then are written
    // all the same, then the stop is the run's error.
    let stopped = match result {
        Ok(()) => None,
        Err(e) if matches!(e.downcast_ref::<RunError>(), Some(RunError::Guard { .. })) => {
            Some(e.context(format!("a run guard stopped `{name}` at {}; the outputs up to then are written", rt.now())))
        }
        Err(e) if e.is::<super::interrupt::Interrupted>() => Some(e.context(format!("`{name}` was stopped by a signal; outputs in {}", out_dir.display()))),
        Err(e) => return Err(e.context(format!("the run of `{name}` failed at {}", rt.now()))),
    };
    let done = finish(&job, &rt, plan)?;
    write_outputs(&job, &rt, plan, done, out_dir, staging)?;
    stopped.map_or(Ok(()), Err)
}

/// What the report and the outputs are computed from.
struct Finished {
    recorded: Recorded,
    report: Report,
    timing: Timing,
}

/// Reads the counters and probes once the simulation is over.
fn finish(job: &Job, rt: &Runtime, plan: &Plan) -> anyhow::Result<Finished> {
    let graph = rt.graph();
    let counters = rt.counters()?;
    let recorded = simulate::collect(rt, plan)?;
    let model_time_s = rt.now().as_secs();
    let wall_s = job.progress.wall_s;
    let report = Report {
        scenario: job.name.clone(),
        neurons: graph.num_neurons(),
        seed: graph.seed,
        dt_ms: graph.dt.0,
        model_time_s,
        counts: Counts { spikes: counters.spikes, syn_events: counters.syn_events, neuron_updates: counters.neuron_updates },
        populations: populations(graph, &recorded, model_time_s),
        files: plan.files().to_vec(),
    };
    let timing = Timing {
        workers: job.workers,
        window_ticks: rt.window_ticks(),
        wall_s,
        build_s: rt.build_secs(),
        syn_events_per_s: counters.syn_events as f64 / wall_s,
        realtime_factor: wall_s / model_time_s,
        // Read once the outputs are written (`write_outputs`).
        peak_rss_bytes: None,
    };
    Ok(Finished { recorded, report, timing })
}

/// Writes every output `plan` asks for into `staging` and commits it.
fn write_outputs(job: &Job, rt: &Runtime, plan: &Plan, done: Finished, out_dir: &Path, mut staging: Staging) -> anyhow::Result<()> {
    let Finished { recorded, report, mut timing } = done;
    let graph = rt.graph();
    let name = &job.name;
    let duration = Time(job.progress.total as f64 * graph.dt.0);
    let mut manifest = Manifest::new(name, graph, rt.tick());
    if plan.wants(OutputFile::Spikes) {
        let (spikes, probes) = (&recorded.spikes, &recorded.spike_probes);
        manifest.files.push(output::write_npy(&staging.file("spikes.npy"), "spikes.npy", probes, spikes)?);
        manifest.files.push(output::write_csv(&staging.file("spikes.csv"), "spikes.csv", probes, spikes)?);
    }
    write_plots(&mut staging, &mut manifest, plan, rt, (name, duration, job.raster_window), &recorded, job.progress.evolution.clone())?;
    output::write_probes(&mut staging, &mut manifest, plan, graph, &recorded.probes)?;
    // The process's true peak, read after every large output is written: the plots
    // and probe files allocate more than the simulation (a 30 s CUBA run peaked at
    // 69 MB while the figure read before them said 18.6 MiB).
    timing.peak_rss_bytes = process::peak_rss_bytes();
    if plan.wants(OutputFile::Report) {
        report.write(&staging.file("report.json"))?;
        manifest.files.push(Entry::new("report.json", "json", "report", "what ran and what it produced (counts, rates, files)"));
        timing.write(&staging.file("timing.json"))?;
        manifest.files.push(Entry::new("timing.json", "json", "timing", "wall times, memory, workers and window of this run on this machine"));
    }
    manifest.files.push(Entry::new("outputs.json", "json", "manifest", "this list"));
    manifest.write(&staging.file("outputs.json"))?;
    let written: Vec<&str> = manifest.files.iter().map(|e| e.file.as_str()).collect();
    anyhow::ensure!(written == plan.files(), "internal error: the files written ({written:?}) are not the files planned ({:?})", plan.files());
    staging.commit()?;
    print_summary(&report, &timing, out_dir);
    Ok(())
}

/// The raster, rate and weight plots that `plan` asks for.
#[allow(clippy::too_many_arguments)]
fn write_plots(
    staging: &mut Staging,
    manifest: &mut Manifest,
    plan: &Plan,
    rt: &Runtime,
    (name, duration, raster_window): (&str, Time, Option<(Time, Time)>),
    recorded: &Recorded,
    evolution: Vec<Vec<WeightSummary>>,
) -> anyhow::Result<()> {
    let mut plot = |file: &str, what: String| {
        manifest.files.push(Entry::new(file, "svg", "plot", what));
        staging.file(file)
    };
    if plan.wants(OutputFile::Raster) {
        // The chosen range within the run, else the first second.
        let (from, to) = match raster_window {
            Some((a, b)) => (a.0.min(rt.now().0), b.0.min(rt.now().0)),
            None => (0.0, duration.0.min(DEFAULT_DURATION_MS).min(rt.now().0)),
        };
        let what = format!("spike raster of the recorded neurons, {from} to {to} ms");
        output::write_raster(&plot("raster.svg", what.clone()), &format!("{name}: {what}"), &recorded.spikes, &recorded.spike_pops, (from, to))?;
    }
    if plan.wants(OutputFile::Rates) {
        let path = plot("rates.svg", "population rates (bins merged to at most 300 points per line; the title gives them)".into());
        output::write_rates(&path, &format!("{name}: population rates"), &recorded.plot_rates, rt.now().0)?;
    }
    let plastic = simulate::plastic_projections(rt.graph());
    if plan.wants(OutputFile::Weights) && !plastic.is_empty() {
        let mut finals = Vec::new();
        for (k, pname) in &plastic {
            let proj = rt.graph().proj(pname).with_context(|| format!("projection `{pname}` has no handle"))?;
            finals.push((*k, pname.clone(), rt.projection_weights(proj)?.values));
        }
        // The engine's weight unit of each target model (what the values are in).
        let graph = rt.graph();
        let mut units: Vec<&str> =
            plastic.iter().filter_map(|(k, _)| graph.model(graph.projections[*k].target)).map(|m| m.kind.weight_unit().described()).collect();
        units.dedup();
        let unit = units.join(", ");
        let path = plot("weights.svg", "histograms of the final weights of the plastic projections".into());
        output::write_weight_histogram(&path, &format!("{name}: plastic weights at {} ms", rt.now().0), &finals, &unit)?;
        let evolution: Vec<_> = plastic.iter().zip(evolution).map(|((k, n), e)| (*k, n.clone(), e)).collect();
        let path = plot("weight_evolution.svg", "mean and 10th-90th percentiles of the plastic weights over time".into());
        output::write_weight_evolution(&path, &format!("{name}: plastic weights over time"), &evolution, &unit)?;
    }
    Ok(())
}

/// Size and mean rate of every population.
fn populations(graph: &Graph, recorded: &Recorded, model_time_s: f64) -> Vec<PopulationReport> {
    graph
        .populations
        .iter()
        .enumerate()
        .map(|(p, def)| {
            let spikes = recorded.spike_pops.iter().any(|s| s.0 == p).then_some(recorded.per_pop[p]);
            let mean_rate_hz = spikes.filter(|_| recorded.whole_run[p] && model_time_s > 0.0).map(|n| n as f64 / def.size as f64 / model_time_s);
            PopulationReport { name: def.name.clone(), size: def.size, spikes, mean_rate_hz }
        })
        .collect()
}

fn print_summary(r: &Report, t: &Timing, out_dir: &Path) {
    let plural = if t.workers == 1 { "" } else { "s" };
    let ticks = if t.window_ticks == 1 { "tick" } else { "ticks" };
    out!(
        "synfire run {}: {} neurons, {} worker{plural}, seed {}, dt {} ms, window {} {ticks}",
        r.scenario,
        r.neurons,
        t.workers,
        r.seed,
        r.dt_ms,
        t.window_ticks
    );
    out!(
        "  simulated    {:.3} s of model time in {:.3} s wall ({:.3} s wall per model second); build {:.3} s",
        r.model_time_s,
        t.wall_s,
        t.realtime_factor,
        t.build_s
    );
    let rates: Vec<String> = r.populations.iter().filter_map(|p| p.mean_rate_hz.map(|h| format!("{} {h:.2} Hz", p.name))).collect();
    out!("  spikes       {} ({})", r.counts.spikes, if rates.is_empty() { "no population recorded".to_string() } else { rates.join(", ") });
    if t.syn_events_per_s.is_finite() {
        out!("  syn. events  {} ({:.3e} per second of wall time)", r.counts.syn_events, t.syn_events_per_s);
    } else {
        out!("  syn. events  {} (the run was too short to time)", r.counts.syn_events);
    }
    out!("  neuron upd.  {}", r.counts.neuron_updates);
    if let Some(b) = t.peak_rss_bytes {
        out!("  peak memory  {:.1} MiB (the process's maximum resident set, outputs included)", b as f64 / (1024.0 * 1024.0));
    }
    out!("  outputs      {}/ {}", out_dir.display(), r.files.join(" "));
}
