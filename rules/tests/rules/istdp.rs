//! Vogels 2011 inhibitory STDP: random trains against the reference, and the sign of the
//! mean drift around the target rate.

use crate::harness::{DELAYS, Net, Schedule, Syn, Trains, assert_close, random_net, run, run_all};
use crate::reference::{self, B};
use synfire_graphs::{PlasticityRule, UnitExt};
use synfire_rules::Istdp;

#[test]
fn random_trains_match_the_reference() {
    let dt = 0.1;
    for ((eta, w_max, seed), (d_lo, d_hi)) in [(0.01, 100.0, 31), (0.05, 1.0, 32)].into_iter().flat_map(|c| DELAYS.map(|d| (c, d))) {
        let rule = Istdp::vogels().eta(eta).rho_0(20.0.hz()).w_max(w_max);
        let net = random_net(4, 3, 0.8, d_lo, d_hi, (0.2, 0.8), seed);
        let trains = Trains::random(&net, 0.01, 0.012, 2970, seed + 100);
        let out = run_all(&rule.to_spec(), dt.ms(), &net, &trains, 3000, None);
        let alpha = 2.0 * 20.0 * 1e-3 * 20.0;
        let want = reference::vogels(&net, &trains, 20.0 / dt, eta, alpha, B::hard(0.0, w_max));
        assert_close(&out.weights, &want, 1e-6 * w_max.min(10.0), "iSTDP");
        if w_max == 1.0 {
            assert!(out.weights.iter().any(|&w| w == 0.0 || w == 1.0), "the test should reach a bound: {:?}", out.weights);
        }
    }
}

#[test]
fn drift_sign_follows_the_target_rate() {
    // eta rho_pre (2 rho_post tau - 2 rho_0 tau): inhibition grows above rho_0 = 5 Hz.
    let dt = 1.0;
    let (eta, tau, rho_0) = (1e-3, 0.020, 5.0);
    let rule = Istdp::vogels().eta(eta).w_max(100.0);
    let n = 30;
    let net = Net::new(n, 1, (0..n).map(|src| Syn { src, tgt: 0, delay: 1, w0: 1.0 }).collect());
    let secs = 50.0;
    for (rho_post, seed) in [(2.0, 41), (15.0, 42)] {
        let ticks = (secs * 1e3) as u64;
        let trains = Trains::poisson(n, 10.0, 1, rho_post, dt.ms(), ticks, seed);
        let out = run(&rule.to_spec(), dt.ms(), &net, &trains, ticks + 10, Schedule::PostsFirst, None);
        let mean = out.weights.iter().map(|&w| f64::from(w) - 1.0).sum::<f64>() / n as f64 / secs;
        let rho_pre = trains.pre.iter().map(Vec::len).sum::<usize>() as f64 / n as f64 / secs;
        let rho_out = trains.post[0].len() as f64 / secs;
        let want = eta * rho_pre * 2.0 * tau * (rho_out - rho_0);
        // Seeds 41-46 all landed within 5% of the formula.
        assert!(mean.signum() == want.signum() && (mean - want).abs() < 0.15 * want.abs(), "rho_post {rho_post}: drift {mean}/s, expected {want}/s");
    }
}
