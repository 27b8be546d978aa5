//! Fluctuation-driven weight initialisation (Rossbroich, Gygax & Zenke 2022; specs 3).
//!
//! Chooses the mean and spread of a projection's weights so that, before any
//! learning, the free membrane potential `U` of each target neuron of the
//! dimensionless discrete LIF (`lif_discrete`, specs 1.2) fluctuates with mean `mu_u`
//! and standard deviation `sigma_u`. With shot noise of rate `nu` through the PSP
//! kernel `eps` of a unit weight (Campbell's theorem):
//!
//! ```text
//! mu_U      = sum_c N_c nu_c mu_w(c) eps_bar
//! sigma_U^2 = sum_c N_c nu_c (sigma_w(c)^2 + mu_w(c)^2) eps_hat
//! eps_bar   = integral eps(t) dt,   eps_hat = integral eps(t)^2 dt
//! ```
//!
//! Every afferent projection `c` (fan-in `N_c`) gets the same mean weight and a share
//! `scale(c)` of the variance: `alpha / n_ff` for each feed-forward projection and
//! `(1 - alpha) / n_rec` for each recurrent one (source = target population):
//!
//! ```text
//! mu_w          = mu_U / (eps_bar sum_c N_c nu_c)
//! sigma_w(c)^2  = scale(c) sigma_U^2 / (N_c nu_c eps_hat) - mu_w^2
//! ```
//!
//! With one rate `nu` for every projection this is the form of specs 3.2; a rate per
//! projection is the same derivation with `N_total nu` replaced by `sum_c N_c nu_c`.
//! `alpha` is 1 when there is no recurrent projection and, symmetrically, 0 when
//! there is no feed-forward one. The threshold form `xi = (theta - mu_U) / sigma_U`
//! gives `sigma_U` from the target model's `theta`.
//!
//! [`Network::freeze`](crate::Network::freeze) resolves the initialiser into a
//! `normal(mu_w, sigma_w)` weight, drawn from the projection's seeded streams like
//! any other; this module is the pure arithmetic.

use crate::units::{Rate, Time};
use serde::{Deserialize, Serialize};

/// How the threshold distance is given.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Spread {
    /// The standard deviation of `U` itself (dimensionless).
    SigmaU(f64),
    /// The threshold sits `xi` standard deviations above the mean:
    /// `sigma_U = (theta - mu_U) / xi` with the target model's `theta`.
    Xi(f64),
}

/// How `eps_bar` and `eps_hat` are computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Epsilons {
    /// Sums over the discrete map's response to one input (stork's default; right
    /// for the engine at any `dt`).
    #[default]
    Numerical,
    /// The continuous-time integrals `tau_syn` and `tau_syn^2 / (2 (tau_syn + tau_mem))`.
    Analytic,
}

/// The fluctuation-driven initialiser of one projection.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct FluctuationDriven {
    /// Target mean of the free membrane potential (dimensionless).
    pub mu_u: f64,
    /// Target spread of `U`.
    pub spread: Spread,
    /// Firing rate of the source population.
    pub nu: Rate,
    /// Data-driven `nu`: measure the source's rate over `[0, window)` at freeze
    /// (spike times counted, Poisson schedules and rate arrays averaged; a
    /// population of neurons takes the fan-in-weighted rate of the measured sources
    /// onto the same target), replacing `nu`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nu_from_data: Option<Time>,
    /// Share of the variance carried by feed-forward projections, in `[0, 1]`.
    pub alpha: f64,
    /// How the kernel integrals are computed.
    pub epsilons: Epsilons,
}

/// The default share of the variance carried by feed-forward input (stork's).
pub const DEFAULT_ALPHA: f64 = 0.9;

impl FluctuationDriven {
    /// Mean `mu_u` and standard deviation `sigma_u` of `U`, with sources firing at `nu`.
    pub fn new(mu_u: f64, sigma_u: f64, nu: Rate) -> Self {
        FluctuationDriven { mu_u, spread: Spread::SigmaU(sigma_u), nu, nu_from_data: None, alpha: DEFAULT_ALPHA, epsilons: Epsilons::Numerical }
    }
    /// The centred variant: `mu_u = 0`, so `mu_w = 0`.
    pub fn centred(sigma_u: f64, nu: Rate) -> Self {
        Self::new(0.0, sigma_u, nu)
    }
    /// Mean `mu_u`, the threshold `xi` standard deviations above it.
    pub fn xi(mu_u: f64, xi: f64, nu: Rate) -> Self {
        FluctuationDriven { spread: Spread::Xi(xi), ..Self::new(mu_u, 0.0, nu) }
    }
    /// Measures `nu` from the source's data over `[0, window)` when the graph is
    /// frozen (stork's data-driven `nu`), instead of the given rate.
    pub fn nu_from_data(mut self, window: Time) -> Self {
        self.nu_from_data = Some(window);
        self
    }
    /// Sets the feed-forward share of the variance.
    pub fn alpha(mut self, alpha: f64) -> Self {
        self.alpha = alpha;
        self
    }
    /// Sets how the kernel integrals are computed.
    pub fn epsilons(mut self, e: Epsilons) -> Self {
        self.epsilons = e;
        self
    }

    /// The target `sigma_U`, given the model's threshold for the `xi` form.
    pub fn sigma_u(&self, theta: f64) -> Result<f64, FluctError> {
        finite("mu_u", self.mu_u)?;
        let sigma = match self.spread {
            Spread::SigmaU(s) => positive("sigma_u", s)?,
            Spread::Xi(xi) => (theta - self.mu_u) / positive("xi", xi)?,
        };
        if !(sigma > 0.0 && sigma.is_finite()) {
            return Err(FluctError::BelowMean { mu_u: self.mu_u, theta });
        }
        Ok(sigma)
    }
}

/// Why an initialiser has no solution. Each names the field and its value.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum FluctError {
    /// A rate, time constant or spread that must be positive and finite.
    #[error("`{field}` = {value} is not a positive finite number")]
    NotPositive { field: &'static str, value: f64 },
    /// A number that must be finite.
    #[error("`{field}` = {value} is not finite")]
    NotFinite { field: &'static str, value: f64 },
    /// `alpha` outside `[0, 1]`.
    #[error("`alpha` = {0} is outside [0, 1]")]
    AlphaOutOfRange(f64),
    /// The `xi` form with a mean at or above the threshold.
    #[error("`mu_u` = {mu_u} is not below the threshold theta = {theta}, so no positive xi places the threshold above it")]
    BelowMean { mu_u: f64, theta: f64 },
    /// The projection has no synapse onto an average target.
    #[error("the fan-in is 0: a projection without synapses cannot carry variance")]
    NoInput,
    /// The mean weight alone makes more variance than this projection's share.
    #[error(
        "sigma_w^2 = {sigma_w2:.4e} is negative: mean weight mu_w = {mu_w:.4e} alone exceeds the variance share {share:.4e} of sigma_u^2; lower `mu_u` or raise `sigma_u`"
    )]
    NegativeVariance { sigma_w2: f64, mu_w: f64, share: f64 },
}

impl FluctError {
    /// The field of the initialiser the problem is about.
    pub fn field(&self) -> &'static str {
        match self {
            FluctError::NotPositive { field, .. } | FluctError::NotFinite { field, .. } => field,
            FluctError::AlphaOutOfRange(_) => "alpha",
            FluctError::BelowMean { .. } => "mu_u",
            FluctError::NoInput => "fan_in",
            FluctError::NegativeVariance { .. } => "sigma_u",
        }
    }
}

fn positive(field: &'static str, value: f64) -> Result<f64, FluctError> {
    if value > 0.0 && value.is_finite() { Ok(value) } else { Err(FluctError::NotPositive { field, value }) }
}

fn finite(field: &'static str, value: f64) -> Result<f64, FluctError> {
    if value.is_finite() { Ok(value) } else { Err(FluctError::NotFinite { field, value }) }
}

/// The kernel integrals of a unit weight, in seconds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Kernel {
    /// `integral eps(t) dt`.
    pub eps_bar: f64,
    /// `integral eps(t)^2 dt`.
    pub eps_hat: f64,
}

/// The kernel integrals of `lif_discrete` with `tau_mem`, `tau_syn` at step `dt`.
///
/// The numerical kernel is the engine's own map (`runtime/src/models/lif_discrete.rs`)
/// after one input of weight 1: the input enters `I` in the tick it arrives and
/// moves `U` from the next tick on (`U` reads the old `I`), so `eps[0] = 0`,
/// `eps[1] = 1 - lambda_m`, ... over `10 max(tau)`. A different delay only shifts
/// the kernel, which changes neither sum.
pub fn kernel(mode: Epsilons, tau_mem: Time, tau_syn: Time, dt: Time) -> Result<Kernel, FluctError> {
    let (tm, ts, h) = (positive("tau_m", tau_mem.0)? * 1e-3, positive("tau_syn", tau_syn.0)? * 1e-3, positive("dt", dt.0)? * 1e-3);
    Ok(match mode {
        Epsilons::Analytic => Kernel { eps_bar: ts, eps_hat: ts * ts / (2.0 * (ts + tm)) },
        Epsilons::Numerical => {
            let (lambda_m, gain, lambda_s) = ((-h / tm).exp(), -(-h / tm).exp_m1(), (-h / ts).exp());
            let steps = (10.0 * tm.max(ts) / h).round().max(1.0) as u64;
            let (mut u, mut i, mut sum, mut sum_sq) = (0.0f64, 1.0f64, 0.0, 0.0);
            for _ in 0..steps {
                sum += u;
                sum_sq += u * u;
                u = lambda_m * u + gain * i;
                i *= lambda_s;
            }
            Kernel { eps_bar: h * sum, eps_hat: h * sum_sq }
        }
    })
}

/// One afferent projection of a target population, as the closed form sees it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Afferent {
    /// Mean number of synapses onto one target neuron.
    pub fan_in: f64,
    /// Firing rate of the sources.
    pub nu: Rate,
    /// Whether the source is the target population itself.
    pub recurrent: bool,
}

/// The weight distribution of one projection (dimensionless).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Moments {
    /// Mean weight.
    pub mu_w: f64,
    /// Standard deviation of the weights.
    pub sigma_w: f64,
}

/// The weights of every afferent projection of one target for mean `mu_u`, spread
/// `sigma_u` and feed-forward share `alpha`; one result per afferent, in order.
pub fn solve(mu_u: f64, sigma_u: f64, alpha: f64, k: Kernel, afferents: &[Afferent]) -> Vec<Result<Moments, FluctError>> {
    let checked = finite("mu_u", mu_u)
        .and_then(|_| positive("sigma_u", sigma_u))
        .and_then(|_| if (0.0..=1.0).contains(&alpha) { Ok(()) } else { Err(FluctError::AlphaOutOfRange(alpha)) });
    if let Err(e) = checked {
        return afferents.iter().map(|_| Err(e.clone())).collect();
    }
    let n_rec = afferents.iter().filter(|a| a.recurrent).count();
    let n_ff = afferents.len() - n_rec;
    let alpha = match (n_ff, n_rec) {
        (_, 0) => 1.0,
        (0, _) => 0.0,
        _ => alpha,
    };
    // An afferent with a bad rate or no synapses reports its own problem; leaving it
    // out keeps the others' numbers finite so that they report nothing spurious.
    let valid = |a: &&Afferent| a.nu.0 > 0.0 && a.nu.0.is_finite() && a.fan_in > 0.0 && a.fan_in.is_finite();
    let drive: f64 = afferents.iter().filter(valid).map(|a| a.fan_in * a.nu.0).sum();
    let mu_w = mu_u / (k.eps_bar * drive);
    afferents
        .iter()
        .map(|a| {
            positive("nu", a.nu.0)?;
            if !(a.fan_in > 0.0 && a.fan_in.is_finite()) {
                return Err(FluctError::NoInput);
            }
            let scale = if a.recurrent { (1.0 - alpha) / n_rec as f64 } else { alpha / n_ff as f64 };
            let share = scale * sigma_u * sigma_u / (a.fan_in * a.nu.0 * k.eps_hat);
            let sigma_w2 = share - mu_w * mu_w;
            if sigma_w2 < 0.0 {
                return Err(FluctError::NegativeVariance { sigma_w2, mu_w, share });
            }
            finite("mu_w", mu_w)?;
            Ok(Moments { mu_w, sigma_w: finite("sigma_w", sigma_w2.sqrt())? })
        })
        .collect()
}

#[cfg(test)]
mod tests;
