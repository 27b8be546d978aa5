//! Graph -> scenario text -> graph: random valid networks read back equal, and the
//! text is stable (writing the graph read back gives the same text).
#![allow(clippy::unwrap_used)]

use proptest::prelude::*;
use rand::{RngExt, SeedableRng};
use rand_pcg::Pcg32;
use synfire_graphs::model::Constraint;
use synfire_graphs::prelude::*;
use synfire_graphs::scenario::trials::{TargetSignal, TrialInput, TrialMetric, TrialPlan, TrialTarget};
use synfire_graphs::scenario::{OutputFile, OutputSettings, RunSettings, Scenario, to_toml};
use synfire_graphs::units::{Current, Number, Quantity, Rate, Time, Unit, Voltage};
use synfire_graphs::{Connector, Dist, ModelKind, PopId, RuleSpec, SourceSpec, Spec, Value};

/// Random choices: a generator for structure, and a pool of arbitrary finite floats
/// (from proptest, so that subnormals, huge and negative-zero values occur).
struct Gen {
    rng: Pcg32,
    floats: Vec<f64>,
    next: usize,
}

impl Gen {
    fn below(&mut self, n: usize) -> usize {
        if n == 0 { 0 } else { self.rng.random_range(0..n) }
    }
    fn coin(&mut self) -> bool {
        self.rng.random::<bool>()
    }
    /// Any finite number.
    fn any(&mut self) -> f64 {
        let x = self.floats[self.next % self.floats.len()];
        self.next += 1;
        x
    }
    /// A number with many digits in `[lo, hi)`.
    fn within(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.rng.random::<f64>()
    }
    fn positive(&mut self) -> f64 {
        let x = self.any().abs();
        if x > 0.0 { x } else { self.within(0.5, 2.0) }
    }
    fn sorted(&mut self, mut f: impl FnMut(&mut Gen) -> f64) -> [f64; 2] {
        let (a, b) = (f(self), f(self));
        [a.min(b), a.max(b)]
    }
    /// A distribution whose every number satisfies `constraint`; arrays have `len` elements.
    fn dist(&mut self, constraint: Constraint, len: usize) -> Dist {
        let finite = constraint == Constraint::Finite;
        let draw = |g: &mut Gen| if finite { g.any() } else { g.positive() };
        match self.below(5) {
            0 => Dist::Const(draw(self)),
            1 => {
                let [lo, hi] = self.sorted(draw);
                Dist::Uniform { lo, hi }
            }
            k @ (2 | 3) => {
                let mean = draw(self);
                let mean = if mean == 0.0 { 1.0 } else { mean };
                let sd = self.any().abs();
                // Unclipped ranges are unbounded: only a clip keeps a bound positive.
                let clip = if !finite || self.coin() { Some(self.sorted(draw)) } else { None };
                if k == 2 { Dist::Normal { mean, sd, clip } } else { Dist::LogNormal { mean, sd, clip } }
            }
            _ => Dist::Array((0..len).map(|_| draw(self)).collect()),
        }
    }
    /// A distribution of numbers in `[lo, hi]` (delays, thresholds).
    fn bounded(&mut self, lo: f64, hi: f64, len: usize) -> Dist {
        let draw = |g: &mut Gen| g.within(lo, hi);
        match self.below(4) {
            0 => Dist::Const(draw(self)),
            1 => {
                let [a, b] = self.sorted(draw);
                Dist::Uniform { lo: a, hi: b }
            }
            2 => Dist::Normal { mean: draw(self), sd: self.within(0.0, 3.0), clip: Some(self.sorted(draw)) },
            _ => Dist::Array((0..len.max(1)).map(|_| draw(self)).collect()),
        }
    }
    fn name(&mut self, i: usize) -> String {
        const STEMS: [&str; 8] = ["E", "pop é", "q\"uote", "back\\slash", "tab\tx", "new\nline", "[#br]", "a->b"];
        format!("{}{i}", STEMS[self.below(STEMS.len())])
    }
}

/// Per-synapse arrays exist only where synapses are known in advance: a row-major
/// matrix for all-to-all, one per target for one-to-one, one per pair for lists.
/// Elsewhere an array becomes its first number.
fn fit_array(d: Dist, connector: &Connector, ns: u64, nt: u64) -> Dist {
    let Dist::Array(a) = d else { return d };
    let len = match connector {
        Connector::AllToAll => (ns * nt) as usize,
        Connector::OneToOne => nt as usize,
        Connector::List { pairs, .. } => pairs.len(),
        _ => return Dist::Const(a.first().copied().unwrap_or(1.0)),
    };
    if len == 0 || a.is_empty() {
        return Dist::Const(a.first().copied().unwrap_or(1.0));
    }
    Dist::Array((0..len).map(|k| a[k % a.len()]).collect())
}

/// The numbers of a distribution negated (a non-negative weight made non-positive).
fn negate(d: Dist) -> Dist {
    let clip = |c: Option<[f64; 2]>| c.map(|[a, b]| [-b, -a]);
    match d {
        Dist::Const(x) => Dist::Const(-x),
        Dist::Uniform { lo, hi } => Dist::Uniform { lo: -hi, hi: -lo },
        Dist::Normal { mean, sd, clip: c } => Dist::Normal { mean: -mean, sd, clip: clip(c) },
        Dist::LogNormal { mean, sd, clip: c } => Dist::LogNormal { mean: -mean, sd, clip: clip(c) },
        Dist::Array(a) => Dist::Array(a.into_iter().map(|x| -x).collect()),
    }
}

/// A typed spec from a distribution, for the builder methods that take one.
fn spec<Q: Quantity>(d: &Dist) -> Spec<Q> {
    let q = Q::from_value;
    match d {
        Dist::Const(x) => q(*x).into(),
        Dist::Uniform { lo, hi } => uniform(q(*lo), q(*hi)),
        Dist::Normal { mean, sd, clip } => clip.iter().fold(normal(q(*mean), q(*sd)), |s, [a, b]| s.clip(q(*a), q(*b))),
        Dist::LogNormal { mean, sd, clip } => clip.iter().fold(lognormal(q(*mean), q(*sd)), |s, [a, b]| s.clip(q(*a), q(*b))),
        Dist::Array(a) => array(a.iter().map(|&x| q(x))),
    }
}

fn model(g: &mut Gen, kind: ModelKind, size: usize) -> NeuronSpec {
    let mut m = NeuronSpec::new(kind);
    for p in kind.params() {
        if g.coin() {
            continue;
        }
        // Resets must stay below thresholds: both are drawn from disjoint bands.
        let dist = match (kind.reset_below_threshold(), p.name) {
            (true, "v_th") => g.bounded(-55.0, -45.0, size),
            (true, "v_reset") => g.bounded(-80.0, -56.0, size),
            _ => g.dist(p.constraint, size),
        };
        m = m.set(p.name, Value { unit: p.unit, dist });
    }
    for s in kind.state() {
        if g.coin() {
            m = m.init(s.name, Value { unit: s.unit, dist: g.dist(Constraint::Finite, size) });
        }
    }
    if kind.has_escape_noise() {
        m.escape_noise = match g.below(3) {
            0 => EscapeNoise::Step,
            1 => EscapeNoise::sigmoid(g.within(0.1, 50.0)),
            _ => EscapeNoise::exponential(g.within(1e-4, 1.0), g.within(0.01, 1.0)),
        };
    }
    m
}

fn source(g: &mut Gen, size: usize) -> SourceSpec {
    match g.below(4) {
        // Rates stay below 1/dt for every dt drawn (3 kHz at 1/3 ms): a source emits at
        // most one spike per tick, and more is refused.
        0 => SourceSpec::poisson(Rate(g.within(1e-3, 3000.0))),
        1 => {
            let mut t = 0.0;
            let steps = (0..1 + g.below(3)).map(|_| {
                t += g.within(0.1, 50.0);
                (Time(t), Rate(g.within(0.0, 100.0)))
            });
            SourceSpec::poisson_steps(steps.collect::<Vec<_>>())
        }
        2 => {
            let per_neuron = g.coin();
            let n = (1 + g.below(4)) * if per_neuron { size } else { 1 };
            let rates = (0..n).map(|_| g.within(0.0, 3000.0)).collect();
            SourceSpec::RateArray { bin: Time(g.positive()), rates, per_neuron }
        }
        _ => SourceSpec::spike_times(
            (0..size)
                .map(|_| {
                    let mut ts: Vec<Time> = (0..g.below(4)).map(|_| Time(g.any().abs())).collect();
                    ts.sort_by(|a, b| a.0.total_cmp(&b.0));
                    ts
                })
                .collect(),
        ),
    }
}

fn connector(g: &mut Gen, ns: u64, nt: u64, same: bool, conn: &mut Conn) -> Connector {
    let avail = |n: u64| if same && !conn.autapses { n - 1 } else { n };
    match g.below(7) {
        0 => Connector::Prob(g.within(0.0, 1.0)),
        1 => Connector::InDegree(g.below(avail(ns) as usize + 1) as u32),
        2 => Connector::OutDegree(g.below(avail(nt) as usize + 1) as u32),
        3 => Connector::Total(g.below((ns * nt - if same && !conn.autapses { ns } else { 0 }) as usize + 1) as u64),
        4 => Connector::AllToAll,
        5 if ns == nt && (conn.autapses || !same) => Connector::OneToOne,
        _ => {
            let mut pairs: Vec<(u32, u32)> = (0..g.below(5)).map(|_| (g.below(ns as usize) as u32, g.below(nt as usize) as u32)).collect();
            // freeze() refuses forbidden autapses and repeated pairs without multapses.
            pairs.retain(|&(a, b)| !(same && !conn.autapses && a == b));
            if !conn.multapses {
                let mut seen = std::collections::BTreeSet::new();
                pairs.retain(|p| seen.insert(*p));
            }
            let weights = g.coin().then(|| pairs.iter().map(|_| g.within(1e-6, 1e6)).collect());
            // freeze() finds no bound in an empty list of delays.
            let delays = (!pairs.is_empty() && g.coin()).then(|| pairs.iter().map(|_| g.within(0.5, 20.0)).collect());
            Connector::List { pairs, weights, delays }
        }
    }
}

/// A random valid network and run settings.
fn network(seed: u64, floats: Vec<f64>) -> (Network, RunSettings) {
    let mut g = Gen { rng: Pcg32::seed_from_u64(seed), floats, next: 0 };
    let dt = [0.1, 0.05, 0.25, 1.0 / 3.0][g.below(4)];
    let mut net = Network::new().dt(Time(dt)).seed(if g.coin() { g.rng.random() } else { g.below(100) as u64 });
    let mut pops: Vec<(PopId, u64, Option<ModelKind>)> = Vec::new();
    let mut pop_names = Vec::new();
    for i in 0..1 + g.below(5) {
        let size = 1 + g.below(5);
        let name = g.name(i);
        pop_names.push(name.clone());
        // The first population has neurons, so every projection has a target.
        if i == 0 || g.below(3) > 0 {
            let kind = ModelKind::ALL[g.below(5)];
            pops.push((net.population(&name, size as u64, model(&mut g, kind, size)), size as u64, Some(kind)));
        } else {
            pops.push((net.source(&name, size as u64, source(&mut g, size)), size as u64, None));
        }
    }
    let neuron_pops: Vec<usize> = (0..pops.len()).filter(|&i| pops[i].2.is_some()).collect();
    let mut projs = Vec::new();
    for k in 0..g.below(6) {
        let (s, t) = (g.below(pops.len()), neuron_pops[g.below(neuron_pops.len())]);
        let ((src, ns, _), (tgt, nt, Some(kind))) = (pops[s], pops[t]) else { continue };
        let mut conn = Conn::all_to_all().autapses(g.coin()).multapses(g.coin());
        conn.connector = connector(&mut g, ns, nt, s == t, &mut conn);
        let singles = kind.receptors().len() == 1;
        conn.receptor = match g.below(3) {
            0 => Receptor::Auto,
            _ if singles => Receptor::Named("input".into()),
            1 => Receptor::Exc,
            _ => Receptor::Inh,
        };
        // Conductances take non-negative weights; a receptor chosen by sign needs one sign.
        // Weights an f32 can hold after conversion.
        let mut weight = fit_array(g.bounded(1e-6, 1e6, 3), &conn.connector, ns, nt);
        if kind == ModelKind::LifCuba && g.coin() {
            weight = negate(weight);
            if let Connector::List { weights: Some(w), .. } = &mut conn.connector {
                w.iter_mut().for_each(|x| *x = -*x);
            }
        }
        conn.weight = Value { unit: kind.weight_unit(), dist: weight };
        if let Connector::List { weights: Some(w), .. } = &conn.connector
            && g.coin()
        {
            conn.weight = Value::constant(kind.weight_unit(), 0.0);
            let _ = w;
        }
        conn.delay = Value { unit: Unit::Ms, dist: fit_array(g.bounded(dt, 20.0, 3), &conn.connector, ns, nt) };
        if g.below(3) == 0 {
            conn = conn.named(&format!("proj{k}"));
        }
        if g.below(3) == 0 {
            let mut params = std::collections::BTreeMap::new();
            for p in ["tau_plus", "a_plus", "w max", "é"] {
                if g.coin() {
                    let unit = [Unit::Ms, Unit::Mv, Unit::One, Unit::Hz, Unit::Pa][g.below(5)];
                    params.insert(p.to_string(), Value { unit, dist: g.dist(Constraint::Finite, 2) });
                }
            }
            conn.rule = Some(RuleSpec { name: "stdp_pair".into(), params, ..Default::default() });
        }
        projs.push(net.connect(src, tgt, conn));
    }
    for k in 0..g.below(3) {
        let (pop, size, Some(kind)) = pops[neuron_pops[g.below(neuron_pops.len())]] else { continue };
        let range = g.coin().then(|| {
            let a = g.below(size as usize) as u32;
            a..a + 1 + g.below(size as usize - a as usize) as u32
        });
        let n = range.as_ref().map_or(size as usize, |r| r.len());
        let dist = g.dist(Constraint::Finite, n);
        let mut t = g.within(0.0, 10.0);
        let mut steps: Vec<(Time, f64)> = Vec::new();
        for _ in 0..1 + g.below(3) {
            steps.push((Time(t), g.any()));
            t += g.within(0.1, 10.0);
        }
        let dc = g.coin();
        let mut stim = match (kind.current_unit(), dc) {
            (Unit::Pa, true) => Stim::dc(spec::<Current>(&dist)),
            (Unit::Mv, true) => Stim::dc(spec::<Voltage>(&dist)),
            (_, true) => Stim::dc(spec::<Number>(&dist)),
            (Unit::Pa, false) => Stim::steps(steps.iter().map(|&(t, a)| (t, Current(a)))),
            (Unit::Mv, false) => Stim::steps(steps.iter().map(|&(t, a)| (t, Voltage(a)))),
            (_, false) => Stim::steps(steps.iter().map(|&(t, a)| (t, Number(a)))),
        };
        if let Some(r) = range {
            stim = stim.neurons(r);
        }
        if g.coin() {
            let start = g.within(0.0, 5.0);
            stim = stim.between(Time(start), Time(start + g.within(0.1, 100.0)));
        }
        net.inject(pop, &format!("i{k}"), stim);
    }
    let mut probe_names = Vec::new();
    // Default probe names may repeat; a repeat is renamed.
    for k in 0..g.below(5) {
        let i = g.below(pops.len());
        let (pop, size, kind) = pops[i];
        let interval = Time(g.positive());
        match (g.below(4), kind) {
            (0, Some(kind)) => {
                let var = kind.state()[g.below(kind.state().len())].name;
                let neurons: Vec<u32> = (0..g.below(3)).map(|_| g.below(size as usize) as u32).collect();
                let p = net.record_state(pop, var, neurons, interval);
                finish(&mut g, &mut net, p, k, &mut probe_names, format!("state:{}.{var}", pop_names[i]));
            }
            (1, _) if !projs.is_empty() => {
                let max = g.coin().then(|| g.below(100) as u32);
                let proj = projs[g.below(projs.len())];
                let p = net.record_weights(proj, interval, max);
                finish(&mut g, &mut net, p, k, &mut probe_names, format!("weights:{}", proj.index()));
            }
            (2, _) => {
                let p = net.record_rate(pop, interval);
                finish(&mut g, &mut net, p, k, &mut probe_names, format!("rate:{}", pop_names[i]));
            }
            _ => {
                let chosen: Vec<usize> = (0..pops.len()).filter(|_| g.coin()).chain([i]).collect();
                let default = format!("spikes:{}", chosen.iter().map(|&c| pop_names[c].as_str()).collect::<Vec<_>>().join("+"));
                let p = net.record_spikes(chosen.iter().map(|&c| pops[c].0));
                finish(&mut g, &mut net, p, k, &mut probe_names, default);
            }
        }
    }
    for k in 0..g.below(3) {
        // Per-neuron learning signals are refused at freeze until the engine
        // delivers them, so only scalar modulators are generated.
        {
            {
                let x = g.any();
                net.modulator(&format!("m{k}"), x);
            }
        }
    }
    let output = g.coin().then(|| OutputSettings {
        directory: g.coin().then(|| "out/\"odd\" dir é\\x".into()),
        files: OutputFile::ALL.into_iter().filter(|_| g.coin()).collect(),
    });
    // One tick: the one window every network allows (a window above the minimum
    // delay is refused).
    let window = g.coin().then_some(Time(dt));
    let mut run = RunSettings { duration: Time(g.positive()), workers: g.coin().then(|| 1 + g.below(8) as u32), window, output, trials: None };
    if g.coin() {
        run.trials = Some(trial_plan(&mut g, &mut net, dt, &pop_names));
        // A trial plan writes its own files: `files` is left out and reads as all.
        if let Some(o) = &mut run.output {
            o.files = OutputFile::ALL.to_vec();
        }
        run.duration = run.trials.as_ref().map_or(Time(0.0), |t| t.duration());
    }
    (net, run)
}

/// A `[trials]` plan over an input source and a readout added for it, resetting
/// some of the generated populations.
fn trial_plan(g: &mut Gen, net: &mut Network, dt: f64, pop_names: &[String]) -> TrialPlan {
    let n = 1 + g.below(3);
    net.source("trial in", n as u64, SourceSpec::SpikeTimes { times: vec![Vec::new(); n] });
    net.population("trial \"out\"", n as u64, RateUnit::readout());
    let length = Time(g.positive());
    let signal = if g.coin() {
        TargetSignal::Sines { periods: (0..1 + g.below(4)).map(|_| Time(g.positive())).collect() }
    } else {
        let mut at = 0.0;
        TargetSignal::Steps(
            (0..1 + g.below(4))
                .map(|_| {
                    at += 1.0 + g.within(0.0, 10.0);
                    (Time(at), g.within(-5.0, 5.0))
                })
                .collect(),
        )
    };
    let mut reset: Vec<String> = pop_names.iter().filter(|_| g.coin()).cloned().collect();
    if g.coin() {
        reset.push("trial \"out\"".into());
    }
    TrialPlan {
        length,
        gap: Time(2.0 * dt + g.within(0.0, 10.0)),
        start: Time(g.within(0.0, 10.0)),
        reset,
        train: g.below(50) as u64,
        evaluate: 1 + g.below(4) as u64,
        evaluate_every: g.coin().then(|| g.below(10) as u64),
        input: g.coin().then(|| TrialInput { source: "trial in".into(), rate: Rate(g.within(0.0, 100.0)), frozen: g.coin() }),
        target: TrialTarget { population: "trial \"out\"".into(), signal, frozen: g.coin() },
        loss_window: g.coin().then_some((Time(0.0), length)),
        report: if g.coin() { TrialMetric::ALL.to_vec() } else { vec![TrialMetric::Nmse] },
    }
}

/// Gives a probe a window sometimes and a unique name when its default one is taken.
fn finish<T>(g: &mut Gen, net: &mut Network, p: Probe<T>, k: usize, names: &mut Vec<String>, default: String) {
    if g.coin() {
        let a = g.within(0.0, 100.0);
        net.probe_window(p, Time(a), Time(a + g.within(0.1, 100.0)));
    }
    if names.contains(&default) || g.below(4) == 0 {
        net.probe_name(p, &format!("probe {k}"));
    } else {
        names.push(default);
    }
}

fn finite() -> impl Strategy<Value = f64> {
    prop_oneof![prop::num::f64::NORMAL | prop::num::f64::SUBNORMAL | prop::num::f64::ZERO, -100.0..100.0f64, Just(0.1), Just(-0.0),]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn graphs_read_back_equal_and_text_is_stable(seed in any::<u64>(), floats in prop::collection::vec(finite(), 1..64)) {
        let (net, run) = network(seed, floats);
        let graph = net.freeze().unwrap_or_else(|e| panic!("the generator made an invalid network: {e}"));
        let text = to_toml(&graph, &run);
        let scenario = Scenario::parse(&text).unwrap_or_else(|e| panic!("{e}\n--- text ---\n{text}"));
        prop_assert_eq!(&scenario.run, &run);
        let again = scenario.freeze().unwrap_or_else(|e| panic!("{e}\n--- text ---\n{text}"));
        prop_assert_eq!(&again, &graph, "text:\n{}", text);
        prop_assert_eq!(to_toml(&again, &scenario.run), text);
    }
}

#[test]
fn the_generator_covers_every_model_and_kind() {
    // Guards the test above against a generator that quietly stopped producing things.
    let mut models = std::collections::BTreeSet::new();
    let (mut sources, mut lists, mut rules, mut currents, mut probes, mut trials) = (0, 0, 0, 0, 0, 0);
    for seed in 0..200 {
        let (net, run) = network(seed, vec![1.5, -2.0, 1e-300, 3e300]);
        trials += usize::from(run.trials.is_some());
        let g = net.freeze().unwrap_or_else(|e| panic!("seed {seed}: {e}"));
        models.extend((0..g.populations.len()).filter_map(|p| g.model_kind(p)));
        sources += (0..g.populations.len()).filter(|&p| g.model(p).is_none()).count();
        lists += g.projections.iter().filter(|p| matches!(p.conn.connector, Connector::List { .. })).count();
        rules += g.projections.iter().filter(|p| p.conn.rule.is_some()).count();
        currents += g.currents.len();
        probes += g.probes.len();
    }
    // The five generated models, and the leaky readout of the trial plans.
    assert_eq!(models.len(), 6);
    assert!(sources > 0 && lists > 0 && rules > 0 && currents > 0 && probes > 0 && trials > 0);
}
