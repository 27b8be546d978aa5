//! Lowering a graph's CUBA LIF populations and their projections to Loihi integers
//! (the default quantiser of specs/targets.md 14.2, lava-dl's convention generalised).
//!
//! The model's `tau_m dv/dt = -(V - E_L) + I_e + I_i + R i_e` with voltage-unit
//! synaptic variables becomes, in integer state units of `S` per mV relative to
//! `V_reset`: `u = S g I` (with `g = dt/tau_m` for Euler, `1 - exp(-dt/tau_m)` for the
//! exact decays), a weight `w` adds `S g w` to `u`, so its mantissa is
//! `S g w / (64 2^e)`, and the bias is `S g (E_L - V_reset + R i_e)`. One `u` carries
//! both receptors with the excitatory time constant; inhibitory weights are scaled by
//! `tau_i / tau_e` to keep each spike's charge (an approximation, warned).

use crate::error::{LowerError, Scope};
use crate::numeric::round_even;
use crate::quant::WeightError;
use crate::wiring::Wiring;
use crate::{CompileOptions, Discretisation};
use serde::Serialize;
use synfire_graphs::{Graph, ModelKind};

use super::ID;
use super::cuba_lif::Params;

/// A lowered population.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PopLowering {
    /// Population name.
    pub name: String,
    /// Integer parameters.
    pub params: Params,
    /// State units per mV.
    pub scale: f64,
    /// `V_reset` (mV): integer 0.
    pub v_reset: f64,
    /// The input factor `g` (see the module docs).
    pub g: f64,
    /// Requested and effective (tau_syn, tau_m) in ms.
    pub tau: [(f64, f64); 2],
}

/// A lowered projection.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProjLowering {
    /// Shared weight exponent.
    pub weight_exp: i32,
    /// Mantissa per model-unit weight: `S g c / (64 2^e)` (c: charge factor).
    pub per_unit: f64,
    /// The sign mode of the stored mantissas.
    pub sign: SignMode,
    /// The error of the stored weights.
    pub error: WeightError,
}

fn constant(graph: &Graph, pop: usize, name: &str) -> Result<f64, LowerError> {
    let def = &graph.populations[pop];
    let model = graph.model(pop).ok_or_else(|| unsupported(&def.name, "a spike source has no parameters".into()))?;
    let value = model.param(name).ok_or_else(|| unsupported(&def.name, format!("parameter '{name}' is missing")))?;
    value.as_const().ok_or_else(|| unsupported(&def.name, format!("parameter '{name}' varies per neuron; loihi2-like lowers homogeneous populations only")))
}

fn unsupported(pop: &str, reason: String) -> LowerError {
    LowerError::Unsupported { target: ID, item: Scope::Population(pop.to_string()), reason }
}

fn quantization(pop: &str, detail: String) -> LowerError {
    LowerError::Quantization { target: ID, item: Scope::Population(pop.to_string()), detail }
}

/// The effective decay of time constant `tau` (ms) at step `dt` (ms).
pub fn decay(tau: f64, dt: f64, d: Discretisation) -> u16 {
    let x = match d {
        Discretisation::Exact => 4096.0 * (1.0 - (-dt / tau).exp()),
        Discretisation::Euler => 4096.0 * dt / tau,
    };
    round_even(x).clamp(0.0, 4096.0) as u16
}

/// The effective time constant of a decay: `-dt / ln(1 - D/4096)`.
pub fn tau_eff(d: u16, dt: f64) -> f64 {
    if d >= 4096 { 0.0 } else { -dt / (1.0 - f64::from(d) / 4096.0).ln() }
}

/// Lowers a `lif_cuba` population.
pub fn population(graph: &Graph, pop: usize, opts: &CompileOptions, warnings: &mut Vec<String>) -> Result<PopLowering, LowerError> {
    let name = &graph.populations[pop].name;
    if graph.model_kind(pop) != Some(ModelKind::LifCuba) {
        let model = graph.model_kind(pop).map_or("spike source", ModelKind::name);
        return Err(unsupported(name, format!("model '{model}' has no loihi2-like kernel (supported: lif_cuba)")));
    }
    let c = |p: &str| constant(graph, pop, p);
    let (tau_m, tau_e, tau_i, e_l, v_th, v_reset, t_ref, c_m, i_e) =
        (c("tau_m")?, c("tau_syn_e")?, c("tau_syn_i")?, c("e_l")?, c("v_th")?, c("v_reset")?, c("t_ref")?, c("c_m")?, c("i_e")?);
    let dt = graph.dt.0;
    let theta = v_th - v_reset;
    if theta <= 0.0 {
        return Err(quantization(name, format!("v_th - v_reset = {theta} mV; the threshold must lie above the reset (v = 0)")));
    }
    // Default scale: the largest power of two that puts the threshold below 2^20,
    // leaving 8x headroom below the 24-bit state.
    let scale = opts.state_scale.unwrap_or_else(|| 2f64.powi((f64::from(1u32 << 20) / theta).log2().floor() as i32));
    let vth = round_even(scale * theta / 64.0);
    if !(0.0..=131_071.0).contains(&vth) {
        return Err(quantization(name, format!("threshold mantissa {vth} (v_th - v_reset = {theta} mV at {scale} units/mV) is outside 0..=131071")));
    }
    let du = decay(tau_e, dt, opts.discretisation);
    let dv = decay(tau_m, dt, opts.discretisation);
    let g = match opts.discretisation {
        Discretisation::Exact => 1.0 - (-dt / tau_m).exp(),
        Discretisation::Euler => dt / tau_m,
    };
    let b = scale * g * (e_l - v_reset + tau_m / c_m * i_e);
    let Some(bias_exp) = (0..=7).find(|&e| round_even(b / f64::from(1 << e)).abs() <= 4095.0) else {
        return Err(quantization(name, format!("bias {b:.1} state units needs a mantissa above 4095 at every bias_exp 0..=7")));
    };
    let refractory = round_even(t_ref / dt);
    if refractory > 64.0 {
        return Err(quantization(name, format!("t_ref = {t_ref} ms is {refractory} steps; loihi2-like holds v for at most 64")));
    }
    if tau_e != tau_i {
        warnings.push(format!(
            "population '{name}': approximated: one synaptic current with tau_syn_e = {tau_e} ms for both receptors (tau_syn_i = {tau_i} ms); inhibitory weights scaled by {:.3} to keep each spike's charge",
            tau_i / tau_e
        ));
    }
    let params = Params { du, dv, vth_mant: vth as u32, bias_mant: round_even(b / f64::from(1 << bias_exp)) as i32, bias_exp, refractory: refractory as u8 };
    Ok(PopLowering { name: name.clone(), params, scale, v_reset, g, tau: [(tau_e, tau_eff(du, dt)), (tau_m, tau_eff(dv, dt))] })
}

/// Lowers projection `proj` onto lowered population `target`; a weight too large
/// for the mantissa at the largest exponent is a `Quantization` error.
pub fn projection(graph: &Graph, wiring: &Wiring, proj: usize, target: &PopLowering) -> Result<ProjLowering, LowerError> {
    projection_in(graph, wiring, proj, target, SignMode::Mixed, 0.0)
}

/// A weight's sign mode (Lava `SignMode`): which mantissas it can hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum SignMode {
    /// Even integers in `[-256, 254]`.
    Mixed,
    /// Integers in `[0, 255]` (a learning projection's weights).
    Excitatory,
}

impl SignMode {
    /// The mantissa of a real weight `x` (in units of `2^e`), nearest (ties to even)
    /// in this mode's values, and whether it was clipped.
    pub fn mantissa(self, x: f64) -> (i32, bool) {
        match self {
            SignMode::Mixed => mantissa(x),
            SignMode::Excitatory => {
                let m = round_even(x);
                (m.clamp(0.0, 255.0) as i32, !(0.0..=255.0).contains(&m))
            }
        }
    }

    fn largest(self) -> f64 {
        match self {
            SignMode::Mixed => 254.0,
            SignMode::Excitatory => 255.0,
        }
    }
}

/// [`projection`] in sign mode `sign`, with the exponent chosen so that weights up
/// to `w_cap` (engine units; a learning rule's `w_max`) fit as well.
pub fn projection_in(graph: &Graph, wiring: &Wiring, proj: usize, target: &PopLowering, sign: SignMode, w_cap: f64) -> Result<ProjLowering, LowerError> {
    let p = &graph.projections[proj];
    let tau = |n| graph.model(p.target).and_then(|m| m.param(n)).and_then(|v| v.as_const()).unwrap_or(1.0);
    let charge = if p.receptor == 1 { tau("tau_syn_i") / tau("tau_syn_e") } else { 1.0 };
    // A graded input's events carry `r · 2^8` (`graded.rs`): the weight is per payload unit.
    let payload = if graph.graded(p.source) { 2f64.powi(-super::graded::PAYLOAD_FRAC) } else { 1.0 };
    let real = target.scale * target.g * charge * payload / 64.0;
    let weights = &wiring.by_source[proj].weights;
    let max = weights.iter().fold((w_cap * real).abs(), |m, &w| m.max((f64::from(w) * real).abs()));
    let Some(weight_exp) = (-8..=7).find(|&e| max / 2f64.powi(e) <= sign.largest()) else {
        return Err(LowerError::Quantization {
            target: ID,
            item: Scope::Projection(p.name.clone()),
            detail: format!(
                "the largest weight needs a mantissa of {:.0} at weight_exp 7, above {} (8-bit weights): scale the state down",
                max / 128.0,
                sign.largest()
            ),
        });
    };
    let per_unit = real / 2f64.powi(weight_exp);
    let mode = match sign {
        SignMode::Mixed => format!("even i9 x 2^{weight_exp} (MIXED)"),
        SignMode::Excitatory => format!("u8 x 2^{weight_exp} (EXCITATORY)"),
    };
    let format = if payload < 1.0 { format!("{mode} x payload r 2^{}", super::graded::PAYLOAD_FRAC) } else { mode };
    let error = WeightError::measure(
        &p.name,
        format,
        weights.iter().map(|&w| {
            let (m, clip) = sign.mantissa(f64::from(w) * per_unit);
            (f64::from(w), f64::from(m) / per_unit, clip)
        }),
    );
    Ok(ProjLowering { weight_exp, per_unit, sign, error })
}

/// The MIXED-mode mantissa of a real weight `x` (in units of `2^e`): the even integer
/// nearest (ties to even), clipped to `[-256, 254]`; and whether it was clipped.
pub fn mantissa(x: f64) -> (i32, bool) {
    let m = 2.0 * round_even(x / 2.0);
    (m.clamp(-256.0, 254.0) as i32, !(-256.0..=254.0).contains(&m))
}
