//! Random garbage into the builder: `freeze()` never panics, and what it accepts
//! instantiates without panicking and with every index in range.

use proptest::prelude::*;
use synfire_graphs::connectivity::instantiate;
use synfire_graphs::prelude::*;
use synfire_graphs::{Connector, Dist, ModelKind, NeuronSpec, Unit, Value};

fn number() -> impl Strategy<Value = f64> {
    prop_oneof![
        4 => -100.0..100.0f64,
        2 => 0.0..3.0f64,
        1 => Just(f64::NAN),
        1 => Just(f64::INFINITY),
        1 => Just(f64::NEG_INFINITY),
        1 => Just(0.0),
        1 => Just(-0.0),
        1 => Just(1e300),
        1 => Just(-1e300),
        1 => Just(5e-324),
        1 => Just(0.1),
        1 => Just(1.0),
    ]
}

fn unit() -> impl Strategy<Value = Unit> {
    prop_oneof![Just(Unit::Ms), Just(Unit::Mv), Just(Unit::Pa), Just(Unit::Ns), Just(Unit::Pf), Just(Unit::Hz), Just(Unit::One)]
}

fn dist() -> impl Strategy<Value = Dist> {
    let clip = || proptest::option::of((number(), number()).prop_map(|(a, b)| [a, b]));
    prop_oneof![
        3 => number().prop_map(Dist::Const),
        1 => (number(), number()).prop_map(|(lo, hi)| Dist::Uniform { lo, hi }),
        1 => (number(), number(), clip()).prop_map(|(mean, sd, clip)| Dist::Normal { mean, sd, clip }),
        1 => (number(), number(), clip()).prop_map(|(mean, sd, clip)| Dist::LogNormal { mean, sd, clip }),
        1 => proptest::collection::vec(number(), 0..6).prop_map(Dist::Array),
    ]
}

fn value(u: impl Strategy<Value = Unit>) -> impl Strategy<Value = Value> {
    (u, dist()).prop_map(|(unit, dist)| Value { unit, dist })
}

/// Mostly sensible weights, sometimes garbage.
fn weight_dist() -> impl Strategy<Value = Dist> {
    prop_oneof![
        6 => (-5.0..5.0f64).prop_map(Dist::Const),
        1 => (0.0..1.0f64, 1.0..2.0f64).prop_map(|(lo, hi)| Dist::Uniform { lo, hi }),
        1 => (0.0..2.0f64, 0.0..1.0f64).prop_map(|(mean, sd)| Dist::Normal { mean, sd, clip: Some([0.0, 3.0]) }),
        1 => (0.1..2.0f64, 0.0..1.0f64).prop_map(|(mean, sd)| Dist::LogNormal { mean, sd, clip: None }),
        1 => dist(),
    ]
}

/// Mostly sensible delays (in ms, at dt 0.1 ms), sometimes garbage.
fn delay_dist() -> impl Strategy<Value = Dist> {
    prop_oneof![
        6 => proptest::sample::select(vec![0.1, 0.2, 0.15, 1.0, 2.5]).prop_map(Dist::Const),
        1 => (0.1..0.5f64, 0.5..2.0f64).prop_map(|(lo, hi)| Dist::Uniform { lo, hi }),
        1 => (0.5..2.0f64, 0.0..1.0f64).prop_map(|(mean, sd)| Dist::Normal { mean, sd, clip: Some([0.1, 3.0]) }),
        1 => dist(),
    ]
}

fn size() -> impl Strategy<Value = u64> {
    prop_oneof![24 => 1..7u64, 1 => Just(0u64), 1 => Just(u64::from(u32::MAX)), 1 => Just(u64::from(u32::MAX) + 1), 1 => Just(u64::MAX)]
}

fn connector() -> impl Strategy<Value = Connector> {
    let pairs = proptest::collection::vec((0..5u32, 0..5u32), 0..8);
    prop_oneof![
        Just(Connector::AllToAll),
        Just(Connector::OneToOne),
        prop_oneof![3 => 0.0..=1.0f64, 1 => number()].prop_map(Connector::Prob),
        prop_oneof![8 => 0..4u32, 1 => 4..10u32, 1 => Just(u32::MAX)].prop_map(Connector::InDegree),
        prop_oneof![8 => 0..4u32, 1 => 4..10u32, 1 => Just(u32::MAX)].prop_map(Connector::OutDegree),
        prop_oneof![8 => 0..20u64, 1 => 20..60u64, 1 => Just(u64::MAX)].prop_map(Connector::Total),
        (pairs, proptest::option::of(proptest::collection::vec(number(), 0..8)), proptest::option::of(proptest::collection::vec(number(), 0..8)))
            .prop_map(|(pairs, weights, delays)| Connector::List { pairs, weights, delays }),
    ]
}

/// A model with a few parameters and initial values set to random values, some
/// under names the model does not have.
fn model() -> impl Strategy<Value = NeuronSpec> {
    const NAMES: [&str; 11] = ["tau_m", "v_th", "v_reset", "e_l", "c_m", "g_l", "t_ref", "tau_syn_e", "tau_a", "theta", "bogus"];
    const VARS: [&str; 5] = ["v", "u", "g_e", "i_syn_e", "nope"];
    let few = |n: usize| prop_oneof![8 => Just(0usize), 1 => 1..n];
    (
        0..ModelKind::ALL.len(),
        few(4).prop_flat_map(|n| proptest::collection::vec((proptest::sample::select(&NAMES[..]), value(unit())), n)),
        few(3).prop_flat_map(|n| proptest::collection::vec((proptest::sample::select(&VARS[..]), value(unit())), n)),
    )
        .prop_map(|(k, params, init)| {
            let mut m = NeuronSpec::new(ModelKind::ALL[k]);
            for (n, v) in params {
                m = m.set(n, v);
            }
            for (n, v) in init {
                m = m.init(n, v);
            }
            m
        })
}

#[derive(Debug, Clone)]
struct Proj {
    src: usize,
    tgt: usize,
    connector: Connector,
    /// Whether to give the weight the target model's unit (else `weight.unit`).
    model_unit: bool,
    weight: Value,
    delay: Value,
    autapses: bool,
    multapses: bool,
}

fn projection() -> impl Strategy<Value = Proj> {
    (
        0..3usize,
        prop_oneof![20 => 0..2usize, 1 => Just(2usize)],
        connector(),
        prop_oneof![16 => Just(true), 1 => Just(false)],
        (unit(), weight_dist()).prop_map(|(unit, dist)| Value { unit, dist }),
        prop_oneof![12 => delay_dist().prop_map(|dist| Value { unit: Unit::Ms, dist }), 1 => value(unit())],
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(|(src, tgt, connector, model_unit, weight, delay, autapses, multapses)| Proj {
            src,
            tgt,
            connector,
            model_unit,
            weight,
            delay,
            autapses,
            multapses,
        })
}

#[derive(Debug, Clone)]
struct Garbage {
    dt: f64,
    pops: Vec<(u64, NeuronSpec)>,
    rate: f64,
    projs: Vec<Proj>,
    probe_var: Option<&'static str>,
    stim: Option<(f64, u32, u32, f64, f64)>,
    modulator: f64,
}

fn garbage() -> impl Strategy<Value = Garbage> {
    (
        prop_oneof![12 => Just(0.1), 1 => number()],
        proptest::collection::vec((size(), model()), 2),
        prop_oneof![12 => 1.0..50.0f64, 1 => number()],
        proptest::collection::vec(projection(), 0..4),
        prop_oneof![4 => Just(None), 1 => proptest::sample::select(vec!["v", "u", "w"]).prop_map(Some)],
        prop_oneof![6 => Just(None), 1 => (number(), 0..8u32, 0..8u32, number(), number()).prop_map(Some)],
        prop_oneof![12 => 0.0..1.0f64, 1 => number()],
    )
        .prop_map(|(dt, pops, rate, projs, probe_var, stim, modulator)| Garbage { dt, pops, rate, projs, probe_var, stim, modulator })
}

fn network(g: &Garbage) -> Network {
    let mut net = Network::new().dt(g.dt.ms()).seed(3);
    let mut ids: Vec<_> = g.pops.iter().enumerate().map(|(i, (n, m))| net.population(&format!("P{i}"), *n, m.clone())).collect();
    ids.push(net.poisson("X", 3, g.rate.hz()));
    for p in &g.projs {
        let mut conn = Conn::all_to_all().autapses(p.autapses).multapses(p.multapses);
        conn.connector = p.connector.clone();
        conn.weight = p.weight.clone();
        let target = p.tgt % ids.len();
        if p.model_unit
            && let Some((_, m)) = g.pops.get(target)
        {
            conn.weight.unit = m.kind.weight_unit();
        }
        conn.delay = p.delay.clone();
        net.connect(ids[p.src % ids.len()], ids[target], conn);
    }
    if let Some(var) = g.probe_var {
        net.record_state(ids[0], var, [0], g.dt.ms());
    }
    if let Some((amp, a, b, start, stop)) = g.stim {
        net.inject(ids[0], "stim", Stim::dc(amp.pa()).neurons(a..b).between(start.ms(), stop.ms()));
    }
    net.modulator("m", g.modulator);
    net
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1000, ..ProptestConfig::default() })]

    #[test]
    fn freeze_never_panics_and_accepted_graphs_build(g in garbage()) {
        let net = network(&g);
        match net.freeze() {
            Err(e) => {
                prop_assert!(!e.problems().is_empty());
                prop_assert!(e.problems().iter().all(|p| !p.path.is_empty() && !p.message.is_empty()));
            }
            Ok(graph) => {
                // Only small networks are instantiated; large ones were accepted as descriptions.
                let synapses: f64 = (0..graph.projections.len()).map(|i| graph.expected_synapses(i).0).sum();
                if graph.populations.iter().all(|p| p.size <= 64) && synapses <= 1e5 {
                    for (i, p) in graph.projections.iter().enumerate() {
                        let csr = instantiate(&graph, i);
                        let nt = graph.populations[p.target].size as u32;
                        prop_assert_eq!(csr.offsets.len() as u64, graph.populations[p.source].size + 1);
                        prop_assert!(csr.targets.iter().all(|&t| t < nt));
                        prop_assert!(csr.weights.iter().all(|w| w.is_finite()));
                        if let Some(d) = &csr.delays {
                            prop_assert!(d.iter().all(|&t| t >= p.delay.min() && t <= p.delay.max()), "{:?} outside {:?}", d, p.delay);
                        }
                        let (n, exact) = graph.expected_synapses(i);
                        if exact {
                            prop_assert_eq!(n, csr.len() as f64);
                        }
                    }
                }
                let _ = graph.summary();
            }
        }
    }
}
