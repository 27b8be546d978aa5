//! Sampled probes as `.npy` arrays and CSV tables: state (`<probe>.npy`, float32
//! `[samples, neurons]`), weights (`<probe>.npy`, float32 `[samples, synapses]`, and
//! `<probe>_synapses.npy`, uint32 `[synapses, 2]`), sample ticks (`<probe>_ticks.npy`,
//! uint64) and rates (`<probe>.npy`, float64 `[bins]`). `outputs.json` names the
//! variables and units (see [`super::manifest`]).

use super::csv::{self, Clock};
use super::manifest::{Column, Entry, Manifest};
use super::{Plan, Staging, npy};
use anyhow::Context;
use std::io::{BufWriter, Write};
use std::path::Path;
use synfire_graphs::{Graph, ProbeKind, Unit};
use synfire_runtime::{RateTrace, StateTrace, WeightTrace};

/// The data of one probe, as read from the runtime.
#[derive(Debug, Clone, PartialEq)]
pub enum ProbeData {
    /// A spike probe: its spikes go to the spike files, with the other spike probes'.
    Spikes,
    /// A state probe's samples.
    State(StateTrace),
    /// A weight probe's samples.
    Weights(WeightTrace),
    /// A rate probe's bins.
    Rate(Binned),
    /// A probe whose files the plan does not write (not read).
    NotWritten,
}

/// Writes the files of every probe of `graph` that `plan` gives a stem, from `data`
/// (one per probe, in graph order), and lists them in `manifest`.
pub fn write_probes(staging: &mut Staging, manifest: &mut Manifest, plan: &Plan, graph: &Graph, data: &[ProbeData]) -> anyhow::Result<()> {
    for (k, (def, data)) in graph.probes.iter().zip(data).enumerate() {
        let Some(stem) = plan.stem(k) else { continue };
        let probe = def.name.as_str();
        let entries = match (&def.kind, data) {
            (ProbeKind::State { pop, var, .. }, ProbeData::State(trace)) => {
                let unit = graph.model_kind(*pop).and_then(|m| m.state_var(var)).map(|s| s.unit);
                let unit = unit.with_context(|| format!("probe `{probe}`: `{var}` is not a state variable of a neuron model"))?;
                write_state(staging, Names { probe, stem, of: &graph.populations[*pop].name, unit }, trace)?
            }
            (ProbeKind::Weights { proj, var, .. }, ProbeData::Weights(trace)) => {
                let p = &graph.projections[*proj];
                let unit = graph
                    .model_kind(p.target)
                    .map(|m| m.weight_unit())
                    .with_context(|| format!("probe `{probe}`: projection `{}` has no neuron model as target", p.name))?;
                write_weights(staging, Names { probe, stem, of: &p.name, unit }, var.as_deref(), trace)?
            }
            (ProbeKind::Rate { pop, .. }, ProbeData::Rate(rates)) => {
                write_rate(staging, Names { probe, stem, of: &graph.populations[*pop].name, unit: Unit::Hz }, graph.dt.0, rates)?
            }
            // Wire it or refuse it: a planned file is never left out in silence.
            _ => anyhow::bail!("probe `{probe}`: its files are planned but its data was not read"),
        };
        manifest.files.extend(entries);
    }
    Ok(())
}

/// What a probe's files are named after and what its values are.
#[derive(Debug, Clone, Copy)]
pub struct Names<'a> {
    /// The probe's name.
    pub probe: &'a str,
    /// The stem of its files.
    pub stem: &'a str,
    /// The population (state and rate probes) or projection (weight probes).
    pub of: &'a str,
    /// Unit of the values.
    pub unit: Unit,
}

/// A rate trace with the ticks of its bins.
#[derive(Debug, Clone, PartialEq)]
pub struct Binned {
    /// Tick where the first bin starts.
    pub start_tick: u64,
    /// Ticks per bin.
    pub bin_ticks: u64,
    /// The rates.
    pub trace: RateTrace,
}

/// Writes a CSV table: `header`, then one line per sample tick followed by its row
/// of `values` (`ncols` a row).
fn write_table<T: std::fmt::Display>(path: &Path, header: &str, clock: Clock, ticks: &[u64], ncols: usize, values: &[T]) -> anyhow::Result<()> {
    let f = std::fs::File::create(path).with_context(|| format!("cannot create {}", path.display()))?;
    let mut w = BufWriter::new(f);
    // Every write error (a full disk) names the file.
    let mut rows = || -> std::io::Result<()> {
        writeln!(w, "{header}")?;
        for (row, &tick) in ticks.iter().enumerate() {
            write!(w, "{}", clock.ms(tick))?;
            for v in &values[row * ncols..(row + 1) * ncols] {
                write!(w, ",{v}")?;
            }
            writeln!(w)?;
        }
        w.flush()
    };
    rows().with_context(|| format!("cannot write {}", path.display()))
}

fn ticks_file(staging: &mut Staging, n: &Names, ticks: &[u64]) -> anyhow::Result<Entry> {
    let file = format!("{}_ticks.npy", n.stem);
    npy::write(&staging.file(&file), &[ticks.len() as u64], ticks.iter().copied())?;
    let mut e = Entry::npy(&file, "ticks", format!("the tick of each sample (row) of {}.npy: t_ms = tick * dt_ms", n.stem))
        .probe(n.probe)
        .dtype("<u8")
        .shape(&[ticks.len() as u64])
        .axes(&["sample"]);
    (e.variable, e.unit) = (Some("tick".into()), Some("tick".into()));
    Ok(e)
}

/// Writes a state probe: values, sample ticks and CSV.
pub fn write_state(staging: &mut Staging, n: Names, trace: &StateTrace) -> anyhow::Result<Vec<Entry>> {
    let (rows, cols) = (trace.ticks.len() as u64, trace.neurons.len() as u64);
    let file = format!("{}.npy", n.stem);
    npy::write(&staging.file(&file), &[rows, cols], trace.values.iter().copied())?;
    let mut values = Entry::npy(&file, "state", format!("`{}` of neurons of {}, one row per sample", trace.var, n.of))
        .probe(n.probe)
        .values(&trace.var, n.unit)
        .dtype("<f4")
        .shape(&[rows, cols])
        .axes(&["sample", "neuron"]);
    values.population = Some(n.of.to_string());
    values.neurons = Some(trace.neurons.clone());
    values.ticks_file = Some(format!("{}_ticks.npy", n.stem));
    let ticks = ticks_file(staging, &n, &trace.ticks)?;

    let file_csv = format!("{}.csv", n.stem);
    let header: Vec<String> = std::iter::once("t_ms".to_string()).chain(trace.neurons.iter().map(|i| csv::field(&format!("{}[{i}]", trace.var)))).collect();
    let clock = Clock::new(trace.dt_ms);
    write_table(&staging.file(&file_csv), &header.join(","), clock, &trace.ticks, trace.neurons.len(), &trace.values)?;
    let unit = super::manifest::unit_name(n.unit);
    let mut table =
        Entry::csv(&file_csv, "state", format!("{} as text, one line per sample", file)).probe(n.probe).values(&trace.var, n.unit).rows(rows).fields(vec![
            Column::text("t_ms").unit("ms").about(format!("sample time, tick * dt_ms printed from the tick, {} digit(s) after the point", clock.decimals())),
            Column::text(&format!("{}[<index>]", trace.var)).unit(unit).about("one column per neuron index of `neurons`"),
        ]);
    table.population = Some(n.of.to_string());
    table.neurons = Some(trace.neurons.clone());

    let plot_file = format!("{}.svg", n.stem);
    let title = format!("{}: `{}` of {}", n.probe, trace.var, n.of);
    super::state_plot::write_state_plot(&staging.file(&plot_file), &title, trace, unit)?;
    let mut plot = Entry::new(&plot_file, "svg", "plot", format!("{file} over time, the first neurons"));
    plot.probe = Some(n.probe.to_string());
    Ok(vec![values, ticks, table, plot])
}

/// Writes a weight probe: weights, synapses, sample ticks and CSV.
pub fn write_weights(staging: &mut Staging, n: Names, var: Option<&str>, trace: &WeightTrace) -> anyhow::Result<Vec<Entry>> {
    // The weight `w`, or a per-synapse variable of the rule (`w_cons`), in the weight unit.
    let (v, what) = match var {
        Some(v) => (v, format!("`{v}` (rule state)")),
        None => ("w", "weights".to_string()),
    };
    let (rows, cols) = (trace.ticks.len() as u64, trace.synapses.len() as u64);
    let file = format!("{}.npy", n.stem);
    let synapses_file = format!("{}_synapses.npy", n.stem);
    npy::write(&staging.file(&file), &[rows, cols], trace.values.iter().copied())?;
    let mut values = Entry::npy(&file, "weights", format!("{what} of synapses of {}, one row per sample", n.of))
        .probe(n.probe)
        .values(v, n.unit)
        .dtype("<f4")
        .shape(&[rows, cols])
        .axes(&["sample", "synapse"]);
    values.projection = Some(n.of.to_string());
    values.ticks_file = Some(format!("{}_ticks.npy", n.stem));
    values.synapses_file = Some(synapses_file.clone());

    npy::write(&staging.file(&synapses_file), &[cols, 2], trace.synapses.iter().flat_map(|&(s, t)| [s, t]))?;
    let mut synapses = Entry::npy(&synapses_file, "synapses", format!("(source, target) neuron indices of the columns of {file}, canonical order"))
        .probe(n.probe)
        .dtype("<u4")
        .shape(&[cols, 2])
        .axes(&["synapse", "source, target"]);
    synapses.projection = Some(n.of.to_string());
    let ticks = ticks_file(staging, &n, &trace.ticks)?;

    let file_csv = format!("{}.csv", n.stem);
    let mut header = vec!["t_ms".to_string()];
    let mut seen: std::collections::HashMap<(u32, u32), u32> = std::collections::HashMap::new();
    for &(s, t) in &trace.synapses {
        // Multapses of one pair get `#2`, `#3`... in synapse order.
        let k = seen.entry((s, t)).and_modify(|k| *k += 1).or_insert(1);
        header.push(if *k == 1 { format!("{v}[{s}->{t}]") } else { format!("{v}[{s}->{t}]#{k}") });
    }
    let clock = Clock::new(trace.dt_ms);
    write_table(&staging.file(&file_csv), &header.join(","), clock, &trace.ticks, trace.synapses.len(), &trace.values)?;
    let mut table = Entry::csv(&file_csv, "weights", format!("{file} as text, one line per sample")).probe(n.probe).values(v, n.unit).rows(rows).fields(vec![
        Column::text("t_ms").unit("ms").about(format!("sample time, tick * dt_ms printed from the tick, {} digit(s) after the point", clock.decimals())),
        Column::text(&format!("{v}[<source>-><target>]"))
            .unit(super::manifest::unit_name(n.unit))
            .about("one column per synapse, as in the _synapses.npy file; repeats of a pair end in #2, #3..."),
    ]);
    table.projection = Some(n.of.to_string());
    Ok(vec![values, synapses, ticks, table])
}

/// Writes a rate probe: rates and CSV.
pub fn write_rate(staging: &mut Staging, n: Names, dt_ms: f64, rates: &Binned) -> anyhow::Result<Vec<Entry>> {
    let bins = rates.trace.rates_hz.len() as u64;
    let file = format!("{}.npy", n.stem);
    npy::write(&staging.file(&file), &[bins], rates.trace.rates_hz.iter().copied())?;
    let what = format!("spikes per neuron per second of {} in bins of {} ticks from tick {}", n.of, rates.bin_ticks, rates.start_tick);
    let mut values = Entry::npy(&file, "rate", what).probe(n.probe).values("rate", Unit::Hz).dtype("<f8").shape(&[bins]).axes(&["bin"]);
    values.population = Some(n.of.to_string());
    values.start_tick = Some(rates.start_tick);
    values.bin_ticks = Some(rates.bin_ticks);

    let file_csv = format!("{}.csv", n.stem);
    let ticks: Vec<u64> = (0..bins).map(|k| rates.start_tick + k * rates.bin_ticks).collect();
    let clock = Clock::new(dt_ms);
    write_table(&staging.file(&file_csv), "t_ms,rate", clock, &ticks, 1, &rates.trace.rates_hz)?;
    let mut table = Entry::csv(&file_csv, "rate", format!("{file} as text, one line per bin")).probe(n.probe).values("rate", Unit::Hz).rows(bins).fields(vec![
        Column::text("t_ms").unit("ms").about(format!("start of the bin, tick * dt_ms printed from the tick, {} digit(s) after the point", clock.decimals())),
        Column::text("rate").unit("Hz").about("spikes per neuron per second in the bin"),
    ]);
    table.population = Some(n.of.to_string());
    table.start_tick = Some(rates.start_tick);
    table.bin_ticks = Some(rates.bin_ticks);

    let neurons_file = format!("{}_neurons.npy", n.stem);
    let count = rates.trace.per_neuron_hz.len() as u64;
    npy::write(&staging.file(&neurons_file), &[count], rates.trace.per_neuron_hz.iter().copied())?;
    let what = format!("each neuron's rate (spikes per second) of {} over the {bins} bins of {file}, by index", n.of);
    let mut per_neuron = Entry::npy(&neurons_file, "rate", what).probe(n.probe).values("rate", Unit::Hz).dtype("<f8").shape(&[count]).axes(&["neuron"]);
    per_neuron.population = Some(n.of.to_string());
    per_neuron.start_tick = Some(rates.start_tick);
    Ok(vec![values, per_neuron, table])
}
