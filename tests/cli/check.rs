// `synfire check`: exit status and messages (a module of tests/cli.rs).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn synfire_check(file: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_synfire")).arg("check").arg(file).output().unwrap()
}

fn example(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/scenarios").join(name)
}

/// A scratch file holding `text`, removed when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str, text: &str) -> Scratch {
        let path = std::env::temp_dir().join(format!("synfire-cli-check-{}-{name}", std::process::id()));
        std::fs::write(&path, text).unwrap();
        Scratch(path)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

#[test]
fn valid_examples_pass_with_a_summary() {
    for name in ["cuba.toml", "coba.toml"] {
        let out = synfire_check(&example(name));
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert_eq!(out.status.code(), Some(0), "{name}: {}", String::from_utf8_lossy(&out.stderr));
        assert!(stdout.contains("OK: 2 populations, 4 projections, 4000 neurons"), "{stdout}");
    }
}

#[test]
fn meaning_errors_exit_2_with_paths() {
    let text = std::fs::read_to_string(example("cuba.toml")).unwrap().replace("p = 0.02", "p = 1.5");
    let file = Scratch::new("p.toml", &text);
    let out = synfire_check(&file.0);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr.contains(&format!("{}: projection[0].p: probability 1.5 is outside [0, 1]", file.0.display())), "{stderr}");
}

#[test]
fn syntax_errors_exit_2_with_line_and_column() {
    let file = Scratch::new("syntax.toml", "[run]\nduration = = \"1 s\"\n");
    let out = synfire_check(&file.0);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr.starts_with(&format!("{}:2:12: ", file.0.display())), "{stderr}");
}

#[test]
fn unreadable_files_exit_2() {
    let out = synfire_check(Path::new("/nonexistent/scenario.toml"));
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent/scenario.toml"));
}

/// Silent wrong result (trust issue, item 1): STDP written as the format docs show it,
/// without bounds, on 1.62 mV weights ran with pair STDP's default bounds `[0, 1]`
/// and clipped every weight to 1 mV. Now `check` refuses it and names the default.
#[test]
fn a_default_bound_below_the_initial_weights_is_an_error() {
    let text = std::fs::read_to_string(example("cuba_probes.toml")).unwrap().replace(", w_min = 0.0, w_max = 3.24", "");
    assert!(!text.contains("w_max"));
    let file = Scratch::new("default-bounds.toml", &text);
    let out = synfire_check(&file.0);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("projection[0].rule.w_max: the initial weights reach 1.62 mV, above w_max = 1 mV (the rule's default)"), "{stderr}");
}

/// `check` shows each rule as it will run, defaults included.
#[test]
fn check_prints_every_rule_with_its_defaults() {
    let out = synfire_check(&example("cuba_probes.toml"));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0));
    assert!(stdout.contains("  EE: stdp_pair (a_minus = 0.0105, a_plus = 0.01, nearest = 0, tau_minus = 20 ms"), "{stdout}");
    assert!(stdout.contains("w_max = 3.24, w_min = 0; bounds in mV)"), "{stdout}");
}

/// Trust issue, the refusal list and its poor messages: each input gets a precise
/// message at `check` time with exit status 2 (or, for a rule given by name alone,
/// is accepted with the rule's defaults).
#[test]
fn refused_inputs_get_messages_that_name_the_value() {
    let cuba = std::fs::read_to_string(example("cuba.toml")).unwrap();
    let cases = [
        ("weight-unit", cuba.replacen("weight = \"1.62 mV\"", "weight = \"2 ms\"", 1), "projection[0].weight: lif_cuba takes weights in mV or pA, not ms"),
        (
            "receptor",
            cuba.replacen("weight = \"1.62 mV\"", "weight = \"1.62 mV\"\nreceptor = \"gaba\"", 1),
            "lif_cuba has no receptor `gaba` (it has exc, inh)",
        ),
        (
            "rule-name",
            cuba.replacen("weight = \"1.62 mV\"", "weight = \"1.62 mV\"\nrule = { name = \"stdpp\" }", 1),
            "no plasticity rule is called `stdpp` (rules: stdp_pair,",
        ),
        ("rule-type", cuba.replacen("weight = \"1.62 mV\"", "weight = \"1.62 mV\"\nrule = 5", 1), "expected a rule: its name (\"stdp_pair\") or a table"),
        (
            "window",
            cuba.replacen("duration = \"1 s\"", "duration = \"1 s\"\nwindow = \"5 ms\"", 1),
            "run.window: 5 ms (50 ticks) exceeds the minimum delay of 1 tick (0.1 ms)",
        ),
        (
            "huge",
            cuba.replacen("weight = \"1.62 mV\"", "weight = \"1e308 mV\"\nrule = \"stdp_pair\"", 1),
            "projection[0].weight: 1e308 mV is 1e308 mV in the model's unit, beyond what an f32 weight holds",
        ),
    ];
    for (name, text, want) in cases {
        let file = Scratch::new(&format!("refuse-{name}.toml"), &text);
        let out = synfire_check(&file.0);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{name}: {stderr}");
        assert!(stderr.contains(want), "{name}: {stderr}");
    }
    // The name alone is the rule with its defaults (here within the weights' bounds).
    let text = cuba.replacen("weight = \"1.62 mV\"", "weight = \"0.5 mV\"\nrule = \"stdp_pair\"", 1);
    let file = Scratch::new("rule-by-name.toml", &text);
    let out = synfire_check(&file.0);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("stdp_pair (a_minus"));
}

/// Trust issue, the refusal list: `check` said OK and `run` then died in an allocation
/// (dt = 1e-9 ms) or grew without end (1e12 s with probes). Both now refuse with the
/// memory estimate by part, before anything is allocated; `run --force` overrides.
#[test]
fn runs_that_cannot_fit_in_memory_are_refused_with_the_estimate() {
    let cuba = std::fs::read_to_string(example("cuba.toml")).unwrap();
    for (name, text, part) in [
        ("tiny-dt", cuba.replace("dt = \"0.1 ms\"", "dt = \"1e-9 ms\""), "input rings"),
        ("endless", cuba.replace("duration = \"1 s\"", "duration = \"1e12 s\""), "probe data"),
    ] {
        let file = Scratch::new(&format!("memory-{name}.toml"), &text);
        let out = synfire_check(&file.0);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{name}: {stderr}");
        assert!(stderr.contains("needs about") && stderr.contains(part) && stderr.contains("available"), "{name}: {stderr}");
        let run =
            Command::new(env!("CARGO_BIN_EXE_synfire")).arg("run").arg(&file.0).arg("--out").arg(std::env::temp_dir().join("synfire-never")).output().unwrap();
        let stderr = String::from_utf8_lossy(&run.stderr);
        assert!(!run.status.success() && stderr.contains("is refused") && stderr.contains("--force"), "{name}: {stderr}");
    }
    // A network that fits says how much it needs, and check prints the resolved
    // network and the files a run writes.
    let out = synfire_check(&example("cuba_probes.toml"));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("memory for 1000 ms: about"), "{stdout}");
    assert!(stdout.contains("  files: spikes.npy spikes.csv raster.svg") && stdout.contains(" v_E.npy v_E_ticks.npy "), "{stdout}");
    assert!(stdout.contains("c_m 200 pF, tau_m 20 ms") && stdout.contains("~20480"), "defaults and synapse counts: {stdout}");
}

/// Every scenario in examples/scenarios/ passes `check`, rules included.
#[test]
fn every_example_scenario_passes_check() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/scenarios");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).filter(|p| p.extension().is_some_and(|x| x == "toml")).collect();
    files.sort();
    assert!(files.len() >= 7, "{files:?}");
    for file in files {
        let out = synfire_check(&file);
        assert_eq!(out.status.code(), Some(0), "{}: {}", file.display(), String::from_utf8_lossy(&out.stderr));
        assert!(String::from_utf8_lossy(&out.stdout).contains(": OK: "), "{}", file.display());
    }
}

/// A continual-learning scenario file is checked as one: its summary, and its
/// unknown keys and bad values named, exit status 2; `run` refuses it alike and
/// writes nothing.
#[test]
fn continual_scenario_files_are_checked_and_refused_by_name() {
    let out = synfire_check(&example("continual_patterns.toml"));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("OK: continual scenario") && stdout.contains("meta(m=1)"), "{stdout}");
    for (name, text, named) in [
        ("unknown.toml", "[continual]\nprotocol = \"patterns\"\n[protocol]\nepoch = 3\n", "epoch"),
        ("value.toml", "[continual]\nprotocol = \"patterns\"\n[[variant]]\nkind = \"benna_fusi\"\nm = 40\n", "benna-fusi(m=40)"),
    ] {
        let bad = Scratch::new(name, text);
        let out = synfire_check(&bad.0);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{name}: {stderr}");
        assert!(stderr.contains(named), "{name}: {stderr}");
        let dir = std::env::temp_dir().join(format!("synfire-cli-check-{}-{name}-out", std::process::id()));
        let run = Command::new(env!("CARGO_BIN_EXE_synfire")).arg("run").arg(&bad.0).arg("--out").arg(&dir).output().unwrap();
        assert_ne!(run.status.code(), Some(0), "{name}: run accepted a bad file");
        assert!(String::from_utf8_lossy(&run.stderr).contains(named), "{name}: {}", String::from_utf8_lossy(&run.stderr));
        assert!(!dir.exists(), "{name}: a refused run wrote {}", dir.display());
    }
}

/// A scenario file with wrapped e-prop rules (`meta_hidden` around `eprop`,
/// `synaptic_intelligence` around `eprop_readout`) writes back to the same graph
/// and plan, wrappers and bases included; a misfit field of a base rule, a bad value
/// of a wrapper and an unknown base are refused by name, exit status 2.
#[test]
fn wrapped_eprop_scenarios_round_trip_and_bad_fields_are_named() {
    let file = example("eprop_metaplastic.toml");
    let scenario = synfire_graphs::scenario::Scenario::load(&file).unwrap();
    let graph = scenario.freeze_with(&synfire_rules::Catalog).unwrap();
    let rules: Vec<(String, String)> = graph
        .projections
        .iter()
        .filter_map(|p| p.conn.rule.as_ref())
        .map(|r| (r.name.clone(), r.base.as_ref().map(|b| b.name.clone()).unwrap_or_default()))
        .collect();
    let pairs = [("meta_hidden", "eprop"), ("meta_hidden", "eprop"), ("synaptic_intelligence", "eprop_readout")];
    assert_eq!(rules, pairs.map(|(a, b)| (a.to_string(), b.to_string())));
    let text = synfire_graphs::scenario::to_toml(&graph, &scenario.run);
    assert!(text.contains("meta_hidden") && text.contains("eprop_readout"), "{text}");
    let again = synfire_graphs::scenario::Scenario::parse(&text).unwrap();
    assert_eq!(again.run, scenario.run);
    assert_eq!(again.freeze_with(&synfire_rules::Catalog).unwrap(), graph, "{text}");
    let original = std::fs::read_to_string(&file).unwrap();
    for (name, from, to, named) in [
        ("base-field.toml", r#"base = { name = "eprop", eta = 0.000327839"#, r#"base = { name = "eprop", etaa = 0.000327839"#, "rule.base.etaa"),
        ("wrapper-value.toml", r#"name = "meta_hidden", m = 1.0"#, r#"name = "meta_hidden", m = -1.0"#, "rule.m"),
        ("base-name.toml", r#"name = "eprop_readout", eta"#, r#"name = "eprop_feedback", eta"#, "rule.base.name"),
    ] {
        assert!(original.contains(from), "{name}: the example has no `{from}`");
        let bad = Scratch::new(name, &original.replace(from, to));
        let out = synfire_check(&bad.0);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{name}: {stderr}");
        assert!(stderr.contains(named), "{name}: {stderr}");
    }
}
