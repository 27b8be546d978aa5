//! On-chip learning on `loihi2-like` in the learning engine's own form
//! (specs/targets.md 1.3): a rule is a sum of products
//! `dw = Σ S_i · dependency_i · factor_i`, run once per epoch of `T_epoch` steps with
//! 7-bit traces, the fixed-point application steps 1-5 and the sign mode's weight
//! range. [`lower`] turns a graph rule into that form or says why it cannot;
//! `engine.rs` holds the integer arithmetic, `plastic.rs` runs it inside the runtime.
//!
//! # What is lowered
//!
//! `stdp_pair`, additive (`mu = 0`), all-to-all, with `w_min = 0 < w_max` on an
//! excitatory projection with one delay, becomes
//!
//! ```text
//! dw = S+ · x1 · y0  -  S- · y1 · x0          (S = m · 2^E, m in 1..=15)
//! ```
//!
//! with `x1` (`tau_plus`) and `y1` (`tau_minus`) traces whose impulses carry the
//! precision: `S+ = 15 · 2^E+` and the impulse `I+ = R A+ / S+` in `[16, 32)` with 8
//! fractional bits (`R = w_max - w_min` in weight mantissas), the same for `S-`, `I-`.
//! The weights use the EXCITATORY sign mode (integers 0..=255 times `2^e`, `e`
//! chosen so that `w_max` fits): the chip's upper bound is 255, not `w_max`, and the
//! plan says by how much they differ. Everything else is refused by name: nearest-
//! spike traces (an impulse adds, it cannot reset a trace), weight dependence
//! (`mu != 0`), other bounds, inhibitory or per-synapse-delay plastic projections,
//! and every other rule (third factors included: the graph's modulators have no
//! mapping onto Loihi 2's post-synaptic traces in this version).
//!
//! # Timing [spec choices]
//!
//! Epoch `k` holds steps `[k T, (k + 1) T)`; `x0` (`y0`) says that the pre (post)
//! neuron spiked in the epoch, at its emission step, the last spike counting. A
//! trace is a value `z` in 0..=127 at a step `t_z`; read at step `t` it is `z` when
//! `t = t_z`, else `sr(z exp(-(t - t_z) dt / tau))` (stochastic rounding). At a
//! neuron's last spike `s` of the epoch its trace becomes
//! `min(127, read(s) + I_int + [u < I_frac / 256])` at `t_z = s`. A `y0` product
//! reads `x1` at the post spike's step, an `x0` product `y1` at the pre spike's
//! step, each with the impulse of its own neuron's spike when that spike is not
//! later. A spike emitted at step `t` is transmitted with the weights of every
//! epoch that ended at or before `t`.
//!
//! # Random numbers
//!
//! Counter-based (`rng::uniform_at`, domain `Chip`): a trace's by
//! `(projection, side, gid)` and `epoch · 256 + slot` (slot 0: the read at the
//! spike, 1: the impulse fraction, 3 + o: a read at offset `o` of the epoch); a
//! weight's by `(projection, source gid, target gid, multiplicity)` and the epoch.
//! Nothing depends on threads or shards.

pub mod engine;
mod plastic;

pub use plastic::LoihiLearning;

use crate::LearningCaps;
use crate::error::{LowerError, Scope};
use synfire_graphs::{DelayTicks, Graph};
use synfire_rules::{Interaction, StdpPair};

use super::ID;

/// `loihi2-like`'s learning engine [src]/[pub].
pub const CAPS: LearningCaps = LearningCaps::TraceProducts { traces_pre: 2, traces_post: 3, trace_bits: 7, weight_bits: 8, epoch_max: 63, third_factor: true };

/// The default epoch [spec]: Davies 2018's typical values are 2 to 8 steps.
pub const DEFAULT_EPOCH: u16 = 2;

/// Which neuron's spike gates a product.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dependency {
    /// The presynaptic neuron spiked in the epoch.
    X0,
    /// The postsynaptic neuron spiked in the epoch.
    Y0,
}

/// A trace of a product.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TraceRef {
    /// The presynaptic trace `x1`.
    X1,
    /// The postsynaptic trace `y1`.
    Y1,
}

/// One product `m · 2^exp · dependency · trace`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Product {
    /// Its dependency.
    pub dep: Dependency,
    /// Its one factor.
    pub trace: TraceRef,
    /// Scale mantissa, 4 bits and a sign (`-15..=15`).
    pub mant: i8,
    /// Scale exponent (weight units per trace unit).
    pub exp: i8,
}

/// A trace's time constant and impulse.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TraceSpec {
    /// `tau / dt`.
    pub tau_steps: f64,
    /// The impulse in 1/256: integer part `impulse >> 8`, fraction `impulse & 255`.
    pub impulse: u16,
}

/// A rule in the learning engine's form, for one projection.
#[derive(Debug, Clone, PartialEq)]
pub struct LearningRule {
    /// The graph's rule name.
    pub name: String,
    /// Steps per epoch.
    pub epoch: u16,
    /// The presynaptic trace `x1`.
    pub x1: TraceSpec,
    /// The postsynaptic trace `y1`.
    pub y1: TraceSpec,
    /// The products, applied in this order.
    pub products: Vec<Product>,
    /// The weight exponent of the projection (weights are `w_int · 2^e`).
    pub weight_exp: i32,
    /// The largest weight mantissa (EXCITATORY: 255).
    pub w_max: i64,
}

impl LearningRule {
    /// The rule as text: `dw = 15*2^-10*x1*y0 - 15*2^-10*y1*x0`.
    pub fn text(&self) -> String {
        let mut s = String::from("dw =");
        for (k, p) in self.products.iter().enumerate() {
            let sign = match (p.mant < 0, k) {
                (true, _) => " - ",
                (false, 0) => " ",
                (false, _) => " + ",
            };
            let dep = if p.dep == Dependency::X0 { "x0" } else { "y0" };
            let tr = if p.trace == TraceRef::X1 { "x1" } else { "y1" };
            s += &format!("{sign}{}*2^{}*{tr}*{dep}", p.mant.unsigned_abs(), p.exp);
        }
        s
    }
}

/// Why projection `proj`'s rule has no learning-engine form, or `None` when it has.
pub fn refusal(graph: &Graph, proj: usize) -> Option<String> {
    let p = &graph.projections[proj];
    let spec = p.conn.rule.as_ref()?;
    if spec.name != synfire_rules::stdp_pair::NAME {
        return Some(format!(
            "rule '{}' has no sum-of-products form on the learning engine in this version (lowered: stdp_pair, additive, all-to-all); no silent fallback to host learning",
            spec.name
        ));
    }
    let rule = match StdpPair::from_spec(spec) {
        Ok(r) => r,
        Err(problems) => {
            return Some(format!("rule 'stdp_pair': {}", problems.iter().map(|q| format!("{}: {}", q.param, q.message)).collect::<Vec<_>>().join("; ")));
        }
    };
    let b = rule.bounds;
    if rule.interaction == Interaction::Nearest {
        return Some("rule 'stdp_pair' needs nearest-spike traces, which have no trace-product form (an impulse adds to a trace, it cannot reset it)".into());
    }
    if b.mu_plus != 0.0 || b.mu_minus != 0.0 {
        return Some(format!(
            "rule 'stdp_pair' needs weight dependence mu = ({}, {}), which is not lowered to w factors in this version",
            b.mu_plus, b.mu_minus
        ));
    }
    if b.min != 0.0 || !(b.max > 0.0 && b.max.is_finite()) {
        return Some(format!(
            "rule 'stdp_pair' needs bounds {}..={}: the EXCITATORY sign mode learns in 0..=255 weight steps, so w_min must be 0 < w_max",
            b.min, b.max
        ));
    }
    if p.conn.weight.mean() < 0.0 {
        return Some("rule 'stdp_pair' on inhibitory weights is not lowered in this version (EXCITATORY sign mode only)".into());
    }
    if matches!(p.delay, DelayTicks::PerSynapse { .. }) {
        return Some("rule 'stdp_pair' on per-synapse delays is not lowered in this version (one delay per plastic projection)".into());
    }
    None
}

/// `w_max` of a lowerable rule, in the engine's weight unit.
pub fn w_max(graph: &Graph, proj: usize) -> Option<f64> {
    let p = &graph.projections[proj];
    let rule = StdpPair::from_spec(p.conn.rule.as_ref()?).ok()?;
    Some(rule.bounds.max * p.weight_scale)
}

/// `floor(log2(s / 15))`: the exponent `E` with `s / (15 · 2^E)` in `[1, 2)`.
fn scale_exponent(s: f64) -> i32 {
    (s / 15.0).log2().floor() as i32
}

/// Lowers projection `proj`'s rule at weight exponent `weight_exp` and `per_unit`
/// mantissas per engine weight unit; `epoch` in 1..=63.
pub fn lower(graph: &Graph, proj: usize, per_unit: f64, weight_exp: i32, epoch: u16) -> Result<LearningRule, LowerError> {
    let p = &graph.projections[proj];
    let item = Scope::Projection(p.name.clone());
    if let Some(reason) = refusal(graph, proj) {
        return Err(LowerError::Unsupported { target: ID, item, reason });
    }
    if !(1..=63).contains(&epoch) {
        return Err(LowerError::Quantization { target: ID, item, detail: format!("epoch_steps = {epoch}: the learning epoch is 1..=63 steps") });
    }
    let spec = p.conn.rule.as_ref().ok_or_else(|| LowerError::Unsupported { target: ID, item: item.clone(), reason: "no rule".into() })?;
    let rule =
        StdpPair::from_spec(spec).map_err(|_| LowerError::Unsupported { target: ID, item: item.clone(), reason: "rule 'stdp_pair' does not read".into() })?;
    let range = rule.bounds.range() * p.weight_scale * per_unit / 2f64.powi(weight_exp);
    let dt = graph.dt.0;
    let mut products = Vec::new();
    let mut trace = |amp: f64, tau: f64, dep: Dependency, tr: TraceRef, sign: i8| -> Result<TraceSpec, LowerError> {
        let tau_steps = tau / dt;
        let s = range * amp; // weight mantissas per pairing at trace 1
        if s <= 0.0 {
            return Ok(TraceSpec { tau_steps, impulse: 0 });
        }
        // S = 15 · 2^E with the impulse R A / S in [16, 32): E = floor(log2(R A / 15)) - 4.
        let e = scale_exponent(s) - 4;
        if !(-15..=0).contains(&e) {
            return Err(LowerError::Quantization {
                target: ID,
                item: item.clone(),
                detail: format!("a pairing changes the weight by {s:.3e} mantissas: its scale exponent {e} is outside -15..=0"),
            });
        }
        let impulse = (s / (15.0 * 2f64.powi(e)) * 256.0).round_ties_even() as u16;
        products.push(Product { dep, trace: tr, mant: 15 * sign, exp: e as i8 });
        Ok(TraceSpec { tau_steps, impulse })
    };
    let x1 = trace(rule.a_plus, rule.tau_plus.0, Dependency::Y0, TraceRef::X1, 1)?;
    let y1 = trace(rule.a_minus, rule.tau_minus.0, Dependency::X0, TraceRef::Y1, -1)?;
    Ok(LearningRule { name: spec.name.clone(), epoch, x1, y1, products, weight_exp, w_max: 255 })
}
