// `synfire run` writes every probe (a module of tests/cli/main.rs): the .npy files of
// examples/scenarios/cuba_probes.toml read back with npyz and compared with the
// runtime API run in-process on the same scenario and seed; `[run.output]`; the
// files that must not depend on the worker count.

use super::{scratch, stderr, synfire};
use std::path::{Path, PathBuf};
use synfire_graphs::probe_kind;
use synfire_graphs::scenario::Scenario;
use synfire_runtime::Runtime;

fn example(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/scenarios").join(name)
}

/// An `.npy` file: its dtype (numpy's descr), shape and the reader over its data.
fn npy(dir: &Path, file: &str) -> (String, Vec<u64>, npyz::NpyFile<std::io::Cursor<Vec<u8>>>) {
    let bytes = std::fs::read(dir.join(file)).unwrap_or_else(|e| panic!("{file}: {e}"));
    let f = npyz::NpyFile::new(std::io::Cursor::new(bytes)).unwrap();
    (f.dtype().descr(), f.shape().to_vec(), f)
}

/// Bit patterns, so that NaN compares equal to NaN and -0 differs from 0.
fn bits(xs: &[f32]) -> Vec<u32> {
    xs.iter().map(|x| x.to_bits()).collect()
}

#[derive(Debug, npyz::Deserialize)]
struct SpikeRow {
    tick: u64,
    id: u32,
    pop: u32,
    index: u32,
}

/// The entry of `file` in `outputs.json`.
fn entry<'a>(manifest: &'a serde_json::Value, file: &str) -> &'a serde_json::Value {
    manifest["files"].as_array().unwrap().iter().find(|e| e["file"] == file).unwrap_or_else(|| panic!("{file} is not in outputs.json"))
}

#[test]
fn cuba_probes_files_hold_what_the_runtime_records() {
    let dir = scratch("probes");
    let scenario = example("cuba_probes.toml");
    let out = synfire(&["run", scenario.to_str().unwrap(), "--out", dir.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));

    // The same scenario and seed, run in one go in-process.
    let graph = Scenario::load(&scenario).unwrap().freeze_with(&synfire_rules::Catalog).unwrap();
    let mut rt = Runtime::builder().workers(1).build(&graph).unwrap();
    rt.run_until(synfire_graphs::Time(1000.0)).unwrap();
    let state = rt.state(graph.probe::<probe_kind::State>("v_E").unwrap()).unwrap();
    let weights = rt.weights(graph.probe::<probe_kind::Weights>("w_EE").unwrap()).unwrap();
    let rates = rt.rates(graph.probe::<probe_kind::Rate>("rate_E").unwrap()).unwrap();
    let spikes = rt.spikes(graph.probe::<probe_kind::Spikes>("spikes").unwrap()).unwrap();
    assert!(state.ticks.len() == 1000 && weights.ticks.len() >= 99 && rates.rates_hz.len() == 200 && spikes.len() > 1000, "the probes recorded");

    // State: float32 [samples, neurons].
    let (dtype, shape, f) = npy(&dir, "v_E.npy");
    assert_eq!((dtype.as_str(), shape.as_slice()), ("'<f4'", &[1000, 4][..]));
    let v = f.into_vec::<f32>().unwrap();
    assert_eq!(bits(&v), bits(&state.values));
    assert!(v[..4].iter().all(|&x| (-60.0..-49.0).contains(&x)), "initial potentials in mV: {:?}", &v[..4]);
    let (dtype, shape, f) = npy(&dir, "v_E_ticks.npy");
    assert_eq!((dtype.as_str(), shape.as_slice()), ("'<u8'", &[1000][..]));
    assert_eq!(f.into_vec::<u64>().unwrap(), state.ticks);

    // Weights: float32 [samples, synapses] and uint32 [synapses, 2].
    let (dtype, shape, f) = npy(&dir, "w_EE.npy");
    assert_eq!((dtype.as_str(), shape.as_slice()), ("'<f4'", &[weights.ticks.len() as u64, 50][..]));
    let w = f.into_vec::<f32>().unwrap();
    assert_eq!(bits(&w), bits(&weights.values));
    assert!(w.iter().any(|&x| x != 1.62) && w.iter().all(|&x| (0.0..=3.24).contains(&x)), "the weights learn within their bounds");
    let (dtype, shape, f) = npy(&dir, "w_EE_synapses.npy");
    assert_eq!((dtype.as_str(), shape.as_slice()), ("'<u4'", &[50, 2][..]));
    let pairs: Vec<(u32, u32)> = f.into_vec::<u32>().unwrap().chunks(2).map(|c| (c[0], c[1])).collect();
    assert_eq!(pairs, weights.synapses);
    let (_, _, f) = npy(&dir, "w_EE_ticks.npy");
    assert_eq!(f.into_vec::<u64>().unwrap(), weights.ticks);

    // Rates: float64 [bins], the runtime's numbers exactly (derived from the spikes).
    let (dtype, shape, f) = npy(&dir, "rate_E.npy");
    assert_eq!((dtype.as_str(), shape.as_slice()), ("'<f8'", &[200][..]));
    assert_eq!(f.into_vec::<f64>().unwrap(), rates.rates_hz);
    // Per neuron: float64 [neurons], whose mean is the population's mean rate.
    let (dtype, shape, f) = npy(&dir, "rate_E_neurons.npy");
    assert_eq!((dtype.as_str(), shape.as_slice()), ("'<f8'", &[320][..]));
    let per_neuron = f.into_vec::<f64>().unwrap();
    assert_eq!(per_neuron, rates.per_neuron_hz);
    let (mean_n, mean_b) = (per_neuron.iter().sum::<f64>() / 320.0, rates.rates_hz.iter().sum::<f64>() / 200.0);
    assert!((mean_n - mean_b).abs() < 1e-9 * mean_b && per_neuron.windows(2).any(|w| w[0] != w[1]), "{mean_n} vs {mean_b}");

    // Spikes: integer ticks, global ids, populations and indices.
    let (dtype, shape, f) = npy(&dir, "spikes.npy");
    assert_eq!(dtype, "[('tick', '<u8'), ('id', '<u4'), ('pop', '<u4'), ('index', '<u4'), ]");
    assert_eq!(shape, [spikes.len() as u64]);
    let rows: Vec<SpikeRow> = f.data::<SpikeRow>().unwrap().map(Result::unwrap).collect();
    let got: Vec<(u64, u64, u32, u32)> = rows.iter().map(|r| (r.tick, u64::from(r.id), r.pop, r.index)).collect();
    let want: Vec<(u64, u64, u32, u32)> = (0..spikes.len()).map(|k| (spikes.ticks[k], spikes.gids[k], spikes.pops[k], spikes.index[k])).collect();
    assert_eq!(got, want);

    // CSV: headers, and times printed from ticks.
    let csv = std::fs::read_to_string(dir.join("v_E.csv")).unwrap();
    let mut lines = csv.lines();
    assert_eq!(lines.next(), Some("t_ms,v[0],v[1],v[2],v[3]"));
    let first: Vec<&str> = lines.next().unwrap().split(',').collect();
    assert_eq!((first[0], first[1].parse::<f32>().unwrap()), ("0.0", state.values[0]));
    assert_eq!(lines.count(), 999);
    let csv = std::fs::read_to_string(dir.join("w_EE.csv")).unwrap();
    let header = csv.lines().next().unwrap();
    assert!(header.starts_with(&format!("t_ms,w[{}->{}],", weights.synapses[0].0, weights.synapses[0].1)), "{header}");
    let csv = std::fs::read_to_string(dir.join("rate_E.csv")).unwrap();
    assert_eq!(csv.lines().take(3).map(|l| l.split(',').next().unwrap()).collect::<Vec<_>>(), ["t_ms", "0.0", "5.0"]);
    let csv = std::fs::read_to_string(dir.join("spikes.csv")).unwrap();
    let second = csv.lines().nth(1).unwrap();
    assert_eq!(second, format!("{:.1},{},{}", spikes.ticks[0] as f64 * 0.1, spikes.pop_names[spikes.pops[0] as usize], spikes.index[0]));

    // outputs.json: every file, its probe, dtype, shape, variable and unit, and dt.
    let manifest: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(dir.join("outputs.json")).unwrap()).unwrap();
    assert_eq!((manifest["dt_ms"].as_f64(), manifest["seed"].as_u64(), manifest["ticks"].as_u64()), (Some(0.1), Some(7), Some(10_000)));
    let v = entry(&manifest, "v_E.npy");
    assert_eq!((&v["probe"], &v["variable"], &v["unit"], &v["dtype"]), (&"v_E".into(), &"v".into(), &"mV".into(), &"<f4".into()));
    assert_eq!(v["shape"], serde_json::json!([1000, 4]));
    assert_eq!(v["neurons"], serde_json::json!([0, 1, 2, 3]));
    assert_eq!((&entry(&manifest, "v_E.svg")["kind"], &entry(&manifest, "v_E.svg")["probe"]), (&"plot".into(), &"v_E".into()));
    assert!(std::fs::read_to_string(dir.join("v_E.svg")).unwrap().contains("v[3]"), "the plot has a line per neuron");
    let w = entry(&manifest, "w_EE.npy");
    assert_eq!((&w["projection"], &w["unit"], &w["synapses_file"]), (&"EE".into(), &"mV".into(), &"w_EE_synapses.npy".into()));
    let r = entry(&manifest, "rate_E.npy");
    assert_eq!((&r["unit"], &r["dtype"], &r["bin_ticks"]), (&"Hz".into(), &"<f8".into(), &50.into()));
    let files: Vec<&str> = manifest["files"].as_array().unwrap().iter().map(|e| e["file"].as_str().unwrap()).collect();
    let mut on_disk: Vec<String> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    on_disk.sort();
    let mut listed: Vec<String> = files.iter().map(|f| f.to_string()).collect();
    listed.sort();
    assert_eq!(listed, on_disk, "outputs.json lists every file of the directory");
    let report: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(dir.join("report.json")).unwrap()).unwrap();
    assert_eq!(report["files"], serde_json::json!(files));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn outputs_other_than_timing_do_not_depend_on_the_workers() {
    let scenario = example("cuba_probes.toml");
    let dirs = [scratch("workers-1"), scratch("workers-2")];
    for (dir, workers) in dirs.iter().zip(["1", "2"]) {
        let out = synfire(&["run", scenario.to_str().unwrap(), "--duration", "200ms", "--workers", workers, "--out", dir.to_str().unwrap()]);
        assert!(out.status.success(), "{}", stderr(&out));
    }
    let names: Vec<String> = std::fs::read_dir(&dirs[0]).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    assert!(names.len() >= 18, "{names:?}");
    for name in &names {
        let (a, b) = (std::fs::read(dirs[0].join(name)).unwrap(), std::fs::read(dirs[1].join(name)).unwrap());
        if name == "timing.json" {
            let t: serde_json::Value = serde_json::from_slice(&b).unwrap();
            assert_eq!(t["workers"], 2);
            assert!(t["wall_s"].as_f64().unwrap() > 0.0 && t["build_s"].is_number() && t["syn_events_per_s"].is_number());
        } else {
            assert!(a == b, "{name} differs between 1 and 2 workers");
        }
    }
    let report = std::fs::read_to_string(dirs[0].join("report.json")).unwrap();
    for machine in ["wall_s", "build_s", "syn_events_per_s", "realtime_factor", "peak_rss", "workers"] {
        assert!(!report.contains(machine), "report.json holds {machine}");
    }
    for d in dirs {
        std::fs::remove_dir_all(d).unwrap();
    }
}

/// A scenario file in its own directory: cuba_probes.toml with `[run.output]`
/// replaced by `output` (and `extra` appended).
fn variant(name: &str, output: &str, extra: &str) -> PathBuf {
    let dir = scratch(name);
    std::fs::create_dir_all(&dir).unwrap();
    let text = std::fs::read_to_string(example("cuba_probes.toml")).unwrap();
    let start = text.find("[run.output]").unwrap();
    let end = start + text[start..].find("\n\n").unwrap();
    let text = format!("{}{output}{}{extra}", &text[..start], &text[end..]).replace("duration = \"1 s\"", "duration = \"50 ms\"");
    std::fs::write(dir.join("s.toml"), text).unwrap();
    dir
}

fn files_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    names.sort();
    names
}

#[test]
fn run_output_chooses_the_directory_and_files_and_out_overrides_the_directory() {
    let dir = variant("select", "[run.output]\ndirectory = \"results/here\"\nfiles = [\"rates\", \"report\"]", "");
    // A relative directory is relative to the working directory.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_synfire")).current_dir(&dir).args(["run", "s.toml"]).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let want = ["outputs.json", "rate_E.csv", "rate_E.npy", "rate_E_neurons.npy", "rates.svg", "report.json", "timing.json"];
    assert_eq!(files_in(&dir.join("results/here")), want);
    let out = synfire(&["run", dir.join("s.toml").to_str().unwrap(), "--out", dir.join("elsewhere").to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(files_in(&dir.join("elsewhere")), want);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn an_unknown_output_is_refused_with_its_path() {
    let dir = variant("unknown", "[run.output]\nfiles = [\"spikes\", \"report\", \"npy\"]", "");
    let file = dir.join("s.toml");
    let out_dir = dir.join("out");
    for args in [vec!["run", file.to_str().unwrap(), "--out", out_dir.to_str().unwrap()], vec!["check", file.to_str().unwrap()]] {
        let out = synfire(&args);
        assert!(!out.status.success(), "{args:?}");
        let err = stderr(&out);
        assert!(err.contains("run.output.files[2]: no output is called `npy`"), "{args:?}: {err}");
    }
    assert!(!out_dir.exists(), "nothing was written");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn probes_whose_files_would_clash_are_refused_before_the_run() {
    let clash = "\n[[probe]]\nname = \"rate:I\"\nkind = \"rate\"\npopulation = \"I\"\nbin = \"5 ms\"\n\n[[probe]]\nname = \"rate/I\"\nkind = \"rate\"\npopulation = \"I\"\nbin = \"1 ms\"\n";
    let dir = variant("clash", "[run.output]", clash);
    let out = synfire(&["run", dir.join("s.toml").to_str().unwrap(), "--out", dir.join("out").to_str().unwrap()]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("probe `rate:I` and probe `rate/I` would both write `rate_I.npy`"), "{}", stderr(&out));
    assert!(!dir.join("out").exists());
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Rule state and rate units as data: the orchestrated rule's consolidated weight
/// `w_cons` and a rate population's output `r` come out as `.npy` equal to what the
/// runtime records, named and in their units in outputs.json.
#[test]
fn rule_state_and_rate_unit_probes_are_written_as_npy() {
    for (file, probe, var, unit, ms) in [("orchestrated.toml", "w_cons_X", "w_cons", "mV", 400.0), ("graded.toml", "r_R", "r", "1", 200.0)] {
        let dir = scratch(&format!("probes-{probe}"));
        let scenario = example(file);
        let duration = format!("{ms}ms");
        let out = synfire(&["run", scenario.to_str().unwrap(), "--duration", &duration, "--out", dir.to_str().unwrap()]);
        assert!(out.status.success(), "{}", stderr(&out));
        let graph = Scenario::load(&scenario).unwrap().freeze_with(&synfire_rules::Catalog).unwrap();
        let mut rt = Runtime::builder().workers(2).build(&graph).unwrap();
        rt.run_until(synfire_graphs::Time(ms)).unwrap();
        let values = if var == "r" {
            rt.state(graph.probe::<probe_kind::State>(probe).unwrap()).unwrap().values
        } else {
            rt.weights(graph.probe::<probe_kind::Weights>(probe).unwrap()).unwrap().values
        };
        let (dtype, shape, f) = npy(&dir, &format!("{probe}.npy"));
        assert_eq!(dtype, "'<f4'");
        assert_eq!(shape.iter().product::<u64>(), values.len() as u64);
        let got = f.into_vec::<f32>().unwrap();
        assert_eq!(bits(&got), bits(&values), "{probe}");
        assert!(got.windows(2).any(|w| w[0] != w[1]), "{probe} moves");
        let manifest: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(dir.join("outputs.json")).unwrap()).unwrap();
        let e = entry(&manifest, &format!("{probe}.npy"));
        assert_eq!((&e["variable"], &e["unit"]), (&var.into(), &unit.into()), "{probe}");
        let csv = std::fs::read_to_string(dir.join(format!("{probe}.csv"))).unwrap();
        assert!(csv.lines().next().unwrap().starts_with(&format!("t_ms,{var}[")), "{probe}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

#[test]
fn a_rule_state_probe_must_name_a_variable_of_the_rule() {
    let body = |rule: &str, var: &str| {
        format!(
            "[run]\nduration = \"1 s\"\n[[population]]\nname = \"E\"\nsize = 4\nmodel = \"lif_cuba\"\n[[projection]]\nname = \"EE\"\nsource = \"E\"\ntarget = \"E\"\np = 0.5\nweight = \"1 mV\"\n{rule}[[probe]]\nkind = \"weights\"\nprojection = \"EE\"\nvar = \"{var}\"\ninterval = \"1 ms\"\n"
        )
    };
    let with_catalog = |text: &str| match Scenario::parse(text).and_then(|s| s.freeze_with(&synfire_rules::Catalog)) {
        Ok(_) => "ok".to_string(),
        Err(e) => e.problems().iter().map(ToString::to_string).collect::<Vec<_>>().join("\n"),
    };
    let orchestrated = "rule = { name = \"orchestrated\", w_max = 3.0 }\n";
    assert_eq!(with_catalog(&body(orchestrated, "w_cons")), "ok");
    assert_eq!(with_catalog(&body(orchestrated, "c")), "probe[0].var: rule `orchestrated` keeps no per-synapse `c` (it has [\"w_cons\"])");
    assert_eq!(with_catalog(&body("", "w_cons")), "probe[0].var: `w_cons`: the projection has no plasticity rule");
}
