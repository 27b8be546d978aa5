//! The reference numbers of specs 3.4 and the error cases.

use super::*;
use crate::units::UnitExt;

fn close(got: f64, want: f64, rel: f64) -> bool {
    (got - want).abs() <= rel * want.abs()
}

/// specs 3.4: `tau_mem = 20 ms`, `tau_syn = 10 ms`, `dt = 1 ms`.
fn spec_kernel(mode: Epsilons) -> Kernel {
    kernel(mode, 20.0.ms(), 10.0.ms(), 1.0.ms()).unwrap_or(Kernel { eps_bar: f64::NAN, eps_hat: f64::NAN })
}

fn one(fan_in: f64) -> [Afferent; 1] {
    [Afferent { fan_in, nu: 20.0.hz(), recurrent: false }]
}

#[test]
fn numerical_epsilons_match_specs() {
    let k = spec_kernel(Epsilons::Numerical);
    // Four significant figures, as the spec gives them.
    assert!(close(k.eps_bar, 0.01051, 5e-4), "eps_bar {}", k.eps_bar);
    assert!(close(k.eps_hat, 0.001842, 5e-4), "eps_hat {}", k.eps_hat);
    // The untruncated sum of the discrete kernel is dt / (1 - lambda_s): the U filter
    // has unit gain. Stopping at 10 tau_mem leaves out about 1e-4 of it.
    let exact = 1e-3 / (1.0 - (-0.1f64).exp());
    assert!(close(k.eps_bar, exact, 2e-4) && k.eps_bar < exact, "{} vs {exact}", k.eps_bar);
}

#[test]
fn analytic_epsilons_match_specs() {
    let k = spec_kernel(Epsilons::Analytic);
    assert!(close(k.eps_bar, 0.01, 1e-12), "eps_bar {}", k.eps_bar);
    assert!(close(k.eps_hat, 0.001667, 5e-4), "eps_hat {}", k.eps_hat);
}

#[test]
fn numerical_approaches_analytic_as_dt_shrinks() {
    let fine = kernel(Epsilons::Numerical, 20.0.ms(), 10.0.ms(), 0.01.ms()).unwrap_or(Kernel { eps_bar: 0.0, eps_hat: 0.0 });
    let exact = spec_kernel(Epsilons::Analytic);
    assert!(close(fine.eps_bar, exact.eps_bar, 2e-3) && close(fine.eps_hat, exact.eps_hat, 2e-3), "{fine:?}");
}

#[test]
fn centred_weights_match_specs() {
    let [m] = solve(0.0, 1.0, DEFAULT_ALPHA, spec_kernel(Epsilons::Numerical), &one(200.0)).try_into().unwrap_or([Err(FluctError::NoInput)]);
    let m = m.unwrap_or(Moments { mu_w: f64::NAN, sigma_w: f64::NAN });
    assert_eq!(m.mu_w, 0.0);
    assert!(close(m.sigma_w, 0.3684, 5e-4), "sigma_w {}", m.sigma_w);
}

#[test]
fn mean_shifted_weights_match_specs() {
    // xi = 1 at theta = 1 and mu_U = 0.5: sigma_U = 0.5.
    let sigma_u = FluctuationDriven::xi(0.5, 1.0, 20.0.hz()).sigma_u(1.0);
    assert_eq!(sigma_u, Ok(0.5));
    let [m] = solve(0.5, 0.5, DEFAULT_ALPHA, spec_kernel(Epsilons::Numerical), &one(200.0)).try_into().unwrap_or([Err(FluctError::NoInput)]);
    let m = m.unwrap_or(Moments { mu_w: f64::NAN, sigma_w: f64::NAN });
    assert!(close(m.mu_w, 0.01190, 1e-3), "mu_w {}", m.mu_w);
    assert!(close(m.sigma_w, 0.1838, 5e-4), "sigma_w {}", m.sigma_w);
}

#[test]
fn variance_is_split_between_feed_forward_and_recurrent() {
    let k = spec_kernel(Epsilons::Numerical);
    let aff = [
        Afferent { fan_in: 200.0, nu: 20.0.hz(), recurrent: false },
        Afferent { fan_in: 100.0, nu: 5.0.hz(), recurrent: false },
        Afferent { fan_in: 50.0, nu: 10.0.hz(), recurrent: true },
    ];
    let ms: Vec<Moments> = solve(0.3, 0.8, 0.9, k, &aff).into_iter().filter_map(Result::ok).collect();
    assert_eq!(ms.len(), 3);
    // The closed form forwards: the moments of U that the weights produce.
    let mean: f64 = aff.iter().zip(&ms).map(|(a, m)| a.fan_in * a.nu.0 * m.mu_w * k.eps_bar).sum();
    let var: Vec<f64> = aff.iter().zip(&ms).map(|(a, m)| a.fan_in * a.nu.0 * (m.sigma_w.powi(2) + m.mu_w.powi(2)) * k.eps_hat).collect();
    assert!(close(mean, 0.3, 1e-12), "mean {mean}");
    assert!(close(var.iter().sum::<f64>(), 0.64, 1e-12), "{var:?}");
    assert!(close(var[0], 0.45 * 0.64, 1e-12) && close(var[1], 0.45 * 0.64, 1e-12) && close(var[2], 0.1 * 0.64, 1e-12), "{var:?}");
}

#[test]
fn alpha_is_one_without_recurrent_input() {
    let k = spec_kernel(Epsilons::Numerical);
    let alone = solve(0.0, 1.0, 1.0, k, &one(200.0));
    assert_eq!(solve(0.0, 1.0, 0.3, k, &one(200.0)), alone);
}

#[test]
fn bad_parameters_are_named() {
    let k = spec_kernel(Epsilons::Numerical);
    let bad_nu = [Afferent { fan_in: 200.0, nu: 0.0.hz(), recurrent: false }];
    assert_eq!(solve(0.0, 1.0, 0.9, k, &bad_nu), vec![Err(FluctError::NotPositive { field: "nu", value: 0.0 })]);
    assert_eq!(solve(0.0, 1.0, 1.5, k, &one(200.0)), vec![Err(FluctError::AlphaOutOfRange(1.5))]);
    assert_eq!(solve(f64::NAN, 1.0, 0.9, k, &one(200.0))[0].as_ref().map_err(FluctError::field), Err("mu_u"));
    assert_eq!(solve(0.0, 1.0, 0.9, k, &one(0.0)), vec![Err(FluctError::NoInput)]);
    // A large mean with a small spread: the mean weight's own shot noise is too much.
    let r = solve(5.0, 0.1, 0.9, k, &one(200.0));
    assert!(matches!(r[0], Err(FluctError::NegativeVariance { sigma_w2, .. }) if sigma_w2 < 0.0), "{r:?}");
    assert_eq!(FluctuationDriven::xi(1.0, 1.0, 20.0.hz()).sigma_u(1.0), Err(FluctError::BelowMean { mu_u: 1.0, theta: 1.0 }));
    assert_eq!(FluctuationDriven::new(0.0, -1.0, 20.0.hz()).sigma_u(1.0), Err(FluctError::NotPositive { field: "sigma_u", value: -1.0 }));
    assert_eq!(kernel(Epsilons::Numerical, 0.0.ms(), 10.0.ms(), 1.0.ms()), Err(FluctError::NotPositive { field: "tau_m", value: 0.0 }));
    assert_eq!(kernel(Epsilons::Analytic, 20.0.ms(), f64::INFINITY.ms(), 1.0.ms()).map_err(|e| e.field()), Err("tau_syn"));
}
