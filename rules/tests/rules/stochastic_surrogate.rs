//! Specs 2.3, finding 1: for one neuron with escape noise `f` and a linear membrane,
//! the derivative of the expected spike count with respect to an input weight is the
//! trial average of `sum_t f'(U_t - theta) dU_t/dw`, the surrogate gradient with the
//! matching surrogate `f'`.
//!
//! The neuron is the discrete LIF of specs 1.2 without reset: `N` Poisson inputs of
//! weight `w` give `I[t+1] = l_s I[t] + w n[t]`, `U[t+1] = l_m U[t] + (1 - l_m) I[t]`,
//! and it spikes at tick `t` when `r[t] < f(U[t] - theta)`. The Monte-Carlo side
//! differentiates the spike count by central finite differences with common random
//! numbers (the same `n[t]` and `r[t]` at `w + h` and `w - h`).

use synfire_graphs::EscapeNoise;
use synfire_graphs::rng::{Domain, uniform_at};
use synfire_rules::Surrogate;

const TICKS: u64 = 200;
/// 20 inputs at 20 Hz with dt = 1 ms: 0.4 input spikes per tick.
const INPUT_PER_TICK: f64 = 0.4;
const THETA: f64 = 1.0;

/// A Poisson count of mean `mean` from one uniform (inverse CDF).
fn poisson(mean: f64, u: f64) -> u32 {
    let (mut k, mut p) = (0, (-mean).exp());
    let mut cdf = p;
    while u >= cdf && k < 100 {
        k += 1;
        p *= mean / f64::from(k);
        cdf += p;
    }
    k
}

/// One trial: (spike count at `w + h`, at `w - h`, `sum_t f'(U_t - theta) dU_t/dw`
/// at `w` with `surrogate`, the same with `other`).
fn trial(noise: EscapeNoise, surrogate: Surrogate, other: Surrogate, w: f64, h: f64, k: u64) -> (u32, u32, f64, f64) {
    let (l_m, l_s) = ((-1.0f64 / 20.0).exp(), (-1.0f64 / 10.0).exp());
    // The membrane is linear in w from zero: U_t = w K_t, with K_t = dU_t/dw
    // following the same recursion with unit weights.
    let (mut i_k, mut k_u) = (0.0f64, 0.0f64);
    let (mut up, mut down, mut sg, mut sg_other) = (0, 0, 0.0, 0.0);
    for t in 0..TICKS {
        let r = uniform_at(7, Domain::Dynamics, k, t);
        up += u32::from(r < noise.probability_f64((w + h) * k_u - THETA));
        down += u32::from(r < noise.probability_f64((w - h) * k_u - THETA));
        sg += surrogate.derivative(w * k_u - THETA) * k_u;
        sg_other += other.derivative(w * k_u - THETA) * k_u;
        let n = poisson(INPUT_PER_TICK, uniform_at(7, Domain::Stimulus, k, t));
        (k_u, i_k) = (l_m * k_u + (1.0 - l_m) * i_k, l_s * i_k + f64::from(n));
    }
    (up, down, sg, sg_other)
}

/// (Monte-Carlo derivative, its standard error, surrogate gradient, the same with
/// the stochastic-SuperSpike surrogate) over `trials` trials.
fn estimate(trials: u64) -> (f64, f64, f64, f64) {
    let noise = EscapeNoise::sigmoid(10.0);
    let surrogate = Surrogate::for_escape_noise(&noise).unwrap();
    let superspike = Surrogate::stochastic_superspike(&noise).unwrap();
    let (w, h) = (0.22, 0.004);
    let (mut sum, mut sq, mut sg, mut ss) = (0.0, 0.0, 0.0, 0.0);
    for k in 0..trials {
        let (up, down, g, g2) = trial(noise, surrogate, superspike, w, h, k);
        let fd = (f64::from(up) - f64::from(down)) / (2.0 * h);
        sum += fd;
        sq += fd * fd;
        sg += g;
        ss += g2;
    }
    let n = trials as f64;
    let mean = sum / n;
    (mean, ((sq / n - mean * mean) / n).sqrt(), sg / n, ss / n)
}

fn check(trials: u64) {
    let (mc, se, sg, superspike) = estimate(trials);
    println!(
        "{trials} trials: d E[count]/dw = {mc:.2} +- {se:.2} (Monte Carlo), surrogate {sg:.2} ({:+.2}%), stochastic SuperSpike {superspike:.2}",
        100.0 * (sg / mc - 1.0)
    );
    assert!(mc > 10.0, "the neuron responds to w: {mc}");
    assert!((sg - mc).abs() <= 0.05 * mc, "surrogate gradient {sg} vs Monte-Carlo derivative {mc} (+- {se})");
}

/// The spec's 10^4 trials (fast enough for the default run: 0.2 s in debug).
#[test]
fn surrogate_gradient_matches_the_monte_carlo_derivative() {
    check(10_000);
}
