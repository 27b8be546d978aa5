//! Scenario files: the examples, and what every kind of mistake reports.
#![allow(clippy::unwrap_used)]

use proptest::prelude::*;
use std::path::{Path, PathBuf};
use synfire_graphs::prelude::*;
use synfire_graphs::scenario::{OutputFile, OutputSettings, Scenario, ScenarioError, to_toml};
use synfire_graphs::{ProblemKind, Receptor};

fn example_path(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/scenarios").join(name)
}

fn example(name: &str) -> String {
    std::fs::read_to_string(example_path(name)).unwrap()
}

/// The outcome of reading and freezing `text`, as the lines a user would see.
fn outcome(text: &str) -> String {
    match Scenario::parse(text).and_then(|s| s.freeze()) {
        Ok(g) => format!("ok: {} neurons", g.num_neurons()),
        Err(ScenarioError::Syntax { line, column, message }) => format!("{line}:{column}: {message}"),
        Err(e) => e.problems().iter().map(ToString::to_string).collect::<Vec<_>>().join("\n"),
    }
}

const RUN: &str = "[run]\nduration = \"1 s\"\n";
const POPS: &str = "[[population]]\nname = \"E\"\nsize = 4\nmodel = \"lif_cuba\"\n[[population]]\nname = \"I\"\nsize = 2\nmodel = \"lif_cuba\"\n";

/// Checks the outcome of a `[run]` table, two populations and `body`.
fn check(body: &str, expect: &str) {
    assert_eq!(outcome(&format!("{RUN}{POPS}{body}")), expect, "body:\n{body}");
}

#[test]
fn cuba_is_the_benchmark_network() {
    let scenario = Scenario::load(&example_path("cuba.toml")).unwrap();
    let mut net = Network::new().dt(0.1.ms()).seed(42);
    let lif = Lif::cuba()
        .c_m(200.0.pf())
        .tau_m(20.0.ms())
        .e_l((-49.0).mv())
        .v_th((-50.0).mv())
        .v_reset((-60.0).mv())
        .t_ref(5.0.ms())
        .tau_syn_e(5.0.ms())
        .tau_syn_i(10.0.ms())
        .init("v", uniform((-60.0).mv(), (-50.0).mv()));
    let e = net.population("E", 3200, lif.clone());
    let i = net.population("I", 800, lif);
    net.connect_all([e], [e, i], Conn::prob(0.02).weight(1.62.mv()).delay(0.1.ms()));
    net.connect_all([i], [e, i], Conn::prob(0.02).weight((-9.0).mv()).delay(0.1.ms()));
    let spikes = net.record_spikes([e, i]);
    net.probe_name(spikes, "spikes");
    net.record_rate(e, 1.0.ms());
    net.record_rate(i, 1.0.ms());
    assert_eq!(scenario.freeze().unwrap(), net.freeze().unwrap());
    assert_eq!(scenario.run.duration, 1.0.s());
    let output = scenario.run.output.unwrap();
    assert_eq!((output.directory.as_deref().and_then(Path::to_str), output.files), (Some("out/cuba"), vec![OutputFile::Spikes, OutputFile::Report]));
}

#[test]
fn output_files_are_checked_by_name() {
    let run = |output: &str| format!("[run]\nduration = \"1 s\"\n[run.output]\n{output}{POPS}");
    assert_eq!(
        outcome(&run("files = [\"spikes\", \"report\", \"npy\", \"probes\", \"plot\"]\n")),
        concat!(
            "run.output.files[2]: no output is called `npy` (outputs: spikes, report, raster, rates, weights, probes)\n",
            "run.output.files[4]: no output is called `plot` (outputs: spikes, report, raster, rates, weights, probes)"
        )
    );
    let err = Scenario::parse(&run("files = [\"spikes\", \"report\", \"npy\"]\n")).unwrap_err();
    assert_eq!(err.problems().iter().map(|p| (p.kind, p.path.as_str())).collect::<Vec<_>>(), [(ProblemKind::Malformed, "run.output.files[2]")]);
    assert_eq!(outcome(&run("directory = \" \"\n")), "run.output.directory: an empty directory name");
    // Both keys are optional: no list means every output.
    let s = Scenario::parse(&run("")).unwrap();
    assert_eq!(s.run.output.unwrap(), OutputSettings { directory: None, files: OutputFile::ALL.to_vec() });
    let s = Scenario::parse(&run("files = [\"rates\", \"weights\", \"raster\"]\n")).unwrap();
    assert_eq!(s.run.output.unwrap().files, [OutputFile::Rates, OutputFile::Weights, OutputFile::Raster]);
}

#[test]
fn coba_is_the_benchmark_network() {
    let scenario = Scenario::load(&example_path("coba.toml")).unwrap();
    let mut net = Network::new().dt(0.1.ms()).seed(42);
    let lif = Lif::coba()
        .tau_m(20.0.ms())
        .e_l((-60.0).mv())
        .v_th((-50.0).mv())
        .v_reset((-60.0).mv())
        .t_ref(5.0.ms())
        .e_e(0.0.mv())
        .e_i((-80.0).mv())
        .tau_syn_e(5.0.ms())
        .tau_syn_i(10.0.ms())
        .init("v", normal((-65.0).mv(), 5.0.mv()))
        .init("g_e", normal(4.0.one(), 1.5.one()).clip(0.0.one(), 1000.0.one()))
        .init("g_i", normal(20.0.one(), 12.0.one()).clip(0.0.one(), 1000.0.one()));
    let e = net.population("E", 3200, lif.clone());
    let i = net.population("I", 800, lif);
    net.connect_all([e], [e, i], Conn::prob(0.02).weight(0.6.one()).delay(0.1.ms()));
    net.connect_all([i], [e, i], Conn::prob(0.02).weight(6.7.one()).receptor(Receptor::Inh).delay(0.1.ms()));
    let spikes = net.record_spikes([e, i]);
    net.probe_name(spikes, "spikes");
    net.record_rate(e, 1.0.ms());
    net.record_rate(i, 1.0.ms());
    let graph = scenario.freeze().unwrap();
    assert_eq!(graph, net.freeze().unwrap());
    // Inhibitory synapses go to the second receptor of the target model.
    assert_eq!(graph.projections.iter().map(|p| p.receptor).collect::<Vec<_>>(), [0, 0, 1, 1]);
}

#[test]
fn examples_write_back_to_equal_graphs() {
    for name in ["cuba.toml", "coba.toml", "graded.toml", "cuba_probes.toml", "rstdp.toml", "orchestrated.toml", "signals.toml"] {
        let scenario = Scenario::load(&example_path(name)).unwrap();
        let graph = scenario.freeze().unwrap();
        let text = to_toml(&graph, &scenario.run);
        assert_eq!(Scenario::parse(&text).and_then(|s| s.freeze()).unwrap(), graph, "{name}:\n{text}");
    }
}

#[test]
fn the_schema_example_in_the_docs_is_valid() {
    let source = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("src/scenario/mod.rs")).unwrap();
    let lines: Vec<&str> = source.lines().filter_map(|l| l.strip_prefix("//!")).map(|l| l.strip_prefix(' ').unwrap_or(l)).collect();
    let blocks: Vec<String> = lines
        .iter()
        .enumerate()
        .filter(|(_, l)| **l == "```toml")
        .map(|(i, _)| {
            let end = i + 1 + lines[i + 1..].iter().position(|l| *l == "```").unwrap();
            lines[i + 1..end].join("\n")
        })
        .collect();
    assert_eq!(blocks.len(), 2, "the schema and the trials example");
    assert_eq!(outcome(&blocks[0]), "ok: 105 neurons");
    assert_eq!(outcome(&blocks[1]), "ok: 3 neurons");
    let trials = Scenario::parse(&blocks[1]).unwrap().run.trials.unwrap();
    assert_eq!(trials.schedule(), [false, true, true, false, true, false], "evaluations before, after 2 and after the last training trial");
}

#[test]
fn an_impossible_probability_is_named_with_its_projection() {
    let text = example("cuba.toml").replace("p = 0.02", "p = 1.5");
    let err = Scenario::parse(&text).and_then(|s| s.freeze()).unwrap_err();
    let ScenarioError::Invalid(problems) = &err else { panic!("expected Invalid, got {err}") };
    // Each [[projection]] expands to two projections; each problem is reported once.
    let found: Vec<(ProblemKind, &str, &str)> = problems.iter().map(|p| (p.kind, p.path.as_str(), p.message.as_str())).collect();
    assert_eq!(
        found,
        [
            (ProblemKind::ProbabilityOutOfRange, "projection[0].p", "probability 1.5 is outside [0, 1]"),
            (ProblemKind::ProbabilityOutOfRange, "projection[1].p", "probability 1.5 is outside [0, 1]"),
        ]
    );
    assert!(err.to_string().contains("projection[0].p: probability 1.5 is outside [0, 1]"), "{err}");
}

#[test]
fn syntax_errors_have_a_line_and_column() {
    assert_eq!(outcome("[run]\nduration = = \"1 s\"\n"), "2:12: extra `=`, expected nothing");
    assert_eq!(
        outcome("[run]\nduration = \"1 s\"\nseeed = 3\n"),
        "3:1: unknown field `seeed`, expected one of `duration`, `dt`, `seed`, `workers`, `window`, `output`"
    );
    assert_eq!(outcome("[run]\nduration = 1\n"), "2:12: invalid type: integer `1`, expected a string");
    assert!(outcome("duration = \"1 s\"\n").contains("unknown field `duration`"));
    assert!(outcome("").contains("missing field `run`"));
}

#[test]
fn schema_mistakes_are_syntax_errors_naming_the_key() {
    check(
        "[[projection]]\nsource = \"E\"\ntarget = \"I\"\np = 0.1\nwieght = \"1 mV\"\n",
        "15:1: unknown field `wieght`, expected one of `name`, `source`, `target`, `p`, `in_degree`, `out_degree`, `total`, `all_to_all`, `one_to_one`, `pairs`, `weights`, `delays`, `weight`, `delay`, `receptor`, `autapses`, `multapses`, `rule`, `signal`",
    );
    check("[[source]]\nname = \"S\"\nsize = -2\nkind = \"poisson\"\n", "13:8: invalid value: integer `-2`, expected u64");
    check("[[source]]\nname = \"S\"\nsize = 2\nkind = \"poison\"\n", "14:8: unknown variant `poison`, expected one of `poisson`, `rate_array`, `spike_times`");
    check("[[probe]]\nkind = \"spikes\"\npopulations = \"E\"\n", "13:15: invalid type: string \"E\", expected a sequence");
}

#[test]
fn meaning_errors_name_the_path() {
    let cases = [
        ("[[projection]]\nsource = \"E\"\ntarget = \"X\"\np = 0.1\nweight = \"1 mV\"\n", "projection[0].target: no population or source is called `X`"),
        (
            "[[projection]]\nsource = [\"E\", \"Q\"]\ntarget = \"I\"\np = 0.1\nweight = \"1 mV\"\n",
            "projection[0].source: no population or source is called `Q`",
        ),
        (
            "[[projection]]\nsource = \"E\"\ntarget = \"I\"\np = 0.1\nin_degree = 2\nweight = \"1 mV\"\n",
            "projection[0]: several connectors (p, in_degree); give exactly one",
        ),
        ("[[projection]]\nsource = \"E\"\ntarget = \"I\"\np = 0.1\n", "projection[0].weight: no weight given"),
        (
            "[[projection]]\nsource = \"E\"\ntarget = \"I\"\nin_degree = 5\nweight = \"1 mV\"\n",
            "projection[0].in_degree: in-degree 5 exceeds the 4 available sources without multapses",
        ),
        ("[[projection]]\nsource = \"E\"\ntarget = \"I\"\np = 0.1\nweight = \"1 ms\"\n", "projection[0].weight: lif_cuba takes weights in mV or pA, not ms"),
        (
            "[[projection]]\nsource = \"E\"\ntarget = \"I\"\np = 0.1\nweight = \"1 mV\"\ndelay = \"0.01 ms\"\n",
            "projection[0].delay: 0.01 ms is shorter than dt 0.1 ms",
        ),
        (
            "[[projection]]\nsource = \"E\"\ntarget = \"I\"\np = 0.1\nweight = \"1 mV\"\nweights = [\"1 mV\"]\n",
            "projection[0].weights: `weights` gives one value per pair and needs `pairs`",
        ),
        ("[[projection]]\nsource = \"E\"\ntarget = \"I\"\npairs = [[0, 9]]\nweights = [\"1 mV\"]\n", "projection[0].pairs[0]: (0, 9) is outside 4 x 2"),
        ("[[probe]]\nkind = \"spikes\"\npopulation = \"E\"\nbin = \"1 ms\"\n", "probe[0].bin: `bin` does not apply to a spikes probe"),
        (
            "[[probe]]\nkind = \"state\"\npopulation = \"E\"\nvar = \"w\"\nneurons = [0]\n",
            "probe[0].var: lif_cuba has no state variable `w` (it has [\"v\", \"i_syn_e\", \"i_syn_i\"])",
        ),
        ("[[probe]]\nkind = \"weights\"\nprojection = \"E->I\"\ninterval = \"1 ms\"\n", "probe[0].projection: no projection is called `E->I`"),
        ("[[probe]]\nkind = \"rate\"\npopulation = \"E\"\n", "probe[0].bin: `bin` is required here"),
        ("[[current]]\nname = \"c\"\ntarget = \"E\"\namplitude = \"1 mV\"\n", "current[0].amplitude: lif_cuba takes currents in pA, not mV"),
        ("[[modulator]]\nname = \"m\"\npopulation = \"Z\"\n", "modulator[0].population: no population or source is called `Z`"),
        (
            "[[source]]\nname = \"S\"\nsize = 2\nkind = \"poisson\"\nrate = \"5 Hz\"\nbin = \"1 ms\"\n",
            "source[0].bin: `bin` does not apply to a poisson source",
        ),
        ("[[source]]\nname = \"S\"\nsize = 2\nkind = \"spike_times\"\ntimes = [[\"1 ms\"]]\n", "source[0].times: 1 spike lists for 2 sources"),
        (
            "[[source]]\nname = \"E\"\nsize = 2\nkind = \"poisson\"\nrate = \"-5 Hz\"\n",
            concat!("source[0].name: `E` is already the name of population[0]\n", "source[0].rate: -5 Hz is not a positive finite rate"),
        ),
    ];
    for (body, expect) in cases {
        check(body, expect);
    }
}

#[test]
fn population_mistakes_name_the_parameter() {
    let pop = |extra: &str| format!("{RUN}[[population]]\nname = \"E\"\nsize = 4\nmodel = \"lif_cuba\"\n{extra}");
    let cases = [
        ("tau_m = \"20 mV\"\n", "population[0].tau_m: `20 mV`: unit `mV` is not a unit of ms"),
        ("tau_m = 20\n", "population[0].tau_m: 20 needs a unit (write \"20 ms\")"),
        ("tau_m = \"-2 ms\"\n", "population[0].tau_m: -2 ms is not positive"),
        ("foo = 1\n", "population[0].foo: lif_cuba has no parameter `foo`"),
        ("v_reset = \"-40 mV\"\n", "population[0].v_reset: -40 mV is not below the threshold -50 mV"),
        ("init = { v = { uniform = [\"-50 mV\", \"-60 mV\"] } }\n", "population[0].init.v: uniform bounds -50 > -60"),
        ("init = { v = { normal = [\"1 mV\", \"2 mV\"], clip = [\"0 mV\"] } }\n", "population[0].init.v: `clip` takes two values, like [\"1 ms\", \"2 ms\"]"),
        ("init = { v = [\"1 mV\", \"2 mV\"] }\n", "population[0].init.v: array of 2 values for 4 elements"),
        ("init = { w = 0 }\n", "population[0].init.w: lif_cuba has no state variable `w`"),
        ("v_th = true\n", "population[0].v_th: expected a number or a string with a unit, found a boolean"),
    ];
    for (extra, expect) in cases {
        assert_eq!(outcome(&pop(extra)), expect, "{extra}");
    }
    let unknown = outcome(&format!("{RUN}[[population]]\nname = \"E\"\nsize = 4\nmodel = \"lif\"\n"));
    assert_eq!(
        unknown,
        "population[0].model: no model is called `lif` (models: lif_cuba, lif_coba, alif, izhikevich, lif_discrete, rate_linear, rate_sigmoid, leaky_readout, rate_softplus, rate_affine)"
    );
    let rate = outcome(&format!("{RUN}[[population]]\nname = \"R\"\nsize = 4\nmodel = \"rate_linear\"\ntau = \"5 ms\"\ninit = {{ r = 0.5 }}\n"));
    assert_eq!(rate, "population[0].init.r: a rate unit's output `r` follows from `u`; set `init.u` instead");
}

#[test]
fn escape_noise_reads_and_its_mistakes_name_the_field() {
    let pop = |model: &str, noise: &str| format!("{RUN}[[population]]\nname = \"E\"\nsize = 4\nmodel = \"{model}\"\nescape_noise = {noise}\n");
    let graph = Scenario::parse(&pop("lif_discrete", "{ sigmoid = { beta = 4 } }")).and_then(|s| s.freeze()).unwrap();
    assert_eq!(graph.model(0).unwrap().escape_noise, EscapeNoise::sigmoid(4.0));
    let graph = Scenario::parse(&pop("alif", "\"exponential\"")).and_then(|s| s.freeze()).unwrap();
    assert_eq!(graph.model(0).unwrap().escape_noise, EscapeNoise::exponential(0.01, 0.133));
    let cases = [
        (
            "lif_discrete",
            "{ sigmoid = { gamma = 1 } }",
            "population[0].escape_noise.sigmoid.gamma: sigmoid escape noise has no parameter `gamma` (parameters: beta)",
        ),
        ("lif_discrete", "{ sigmoid = { beta = -1 } }", "population[0].escape_noise.sigmoid.beta: -1 is not a finite slope > 0"),
        ("lif_discrete", "{ exponential = { p0 = 2 } }", "population[0].escape_noise.exponential.p0: 2 is not a probability in (0, 1]"),
        ("lif_discrete", "{ sigmoid = { beta = \"10\" } }", "population[0].escape_noise.sigmoid.beta: \"10\" is not a plain number"),
        ("lif_discrete", "\"gauss\"", "population[0].escape_noise: no escape noise is called `gauss` (escape noises: step, sigmoid, exponential)"),
        ("lif_cuba", "\"sigmoid\"", "population[0].escape_noise: lif_cuba has no escape noise (only lif_discrete and alif do); `sigmoid` cannot apply"),
    ];
    for (model, noise, expect) in cases {
        assert_eq!(outcome(&pop(model, noise)), expect, "{model} {noise}");
    }
}

#[test]
fn run_settings_are_checked() {
    assert_eq!(outcome("[run]\nduration = \"0 s\"\n"), "run.duration: 0 ms is not a positive duration");
    assert_eq!(outcome("[run]\nduration = \"1 s\"\ndt = \"-1 ms\"\n"), "run.dt: -1 ms is not a positive duration");
    assert_eq!(outcome("[run]\nduration = \"1 s\"\nseed = -1\n"), "run.seed: -1 is not a seed (an integer from 0 to 2^64 - 1)");
    assert_eq!(outcome("[run]\nduration = \"1 s\"\nworkers = 0\n"), "run.workers: 0 workers cannot run a network");
    let big = Scenario::parse("[run]\nduration = \"1 s\"\nseed = \"18446744073709551615\"\n").unwrap();
    assert_eq!(big.freeze().unwrap().seed, u64::MAX);
}

#[test]
fn populations_and_sources_take_ids_in_file_order() {
    let text = format!("{RUN}[[source]]\nname = \"S\"\nsize = 3\nkind = \"poisson\"\nrate = \"5 Hz\"\n{POPS}");
    let graph = Scenario::parse(&text).and_then(|s| s.freeze()).unwrap();
    let names: Vec<&str> = graph.populations.iter().map(|p| p.name.as_str()).collect();
    assert_eq!((names, graph.offsets.clone()), (vec!["S", "E", "I"], vec![0, 3, 7, 9]));
}

#[test]
fn files_that_cannot_be_read_are_errors() {
    let missing = Scenario::load(Path::new("/nonexistent/scenario.toml")).unwrap_err();
    assert!(matches!(missing, ScenarioError::Io { .. }), "{missing}");
    let dir = std::env::temp_dir().join(format!("synfire-scenario-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("latin1.toml");
    std::fs::write(&path, b"[run]\nduration = \"1 s\" # caf\xe9\n").unwrap();
    let err = Scenario::load(&path).unwrap_err();
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(err.to_string(), "line 2, column 23: the file is not UTF-8 text");
}

/// Replaces, deletes or inserts characters of a valid file at random places.
fn mutate(text: &str, edits: &[(usize, u8, char)]) -> String {
    let mut chars: Vec<char> = text.chars().collect();
    for &(at, op, c) in edits {
        let at = at % (chars.len() + 1);
        match op % 3 {
            0 if at < chars.len() => chars[at] = c,
            1 if at < chars.len() => {
                chars.remove(at);
            }
            _ => chars.insert(at, c),
        }
    }
    chars.into_iter().collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// Nothing a user can type makes reading or freezing panic.
    #[test]
    fn no_input_panics(
        edits in prop::collection::vec((any::<usize>(), any::<u8>(), prop::sample::select(vec!['"', '=', '[', ']', '{', '}', ',', '-', '0', '9', '.', 'e', ' ', '\n', 'x', '#', 'é'])), 1..8),
        which in any::<bool>(),
    ) {
        let text = mutate(&example(if which { "cuba.toml" } else { "coba.toml" }), &edits);
        let _ = Scenario::parse(&text).and_then(|s| s.freeze());
    }

    #[test]
    fn no_value_panics(value in "[-+0-9a-zA-Z .e\\[\\]{}=,\"]{0,24}", key in prop::sample::select(vec!["tau_m", "p", "weight", "delay", "size", "seed", "in_degree", "total", "duration", "rate"])) {
        let text = example("cuba.toml").replacen(&format!("\n{key} = "), &format!("\n{key} = {value}\n#"), 1);
        let _ = Scenario::parse(&text).and_then(|s| s.freeze());
    }
}

#[test]
fn huge_sizes_are_reported_not_multiplied() {
    let text = format!(
        "{RUN}[[population]]\nname = \"E\"\nsize = 9000000000000\nmodel = \"lif_cuba\"\n[[projection]]\nsource = \"E\"\ntarget = \"E\"\ntotal = 5\nweight = \"1 mV\"\n"
    );
    assert_eq!(outcome(&text), "population[0].size: 9000000000000 neurons exceed the 2^32 - 1 a population may hold");
}

#[test]
fn scheduled_and_computed_modulators_round_trip_and_are_checked() {
    let mods = "[[modulator]]\nname = \"da\"\ninitial = 0.5\nschedule = [[\"200 ms\", 1.0], [\"400 ms\", -1.0]]\n\
                [[modulator]]\nname = \"act\"\nactivity = { population = \"E\", tau = \"50 ms\", gain = 0.1, offset = -1.0, delay = \"2 ms\" }\n";
    let text = format!("{RUN}{POPS}{mods}");
    let scenario = Scenario::parse(&text).unwrap();
    let graph = scenario.freeze().unwrap();
    assert_eq!(graph.modulators[0].schedule.len(), 2);
    let a = graph.modulators[1].activity.expect("computed");
    assert_eq!((a.pop, a.tau.0, a.gain, a.offset, a.delay.0), (0, 50.0, 0.1, -1.0, 2.0));
    assert_eq!(graph.min_delay(), Some(20), "the computed modulator's delay bounds the window");
    let back = to_toml(&graph, &scenario.run);
    assert_eq!(Scenario::parse(&back).and_then(|s| s.freeze()).unwrap(), graph, "{back}");
    check(
        "[[modulator]]\nname = \"da\"\nschedule = [[\"2 ms\", 1.0], [\"1 ms\", 0.0]]\n",
        "modulator[0].schedule[1]: 1 ms: step times must be finite, >= 0 and increasing",
    );
    check(
        "[[modulator]]\nname = \"a\"\nactivity = { population = \"E\", tau = \"5 ms\", delay = \"0.01 ms\" }\n",
        "modulator[0].activity.delay: 0.01 ms is shorter than one time step",
    );
    check(
        "[[modulator]]\nname = \"a\"\nactivity = { population = \"X\", tau = \"5 ms\" }\n",
        "modulator[0].activity.population: no population or source is called `X`",
    );
}

#[test]
fn a_wrappers_base_rule_round_trips_as_a_name_or_a_table() {
    let proj = |rule: &str| format!("[[projection]]\nsource = \"E\"\ntarget = \"I\"\np = 0.5\nweight = \"1 mV\"\nrule = {rule}\n");
    let table = proj("{ name = \"benna_fusi\", m = 6, base = { name = \"stdp_pair\", a_plus = 0.01, inputs = { x = \"y\" } } }");
    let scenario = Scenario::parse(&format!("{RUN}{POPS}{table}")).unwrap();
    let graph = scenario.freeze().unwrap();
    let rule = graph.projections[0].conn.rule.as_ref().unwrap();
    let base = rule.base.as_deref().unwrap();
    assert_eq!(
        (rule.name.as_str(), base.name.as_str(), base.params["a_plus"].as_const(), base.inputs["x"].as_str()),
        ("benna_fusi", "stdp_pair", Some(0.01), "y")
    );
    assert!(!rule.params.contains_key("base"));
    let back = to_toml(&graph, &scenario.run);
    assert!(back.contains("[projection.rule.base]"), "{back}");
    assert_eq!(Scenario::parse(&back).and_then(|s| s.freeze()).unwrap(), graph, "{back}");
    // The name alone, and what is not a rule.
    let named = Scenario::parse(&format!("{RUN}{POPS}{}", proj("{ name = \"meta_hidden\", base = \"triplet\" }"))).unwrap().freeze().unwrap();
    assert_eq!(named.projections[0].conn.rule.as_ref().unwrap().base.as_ref().unwrap().name, "triplet");
    let err = Scenario::parse(&format!("{RUN}{POPS}{}", proj("{ name = \"meta_hidden\", base = 3 }"))).unwrap_err().to_string();
    assert!(err.contains("projection[0].rule.base"), "{err}");
}
