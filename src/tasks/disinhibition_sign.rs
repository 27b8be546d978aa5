//! The prediction of specs 5.2 as a plot: inhibition sets the sign of plasticity.
//!
//! Independent E-I pairs run side by side in the engine (Figure-3 activations,
//! `u_0 = 3`), each E cell driven by one input through a plastic weight under the
//! linear-threshold rule (a second synapse, starting at 0, beside the static drive), each partner I cell held at a fixed rate by its bias (the
//! partner clamped: 0, 1 or 2) instead of following its E cell. After the pairs
//! settle, learning is gated on for 100 ticks; the weight change per tick against the
//! E cell's rate is the rule's Hebbian curve `x phi'(u) (r^E - theta_0 - delta r^I)`:
//! without inhibition depression below `theta_0` and potentiation above, and
//! inhibition moves the threshold up, so the same activity that potentiates without
//! inhibition depresses with it.

use super::{Figure, Series, Table};
use crate::microcircuit::Microcircuit;
use synfire_graphs::Time;
use synfire_graphs::prelude::*;
use synfire_rules::{Disinhibition, Softplus};
use synfire_runtime::{RunError, Runtime};

/// The partner's clamped rates.
pub const INHIBITION: [f64; 3] = [0.0, 1.0, 2.0];
/// Input drives per inhibition level.
const STEPS: usize = 40;
/// Ticks before learning, and of learning.
const SETTLE: u64 = 300;
const LEARN: u64 = 100;
/// Learning rate (the plastic weight stays below 1e-3: no effect on the rates).
const ETA: f64 = 1e-4;

/// The Figure-3 activation.
pub const PHI: Softplus = Softplus { scale: 1.0, gain: 1.0, theta: 3.0 };

/// One curve: the partner's rate and `(r^E, dW per tick)` points.
pub type Curve = (f64, Vec<(f64, f64)>);

/// The curve of every clamped inhibition, from the engine.
pub fn measure(workers: usize) -> Result<Vec<Curve>, RunError> {
    let n = (INHIBITION.len() * STEPS) as u64;
    let mc = Microcircuit::new(&[1, 1]);
    let mut net = Network::new().dt(mc.dt).seed(1);
    let drive = |k: usize| 1.0 + 5.0 * (k % STEPS) as f64 / (STEPS - 1) as f64;
    let bias_i = |k: usize| PHI.inverse(INHIBITION[k / STEPS].max(1e-9));
    let x = net.population("X", n, RateUnit::linear().tau(mc.dt).bias(1.0.one()).init("u", 1.0.one()));
    let e = net.population("E", n, RateUnit::softplus().tau(mc.tau_e).theta(PHI.theta.one()));
    let i = net.population("I", n, RateUnit::softplus().tau(mc.tau_i).theta(PHI.theta.one()).bias(array((0..n as usize).map(|k| bias_i(k).one()))));
    net.learning_signal("rE", e);
    net.learning_signal("rI", e);
    net.scheduled_modulator("learn", 0.0, [(Time(SETTLE as f64 * mc.dt.0), 1.0)]);
    let rule = Disinhibition::linear_threshold().activations(PHI, PHI).eta(ETA).signals("rE", "rI").gate("learn");
    // The drive through a static weight, and beside it a plastic synapse from the same
    // input that starts at 0: its change is resolved in f32 and does not move the drive.
    net.connect(x, e, Conn::weighted_list((0..n as u32).map(|k| (k, k, drive(k as usize).one()))).delay(mc.dt));
    let w = net.connect(x, e, Conn::one_to_one().weight(0.0.one()).delay(mc.dt).plastic(rule));
    net.connect(i, e, Conn::one_to_one().weight((-1.0).one()).delay(mc.dt));
    net.connect(e, e, Conn::one_to_one().weight(1.0.one()).delay(mc.dt).into_signal("rE"));
    net.connect(i, e, Conn::one_to_one().weight(1.0.one()).delay(mc.dt).into_signal("rI"));
    let graph = net.freeze_with(&synfire_rules::Catalog).map_err(|e| RunError::BadInput { field: "sign-flip network", message: e.to_string() })?;
    let mut sim = Runtime::builder().workers(workers).build(&graph)?;
    sim.run_ticks(SETTLE + LEARN)?;
    let after = sim.projection_weights(w)?.values;
    let mut out = Vec::new();
    for (level, &r_i) in INHIBITION.iter().enumerate() {
        let mut points = Vec::new();
        for s in 0..STEPS {
            let k = level * STEPS + s;
            let r_e = sim.read_state(e, "r", k as u64)?;
            points.push((r_e, f64::from(after[k]) / LEARN as f64));
        }
        out.push((r_i, points));
    }
    Ok(out)
}

/// The figure and its table.
pub fn sign_flip(workers: usize) -> Result<(Figure, Table), RunError> {
    let curves = measure(workers)?;
    let (theta0, delta) = Disinhibition::linear_threshold().activations(PHI, PHI).threshold();
    let series = curves.iter().map(|(r_i, pts)| Series { name: format!("partner r^I = {r_i}"), points: pts.clone(), spread: Vec::new() }).collect();
    let figure = Figure {
        file: "sign_flip.svg".into(),
        title: format!("weight change vs postsynaptic rate (linear-threshold rule, theta_0 = {theta0:.2}, delta = {delta:.2})"),
        x_label: "r^E".into(),
        y_label: "dW per tick".into(),
        series,
        ..Figure::default()
    };
    let rows = curves.iter().flat_map(|(r_i, pts)| pts.iter().map(move |(r, dw)| vec![format!("{r_i}"), format!("{r:.5}"), format!("{dw:.6e}")])).collect();
    let header = ["r_i", "r_e", "dw_per_tick"].map(String::from).to_vec();
    Ok((
        figure,
        Table { file: "sign_flip.csv".into(), what: "weight change per tick against the postsynaptic rate, per clamped inhibition".into(), header, rows },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The engine's curves change sign where the rule's threshold says, and the same
    /// postsynaptic rate potentiates without inhibition and depresses with it.
    #[test]
    fn inhibition_flips_the_sign_of_plasticity() {
        let curves = measure(2).unwrap();
        let (theta0, delta) = Disinhibition::linear_threshold().activations(PHI, PHI).threshold();
        for (r_i, pts) in &curves {
            let threshold = theta0 + delta * r_i;
            let probed = pts.iter().filter(|(r, _)| (r - threshold).abs() > 0.02).count();
            assert!(probed > 20, "r^I {r_i}: {probed} points away from the threshold");
            for &(r, dw) in pts.iter().filter(|(r, _)| (r - threshold).abs() > 0.02) {
                assert!((dw > 0.0) == (r > threshold), "r^I {r_i}: r^E {r} (threshold {threshold}) gives dW {dw}");
            }
        }
        // A rate between the thresholds of no and of strong inhibition.
        let (none, strong) = (&curves[0].1, &curves[2].1);
        let flipped = none.iter().zip(strong).filter(|(a, b)| a.1 > 0.0 && b.1 < 0.0).count();
        assert!(flipped > 3, "the sign flips for {flipped} drives");
    }
}
