//! continual-patterns in the engine (spec 10.1, rate form): the delta rule behind
//! every wrapper on a graded unit equals the plain serial reference of its equations
//! (`synfire::continual::rate::Learner`, f64), is bit-identical for 1, 2 and 4
//! workers, and a checkpoint taken mid-task resumes bit-identically.

use synfire::continual::engine_rate::{self, EngineLearner, K};
use synfire::continual::rate::{self, Learner, Protocol, TaskData};
use synfire::continual::{ContinualError, Learn, Scenario, Variant};

/// A short protocol: 2 tasks of 40 patterns, 3 epochs each, anytime evaluations.
fn protocol() -> Protocol {
    Protocol { epochs: 3, eval_every: 2, ..Protocol::default() }
}

fn scenario(v: Variant) -> Scenario {
    Scenario { protocol: protocol(), variants: vec![v], form: synfire::continual::Form::Rate, spiking: Default::default(), workers: 1 }
}

/// The reference, paced like the engine: its evaluations and task switches take
/// chain steps (one per presentation of `K` ticks) without an update.
struct Paced(Learner);

impl Learn for Paced {
    fn train_epoch(&mut self, data: &TaskData, order: &[usize]) -> Result<(), ContinualError> {
        self.0.train_epoch(data, order)
    }
    fn accuracy(&mut self, data: &[TaskData]) -> Result<Vec<f64>, ContinualError> {
        let a = Learn::accuracy(&mut self.0, data)?;
        let n: usize = data.iter().map(|d| d.y.len()).sum();
        self.0.idle(EngineLearner::eval_ticks(n as u64) / K);
        Ok(a)
    }
    fn switch(&mut self) -> Result<(), ContinualError> {
        self.0.idle(1);
        self.0.consolidate();
        Ok(())
    }
    fn snapshot(&mut self) -> Result<synfire::continual::Snapshot, ContinualError> {
        Learn::snapshot(&mut self.0)
    }
}

/// Spec 10.6's log read from the engine (`Runtime::synapse_state`) equals the
/// reference's own arrays at every evaluation: the efficacies' and the wrapper
/// state's distributions (`|w_h|`, `Omega`) to f32 rounding; the output's mean is
/// logged as activity, no bounds.
#[test]
fn the_engines_state_log_equals_the_references() {
    let (p, seed) = (protocol(), 4);
    for v in [Variant::Metaplastic { m: 2.0 }, Variant::Si { c: 1.0, xi: 0.1 }] {
        let s = scenario(v);
        let w0 = rate::initial_weights(&p, seed);
        let e = s.run_with(&mut EngineLearner::new(&p, v, &w0, seed, 2).expect("runs"), seed).expect("runs");
        let r = s.run_with(&mut Paced(Learner::new(v, p.eta, w0).expect("runs")), seed).expect("runs");
        assert_eq!(e.snapshots.len(), e.curve.len());
        assert_eq!(e.snapshots.len(), r.snapshots.len());
        for (i, (a, b)) in e.snapshots.iter().zip(&r.snapshots).enumerate() {
            assert_eq!(a.at_bounds, None);
            assert!(a.activity.len() == 1 && (0.0..=1.0).contains(&a.activity[0].1), "{v:?} {i}: {:?}", a.activity);
            let names = |s: &synfire::continual::Snapshot| s.state.iter().map(|q| q.0.clone()).collect::<Vec<_>>();
            assert_eq!(names(a), names(b), "{v:?}");
            for ((name, x), (_, y)) in a.state.iter().zip(&b.state) {
                for (u, w) in [(x.mean, y.mean), (x.sd, y.sd), (x.p50, y.p50), (x.p95, y.p95)] {
                    assert!((u - w).abs() <= 1e-5 * (1.0 + w.abs()), "{v:?} evaluation {i}, {name}: engine {x:?} reference {y:?}");
                }
            }
        }
        let last = e.snapshots.last().expect("logged");
        assert!(last.state[1].1.mean > 0.0, "{v:?}: the wrapper's state moved: {last:?}");
    }
}

/// What [`both`] returns: (engine weights, reference weights, engine matrix,
/// reference matrix).
type Both = (Vec<f64>, Vec<f64>, Vec<Vec<f64>>, Vec<Vec<f64>>);

/// Engine and reference for `v` on seed 4.
fn both(v: Variant, workers: usize) -> Both {
    let (p, seed) = (protocol(), 4);
    let s = scenario(v);
    let w0 = rate::initial_weights(&p, seed);
    let mut engine = EngineLearner::new(&p, v, &w0, seed, workers).expect("runs");
    let e = s.run_with(&mut engine, seed).expect("runs");
    let mut reference = Paced(Learner::new(v, p.eta, w0).expect("runs"));
    let r = s.run_with(&mut reference, seed).expect("runs");
    (engine.weights().expect("runs"), reference.0.weights().to_vec(), e.matrix.r, r.matrix.r)
}

fn variants() -> Vec<Variant> {
    vec![Variant::Plain, Variant::Metaplastic { m: 2.0 }, Variant::Si { c: 1.0, xi: 0.1 }, Variant::BennaFusi { m: 4 }]
}

#[test]
fn every_wrapped_delta_rule_in_the_engine_equals_its_serial_reference() {
    for v in variants() {
        let (we, wr, me, mr) = both(v, 1);
        let moved = wr.iter().zip(rate::initial_weights(&protocol(), 4)).fold(0.0f64, |m, (a, b)| m.max((a - b).abs()));
        assert!(moved > 0.02, "{}: the rule learned ({moved})", v.label());
        for (j, (a, b)) in we.iter().zip(&wr).enumerate() {
            assert!((a - b).abs() < 2e-4 * b.abs().max(0.1), "{}: synapse {j}: engine {a}, reference {b}", v.label());
        }
        // A Benna–Fusi efficacy relaxes while the engine presents the evaluation
        // patterns one tick after another (the reference reads them all at once),
        // so its matrices may differ at borderline patterns: its weights are compared.
        if !matches!(v, Variant::BennaFusi { .. }) {
            assert_eq!(me, mr, "{}: accuracy matrices", v.label());
        }
    }
}

#[test]
fn the_engine_learner_is_bit_identical_for_1_2_and_4_workers() {
    for v in [Variant::Si { c: 0.1, xi: 0.1 }, Variant::BennaFusi { m: 4 }] {
        let one = both(v, 1).0;
        for workers in [2, 4] {
            assert!(both(v, workers).0 == one, "{}: {workers} workers", v.label());
        }
    }
}

#[test]
fn a_checkpoint_mid_task_resumes_bit_identically_on_another_worker_count() {
    let (p, seed) = (protocol(), 2);
    let data = rate::task_data(&p, seed, 0);
    for v in [Variant::Metaplastic { m: 1.0 }, Variant::Si { c: 0.1, xi: 0.1 }, Variant::BennaFusi { m: 4 }] {
        let w0 = rate::initial_weights(&p, seed);
        let mut straight = EngineLearner::new(&p, v, &w0, seed, 1).expect("runs");
        for e in 0..2 {
            straight.train(&data, &rate::order(&p, seed, 0, e)).expect("runs");
        }
        let mut first = EngineLearner::new(&p, v, &w0, seed, 2).expect("runs");
        first.train(&data, &rate::order(&p, seed, 0, 0)).expect("runs");
        let ck = first.runtime().checkpoint().expect("runs");
        let net = engine_rate::network(&p, v, &w0, seed).expect("runs");
        let sim = synfire_runtime::Runtime::builder().workers(4).restore(&net.graph, &ck).expect("runs");
        let mut resumed = EngineLearner::resume(net, sim, v);
        resumed.train(&data, &rate::order(&p, seed, 0, 1)).expect("runs");
        assert!(resumed.weights().expect("runs") == straight.weights().expect("runs"), "{}", v.label());
    }
}

/// The spiking form (spec 10.1 with Poisson trains onto a LIF neuron): a short
/// protocol of 10 patterns per task.
mod spiking {
    use super::*;
    use synfire::continual::engine_spiking::{self, SpikingLearner, TICKS};
    use synfire::continual::{Form, SpikingProtocol, poisson};

    fn protocol(epochs: usize) -> Protocol {
        Protocol { patterns: 10, epochs, eval_every: 0, ..Protocol::default() }
    }

    fn scenario(p: Protocol, v: Variant, workers: usize) -> Scenario {
        Scenario { protocol: p, variants: vec![v], form: Form::Spiking, spiking: SpikingProtocol::default(), workers }
    }

    /// Serial reference of training epochs `(first tick, order)` from the engine's
    /// own output spikes `out`: presentation `i` of an epoch (from tick `s`) replays
    /// its trains, which arrive one tick later; `n_R` counts the output's spikes in
    /// `s+1..=s+100`, and at tick `s+102` every weight takes `eta (y* - n_R / 10) x_j`,
    /// `x_j` the trace of arrivals (`x <- λ x + arrivals`, λ = exp(-1/50)), through
    /// the metaplastic gate if `m`.
    fn reference(w0: &[f64], data: &TaskData, epochs: &[(u64, Vec<usize>)], out: &[u64], m: Option<f64>) -> Vec<f64> {
        let s = SpikingProtocol::default();
        let end = epochs.last().map_or(0, |(start, order)| start + order.len() as u64 * TICKS + 3);
        let mut arrivals = vec![Vec::new(); end as usize + 2];
        // The tick of each error and its presentation's (first tick, pattern).
        let mut errors = std::collections::BTreeMap::new();
        for (start, order) in epochs {
            for (i, &mu) in order.iter().enumerate() {
                let s0 = start + i as u64 * TICKS;
                let bits: Vec<bool> = data.x[mu].iter().map(|&v| v > 0.0).collect();
                for (t, j) in poisson::presentation(4, poisson::Key::of(s.noise, s0, data.task, mu), &bits, TICKS, 1.0) {
                    arrivals[(s0 + t + 1) as usize].push(j as usize);
                }
                errors.insert(s0 + 102, (s0, mu));
            }
        }
        let lambda = (-1.0 / s.tau_trace_ms).exp();
        let (mut x, mut w) = (vec![0.0f64; w0.len()], w0.to_vec());
        for k in 0..end {
            x.iter_mut().for_each(|v| *v *= lambda);
            for &j in &arrivals[k as usize] {
                x[j] += 1.0;
            }
            if let Some(&(s0, mu)) = errors.get(&k) {
                let n = out.iter().filter(|&&t| t > s0 && t <= s0 + TICKS).count() as f64;
                let e = data.y[mu] - n / s.spikes_max();
                for (wj, xj) in w.iter_mut().zip(&x) {
                    let mut d = s.eta * e * xj;
                    if let Some(m) = m
                        && d * *wj < 0.0
                    {
                        d *= 1.0 - (m * wj.abs()).tanh().powi(2);
                    }
                    *wj += d;
                }
            }
        }
        w
    }

    #[test]
    fn one_epoch_of_the_spiking_learner_equals_its_serial_reference() {
        let (p, seed) = (protocol(1), 4);
        let data = rate::task_data(&p, seed, 0);
        for (v, m) in [(Variant::Plain, None), (Variant::Metaplastic { m: 1.0 }, Some(1.0))] {
            // Weights away from zero so that the output fires and the gate matters.
            let w0: Vec<f64> = rate::initial_weights(&p, seed).iter().map(|w| w * 30.0).collect();
            let mut l = SpikingLearner::new(&p, &SpikingProtocol::default(), v, &w0, seed, 1).expect("builds");
            let (mut epochs, mut out) = (Vec::new(), Vec::new());
            for e in 0..2 {
                let order = rate::order(&p, seed, 0, e);
                epochs.push((l.runtime().tick(), order.clone()));
                l.train(&data, &order).expect("runs");
                out.extend(l.take_output_spikes().expect("runs"));
            }
            assert!(out.len() > 40, "{}: the output fires ({})", v.label(), out.len());
            let w = reference(&w0, &data, &epochs, &out, m);
            let engine = l.weights().expect("runs");
            let moved = w.iter().zip(&w0).fold(0.0f64, |a, (b, c)| a.max((b - c).abs()));
            assert!(moved > 0.05, "{}: the rule learned ({moved})", v.label());
            for (j, (a, b)) in engine.iter().zip(&w).enumerate() {
                assert!((a - b).abs() < 1e-4 * b.abs().max(0.1), "{}: synapse {j}: engine {a}, reference {b}", v.label());
            }
        }
    }

    #[test]
    fn the_spiking_learner_learns_task_a() {
        let run = scenario(protocol(12), Variant::Plain, 1).run_one(Variant::Plain, 2).expect("runs");
        let (before, after) = (run.matrix.baseline[0], run.matrix.r[0][0]);
        assert!(after >= 0.9 && after >= before + 0.3, "task A: {before} untrained, {after} after training it");
    }

    #[test]
    fn the_spiking_learner_is_bit_identical_for_1_and_3_workers() {
        for v in [Variant::Si { c: 0.1, xi: 0.1 }, Variant::BennaFusi { m: 4 }] {
            let (p, seed) = (protocol(2), 3);
            let w0 = rate::initial_weights(&p, seed);
            let one = |workers| {
                let mut l = SpikingLearner::new(&p, &SpikingProtocol::default(), v, &w0, seed, workers).expect("builds");
                let run = scenario(p, v, workers).run_with(&mut l, seed).expect("runs");
                (l.weights().expect("runs"), run.matrix.r)
            };
            let (w1, r1) = one(1);
            assert!(w1 != w0, "{}: learned", v.label());
            assert!(one(3) == (w1, r1), "{}: 3 workers", v.label());
        }
    }

    #[test]
    fn a_spiking_checkpoint_mid_task_resumes_bit_identically_on_another_worker_count() {
        let (p, seed, v) = (protocol(2), 5, Variant::Si { c: 0.1, xi: 0.1 });
        let s = SpikingProtocol { noise: synfire::continual::Noise::Fresh, ..SpikingProtocol::default() };
        let data = rate::task_data(&p, seed, 0);
        let w0 = rate::initial_weights(&p, seed);
        let mut straight = SpikingLearner::new(&p, &s, v, &w0, seed, 1).expect("builds");
        for e in 0..2 {
            straight.train(&data, &rate::order(&p, seed, 0, e)).expect("runs");
        }
        let mut first = SpikingLearner::new(&p, &s, v, &w0, seed, 2).expect("builds");
        first.train(&data, &rate::order(&p, seed, 0, 0)).expect("runs");
        let ck = first.runtime().checkpoint().expect("runs");
        let net = engine_spiking::network(&p, &s, v, &w0, seed).expect("builds");
        let sim = synfire_runtime::Runtime::builder().workers(3).restore(&net.graph, &ck).expect("restores");
        let mut resumed = SpikingLearner::resume(net, sim, v, &s);
        resumed.train(&data, &rate::order(&p, seed, 0, 1)).expect("runs");
        assert!(resumed.weights().expect("runs") == straight.weights().expect("runs"));
    }

    #[test]
    fn bad_spiking_settings_are_refused_by_name() {
        let mut s = scenario(protocol(1), Variant::Plain, 1);
        s.spiking.eta = f64::NAN;
        let e = s.run_one(Variant::Plain, 1).unwrap_err();
        assert!(matches!(e, ContinualError::Protocol { field: "spiking.eta", .. }), "{e}");
        s.spiking = SpikingProtocol { rate_max_hz: 1000.0, ..SpikingProtocol::default() };
        let e = s.run_one(Variant::Plain, 1).unwrap_err();
        assert!(matches!(e, ContinualError::Protocol { field: "spiking.rate_max_hz", .. }), "{e}");
    }
}
