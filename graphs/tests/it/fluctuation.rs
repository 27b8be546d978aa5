//! Fluctuation-driven initialisers through `freeze()` and scenario files (specs 3).

use synfire_graphs::scenario::{RunSettings, Scenario, to_toml};
use synfire_graphs::{Dist, ProblemKind as K, Time};
use synfire_graphs::{fluctuation::Spread, prelude::*};

/// `X` (200 Poisson at 20 Hz) -> `L` (50 lif_discrete) all-to-all with `init`.
fn feed_forward(init: FluctuationDriven) -> Network {
    let mut net = Network::new().dt(1.0.ms()).seed(3);
    let x = net.poisson("X", 200, 20.0.hz());
    let l = net.population("L", 50, LifDiscrete::new());
    net.connect(x, l, Conn::all_to_all().weight_fluctuation_driven(init).delay(1.0.ms()));
    net
}

fn normal_of(g: &Graph, proj: usize) -> (f64, f64) {
    match g.projections[proj].conn.weight.dist {
        Dist::Normal { mean, sd, clip: None } => (mean, sd),
        ref d => panic!("not resolved to a normal: {d:?}"),
    }
}

fn problems(net: &Network) -> Vec<(K, String)> {
    match net.freeze() {
        Ok(_) => panic!("froze a bad network"),
        Err(e) => e.problems().iter().map(|p| (p.kind, p.path.clone())).collect(),
    }
}

#[test]
fn freeze_resolves_the_specs_numbers() {
    let g = feed_forward(FluctuationDriven::centred(1.0, 20.0.hz())).freeze().unwrap();
    let (mu, sd) = normal_of(&g, 0);
    assert_eq!(mu, 0.0);
    assert!((sd - 0.3684).abs() < 2e-4, "sigma_w {sd}");
    let g = feed_forward(FluctuationDriven::xi(0.5, 1.0, 20.0.hz())).freeze().unwrap();
    let (mu, sd) = normal_of(&g, 0);
    assert!((mu - 0.01190).abs() < 1e-5 && (sd - 0.1838).abs() < 1e-4, "{mu} {sd}");
}

#[test]
fn fan_in_is_the_mean_in_degree_and_recurrence_splits_the_variance() {
    let mut net = Network::new().dt(1.0.ms());
    let x = net.poisson("X", 400, 20.0.hz());
    let l = net.population("L", 100, LifDiscrete::new());
    let init = FluctuationDriven::centred(1.0, 20.0.hz());
    net.connect(x, l, Conn::prob(0.5).weight_fluctuation_driven(init).delay(1.0.ms()));
    net.connect(l, l, Conn::in_degree(20).autapses(false).weight_fluctuation_driven(FluctuationDriven { nu: 5.0.hz(), ..init }).delay(1.0.ms()));
    let g = net.freeze().unwrap();
    let eps_hat = 0.001_841_948;
    let (_, ff) = normal_of(&g, 0);
    let (_, rec) = normal_of(&g, 1);
    // N_ff = 0.5 * 400 = 200 with 90% of the variance; N_rec = 20 at 5 Hz with 10%.
    assert!((ff - (0.9f64 / (200.0 * 20.0 * eps_hat)).sqrt()).abs() < 1e-6, "{ff}");
    assert!((rec - (0.1f64 / (20.0 * 5.0 * eps_hat)).sqrt()).abs() < 1e-6, "{rec}");
}

#[test]
fn other_models_and_bad_parameters_are_refused_by_name() {
    let mut net = Network::new().dt(1.0.ms());
    let x = net.poisson("X", 10, 20.0.hz());
    let l = net.population("L", 5, Lif::cuba());
    net.connect(x, l, Conn::all_to_all().weight_fluctuation_driven(FluctuationDriven::centred(1.0, 20.0.hz())).delay(1.0.ms()));
    let e = net.freeze().unwrap_err();
    assert_eq!(problems(&net), vec![(K::WeightInit, "projections[0].weight.fluctuation_driven".to_string())]);
    let m = &e.problems()[0].message;
    assert!(m.contains("`X->L`") && m.contains("lif_cuba"), "{m}");

    let bad_nu = feed_forward(FluctuationDriven::centred(1.0, (-1.0).hz()));
    assert_eq!(problems(&bad_nu), vec![(K::NotPositive, "projections[0].weight.fluctuation_driven.nu".to_string())]);
    let e = bad_nu.freeze().unwrap_err();
    assert!(e.problems()[0].message.contains("-1"), "{}", e.problems()[0].message);
    let nan = feed_forward(FluctuationDriven::centred(f64::NAN, 20.0.hz()));
    assert_eq!(problems(&nan), vec![(K::NotPositive, "projections[0].weight.fluctuation_driven.sigma_u".to_string())]);
    let negative = feed_forward(FluctuationDriven::new(5.0, 0.1, 20.0.hz()));
    assert_eq!(problems(&negative), vec![(K::WeightInit, "projections[0].weight.fluctuation_driven.sigma_u".to_string())]);
    let alpha = feed_forward(FluctuationDriven::centred(1.0, 20.0.hz()).alpha(2.0));
    assert_eq!(problems(&alpha), vec![(K::WeightInit, "projections[0].weight.fluctuation_driven.alpha".to_string())]);
}

#[test]
fn heterogeneous_or_disagreeing_targets_are_refused() {
    let mut net = Network::new().dt(1.0.ms());
    let x = net.poisson("X", 10, 20.0.hz());
    let l = net.population("L", 2, LifDiscrete::new().tau_m(array([10.0.ms(), 20.0.ms()])));
    net.connect(x, l, Conn::all_to_all().weight_fluctuation_driven(FluctuationDriven::centred(1.0, 20.0.hz())).delay(1.0.ms()));
    assert_eq!(problems(&net), vec![(K::WeightInit, "projections[0].weight.fluctuation_driven".to_string())]);

    let mut net = feed_forward(FluctuationDriven::centred(1.0, 20.0.hz()));
    let (x, l) = (net.pop_by_name("X").unwrap(), net.pop_by_name("L").unwrap());
    net.connect(x, l, Conn::all_to_all().weight_fluctuation_driven(FluctuationDriven::centred(0.5, 20.0.hz())).delay(1.0.ms()));
    assert_eq!(problems(&net), vec![(K::WeightInit, "projections[1].weight.fluctuation_driven".to_string())]);
}

#[test]
fn fixed_weights_beside_the_initialiser_are_warned_about() {
    let mut net = feed_forward(FluctuationDriven::centred(1.0, 20.0.hz()));
    let (x, l) = (net.pop_by_name("X").unwrap(), net.pop_by_name("L").unwrap());
    net.connect(x, l, Conn::all_to_all().weight(0.1.one()).delay(1.0.ms()));
    let g = net.freeze().unwrap();
    assert!(g.warnings().iter().any(|w| w.path == "projections[1].weight"), "{:?}", g.warnings());
}

#[test]
fn weights_are_drawn_from_the_seeded_streams() {
    let g = feed_forward(FluctuationDriven::centred(1.0, 20.0.hz())).freeze().unwrap();
    let a = synfire_graphs::connectivity::instantiate(&g, 0);
    let b = synfire_graphs::connectivity::instantiate(&g, 0);
    assert_eq!(a, b);
    let w: Vec<f64> = a.weights.iter().map(|&w| f64::from(w)).collect();
    let mean = w.iter().sum::<f64>() / w.len() as f64;
    let sd = (w.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / w.len() as f64).sqrt();
    assert_eq!(w.len(), 200 * 50);
    assert!(mean.abs() < 0.02 && (sd - 0.3684).abs() < 0.01, "{mean} {sd}");
}

#[test]
fn scenario_files_read_write_and_refuse_unknown_keys() {
    let text = r#"
[run]
duration = "1 s"
dt = "1 ms"
[[source]]
name = "X"
size = 200
kind = "poisson"
rate = "20 Hz"
[[population]]
name = "L"
size = 50
model = "lif_discrete"
[[projection]]
source = "X"
target = "L"
all_to_all = true
weight = { fluctuation_driven = { mu_u = 0.5, xi = 1.0, nu = "20 Hz", epsilons = "analytic" } }
delay = "1 ms"
"#;
    let s = Scenario::parse(text).unwrap();
    let g = s.freeze().unwrap();
    let init = FluctuationDriven::xi(0.5, 1.0, 20.0.hz()).epsilons(Epsilons::Analytic);
    let mut net = feed_forward(init);
    net.set_seed(0);
    assert_eq!(g, net.freeze().unwrap());
    let run = RunSettings::new(Time(1000.0));
    let written = to_toml(&g, &run);
    assert!(written.contains("fluctuation_driven = { mu_u = 0.5, xi = 1.0, nu = \"20 Hz\", epsilons = \"analytic\" }"), "{written}");
    assert_eq!(Scenario::parse(&written).unwrap().freeze().unwrap(), g);
    assert!(matches!(init.spread, Spread::Xi(_)));

    // Data-driven nu: written back as it was read; a Poisson source at 20 Hz measures
    // 20 Hz, so the weights are those of `nu = "20 Hz"`.
    let data = text.replace("nu = \"20 Hz\", epsilons", "nu_from_data = \"500 ms\", epsilons");
    let gd = Scenario::parse(&data).unwrap().freeze().unwrap();
    assert_eq!(gd.projections[0].conn.weight, g.projections[0].conn.weight);
    let written = to_toml(&gd, &run);
    assert!(written.contains("nu_from_data = \"500 ms\""), "{written}");
    assert_eq!(Scenario::parse(&written).unwrap().freeze().unwrap(), gd);

    for (bad, key) in [
        ("{ fluctuation_driven = { sigma_u = 1.0, nu = \"20 Hz\", beta = 2 } }", "`beta`"),
        ("{ fluctuation_driven = { sigma_u = 1.0, nu = \"20 Hz\" }, normal = [0, 1] }", "`normal`"),
        ("{ fluctuation_driven = { sigma_u = 1.0, xi = 1.0, nu = \"20 Hz\" } }", "exactly one"),
        ("{ fluctuation_driven = { sigma_u = 1.0, nu = \"20 ms\" } }", "nu"),
        ("{ fluctuation_driven = { sigma_u = 1.0, nu = \"20 Hz\", nu_from_data = \"1 s\" } }", "not both"),
    ] {
        let t = text.replace("{ fluctuation_driven = { mu_u = 0.5, xi = 1.0, nu = \"20 Hz\", epsilons = \"analytic\" } }", bad);
        let e = Scenario::parse(&t).unwrap_err();
        let p = &e.problems()[0];
        assert_eq!(p.path, "projection[0].weight.fluctuation_driven", "{e}");
        assert!(p.message.contains(key), "{bad}: {}", p.message);
    }
}
