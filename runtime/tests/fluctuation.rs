//! Fluctuation-driven initialisation in the engine (specs 3.4): the free membrane
//! potential of `lif_discrete` neurons driven by Poisson input through the
//! initialiser has the requested mean and standard deviation.
//!
//! Free membrane potential: the neurons keep the model and its `theta = 1` in the
//! closed form (the targets are given as `sigma_u`, which does not read `theta`), but
//! run with `theta = 1e9`, which `U` never reaches, so there is no spike and no reset.
//! The `xi` form would read that `theta`; `mu_u = 0.5, sigma_u = 0.5` is specs 3.4's
//! `mu_u = 0.5, xi = 1` at `theta = 1`.
//!
//! The engine's Poisson sources are Bernoulli per tick with `p = nu dt`, whose count
//! variance is `p (1 - p)`, not `p`: the measured std is expected near
//! `sqrt(1 - nu dt) = 0.99` of the target at 20 Hz and 1 ms.

use synfire_graphs::fluctuation::kernel;
use synfire_graphs::prelude::*;
use synfire_graphs::{Graph, SourceSpec, Time};
use synfire_runtime::Runtime;

/// What a run measured and what the closed form predicts for it.
#[derive(Debug)]
struct Moments {
    /// Means over neurons of each neuron's temporal mean and std of `U` after 0.5 s.
    mean: f64,
    sd: f64,
    /// The same, predicted from each neuron's realized weights `w_j` (Bernoulli
    /// input): `nu eps_bar sum w_j` and `sqrt(nu (1 - nu dt) eps_hat sum w_j^2)`.
    pred_mean: f64,
    pred_sd: f64,
    /// Standard error of `mean` from the weights alone: each neuron's mean is
    /// `nu eps_bar sum w_j`, whose spread over neurons is `sqrt(N) sigma_w nu eps_bar`.
    quenched: f64,
}

fn measure(init: FluctuationDriven, neurons: u64, seconds: f64, seed: u64) -> Moments {
    measure_from(init, None, 20.0, neurons, seconds, seed).0
}

/// [`measure`] with the inputs from `data` (spike times) instead of Poisson sources
/// at 20 Hz, their rate `nu` in Hz; also the resolved weight distribution.
fn measure_from(init: FluctuationDriven, data: Option<SourceSpec>, nu: f64, neurons: u64, seconds: f64, seed: u64) -> (Moments, synfire_graphs::Dist) {
    let mut net = Network::new().dt(1.0.ms()).seed(seed);
    let x = match data {
        Some(spec) => net.source("X", 200, spec),
        None => net.poisson("X", 200, 20.0.hz()),
    };
    let l = net.population("L", neurons, LifDiscrete::new().theta(1e9.one()));
    net.connect(x, l, Conn::all_to_all().weight_fluctuation_driven(init).delay(1.0.ms()));
    let u = net.record_state(l, "u", 0..neurons as u32, 1.0.ms());
    net.probe_window(u, 500.0.ms(), Time(seconds * 1e3));
    let graph: Graph = net.freeze().expect("valid network");
    let mut sim = Runtime::builder().workers(2).build(&graph).expect("builds");
    sim.run_for(Time(seconds * 1e3)).expect("runs");
    let trace = sim.state(u).expect("probe");
    let n = neurons as usize;
    let (mut mean, mut sd) = (0.0, 0.0);
    for col in 0..n {
        let xs: Vec<f64> = trace.column(col).into_iter().map(f64::from).collect();
        let m = xs.iter().sum::<f64>() / xs.len() as f64;
        mean += m / n as f64;
        sd += (xs.iter().map(|x| (x - m).powi(2)).sum::<f64>() / xs.len() as f64).sqrt() / n as f64;
    }
    // The engine draws the same weights as the serial instantiation.
    let k = kernel(init.epsilons, 20.0.ms(), 10.0.ms(), 1.0.ms()).expect("kernel");
    let csr = synfire_graphs::connectivity::instantiate(&graph, 0);
    let (mut sum, mut sum_sq) = (vec![0.0f64; n], vec![0.0f64; n]);
    for (&t, &w) in csr.targets.iter().zip(&csr.weights) {
        sum[t as usize] += f64::from(w);
        sum_sq[t as usize] += f64::from(w).powi(2);
    }
    let pred_means: Vec<f64> = sum.iter().map(|s| nu * k.eps_bar * s).collect();
    let pred_mean = pred_means.iter().sum::<f64>() / n as f64;
    let pred_sd = sum_sq.iter().map(|s2| (nu * (1.0 - nu * 1e-3) * k.eps_hat * s2).sqrt()).sum::<f64>() / n as f64;
    let synfire_graphs::Dist::Normal { sd: sigma_w, .. } = graph.projections[0].conn.weight.dist else { panic!("not resolved") };
    let quenched = 200f64.sqrt() * sigma_w * nu * k.eps_bar / (n as f64).sqrt();
    (Moments { mean, sd, pred_mean, pred_sd, quenched }, graph.projections[0].conn.weight.dist.clone())
}

/// Data-driven `nu` (specs 3, stork's practice): the initialiser measures the rate of
/// spike-time data (here Bernoulli trains at 14 Hz, a rate it is not told) and the
/// membrane then has the requested std; its weights are those of the closed form
/// given the measured rate.
#[test]
fn data_driven_nu_measures_the_inputs_and_meets_the_target() {
    use rand::RngExt;
    let seconds = 4.0;
    let mut r = synfire_graphs::rng::stream(5, synfire_graphs::rng::Domain::Task, 0, 0);
    let times: Vec<Vec<Time>> = (0..200).map(|_| (0..(seconds * 1e3) as u64).filter(|_| r.random_bool(0.014)).map(|t| Time(t as f64)).collect()).collect();
    let count: usize = times.iter().map(Vec::len).sum();
    let measured = count as f64 / (200.0 * seconds);
    assert!((measured - 14.0).abs() < 0.5, "the data fire at about 14 Hz ({measured})");
    let init = FluctuationDriven::centred(1.0, 20.0.hz()).nu_from_data(Time(seconds * 1e3));
    let data = SourceSpec::SpikeTimes { times };
    let (m, dist) = measure_from(init, Some(data.clone()), measured, 100, seconds, 3);
    check(&m, 0.0, 1.0, 0.08);
    // The same weights as the closed form told the measured rate.
    let told = FluctuationDriven::centred(1.0, measured.hz());
    let (_, want) = measure_from(told, Some(data), measured, 100, 0.6, 3);
    assert_eq!(dist, want);
}

fn within(got: f64, want: f64, rel: f64) -> bool {
    (got - want).abs() <= rel * want
}

/// Checks a run against its targets: the std within `rel` of `sigma_u`; the mean
/// within `rel` of `mu_u` or three standard errors of the weight draw, whichever is
/// wider; and both within 2% of what the realized weights predict (which leaves out
/// the weight draw and tests the engine against the closed form's kernel).
fn check(m: &Moments, mu_u: f64, sigma_u: f64, rel: f64) {
    assert!(within(m.sd, sigma_u, rel), "std {} vs {sigma_u}: {m:?}", m.sd);
    assert!((m.mean - mu_u).abs() <= (rel * mu_u).max(3.0 * m.quenched), "mean {} vs {mu_u}: {m:?}", m.mean);
    assert!(within(m.sd, m.pred_sd, 0.02), "std vs the realized weights: {m:?}");
    assert!((m.mean - m.pred_mean).abs() <= 0.02 * sigma_u, "mean vs the realized weights: {m:?}");
}

/// A short run that still catches a wrong formula: a factor 2 in `eps_hat` moves the
/// std by 29% or 41%, far outside 8%; a factor 2 in `eps_bar` moves the mean by
/// 0.25, outside three standard errors (0.16).
#[test]
fn short_run_has_the_requested_moments() {
    check(&measure(FluctuationDriven::centred(1.0, 20.0.hz()), 100, 4.0, 1), 0.0, 1.0, 0.08);
    check(&measure(FluctuationDriven::new(0.5, 0.5, 20.0.hz()), 100, 4.0, 2), 0.5, 0.5, 0.08);
}

/// The protocol of specs 3.4: 500 neurons, 20 s, 5%. An acceptance test like the
/// other long ones (about 4 s in a debug build; `cargo test -p synfire-runtime --test
/// fluctuation -- --ignored --nocapture` prints the figures).
#[test]
#[ignore = "acceptance: 20 s of 500 neurons"]
fn specs_protocol_has_the_requested_moments() {
    for (init, mu_u, sigma_u, seed) in [(FluctuationDriven::centred(1.0, 20.0.hz()), 0.0, 1.0, 1), (FluctuationDriven::new(0.5, 0.5, 20.0.hz()), 0.5, 0.5, 2)] {
        let m = measure(init, 500, 20.0, seed);
        println!(
            "target mean {mu_u} std {sigma_u}: measured mean {:.4} std {:.4}; from the realized weights {:.4} / {:.4}",
            m.mean, m.sd, m.pred_mean, m.pred_sd
        );
        check(&m, mu_u, sigma_u, 0.05);
    }
}
