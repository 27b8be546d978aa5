//! `synfire deploy SCENARIO --target NAME [--run T]`: does the network fit a chip,
//! what changes with its numbers, and what does it cost.
//!
//! Prints the fit (every violated limit, not the first), the mapping onto cores, the
//! quantisation of every population and projection, a run of the graph on the
//! target's numerics next to the reference run (rates and spike-time agreement), and
//! the cost report with each constant's source; writes `deploy.json`. Exit status 3
//! when the target cannot take the network (a limit, an unsupported model or rule,
//! a value it cannot represent), with every reason.

use anyhow::Context;
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use synfire::networks::{BuiltIn, DEFAULT_NEURONS};
use synfire_graphs::{Graph, Time};
use synfire_targets::compare::{Comparison, compare, record};
use synfire_targets::{CompileOptions, CostReport, Ledger, Violation};

/// The exit status when the network does not fit the target.
pub const DOES_NOT_FIT: u8 = 3;

/// Arguments of `synfire deploy`.
#[derive(Debug, clap::Args)]
pub struct DeployArgs {
    /// A built-in network (cuba, coba, cuba-stdp) or a scenario file.
    pub scenario: String,
    /// The target: reference, loihi2, xylo, cortex-m4.
    #[arg(long)]
    pub target: String,
    /// Model time to run on the target and on the reference [default: the
    /// scenario's, else 1s].
    #[arg(long, value_parser = super::parse_duration)]
    pub run: Option<Time>,
    /// Worker threads of both runs.
    #[arg(long, default_value_t = 1)]
    pub workers: usize,
    /// Output directory for deploy.json [default: out/<scenario name>].
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Size of a built-in network [default: 4000].
    #[arg(long)]
    pub neurons: Option<u64>,
    /// Seed of every random stream [default: the scenario's, else 0].
    #[arg(long)]
    pub seed: Option<u64>,
    /// Microcontroller targets: keep the weights of static projections in flash.
    #[arg(long)]
    pub weights_in_flash: bool,
    /// loihi2: steps per learning epoch of the on-chip learning engine, 1..=63
    /// [default: 2].
    #[arg(long)]
    pub epoch_steps: Option<u16>,
}

/// What `deploy.json` holds.
#[derive(Debug, Serialize)]
struct DeployJson<'a> {
    scenario: &'a str,
    target: &'a str,
    fits: bool,
    errors: Vec<String>,
    violations: Vec<&'a Violation>,
    mapping: Option<&'a synfire_targets::mapping::Mapping>,
    weights: Option<&'a [synfire_targets::quant::WeightError]>,
    warnings: Option<&'a [String]>,
    comparison: Option<&'a Comparison>,
    ledger: Option<&'a Ledger>,
    cost: Option<&'a CostReport>,
}

/// Runs `synfire deploy`.
pub fn deploy(args: &DeployArgs) -> anyhow::Result<ExitCode> {
    let (name, graph, duration) = resolve(args)?;
    let target = synfire_targets::by_name(&args.target)
        .ok_or_else(|| anyhow::anyhow!("no target is called `{}` (targets: {})", args.target, synfire_targets::TARGETS.join(", ")))?;
    let out_dir = args.out.clone().unwrap_or_else(|| Path::new("out").join(&name));
    std::fs::create_dir_all(&out_dir).with_context(|| format!("cannot create {}", out_dir.display()))?;
    let json_path = out_dir.join("deploy.json");
    out!("deploy: {name} on {}", target.id());
    let opts = CompileOptions { weights_in_flash: args.weights_in_flash, epoch_steps: args.epoch_steps, ..CompileOptions::default() };
    let plan = match target.compile(&graph, &opts) {
        Ok(plan) => plan,
        Err(e) => {
            let violations = e.violations();
            out!("fit: does not fit");
            out!("{e}");
            let json = DeployJson {
                scenario: &name,
                target: target.id(),
                fits: false,
                errors: e.to_string().lines().map(str::to_string).collect(),
                violations,
                mapping: None,
                weights: None,
                warnings: None,
                comparison: None,
                ledger: None,
                cost: None,
            };
            write_json(&json_path, &json)?;
            out!("wrote {}", json_path.display());
            return Ok(ExitCode::from(DOES_NOT_FIT));
        }
    };
    match &plan.mapping {
        Some(m) => out!("fit: fits: {} cores", m.cores.len()),
        None => out!("fit: fits (one unit)"),
    }
    out!("\nmapping:\n{}", plan.mapping_text().trim_end());
    out!("\nquantisation:\n{}", plan.quantisation_text().trim_end());
    let ticks = graph.ticks(duration).0;
    let started = std::time::Instant::now();
    let reference = record(&graph, None, args.workers, ticks).context("the reference run failed")?;
    let reference_s = started.elapsed().as_secs_f64();
    let started = std::time::Instant::now();
    let on_target = record(&graph, Some(plan.kernels()), args.workers, ticks).with_context(|| format!("the run on {} failed", target.id()))?;
    let target_s = started.elapsed().as_secs_f64();
    let comparison = compare(&graph, &reference, &on_target, 1);
    out!("\nrun: {duration} of model time ({ticks} steps) on {} workers, reference vs {}:", args.workers, target.id());
    out!("{}", comparison.text().trim_end());
    // Machine figures, printed only: deploy.json stays a function of the scenario.
    out!("wall time on this machine: reference {reference_s:.3} s, {} {target_s:.3} s (builds included)", target.id());
    let ledger = plan.ledger(&on_target.activity);
    let cost = plan.price(&ledger, graph.dt.0 * 1e-3);
    out!("\n{}", cost.text().trim_end());
    let json = DeployJson {
        scenario: &name,
        target: target.id(),
        fits: true,
        errors: Vec::new(),
        violations: Vec::new(),
        mapping: plan.mapping.as_ref(),
        weights: Some(&plan.weights),
        warnings: Some(&plan.warnings),
        comparison: Some(&comparison),
        ledger: Some(&ledger),
        cost: Some(&cost),
    };
    write_json(&json_path, &json)?;
    out!("wrote {}", json_path.display());
    Ok(ExitCode::SUCCESS)
}

fn write_json(path: &Path, value: &impl Serialize) -> anyhow::Result<()> {
    let text = serde_json::to_string_pretty(value)?;
    std::fs::write(path, text + "\n").with_context(|| format!("cannot write {}", path.display()))
}

/// The graph, display name and run length of `scenario` (a built-in name or a path).
fn resolve(args: &DeployArgs) -> anyhow::Result<(String, Graph, Time)> {
    let default = Time(1000.0);
    if let Some(b) = BuiltIn::from_name(&args.scenario) {
        let net = b.build(args.neurons.unwrap_or(DEFAULT_NEURONS), args.seed.unwrap_or(0))?;
        let graph = net.network.freeze().with_context(|| format!("the built-in network `{}` does not freeze", b.name()))?;
        return Ok((b.name().to_string(), graph, args.run.unwrap_or(default)));
    }
    let path = Path::new(&args.scenario);
    if !path.exists() {
        let names: Vec<&str> = BuiltIn::ALL.iter().map(|b| b.name()).collect();
        anyhow::bail!("`{}` is neither a built-in network ({}) nor a file", args.scenario, names.join(", "));
    }
    if args.neurons.is_some() {
        anyhow::bail!("--neurons sets the size of a built-in network; `{}` is a scenario file", args.scenario);
    }
    let (mut graph, settings) = super::run::load_scenario(path)?;
    if let Some(seed) = args.seed {
        graph.seed = seed;
    }
    let name = path.file_stem().map_or_else(|| "scenario".to_string(), |s| s.to_string_lossy().into_owned());
    Ok((name, graph, args.run.or(settings.duration).unwrap_or(default)))
}
