// The scenario-format reference, docs/scenario-format.md, against the parser (a
// module of tests/cli/main.rs): every key a table of the reference documents is a key
// the parser accepts, and every key the parser accepts is documented; likewise every
// model with its parameters, units, defaults and state variables, every rule with its
// parameters, units, defaults and inputs, every source, probe and escape-noise kind,
// and every output. The TOML examples of the reference must read and freeze.
//
// The reference is machine-checkable: each table's keys are the first column (in
// backticks) of a markdown table under a heading naming it. The parser's key lists
// come from the parser itself wherever it can say them: serde's `unknown field`
// error lists every field of a `deny_unknown_fields` table; a rule's `no parameter`
// problem lists every parameter it reads, and a parameter given in the wrong unit
// names the unit it wants; models, escape noises and outputs are public tables. The
// two tables whose unknown keys go elsewhere (`[[population]]`: model parameters;
// `rule`: rule parameters) take their fixed keys from the serde struct in
// graphs/src/scenario/doc.rs, plus the one key each that the reader handles itself.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use synfire_graphs::model::Init;
use synfire_graphs::scenario::{OutputFile, Scenario, ScenarioError};
use synfire_graphs::{EscapeNoise, ModelKind, RuleCatalog, RuleSpec, Unit, Value};
use synfire_rules::{Catalog, RULES};

const RUN: &str = "[run]\nduration = \"1 s\"\n";
/// A key no table has.
const UNKNOWN: &str = "zz_undocumented";

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

#[derive(Debug)]
struct Table {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

/// The reference: its tables by heading, and its TOML examples.
#[derive(Debug)]
struct Reference {
    sections: BTreeMap<String, Vec<Table>>,
    examples: Vec<String>,
}

fn cells(line: &str) -> Vec<String> {
    line.trim().trim_start_matches('|').trim_end_matches('|').split('|').map(|c| c.trim().to_string()).collect()
}

/// The text between the first pair of backticks of `cell`.
fn ticked(cell: &str) -> Option<&str> {
    let rest = cell.strip_prefix('`')?;
    rest.split('`').next()
}

/// Every text between backticks in `s`.
fn all_ticked(s: &str) -> Vec<String> {
    s.split('`').skip(1).step_by(2).map(str::to_string).collect()
}

fn reference() -> Reference {
    let path = root().join("docs/scenario-format.md");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let mut sections: BTreeMap<String, Vec<Table>> = BTreeMap::new();
    let mut examples = Vec::new();
    let (mut heading, mut fence, mut in_table) = (String::new(), None::<(bool, String)>, false);
    for line in text.lines() {
        if let Some((toml, body)) = &mut fence {
            if line.starts_with("```") {
                if *toml {
                    examples.push(std::mem::take(body));
                }
                fence = None;
            } else {
                body.push_str(line);
                body.push('\n');
            }
            continue;
        }
        if let Some(lang) = line.strip_prefix("```") {
            fence = Some((lang.trim() == "toml", String::new()));
            in_table = false;
            continue;
        }
        if line.starts_with('#') {
            heading = line.trim_start_matches('#').trim().to_string();
            in_table = false;
            continue;
        }
        if !line.trim_start().starts_with('|') {
            in_table = false;
            continue;
        }
        let row = cells(line);
        let tables = sections.entry(heading.clone()).or_default();
        if !in_table {
            tables.push(Table { header: row, rows: Vec::new() });
            in_table = true;
        } else if !row.iter().all(|c| c.chars().all(|ch| ch == '-' || ch == ':')) {
            tables.last_mut().unwrap().rows.push(row);
        }
    }
    Reference { sections, examples }
}

impl Reference {
    /// The table under `heading` whose first header cell is `first`.
    fn table(&self, heading: &str, first: &str) -> Option<&Table> {
        self.sections.get(heading)?.iter().find(|t| t.header.first().map(String::as_str) == Some(first))
    }

    /// The keys (first column) of that table, with their rows.
    fn rows(&self, heading: &str, first: &str, errors: &mut Vec<String>) -> BTreeMap<String, Vec<String>> {
        let Some(t) = self.table(heading, first) else {
            errors.push(format!("the reference has no table `| {first} | ...` under the heading `{heading}`"));
            return BTreeMap::new();
        };
        let mut rows = BTreeMap::new();
        for row in &t.rows {
            match ticked(&row[0]) {
                Some(k) => {
                    if rows.insert(k.to_string(), row.clone()).is_some() {
                        errors.push(format!("{heading}: `{k}` is documented twice"));
                    }
                }
                None => errors.push(format!("{heading}: the first cell of `{}` is not a key in backticks", row.join(" | "))),
            }
        }
        rows
    }

    fn keys(&self, heading: &str, first: &str, errors: &mut Vec<String>) -> BTreeSet<String> {
        self.rows(heading, first, errors).into_keys().collect()
    }

    /// The names in headings `"{prefix} `name`"` (`Model `lif_cuba``).
    fn named_sections(&self, prefix: &str) -> BTreeSet<String> {
        self.sections.keys().filter_map(|h| h.strip_prefix(prefix)).filter_map(|rest| ticked(rest.trim())).map(str::to_string).collect()
    }
}

/// Errors for the difference of the documented and the parser's keys.
fn compare(what: &str, documented: &BTreeSet<String>, parser: &BTreeSet<String>, errors: &mut Vec<String>) {
    for k in parser.difference(documented) {
        errors.push(format!("{what}: `{k}` is accepted by the parser but not documented"));
    }
    for k in documented.difference(parser) {
        errors.push(format!("{what}: `{k}` is documented but the parser does not accept it"));
    }
}

fn finish(errors: Vec<String>) {
    assert!(errors.is_empty(), "docs/scenario-format.md does not match the parser:\n  {}", errors.join("\n  "));
}

/// The fields serde lists when `text` holds an unknown key.
fn serde_fields(text: &str) -> BTreeSet<String> {
    match Scenario::parse(text) {
        Err(ScenarioError::Syntax { message, .. }) if message.contains("unknown field") => {
            let expected = message.split("expected").nth(1).unwrap_or_else(|| panic!("no field list in `{message}`"));
            all_ticked(expected).into_iter().collect()
        }
        other => panic!("expected an unknown-field error for\n{text}\ngot {other:?}"),
    }
}

/// The variants serde lists when `text` holds an unknown one.
fn serde_variants(text: &str) -> BTreeSet<String> {
    match Scenario::parse(text) {
        Err(ScenarioError::Syntax { message, .. }) if message.contains("unknown variant") => {
            all_ticked(message.split("expected").nth(1).unwrap_or_default()).into_iter().collect()
        }
        other => panic!("expected an unknown-variant error for\n{text}\ngot {other:?}"),
    }
}

/// The fields of `struct NAME` in graphs/src/scenario/doc.rs, `#[serde(flatten)]` ones left out.
fn struct_fields(name: &str) -> BTreeSet<String> {
    let src = std::fs::read_to_string(root().join("graphs/src/scenario/doc.rs")).unwrap();
    let start = src.find(&format!("struct {name} {{")).unwrap_or_else(|| panic!("no struct {name} in doc.rs"));
    let body = &src[start..];
    let body = &body[body.find('{').unwrap() + 1..body.find("\n}").unwrap()];
    let (mut fields, mut flatten) = (BTreeSet::new(), false);
    for line in body.lines().map(str::trim) {
        if line.starts_with("#[") {
            flatten |= line.contains("flatten");
        } else if let Some((field, _)) = line.strip_prefix("pub ").unwrap_or(line).split_once(':')
            && !line.starts_with("//")
        {
            if !flatten {
                fields.insert(field.trim().to_string());
            }
            flatten = false;
        }
    }
    fields
}

fn unit_name(u: Unit) -> &'static str {
    if u == Unit::One { "1" } else { u.symbol() }
}

/// A documented value (`20 ms`, `0.005`, `inf`) in `unit`.
fn number(text: &str, unit: Unit) -> Result<f64, String> {
    match text.trim() {
        "inf" => Ok(f64::INFINITY),
        "-inf" => Ok(f64::NEG_INFINITY),
        t => unit.parse(t),
    }
}

fn same(a: f64, b: f64) -> bool {
    a == b || (a - b).abs() <= 1e-12 * a.abs().max(b.abs())
}

/// Checks a default cell that starts with a value in backticks against `want`.
fn check_default(what: &str, cell: &str, unit: Unit, want: f64, errors: &mut Vec<String>) {
    let Some(text) = cell.starts_with('`').then(|| ticked(cell)).flatten() else {
        errors.push(format!("{what}: the default `{cell}` does not start with the value in backticks (the code's default is {})", unit.format(want)));
        return;
    };
    match number(text, unit) {
        Ok(x) if same(x, want) => {}
        Ok(x) => errors.push(format!("{what}: documented default {x} but the code's default is {}", unit.format(want))),
        Err(e) => errors.push(format!("{what}: the default `{text}` does not read: {e}")),
    }
}

#[test]
fn every_table_documents_exactly_the_keys_the_parser_accepts() {
    let r = reference();
    let mut errors = Vec::new();
    let serde_tables: [(&str, String); 14] = [
        ("Top-level tables", format!("{UNKNOWN} = 1\n{RUN}")),
        ("`[run]`", format!("{RUN}{UNKNOWN} = 1\n")),
        ("`[run.output]`", format!("{RUN}[run.output]\n{UNKNOWN} = 1\n")),
        ("`[[source]]`", format!("{RUN}[[source]]\n{UNKNOWN} = 1\n")),
        ("`[[projection]]`", format!("{RUN}[[projection]]\n{UNKNOWN} = 1\n")),
        ("`[[current]]`", format!("{RUN}[[current]]\n{UNKNOWN} = 1\n")),
        ("`neurons`", format!("{RUN}[[current]]\nneurons = {{ {UNKNOWN} = 1 }}\n")),
        ("`[[probe]]`", format!("{RUN}[[probe]]\n{UNKNOWN} = 1\n")),
        ("`[[modulator]]`", format!("{RUN}[[modulator]]\n{UNKNOWN} = 1\n")),
        ("`activity`", format!("{RUN}[[modulator]]\nactivity = {{ {UNKNOWN} = 1 }}\n")),
        ("`[trials]`", format!("{RUN}[trials]\n{UNKNOWN} = 1\n")),
        ("`[trials.input]`", format!("{RUN}[trials]\n[trials.input]\n{UNKNOWN} = 1\n")),
        ("`[trials.target]`", format!("{RUN}[trials]\n[trials.target]\n{UNKNOWN} = 1\n")),
        ("`[[population]]`", String::new()),
    ];
    for (heading, text) in &serde_tables {
        let parser = if text.is_empty() {
            // Every other key of a population is a model parameter; `escape_noise` is
            // read by the reader (scenario/read/items.rs).
            let mut keys = struct_fields("PopDoc");
            keys.insert("escape_noise".into());
            keys
        } else {
            serde_fields(text)
        };
        compare(heading, &r.keys(heading, "key", &mut errors), &parser, &mut errors);
    }
    // A rule table: `name`, the `inputs` and `base` the reader takes apart
    // (scenario/read/projections.rs), and the rule's parameters (checked per rule).
    let mut rule = struct_fields("RuleTable");
    rule.insert("inputs".into());
    rule.insert("base".into());
    compare("`rule`", &r.keys("`rule`", "key", &mut errors), &rule, &mut errors);

    let outputs: BTreeSet<String> = OutputFile::ALL.iter().map(|f| f.name().to_string()).collect();
    compare("Outputs", &r.keys("Outputs", "name", &mut errors), &outputs, &mut errors);
    let sources = serde_variants(&format!("{RUN}[[source]]\nname = \"S\"\nsize = 1\nkind = \"{UNKNOWN}\"\n"));
    compare("Source kinds", &r.keys("Source kinds", "name", &mut errors), &sources, &mut errors);
    let probes = serde_variants(&format!("{RUN}[[probe]]\nkind = \"{UNKNOWN}\"\n"));
    compare("Probe kinds", &r.keys("Probe kinds", "name", &mut errors), &probes, &mut errors);
    finish(errors);
}

/// The reader's `does not apply` verdicts against the reference's `applies to` column.
#[test]
fn keys_apply_to_the_kinds_the_reference_says() {
    let r = reference();
    let mut errors = Vec::new();
    let samples: BTreeMap<&str, &str> = [
        ("name", "\"x\""),
        ("size", "1"),
        ("rate", "\"5 Hz\""),
        ("schedule", "[[\"0 ms\", \"5 Hz\"]]"),
        ("bin", "\"1 ms\""),
        ("rates", "[\"5 Hz\"]"),
        ("per_neuron", "false"),
        ("times", "[[\"1 ms\"]]"),
        ("window", "[\"0 ms\", \"1 ms\"]"),
        ("population", "\"E\""),
        ("populations", "[\"E\"]"),
        ("projection", "\"EE\""),
        ("var", "\"v\""),
        ("neurons", "[0]"),
        ("interval", "\"1 ms\""),
        ("max_synapses", "1"),
    ]
    .into_iter()
    .collect();
    let net = format!("{RUN}[[population]]\nname = \"E\"\nsize = 2\nmodel = \"lif_cuba\"\n");
    for (heading, table, kinds_heading, base) in
        [("`[[source]]`", "source", "Source kinds", "name = \"S\"\nsize = 1\n"), ("`[[probe]]`", "probe", "Probe kinds", "")]
    {
        let kinds = r.keys(kinds_heading, "name", &mut errors);
        for (key, row) in r.rows(heading, "key", &mut errors) {
            let applies = row.get(3).map(String::as_str).unwrap_or_default();
            let documented: BTreeSet<String> = if applies == "all" { kinds.clone() } else { all_ticked(applies).into_iter().collect() };
            for kind in &kinds {
                let parser_applies = if key == "kind" || base.contains(&format!("{key} =")) {
                    true
                } else {
                    let Some(sample) = samples.get(key.as_str()) else {
                        errors.push(format!("{heading}: the test has no sample value for `{key}`; add one"));
                        break;
                    };
                    let text = format!("{net}[[{table}]]\n{base}kind = \"{kind}\"\n{key} = {sample}\n");
                    match Scenario::parse(&text) {
                        Err(ScenarioError::Syntax { message, .. }) => {
                            errors.push(format!("{heading}: the sample `{key} = {sample}` does not read: {message}"));
                            break;
                        }
                        Err(e) => !e.problems().iter().any(|p| p.path == format!("{table}[0].{key}") && p.message.contains("does not apply")),
                        Ok(_) => true,
                    }
                };
                if parser_applies != documented.contains(kind) {
                    let (says, parser) = if parser_applies { ("not to", "does") } else { ("to", "does not") };
                    errors.push(format!("{heading}: `{key}` is documented to apply {says} `{kind}`, but the parser {parser} take it there"));
                }
            }
        }
    }
    finish(errors);
}

#[test]
fn values_distributions_and_initialisers_are_the_parsers() {
    let r = reference();
    let mut errors = Vec::new();
    let pop = |value: &str| format!("{RUN}[[population]]\nname = \"E\"\nsize = 2\nmodel = \"lif_cuba\"\ne_l = {value}\n");
    // Each documented key in a distribution the parser reads.
    let samples: BTreeMap<&str, &str> = [
        ("uniform", "{ uniform = [\"-60 mV\", \"-50 mV\"] }"),
        ("normal", "{ normal = [\"-60 mV\", \"1 mV\"] }"),
        ("lognormal", "{ lognormal = [\"-60 mV\", \"1 mV\"] }"),
        ("clip", "{ normal = [\"-60 mV\", \"1 mV\"], clip = [\"-65 mV\", \"-55 mV\"] }"),
        ("array", "{ array = [-60.0, -55.0], unit = \"mV\" }"),
        ("unit", "{ array = [-60.0, -55.0], unit = \"mV\" }"),
    ]
    .into_iter()
    .collect();
    let documented = r.keys("Distributions", "key", &mut errors);
    for key in &documented {
        match samples.get(key.as_str()) {
            None => errors.push(format!("Distributions: `{key}` is documented but the test has no sample; add one if the parser takes it")),
            Some(v) => {
                if let Err(e) = Scenario::parse(&pop(v)).and_then(|s| s.freeze()) {
                    errors.push(format!("Distributions: `{key}` ({v}) is refused: {e}"));
                }
            }
        }
    }
    let err = Scenario::parse(&pop(&format!("{{ {UNKNOWN} = [1, 2] }}"))).err().map(|e| e.to_string()).unwrap_or_default();
    let listed = err.split("expected ").nth(1).unwrap_or_else(|| panic!("no list of distributions in `{err}`"));
    for word in listed.trim_end_matches(')').split([',', ' ']).filter(|w| !w.is_empty() && *w != "or") {
        let word = word.trim_end_matches(')');
        if !documented.contains(word) {
            errors.push(format!("Distributions: `{word}` is accepted by the parser but not documented"));
        }
    }

    // Fluctuation-driven initialisation: the reader lists its keys.
    let fd = |body: &str| {
        format!(
            "{RUN}[[population]]\nname = \"X\"\nsize = 2\nmodel = \"lif_discrete\"\n[[population]]\nname = \"Y\"\nsize = 2\nmodel = \"lif_discrete\"\n[[projection]]\nsource = \"X\"\ntarget = \"Y\"\nall_to_all = true\nweight = {{ fluctuation_driven = {{ {body} }} }}\n"
        )
    };
    let err = Scenario::parse(&fd(&format!("{UNKNOWN} = 1"))).err().map(|e| e.to_string()).unwrap_or_default();
    let listed = err.split("expected one of ").nth(1).unwrap_or_else(|| panic!("no key list in `{err}`"));
    let parser: BTreeSet<String> = listed.split(')').next().unwrap_or_default().split(", ").map(str::to_string).collect();
    compare("Fluctuation-driven initialisation", &r.keys("Fluctuation-driven initialisation", "key", &mut errors), &parser, &mut errors);
    if let Err(e) = Scenario::parse(&fd("mu_u = 0.0, sigma_u = 1.0, nu = \"20 Hz\", alpha = 0.9, epsilons = \"analytic\"")).and_then(|s| s.freeze()) {
        errors.push(format!("Fluctuation-driven initialisation: the documented keys are refused: {e}"));
    }

    // Escape noise: names, parameters and defaults.
    let names: BTreeSet<String> = EscapeNoise::NAMES.iter().map(|n| n.to_string()).collect();
    compare("Escape noise", &r.keys("Escape noise", "name", &mut errors), &names, &mut errors);
    let mut params = BTreeMap::new();
    for name in EscapeNoise::NAMES {
        for (p, x) in EscapeNoise::default_of(name).map(|n| n.params()).unwrap_or_default() {
            params.insert(p.to_string(), (name, x));
        }
    }
    let rows = r.rows("Escape noise", "parameter", &mut errors);
    compare("Escape noise parameters", &rows.keys().cloned().collect(), &params.keys().cloned().collect(), &mut errors);
    for (p, row) in &rows {
        let Some((noise, x)) = params.get(p) else { continue };
        if ticked(&row[1]) != Some(noise) {
            errors.push(format!("Escape noise: `{p}` is a parameter of `{noise}`, documented for {}", row[1]));
        }
        check_default(&format!("Escape noise `{p}`"), &row[3], Unit::One, *x, &mut errors);
    }
    finish(errors);
}

#[test]
fn every_model_is_documented_with_its_parameters_and_state() {
    let r = reference();
    let mut errors = Vec::new();
    let models: BTreeSet<String> = ModelKind::ALL.iter().map(|m| m.name().to_string()).collect();
    compare("Models", &r.named_sections("Model "), &models, &mut errors);
    for m in ModelKind::ALL {
        let heading = format!("Model `{}`", m.name());
        if !r.sections.contains_key(&heading) {
            continue;
        }
        let rows = r.rows(&heading, "parameter", &mut errors);
        compare(&heading, &rows.keys().cloned().collect(), &m.params().iter().map(|p| p.name.to_string()).collect(), &mut errors);
        for p in m.params() {
            let Some(row) = rows.get(p.name) else { continue };
            if row[1] != unit_name(p.unit) {
                errors.push(format!("{heading}: `{}` is in {}, documented in {}", p.name, unit_name(p.unit), row[1]));
            }
            check_default(&format!("{heading} `{}`", p.name), &row[2], p.unit, p.default, &mut errors);
        }
        let rows = r.rows(&heading, "variable", &mut errors);
        compare(&format!("{heading} state"), &rows.keys().cloned().collect(), &m.state().iter().map(|s| s.name.to_string()).collect(), &mut errors);
        for s in m.state() {
            let Some(row) = rows.get(s.name) else { continue };
            if row[1] != unit_name(s.unit) {
                errors.push(format!("{heading}: state `{}` is in {}, documented in {}", s.name, unit_name(s.unit), row[1]));
            }
            match s.init {
                Init::Number(x) => check_default(&format!("{heading} state `{}`", s.name), &row[2], s.unit, x, &mut errors),
                Init::Param(p) if row[2].contains(&format!("`{p}`")) => {}
                Init::Param(p) => errors.push(format!("{heading}: state `{}` starts at the value of `{p}`, documented as {}", s.name, row[2])),
            }
        }
    }
    finish(errors);
}

/// The problems the catalogue finds in `spec`, by parameter.
fn rule_problems(spec: &RuleSpec) -> BTreeMap<String, String> {
    Catalog.check(spec).unwrap_or_default().into_iter().map(|p| (p.param, p.message)).collect()
}

/// The list after `known: ` in a message (`(known: a, b)`).
fn known_list(message: &str) -> BTreeSet<String> {
    let list = message.split("known: ").nth(1).unwrap_or_else(|| panic!("no list of known names in `{message}`"));
    list.split(')').next().unwrap_or_default().split(", ").filter(|s| *s != "none").map(str::to_string).collect()
}

#[test]
fn every_rule_is_documented_with_its_parameters_units_defaults_and_inputs() {
    let r = reference();
    let mut errors = Vec::new();
    let rules: BTreeSet<String> = RULES.iter().map(|n| n.to_string()).collect();
    compare("Rules", &r.named_sections("Rule "), &rules, &mut errors);
    for &name in RULES {
        let heading = format!("Rule `{name}`");
        if !r.sections.contains_key(&heading) {
            continue;
        }
        let spec = |params: &[(&str, Value)], inputs: &[(&str, &str)]| RuleSpec {
            name: name.to_string(),
            params: params.iter().map(|(k, v)| (k.to_string(), v.clone())).collect(),
            inputs: inputs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
            // A metaplastic wrapper is checked around the default pair STDP.
            base: synfire_rules::Meta::is_wrapper(name).then(|| Box::new(RuleSpec { name: "stdp_pair".into(), ..RuleSpec::default() })),
        };
        // Every parameter the rule reads: the list its unknown-parameter problem gives.
        let problems = rule_problems(&spec(&[(UNKNOWN, Value::constant(Unit::One, 0.0))], &[]));
        let known = known_list(problems.get(UNKNOWN).unwrap_or_else(|| panic!("{name}: no problem for an unknown parameter: {problems:?}")));
        let rows = r.rows(&heading, "parameter", &mut errors);
        compare(&heading, &rows.keys().cloned().collect(), &known, &mut errors);
        let resolved = Catalog.resolved(&spec(&[], &[])).unwrap_or_else(|| panic!("{name} does not resolve with its defaults"));
        for p in &known {
            let Some(row) = rows.get(p) else { continue };
            // The unit it wants: what a value in pA (which no rule takes) is told.
            let problems = rule_problems(&spec(&[(p, Value::constant(Unit::Pa, 1.0))], &[]));
            let message = problems.get(p).cloned().unwrap_or_default();
            let unit = if message.contains("is not a plain number") {
                Unit::One
            } else if let Some(u) = message.split("is not a value in ").nth(1) {
                [Unit::Ms, Unit::Mv, Unit::Ns, Unit::Pf, Unit::Hz].into_iter().find(|x| x.symbol() == u.trim()).unwrap_or(Unit::Pa)
            } else {
                errors.push(format!("{heading}: cannot tell the unit of `{p}` from `{message}`"));
                continue;
            };
            let ok = if unit == Unit::One { ["1", "weight", "0/1", "1/weight²"].contains(&row[1].as_str()) } else { row[1] == unit.symbol() };
            if !ok {
                errors.push(format!("{heading}: `{p}` is in {}, documented in {}", if unit == Unit::One { "plain numbers" } else { unit.symbol() }, row[1]));
            }
            match resolved.params.get(p).and_then(Value::as_const) {
                Some(x) => check_default(&format!("{heading} `{p}`"), &row[2], unit, x, &mut errors),
                // A default the rule leaves out when it writes itself (a zero exponent):
                // giving the documented value must change nothing.
                None if row[2].starts_with('`') => match ticked(&row[2]).map(|t| number(t, unit)) {
                    Some(Ok(x)) if Catalog.resolved(&spec(&[(p, Value::constant(unit, x))], &[])).as_ref() == Some(&resolved) => {}
                    _ => errors.push(format!("{heading}: `{p}` is documented with the default {}, which is not the rule's default", row[2])),
                },
                None => {}
            }
        }
        // Its third-factor inputs: the list an unknown input's problem gives.
        let problems = rule_problems(&spec(&[], &[(UNKNOWN, "m")]));
        let inputs = known_list(problems.get(&format!("inputs.{UNKNOWN}")).unwrap_or_else(|| panic!("{name}: no problem for an unknown input: {problems:?}")));
        let documented = if r.table(&heading, "input").is_some() { r.keys(&heading, "input", &mut errors) } else { BTreeSet::new() };
        compare(&format!("{heading} inputs"), &documented, &inputs, &mut errors);
    }
    finish(errors);
}

/// Every TOML example of the reference reads and freezes (with `[run]` added to a
/// fragment without one).
#[test]
fn the_references_examples_are_valid() {
    let r = reference();
    assert!(!r.examples.is_empty());
    let mut errors = Vec::new();
    for example in &r.examples {
        let text = if example.contains("[run]") { example.clone() } else { format!("{RUN}{example}") };
        if let Err(e) = Scenario::parse(&text).and_then(|s| s.freeze_with(&Catalog)) {
            errors.push(format!("an example does not check: {e}\n{text}"));
        }
    }
    finish(errors);
}
