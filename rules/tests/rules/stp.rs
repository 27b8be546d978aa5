//! Tsodyks–Markram short-term plasticity: the efficacy map against a direct iteration
//! and its analytic fixed point.

use crate::harness::{Net, Schedule, Syn, Trains, random_net, run, run_all};
use synfire_graphs::{PlasticityRule, UnitExt};
use synfire_rules::{Orchestrated, Stp};

/// The map of spec 6.5 iterated directly: efficacies `u x` at each spike.
fn map(spikes: &[u64], dt: f64, u0: f64, tau_d: f64, tau_f: f64) -> Vec<f64> {
    let (mut x, mut u, mut last) = (1.0, u0, None::<u64>);
    spikes
        .iter()
        .map(|&t| {
            if let Some(l) = last {
                let h = (t - l) as f64 * dt;
                x = 1.0 - (1.0 - x) * (-h / tau_d).exp();
                u = u0 + (u - u0) * (-h / tau_f).exp();
            }
            let e = u * x;
            x -= u * x;
            u += u0 * (1.0 - u);
            last = Some(t);
            e
        })
        .collect()
}

#[test]
fn regular_train_approaches_the_fixed_point() {
    let dt = 0.1;
    let net = Net::new(1, 1, vec![Syn { src: 0, tgt: 0, delay: 10, w0: 1.0 }]);
    let spikes: Vec<u64> = (0..100).map(|k| 100 + k * 500).collect(); // 20 Hz
    let trains = Trains { pre: vec![spikes.clone()], post: vec![vec![]] };
    let out = run_all(&Stp::tsodyks_markram().to_spec(), dt.ms(), &net, &trains, 60_000, None);
    let got: Vec<f64> = out.efficacy.iter().map(|e| f64::from(e.2)).collect();
    let want = map(&spikes, dt, 0.2, 200.0, 200.0);
    for (n, (g, w)) in got.iter().zip(&want).enumerate() {
        assert!((g - w).abs() < 1e-6 * w, "spike {n}: {g} vs {w}");
    }
    assert!((got[0] - 0.2).abs() < 1e-7, "the first efficacy is U");
    // Fixed point of the map at interval h = 50 ms.
    let (ed, ef) = ((-50.0f64 / 200.0).exp(), (-50.0f64 / 200.0).exp());
    let u = 0.2 / (1.0 - 0.8 * ef);
    let x = (1.0 - ed) / (1.0 - (1.0 - u) * ed);
    assert!((got[99] - u * x).abs() < 1e-6 * u * x, "{} vs fixed point {}", got[99], u * x);
    assert!(out.weights == vec![1.0], "STP leaves the weight alone");
}

#[test]
fn irregular_trains_match_the_map_and_orchestrated_stp_agrees() {
    let dt = 0.1;
    let net = random_net(5, 2, 0.9, 10, 15, (0.5, 1.0), 51);
    let trains = Trains::random(&net, 0.004, 0.0, 29_990, 52);
    let stp = Stp::tsodyks_markram().u(0.4).tau_d(150.0.ms()).tau_f(600.0.ms());
    let out = run_all(&stp.to_spec(), dt.ms(), &net, &trains, 30_000, None);
    for j in 0..5 {
        let got: Vec<f64> = out.efficacy.iter().filter(|e| e.1 == j).map(|e| f64::from(e.2)).collect();
        let want = map(&trains.pre[j], dt, 0.4, 150.0, 600.0);
        assert_eq!(got.len(), want.len());
        for (g, w) in got.iter().zip(&want) {
            assert!((g - w).abs() < 1e-6 * w, "source {j}: {g} vs {w}");
        }
    }
    let orch = Orchestrated::zenke2015().stp(stp);
    let with_orch = run(&orch.to_spec(), dt.ms(), &net, &trains, 30_000, Schedule::PostsFirst, None);
    assert_eq!(with_orch.efficacy, out.efficacy);
}
