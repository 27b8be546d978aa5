//! What an evaluation point logs beside the accuracies (spec 10.6), so that
//! forgetting can be attributed: the activity of the populations during the
//! evaluation, the fraction of learning synapses at their bounds, and the
//! distribution of the efficacies and of the wrapper's internal state (`|W_h|` of
//! metaplastic hidden weights, `Omega` of synaptic intelligence, `u_1..u_m` of a
//! Benna–Fusi chain), read from the engine with [`Runtime::synapse_state`].

use super::Variant;
use synfire_graphs::{ProjId, RuleCatalog};
use synfire_runtime::{RunError, Runtime};

/// Mean, standard deviation and quantiles of a quantity over synapses.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Spread {
    /// Mean.
    pub mean: f64,
    /// Population standard deviation.
    pub sd: f64,
    /// 5th percentile (nearest rank).
    pub p05: f64,
    /// Median (nearest rank).
    pub p50: f64,
    /// 95th percentile (nearest rank).
    pub p95: f64,
}

impl Spread {
    /// The spread of `values` (all NaN when there are none).
    pub fn of(values: &[f64]) -> Spread {
        if values.is_empty() {
            return Spread { mean: f64::NAN, sd: f64::NAN, p05: f64::NAN, p50: f64::NAN, p95: f64::NAN };
        }
        let n = values.len() as f64;
        let mean = values.iter().sum::<f64>() / n;
        let sd = (values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n).sqrt();
        let mut sorted = values.to_vec();
        sorted.sort_by(f64::total_cmp);
        // Nearest rank: the smallest value with at least q of the values at or below it.
        let q = |q: f64| sorted[((q * n).ceil() as usize).clamp(1, sorted.len()) - 1];
        Spread { mean, sd, p05: q(0.05), p50: q(0.5), p95: q(0.95) }
    }
}

/// One evaluation point's state.
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize)]
pub struct Snapshot {
    /// Activity of each observed population over the evaluation: a spiking
    /// population's rate in Hz, a graded unit's mean output (named with its unit).
    pub activity: Vec<(String, f64)>,
    /// Fraction of the learning synapses whose efficacy sits at one of the rule's
    /// bounds; `None` when the rule has none (the delta rule's default).
    pub at_bounds: Option<f64>,
    /// Distributions over the learning synapses: the efficacy `w` and the
    /// wrapper's internal state (`|w_h|`, `Omega`, `u_k`).
    pub state: Vec<(String, Spread)>,
}

/// The per-synapse quantities of `variant`'s wrapper: (name the rule gives it,
/// whether to log its magnitude).
pub fn internal_names(variant: Variant) -> Vec<(String, bool)> {
    match variant {
        Variant::Plain => Vec::new(),
        Variant::Metaplastic { .. } => vec![("w_h".into(), true)],
        Variant::Si { .. } => vec![("Omega".into(), false)],
        Variant::BennaFusi { m } => (1..=m).map(|k| (format!("u_{k}"), false)).collect(),
        #[allow(unreachable_patterns)]
        _ => Vec::new(),
    }
}

/// The state of the learning projection `proj` of `variant` now: its bounds
/// fraction and the distributions of `w` and of the wrapper's state (no activity).
pub fn of_projection(sim: &Runtime, proj: ProjId, variant: Variant) -> Result<Snapshot, RunError> {
    let w: Vec<f64> = sim.projection_weights(proj)?.values.iter().map(|&x| f64::from(x)).collect();
    let def = &sim.graph().projections[proj.index()];
    // The catalogue's bounds are in the rule's (the user's) weight unit; the engine's
    // weights are in the target model's.
    // A wrapper clips its efficacy to its base rule's bounds; open ends (infinite
    // bounds) are no bounds.
    let rule = def.conn.rule.as_ref().map(|r| r.base.as_deref().unwrap_or(r));
    let bounds = rule.and_then(|r| synfire_rules::Catalog.weight_bounds(r)).filter(|b| b.min.is_finite() || b.max.is_finite());
    let at_bounds = bounds.map(|b| {
        let ends: Vec<f64> = [b.min, b.max].into_iter().filter(|x| x.is_finite()).map(|x| x * def.weight_scale).collect();
        let tol = 1e-6 * ends.iter().fold(1.0f64, |m, x| m.max(x.abs()));
        w.iter().filter(|&&x| ends.iter().any(|e| (x - e).abs() <= tol)).count() as f64 / w.len().max(1) as f64
    });
    let mut state = vec![("w".to_string(), Spread::of(&w))];
    for (name, magnitude) in internal_names(variant) {
        let values: Vec<f64> = sim.synapse_state(proj, &name)?.values.iter().map(|&x| if magnitude { f64::from(x).abs() } else { f64::from(x) }).collect();
        state.push((if magnitude { format!("|{name}|") } else { name }, Spread::of(&values)));
    }
    Ok(Snapshot { activity: Vec::new(), at_bounds, state })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Nearest-rank quantiles and the population sd, by hand.
    #[test]
    fn spread_matches_hand_computed_values() {
        let v: Vec<f64> = (1..=20).map(f64::from).collect();
        let s = Spread::of(&v);
        assert_eq!((s.mean, s.p05, s.p50, s.p95), (10.5, 1.0, 10.0, 19.0));
        assert!((s.sd - (399.0f64 / 12.0).sqrt()).abs() < 1e-12, "{}", s.sd);
        let one = Spread::of(&[3.0]);
        assert_eq!((one.mean, one.sd, one.p05, one.p95), (3.0, 0.0, 3.0, 3.0));
        assert!(Spread::of(&[]).mean.is_nan());
    }
}

#[cfg(test)]
mod engine_tests {
    use super::*;
    use synfire_graphs::prelude::*;
    use synfire_rules::{Metaplastic, Stdp};

    /// Bounds in the rule's unit (mV here) against the engine's weights (the target
    /// model's unit): weights started at the upper bound all sit at it; the hidden
    /// weights' magnitude is logged as `|w_h|`.
    #[test]
    fn bounds_and_internal_state_are_read_from_the_engine() {
        let mut net = Network::new().dt(0.1.ms()).seed(3);
        let x = net.poisson("X", 20, 10.0.hz());
        let e = net.population("E", 4, Lif::cuba());
        let at_max = net.connect(x, e, Conn::all_to_all().weight(2.0.mv()).plastic(Stdp::pair().bounds(0.0..=2.0)));
        let hidden = net.connect(x, e, Conn::all_to_all().weight(0.5.mv()).plastic(Stdp::pair().bounds(-3.0..=3.0).metaplastic(1.0)));
        let g = net.freeze_with(&synfire_rules::Catalog).expect("freezes");
        let sim = Runtime::builder().build(&g).expect("builds");
        let s = of_projection(&sim, at_max, Variant::Plain).expect("reads");
        assert_eq!(s.at_bounds, Some(1.0));
        assert_eq!(s.state.len(), 1);
        let h = of_projection(&sim, hidden, Variant::Metaplastic { m: 1.0 }).expect("reads");
        assert_eq!(h.at_bounds, Some(0.0));
        let names: Vec<&str> = h.state.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["w", "|w_h|"]);
        assert!(h.state[1].1.mean > 0.0, "{:?}", h.state);
    }
}
