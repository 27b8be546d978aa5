//! Rate units against the closed form of `tau du/dt = -u + I + bias` under input held
//! constant per tick, and their activations.

use crate::common::{kernel_of, step};
use synfire_graphs::{Network, NeuronSpec, RateUnit, UnitExt};

fn one_unit(spec: NeuronSpec) -> Box<dyn synfire_runtime::NeuronKernel> {
    let mut net = Network::new().dt(0.1.ms()).seed(3);
    net.population("r", 1, spec);
    kernel_of(&net.freeze().unwrap(), 0, 0..1)
}

/// A constant drive `x` from `u0`: `u(t dt) = x + (u0 - x) exp(-t dt / tau)`, to f32
/// rounding over 2000 ticks (the step is exact, so only rounding accumulates).
#[test]
fn constant_drive_relaxes_exponentially_and_the_output_follows_the_activation() {
    let (tau, gain, theta, bias, u0, ext) = (5.0, 2.0, 0.3, 0.25, -0.5f64, 0.5f64);
    // From u0 below theta, the affine unit's output starts negative and crosses zero.
    for shape in ["linear", "sigmoid", "softplus", "affine"] {
        let base = match shape {
            "sigmoid" => RateUnit::sigmoid().set("r_max", 3.0.one()),
            "softplus" => RateUnit::softplus().set("scale", 1.5.one()),
            "affine" => RateUnit::affine(),
            _ => RateUnit::linear(),
        };
        let spec = base.tau(tau.ms()).gain(gain.one()).theta(theta.one()).bias(bias.one()).init("u", u0.one());
        let mut k = one_unit(spec);
        let phi = |u: f64| match shape {
            "sigmoid" => 3.0 / (1.0 + (-gain * (u - theta)).exp()),
            "softplus" => 1.5 * (1.0 + (gain * (u - theta)).exp()).ln(),
            "affine" => gain * (u - theta),
            _ => gain * (u - theta).max(0.0),
        };
        assert!((f64::from(k.state(1, 0)) - phi(u0)).abs() < 1e-6, "initial r = phi(u0)");
        let x = ext + bias;
        for t in 0..2000u64 {
            let fired = step(k.as_mut(), t, &mut [vec![0.0]], &[ext as f32]);
            assert!(fired.is_empty());
            let want = x + (u0 - x) * (-(t as f64 + 1.0) * 0.1 / tau).exp();
            let (u, r) = (f64::from(k.state(0, 0)), f64::from(k.state(1, 0)));
            assert!((u - want).abs() < 1e-5, "{shape} tick {t}: u {u} vs {want}");
            assert!((r - phi(u)).abs() < 1e-5 * phi(u).abs().max(1.0), "{shape} tick {t}: r {r} vs phi(u) {}", phi(u));
            // The output the engine sends is the activation of u, not only the probe's `r`.
            let sent = f64::from(k.output().unwrap()[0]);
            assert!((sent - phi(u)).abs() < 1e-5 * phi(u).abs().max(1.0), "{shape} tick {t}: output {sent} vs phi(u) {}", phi(u));
        }
    }
}

/// Input arriving at a tick drives `u` during that tick, like a constant current
/// held for one step; below threshold the linear unit's output is exactly zero.
#[test]
fn a_pulse_moves_u_in_its_tick_and_decays_after() {
    let mut k = one_unit(RateUnit::linear().tau(1.0.ms()).theta(0.1.one()));
    let p = (-0.1f64).exp();
    step(k.as_mut(), 0, &mut [vec![2.0]], &[]);
    let u1 = 2.0 * (1.0 - p);
    assert!((f64::from(k.state(0, 0)) - u1).abs() < 1e-6);
    assert!((f64::from(k.output().unwrap()[0]) - (u1 - 0.1)).abs() < 1e-6);
    let mut t = 1;
    while f64::from(k.state(0, 0)) > 0.1 {
        step(k.as_mut(), t, &mut [vec![0.0]], &[]);
        t += 1;
    }
    assert_eq!(k.output().unwrap()[0], 0.0, "rectified once u < theta");
    let want_t = ((0.1 / u1).ln() / -0.1).ceil() as u64 + 1;
    assert_eq!(t, want_t, "u crosses theta at the tick the closed form says");
}

/// Only the sigmoid saturates: `r_max` on a linear unit is an unknown parameter, not
/// a silent no-op.
#[test]
fn r_max_belongs_to_the_sigmoid_only() {
    let mut net = Network::new().dt(0.1.ms());
    net.population("r", 1, RateUnit::linear().set("r_max", 2.0.one()));
    let err = net.freeze().expect_err("refused").to_string();
    assert!(err.contains("rate_linear has no parameter `r_max`"), "{err}");
}

/// The soft rectifier stays finite and exact far out on both sides: `z` for large
/// `z` (no overflow of `exp`), `exp(z)` for very negative `z` (no rounding to 0 early).
#[test]
fn the_soft_rectifier_is_stable_far_from_its_knee() {
    for (u, want) in [(60.0f64, 60.0 + (-60.0f64).exp().ln_1p()), (-30.0, (-30.0f64).exp().ln_1p()), (0.0, 2.0f64.ln())] {
        let mut k = one_unit(RateUnit::softplus().init("u", u.one()));
        let r = f64::from(k.output().unwrap()[0]);
        assert!((r - want).abs() <= 1e-6 * want, "u {u}: r {r} vs {want}");
        step(k.as_mut(), 0, &mut [vec![0.0]], &[]);
        assert!(k.output().unwrap()[0].is_finite());
    }
}
