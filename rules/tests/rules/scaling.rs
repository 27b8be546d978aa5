//! Homeostatic scaling: the clocked update against the reference, direction, and
//! preserved ratios.

use crate::harness::{Net, Syn, Trains, run_all};
use crate::reference;
use synfire_graphs::{PlasticityRule, UnitExt};
use synfire_rules::Scaling;

#[test]
fn clocked_scaling_matches_the_reference_and_keeps_ratios() {
    let dt = 0.1;
    // Target 0 fires at ~2 Hz (below 5 Hz), target 1 at ~20 Hz; three inputs each.
    let syns = (0..3).flat_map(|src| (0..2).map(move |tgt| Syn { src, tgt, delay: 10, w0: 0.1 + 0.2 * src as f32 + 0.05 * tgt as f32 })).collect();
    let net = Net::new(3, 2, syns);
    let mut trains = Trains::poisson(3, 5.0, 2, 2.0, dt.ms(), 59_990, 61);
    trains.post[1] = Trains::poisson(0, 0.0, 1, 20.0, dt.ms(), 59_990, 62).post.remove(0);
    let rule = Scaling::homeostatic().tau_avg(500.0.ms()).tau_scale(1.0.s()).period(100.0.ms()).rate_init(8.0.hz());
    let out = run_all(&rule.to_spec(), dt.ms(), &net, &trains, 60_000, None);
    let want = reference::scaling(&net, &trains, 5000.0, 2.0, 8.0, 5.0, 1000, 100.0 / 1000.0, 60_000);
    // Each of the 60 clocks rounds the weight to f32 once: allow 60 half-ulps.
    let tol = 60.0 * f64::from(f32::EPSILON) / 2.0;
    for (k, (g, w)) in out.weights.iter().zip(&want).enumerate() {
        assert!((f64::from(*g) - w).abs() <= tol * w, "synapse {k}: {g} vs {w}");
    }
    for s in 0..net.syns.len() {
        let (syn, w) = (net.syns[s], out.weights[s]);
        if syn.tgt == 0 {
            assert!(w > syn.w0, "target below the set point: weights grow");
        } else {
            assert!(w < syn.w0, "target above the set point: weights shrink");
        }
        for o in 0..net.syns.len() {
            if net.syns[o].tgt == syn.tgt {
                let ratio = f64::from(w) / f64::from(out.weights[o]);
                let ratio0 = f64::from(syn.w0) / f64::from(net.syns[o].w0);
                assert!((ratio / ratio0 - 1.0).abs() < 2.0 * tol, "ratio of synapses {s} and {o} changed");
            }
        }
    }
}
