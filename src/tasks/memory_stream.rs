//! `memory-stream` (spec 10.5): the synapse-level memory capacity of Benna–Fusi
//! synapses against plain decaying ones.
//!
//! `N` synapses of one neuron receive a stream of random memories: at step `μ` a
//! random `ξ^μ ∈ {±1}^N` is imposed as `δw = eta ξ^μ`. The signal of memory `μ` at
//! age `a` is `S = (1/N) Σ_i ξ_i^μ w_i(μ + a)`; its noise is the standard deviation of
//! `S` over memories. Since the chain is linear, the mean signal is `eta` times the
//! pulse response of spec 7.1: `t^(-1/2)` for a chain of `m = 10` beakers, `(7/8)^t`
//! for one (the plain decaying synapse). The task fits the log-log slope of the mean
//! signal over ages 10 to 1000 (two decades) and the plain synapse's decay time.
//!
//! The synapses are the wrapper's own ([`ChainSynapses`]: the same state and
//! arithmetic as `benna_fusi` in a network), one clock step per memory.

use super::{Figure, Outcome, Progress, Series, Setup, Stats, Table, Task, TaskError};
use synfire_graphs::rng::{Domain, uniform_at};
use synfire_graphs::{Tick, UnitExt};
use synfire_rules::BennaFusi;
use synfire_rules::metaplastic::benna_fusi::ChainSynapses;

const NAME: &str = "memory-stream";
/// Synapses.
const N: usize = 1000;
/// Imposed step.
const ETA: f64 = 0.01;
/// Beakers of the Benna–Fusi synapse.
const M: usize = 10;
/// Memories stored before the first probed one (the stream reaches steady state).
const WARM_UP: u64 = 1000;
/// Probed memories by default (`--iterations` changes it).
const PROBED: u64 = 1000;
/// The fit range of ages (two decades).
const FIT: (u64, u64) = (10, 1000);

/// The task.
#[derive(Debug, Clone, Copy, Default)]
pub struct MemoryStream;

/// Ages at which signals are read: 0..10 each, then 8 per decade to 1000.
fn ages() -> Vec<u64> {
    let mut a: Vec<u64> = (0..10).collect();
    a.extend((0..=16).map(|i| (10.0 * 10f64.powf(f64::from(i) / 8.0)).round() as u64));
    a.dedup();
    a
}

/// Mean and standard deviation over memories of the signal at each age, for one
/// seed and chain length `m`.
fn signals(m: usize, seed: u64, probed: u64, ages: &[u64]) -> Result<Vec<(f64, f64)>, TaskError> {
    let mut syn = ChainSynapses::new(&BennaFusi::geometric(m), 1.0.ms(), &[0.0; N]).map_err(|e| TaskError::Setting {
        task: NAME,
        setting: "m",
        value: m.to_string(),
        why: e.to_string(),
    })?;
    let max_age = *ages.last().unwrap_or(&0);
    let steps = WARM_UP + probed + max_age;
    // The probed memories' patterns, and per (age) the signals over memories.
    let mut patterns: Vec<Vec<i8>> = Vec::with_capacity(probed as usize);
    let mut sums = vec![(0.0f64, 0.0f64); ages.len()];
    let mut w = vec![0.0f32; N];
    for t in 0..steps {
        // ξ^t from the counter-based stimulus stream: id = memory, counter = synapse.
        let xi: Vec<i8> = (0..N).map(|k| if uniform_at(seed, Domain::Stimulus, t, k as u64) < 0.5 { 1 } else { -1 }).collect();
        for (k, &x) in xi.iter().enumerate() {
            syn.add(k, Tick(t), ETA * f64::from(x));
        }
        if (WARM_UP..WARM_UP + probed).contains(&t) {
            patterns.push(xi);
        }
        // Memories whose age at `t` is one of `ages`.
        let due: Vec<(usize, usize)> = ages
            .iter()
            .enumerate()
            .filter_map(|(ai, &a)| t.checked_sub(a).filter(|mu| (WARM_UP..WARM_UP + probed).contains(mu)).map(|mu| (ai, (mu - WARM_UP) as usize)))
            .collect();
        if !due.is_empty() {
            syn.efficacies(Tick(t), &mut w);
            for (ai, p) in due {
                let s: f64 = patterns[p].iter().zip(&w).map(|(&x, &w)| f64::from(x) * f64::from(w)).sum::<f64>() / N as f64;
                sums[ai].0 += s;
                sums[ai].1 += s * s;
            }
        }
    }
    let n = probed as f64;
    Ok(sums.iter().map(|&(s, s2)| (s / n, ((s2 - s * s / n) / (n - 1.0)).max(0.0).sqrt())).collect())
}

/// Least-squares slope and intercept of `y` against `x`.
pub fn fit_line(pts: &[(f64, f64)]) -> (f64, f64) {
    let n = pts.len() as f64;
    let (mx, my) = (pts.iter().map(|p| p.0).sum::<f64>() / n, pts.iter().map(|p| p.1).sum::<f64>() / n);
    let slope = pts.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum::<f64>() / pts.iter().map(|p| (p.0 - mx).powi(2)).sum::<f64>();
    (slope, my - slope * mx)
}

/// The log-log slope of the mean signal over the ages in `range` where the mean is
/// above three standard errors (`probed` memories), and the ages used.
fn exponent(ages: &[u64], s: &[(f64, f64)], range: (u64, u64), probed: u64) -> (f64, (u64, u64)) {
    let used: Vec<(u64, f64)> =
        ages.iter().zip(s).filter(|(a, m)| (range.0..=range.1).contains(*a) && m.0 > 3.0 * m.1 / (probed as f64).sqrt()).map(|(&a, m)| (a, m.0)).collect();
    let pts: Vec<(f64, f64)> = used.iter().map(|&(a, m)| ((a as f64).ln(), m.ln())).collect();
    let span = (used.first().map_or(0, |u| u.0), used.last().map_or(0, |u| u.0));
    (if pts.len() >= 2 { fit_line(&pts).0 } else { f64::NAN }, span)
}

/// The plain synapse's decay time (steps) from a semi-log fit over ages 0..=20, where
/// its signal is far above the noise of the mean.
fn decay_time(ages: &[u64], s: &[(f64, f64)]) -> f64 {
    let pts: Vec<(f64, f64)> = ages.iter().zip(s).filter(|(a, m)| **a <= 20 && m.0 > 0.0).map(|(&a, m)| (a as f64, m.0.ln())).collect();
    -1.0 / fit_line(&pts).0
}

impl Task for MemoryStream {
    fn name(&self) -> &'static str {
        NAME
    }

    fn about(&self) -> &'static str {
        "synapse-level memory stream (spec 10.5): signal of random memories vs age, Benna-Fusi (m = 10, t^-1/2) against a plain decaying synapse (exponential)"
    }

    fn default_seeds(&self) -> u64 {
        3
    }

    fn run(&self, setup: &Setup, progress: &mut dyn Progress) -> Result<Outcome, TaskError> {
        let probed = setup.iterations_or(PROBED);
        if probed < 2 {
            return Err(TaskError::Setting {
                task: NAME,
                setting: "iterations",
                value: probed.to_string(),
                why: "at least 2 probed memories give a noise".into(),
            });
        }
        let ages = ages();
        let mut runs: Vec<[Vec<(f64, f64)>; 2]> = Vec::new();
        progress.stage("memory stream", 2 * setup.seeds.len() as u64);
        for &seed in &setup.seeds {
            if progress.stop_requested() {
                return Err(TaskError::Interrupted { task: NAME });
            }
            let bf = signals(M, seed, probed, &ages)?;
            progress.advance(1, &format!("seed {seed}: Benna-Fusi slope {:.3}", exponent(&ages, &bf, FIT, probed).0));
            let plain = signals(1, seed, probed, &ages)?;
            progress.advance(1, &format!("seed {seed}: plain decay time {:.2}", decay_time(&ages, &plain)));
            runs.push([bf, plain]);
        }
        let exps = Stats::of(&runs.iter().map(|r| exponent(&ages, &r[0], FIT, probed).0).collect::<Vec<_>>());
        // The plain synapse's signal drowns within a few dozen memories: its slope over
        // the ages where it is measurable (from 2 on), which steepens with age.
        let plain_fits: Vec<(f64, (u64, u64))> = runs.iter().map(|r| exponent(&ages, &r[1], (2, FIT.1), probed)).collect();
        let plain_exps = Stats::of(&plain_fits.iter().map(|f| f.0).collect::<Vec<_>>());
        let plain_span = (plain_fits.iter().map(|f| f.1.0).min().unwrap_or(0), plain_fits.iter().map(|f| f.1.1).max().unwrap_or(0));
        let noise_free = {
            let pts: Vec<(f64, f64)> = ages.iter().filter(|a| (FIT.0..=FIT.1).contains(*a)).map(|&a| ((a as f64).ln(), pulse(M, a).ln())).collect();
            fit_line(&pts).0
        };
        let taus = Stats::of(&runs.iter().map(|r| decay_time(&ages, &r[1])).collect::<Vec<_>>());
        let mean_over = |v: usize, ai: usize, f: fn(&(f64, f64)) -> f64| runs.iter().map(|r| f(&r[v][ai])).sum::<f64>() / runs.len() as f64;

        let mut out = Outcome::default();
        out.set("n_synapses", N);
        out.set("eta", ETA);
        out.set("m", M);
        out.set("probed_memories", probed);
        out.set("fit_ages", [FIT.0, FIT.1]);
        out.set("exponent", &exps);
        out.set("exponent_expected", -0.5);
        out.set("exponent_noise_free", noise_free);
        out.set("exponent_plain", &plain_exps);
        out.set("fit_ages_plain", [plain_span.0, plain_span.1]);
        out.set("decay_time_plain_steps", &taus);
        out.set("decay_time_plain_expected", -1.0 / (7.0f64 / 8.0).ln());

        let mut rows = Vec::new();
        let (mut bf_pts, mut plain_pts) = (Vec::new(), Vec::new());
        for (ai, &a) in ages.iter().enumerate() {
            let (bm, bs) = (mean_over(0, ai, |x| x.0), mean_over(0, ai, |x| x.1));
            let (pm, ps) = (mean_over(1, ai, |x| x.0), mean_over(1, ai, |x| x.1));
            rows.push(vec![
                a.to_string(),
                format!("{bm:.6e}"),
                format!("{bs:.6e}"),
                format!("{:.4}", bm / bs),
                format!("{pm:.6e}"),
                format!("{ps:.6e}"),
                format!("{:.4}", pm / ps),
            ]);
            if a > 0 && bm > 0.0 {
                bf_pts.push((a as f64, bm));
            }
            if a > 0 && pm > 0.0 && pm > 3.0 * ps / (probed as f64).sqrt() {
                plain_pts.push((a as f64, pm));
            }
        }
        out.tables.push(Table {
            file: "signal.csv".into(),
            what: "mean signal, its noise (std over memories) and SNR by age, Benna-Fusi and plain, averaged over seeds".into(),
            header: ["age", "signal_bf", "noise_bf", "snr_bf", "signal_plain", "noise_plain", "snr_plain"].iter().map(|s| s.to_string()).collect(),
            rows,
        });
        let expected: Vec<(f64, f64)> = bf_pts.iter().map(|&(a, _)| (a, ETA * pulse(M, a as u64))).collect();
        out.figures.push(Figure {
            file: "signal.svg".into(),
            title: "memory signal vs age".into(),
            x_label: "age (memories)".into(),
            y_label: "mean signal".into(),
            log_x: true,
            log_y: true,
            series: vec![
                Series { name: format!("Benna-Fusi m = {M}"), points: bf_pts, spread: Vec::new() },
                Series { name: "eta x pulse (spec 7.1)".into(), points: expected, spread: Vec::new() },
                Series { name: "plain (m = 1)".into(), points: plain_pts, spread: Vec::new() },
            ],
        });
        out.summary = format!(
            "memory stream: {N} synapses, eta {ETA}, {probed} probed memories, {} seeds\n\
             {:<24} {:>48}\n\
             {:<24} {:>48}\n\
             {:<24} {:>48}\n\
             {:<24} {:>48}\n",
            setup.seeds.len(),
            "variant",
            "fit",
            format!("Benna-Fusi m = {M}"),
            format!("slope {} (ages {}..{}; pulse {noise_free:.3})", exps.show(3), FIT.0, FIT.1),
            "plain (m = 1)",
            format!("slope {} (ages {}..{})", plain_exps.show(2), plain_span.0, plain_span.1),
            "plain decay time",
            format!("{} steps (7.49)", taus.show(2)),
        );
        Ok(out)
    }
}

/// `u_1(t)` of the pulse test (spec 7.1), from the chain's modes.
fn pulse(m: usize, t: u64) -> f64 {
    let modes = synfire_rules::metaplastic::chain::Modes::new(&synfire_rules::metaplastic::chain::ChainConstants::geometric(m));
    let mut u = vec![0.0; m];
    u[0] = 1.0;
    modes.propagate(&u, t as f64, false)[0]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn benna_fusi_decays_as_a_power_law_and_plain_exponentially() {
        // Fewer memories than the default: noisier, still clear.
        let ages = ages();
        let bf = signals(M, 1, 300, &ages).unwrap();
        let e = exponent(&ages, &bf, FIT, 300).0;
        assert!((e + 0.5).abs() < 0.08, "slope {e}");
        let plain = signals(1, 1, 300, &ages).unwrap();
        let tau = decay_time(&ages, &plain);
        assert!((tau - 7.49).abs() < 0.5, "decay time {tau}");
        // Age 0: the memory itself, eta.
        assert!((bf[0].0 - ETA).abs() < 1e-3 * ETA + 3.0 * bf[0].1 / 300f64.sqrt());
    }
}
