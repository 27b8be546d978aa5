//! Metaplastic wrappers (spec 7): a base rule proposes an update, the wrapper owns the
//! extra per-synapse state and decides how the update is applied.
//!
//! A wrapper is a rule spec of its own whose [`RuleSpec::base`] is the base rule:
//!
//! ```
//! use synfire_graphs::{PlasticityRule, UnitExt};
//! use synfire_rules::{BennaFusi, Metaplastic, Stdp};
//!
//! let spec = Stdp::pair().benna_fusi(BennaFusi::geometric(6).clock(1.0.ms())).to_spec();
//! assert_eq!(spec.name, "benna_fusi");
//! assert_eq!(spec.base.as_ref().map(|b| b.name.as_str()), Some("stdp_pair"));
//! ```
//!
//! In a scenario file: `rule = { name = "benna_fusi", m = 6, base = { name = "stdp_pair" } }`.
//!
//! The base rule proposes a change per event and an [`Update`] applies it: the
//! kernels of the shared event engines (`stdp_pair`, `triplet`, `istdp`;
//! `crate::driver`) and signal-gated learning (`signal_hebb`, so the delta rule
//! `Delta::new().error("E").metaplastic(1.0)`, on its own lazy engine) and
//! reward-modulated STDP (`crate::rstdp`, whose eligibility proposes `h m c` each
//! rewarded tick, on its lazy engine) and the gradient rules e-prop (`eprop`,
//! `eprop_readout`) and SuperSpike, whose optimiser steps propose the change the
//! optimiser would make, applied at the tick the step acts (`crate::eprop`,
//! `crate::superspike`). One
//! mechanism for both: [`Meta::with_update`] builds the wrapper's `Update` and hands it
//! to the base's engine. In a file the wrapper holds every input, its base's too:
//! `rule = { name = "meta_hidden", m = 1, base = { name = "signal_hebb" }, inputs = { signal = "E" } }`.
//! Each wrapper is an `Update` with its own arrays, so static and plain plastic
//! projections pay nothing for it:
//!
//! - [`benna_fusi`]: the chain of `m` beakers (7.1), lazy and exact;
//! - [`hidden`]: metaplastic hidden weights (7.2), analog or binary;
//! - [`si`]: online synaptic intelligence (7.3) with its `consolidate` input.

pub mod benna_fusi;
pub mod chain;
pub mod hidden;
pub mod si;

use crate::bounds::Bounds;
use crate::driver::{Kernel, Parts, Update};
use crate::error::{RuleError, problem};
use crate::params::{Checks, Reader, Writer};
use crate::plasticity::{Plasticity, ProjectionInfo};
use chain::{ChainConstants, MAX_BEAKERS};
use synfire_graphs::{PlasticityRule, RuleProblem, RuleSpec, Time, UnitExt};

/// Catalogue name of the Benna–Fusi wrapper.
pub const BENNA_FUSI: &str = "benna_fusi";
/// Catalogue name of the hidden-weight wrapper.
pub const HIDDEN: &str = "meta_hidden";
/// Catalogue name of the synaptic-intelligence wrapper.
pub const SI: &str = "synaptic_intelligence";

/// The base rules a wrapper takes: kernels of the shared engines that do not read the
/// weight they are given (a Benna–Fusi settle rewrites the stored efficacy, which must
/// not change what a kernel proposes), signal-gated learning (so the delta rule),
/// reward-modulated STDP, e-prop's two rules and SuperSpike, which propose their
/// changes through the same [`Update`] on their own engines ([`OwnEngine`]; the
/// gradient rules' proposals do not depend on the weight either).
pub const BASES: &[&str] = &[
    crate::stdp_pair::NAME,
    crate::triplet::NAME,
    crate::istdp::NAME,
    crate::signal_hebb::NAME,
    crate::rstdp::NAME,
    crate::eprop::NAME,
    crate::eprop::READOUT,
    crate::superspike::NAME,
];

/// Parameters of the Benna–Fusi chain (spec 7.1).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BennaFusi {
    /// Number of beakers (1..=16).
    pub m: usize,
    /// `None`: geometric constants; `Some((a, b))`: end-point timescales in clock units.
    pub endpoints: Option<(f64, f64)>,
    /// One unit of the consolidation clock.
    pub clock: Time,
    /// Integrate the ODE exactly instead of the discrete steps.
    pub continuous: bool,
}

impl BennaFusi {
    /// Geometric constants (Kaplanis et al.), one step per millisecond.
    pub fn geometric(m: usize) -> Self {
        BennaFusi { m, endpoints: None, clock: 1.0.ms(), continuous: false }
    }
    /// Constants by end-point timescales `a..b` in clock units.
    pub fn endpoints(m: usize, a: f64, b: f64) -> Self {
        BennaFusi { endpoints: Some((a, b)), ..BennaFusi::geometric(m) }
    }
    /// Sets the clock unit.
    pub fn clock(mut self, t: Time) -> Self {
        self.clock = t;
        self
    }
    /// The exact ODE instead of discrete steps.
    pub fn continuous(mut self) -> Self {
        self.continuous = true;
        self
    }
    /// The chain's constants.
    pub fn constants(&self) -> ChainConstants {
        match self.endpoints {
            None => ChainConstants::geometric(self.m),
            Some((a, b)) => ChainConstants::endpoints(self.m, a, b),
        }
    }
}

/// Parameters of metaplastic hidden weights (spec 7.2).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HiddenWeights {
    /// Metaplasticity `m` (0: the plain rule).
    pub m: f64,
    /// Binary efficacy `sign(W_h) * w_scale` instead of `W_h`.
    pub binary: bool,
    /// Magnitude of the binary efficacy, in the projection's weight unit.
    pub w_scale: f64,
}

impl HiddenWeights {
    /// Analog hidden weights with metaplasticity `m`.
    pub fn analog(m: f64) -> Self {
        HiddenWeights { m, binary: false, w_scale: 1.0 }
    }
    /// Binary efficacy `±w_scale`.
    pub fn binary(m: f64, w_scale: f64) -> Self {
        HiddenWeights { m, binary: true, w_scale }
    }
}

/// Parameters of online synaptic intelligence (spec 7.3).
#[derive(Debug, Clone, PartialEq)]
pub struct SynapticIntelligence {
    /// Strength `c`.
    pub c: f64,
    /// Damping `xi`.
    pub xi: f64,
    /// The base rule's learning rate (`δ = -eta g`).
    pub eta: f64,
    /// Task-free: consolidate every this long.
    pub every: Option<Time>,
    /// Decay time of `Omega`.
    pub tau_omega: Option<Time>,
    /// The scalar modulator whose rising edges consolidate.
    pub consolidate: Option<String>,
}

impl SynapticIntelligence {
    /// Strength `c`, damping 0.1.
    pub fn new(c: f64) -> Self {
        SynapticIntelligence { c, xi: 0.1, eta: 1.0, every: None, tau_omega: None, consolidate: None }
    }
    /// Sets the damping.
    pub fn xi(mut self, xi: f64) -> Self {
        self.xi = xi;
        self
    }
    /// Sets the base rule's learning rate.
    pub fn eta(mut self, eta: f64) -> Self {
        self.eta = eta;
        self
    }
    /// Consolidates when the scalar modulator `node` turns positive.
    pub fn consolidate_on(mut self, node: &str) -> Self {
        self.consolidate = Some(node.to_string());
        self
    }
    /// Task-free: consolidates every `t`.
    pub fn every(mut self, t: Time) -> Self {
        self.every = Some(t);
        self
    }
    /// Lets `Omega` decay with time constant `t`.
    pub fn tau_omega(mut self, t: Time) -> Self {
        self.tau_omega = Some(t);
        self
    }
}

/// A wrapper's parameters.
#[derive(Debug, Clone, PartialEq)]
pub enum Meta {
    /// Spec 7.1.
    BennaFusi(BennaFusi),
    /// Spec 7.2.
    Hidden(HiddenWeights),
    /// Spec 7.3.
    Si(SynapticIntelligence),
}

/// A base rule wrapped by a metaplastic wrapper: the DSL form.
#[derive(Debug, Clone, PartialEq)]
pub struct Wrapped<B> {
    /// The base rule.
    pub base: B,
    /// The wrapper.
    pub meta: Meta,
}

/// `.benna_fusi(..)`, `.hidden_weights(..)`, `.synaptic_intelligence(..)` on every rule.
pub trait Metaplastic: PlasticityRule + Sized {
    /// Wraps the rule in a Benna–Fusi chain.
    fn benna_fusi(self, p: BennaFusi) -> Wrapped<Self> {
        Wrapped { base: self, meta: Meta::BennaFusi(p) }
    }
    /// Wraps the rule in metaplastic hidden weights.
    fn hidden_weights(self, p: HiddenWeights) -> Wrapped<Self> {
        Wrapped { base: self, meta: Meta::Hidden(p) }
    }
    /// Wraps the rule in synaptic intelligence.
    fn synaptic_intelligence(self, p: SynapticIntelligence) -> Wrapped<Self> {
        Wrapped { base: self, meta: Meta::Si(p) }
    }
    /// [`Metaplastic::hidden_weights`] with analog weights and metaplasticity `m`.
    fn metaplastic(self, m: f64) -> Wrapped<Self> {
        self.hidden_weights(HiddenWeights::analog(m))
    }
}

impl<T: PlasticityRule + Sized> Metaplastic for T {}

impl<B: PlasticityRule> PlasticityRule for Wrapped<B> {
    fn to_spec(&self) -> RuleSpec {
        let mut spec = self.meta.to_spec();
        // The wrapper holds every input, its own and its base's (the delta rule's
        // `signal`): the engine binds them there.
        let mut base = self.base.to_spec();
        spec.inputs.append(&mut base.inputs);
        spec.base = Some(Box::new(base));
        spec
    }
    fn check(&self) -> Vec<RuleProblem> {
        let mut p = self.meta.check();
        p.extend(self.base.check().into_iter().map(|q| problem(&format!("base.{}", q.param), q.message)));
        p
    }
}

impl Meta {
    /// Whether `name` is a wrapper's.
    pub fn is_wrapper(name: &str) -> bool {
        [BENNA_FUSI, HIDDEN, SI].contains(&name)
    }

    /// The inputs the wrapper reads.
    pub fn inputs(name: &str) -> &'static [&'static str] {
        if name == SI { &[si::INPUT] } else { &[] }
    }

    /// Reads a wrapper's own parameters (not its base).
    pub fn from_spec(spec: &RuleSpec) -> Result<Meta, Vec<RuleProblem>> {
        let mut r = Reader::new(spec);
        let meta = match spec.name.as_str() {
            BENNA_FUSI => {
                let m = r.number("m", 6.0);
                let (a, b) = (r.opt_number("a"), r.opt_number("b"));
                let p = BennaFusi {
                    m: if m >= 1.0 && m <= MAX_BEAKERS as f64 && m.fract() == 0.0 { m as usize } else { 0 },
                    endpoints: if a.is_some() || b.is_some() { Some((a.unwrap_or(1.0), b.unwrap_or(1024.0))) } else { None },
                    clock: r.time("clock", 1.0.ms()),
                    continuous: r.flag("continuous", false),
                };
                if p.m == 0 {
                    r.problems.push(problem("m", format!("{m} beakers: m must be a whole number in 1..={MAX_BEAKERS}")));
                }
                Meta::BennaFusi(p)
            }
            HIDDEN => {
                let d = HiddenWeights::analog(1.0);
                Meta::Hidden(HiddenWeights { m: r.number("m", d.m), binary: r.flag("binary", false), w_scale: r.number("w_scale", d.w_scale) })
            }
            _ => {
                let d = SynapticIntelligence::new(0.1);
                Meta::Si(SynapticIntelligence {
                    c: r.number("c", d.c),
                    xi: r.number("xi", d.xi),
                    eta: r.number("eta", d.eta),
                    every: r.opt_time("every"),
                    tau_omega: r.opt_time("tau_omega"),
                    consolidate: spec.inputs.get(si::INPUT).cloned(),
                })
            }
        };
        r.result(meta)
    }

    /// The wrapper as data (without its base).
    pub fn to_spec(&self) -> RuleSpec {
        match self {
            Meta::BennaFusi(p) => {
                let w = Writer::new(BENNA_FUSI).number("m", p.m as f64).quantity("clock", p.clock).flag("continuous", p.continuous);
                match p.endpoints {
                    Some((a, b)) => w.number("a", a).number("b", b).done(),
                    None => w.done(),
                }
            }
            Meta::Hidden(p) => Writer::new(HIDDEN).number("m", p.m).flag("binary", p.binary).number("w_scale", p.w_scale).done(),
            Meta::Si(p) => {
                let mut w = Writer::new(SI).number("c", p.c).number("xi", p.xi).number("eta", p.eta);
                if let Some(t) = p.every {
                    w = w.quantity("every", t);
                }
                if let Some(t) = p.tau_omega {
                    w = w.quantity("tau_omega", t);
                }
                let mut spec = w.done();
                if let Some(n) = &p.consolidate {
                    spec.inputs.insert(si::INPUT.to_string(), n.clone());
                }
                spec
            }
        }
    }

    /// Problems with the wrapper's parameters.
    pub fn check(&self) -> Vec<RuleProblem> {
        let mut c = Checks::default();
        match self {
            Meta::BennaFusi(p) => {
                c.positive_time("clock", p.clock);
                if let Some((a, b)) = p.endpoints {
                    c.positive("a", a);
                    c.positive("b", b);
                    if a > b {
                        c.push(problem("b", format!("the longest timescale {b} is shorter than the shortest {a}")));
                    }
                }
            }
            Meta::Hidden(p) => {
                c.non_negative("m", p.m);
                c.positive("w_scale", p.w_scale);
            }
            Meta::Si(p) => {
                c.non_negative("c", p.c);
                c.positive("xi", p.xi);
                c.positive("eta", p.eta);
                if let Some(t) = p.every {
                    c.positive_time("every", t);
                }
                if let Some(t) = p.tau_omega {
                    c.positive_time("tau_omega", t);
                }
            }
        }
        c.problems
    }

    /// Problems of this wrapper around a base rule with bounds `b`.
    pub(crate) fn check_base(&self, b: &Bounds) -> Vec<RuleProblem> {
        match self {
            Meta::BennaFusi(_) | Meta::Hidden(_) if b.mu_plus != 0.0 || b.mu_minus != 0.0 => {
                vec![problem(
                    "base.mu_plus",
                    "soft bounds act on the stored weight; this wrapper keeps its own state and only clips its efficacy: use hard bounds",
                )]
            }
            _ => Vec::new(),
        }
    }

    /// The running rule: the base's kernel and traces with this wrapper's update.
    pub(crate) fn build<K: Kernel<P, Q> + 'static, const P: usize, const Q: usize>(
        &self,
        parts: Parts<K, P, Q>,
        bounds: Bounds,
        info: &ProjectionInfo,
        engine: crate::driver::Engine,
    ) -> Result<Box<dyn Plasticity>, String> {
        self.with_update(bounds, info, 0, Shared { parts, info: *info, engine })
    }

    /// Makes this wrapper's [`Update`] for a projection (`bounds` in the engine's
    /// weight unit) and hands it to the base rule's engine `base`: the one place where
    /// a wrapper meets a base, whichever engine the base runs on (the shared event
    /// engines, signal-gated learning). `slot`: the first third-factor slot after the
    /// base rule's own inputs.
    pub(crate) fn with_update<B: WithUpdate>(&self, bounds: Bounds, info: &ProjectionInfo, slot: usize, base: B) -> Result<B::Out, String> {
        let n = info.n_synapses;
        let ticks = |t: Time| t.0 / info.dt.0;
        Ok(match self {
            Meta::BennaFusi(p) => {
                let update = benna_fusi::BennaFusiUpdate::new(&p.constants(), p.continuous, ticks(p.clock), (bounds.min, bounds.max), n)?;
                base.with(update)
            }
            Meta::Hidden(p) => {
                let binary = p.binary.then_some(p.w_scale * info.weight_scale);
                base.with(hidden::HiddenUpdate::new(p.m, binary, (bounds.min, bounds.max), n))
            }
            Meta::Si(p) => {
                let every = p.every.map(|t| ticks(t).round().max(1.0) as u64);
                let s2 = info.weight_scale * info.weight_scale;
                let update = si::SiUpdate::new(p.c, p.xi * s2, p.eta, every, p.tau_omega.map(ticks), bounds, p.consolidate.is_some(), n);
                base.with(update.at_slot(slot))
            }
        })
    }
}

/// A base rule's engine waiting for the wrapper's update ([`Meta::with_update`]).
pub(crate) trait WithUpdate {
    /// The running rule.
    type Out;
    /// The base's engine with `update` applying its proposed changes.
    fn with<U: Update + 'static>(self, update: U) -> Self::Out;
}

/// A base rule on an engine of its own that is generic over the [`Update`] applying
/// its proposed changes (signal-gated learning, reward-modulated STDP): one input
/// slot of its own (slot 0), the wrapper's inputs after it.
pub(crate) trait OwnEngine {
    /// Catalogue name, for errors.
    fn name(&self) -> &'static str;
    /// The base's inputs, and the same followed by synaptic intelligence's
    /// `consolidate` (whose slot is the first after the base's).
    fn inputs(&self) -> [&'static [&'static str]; 2];
    /// The base's bounds (its parameters' unit), in which the wrapper clips its
    /// efficacy (unbounded for the gradient rules).
    fn bounds(&self) -> Bounds;
    /// The base's engine with `update`, reading `inputs`.
    fn engine_with<U: Update + 'static>(&self, info: &ProjectionInfo, update: U, inputs: &'static [&'static str]) -> Result<Box<dyn Plasticity>, RuleError>;

    /// The rule behind the wrapper `meta`: the same engine, the wrapper's update
    /// applying the proposed changes.
    fn build_wrapped(&self, info: &ProjectionInfo, meta: &Meta) -> Result<Box<dyn Plasticity>, RuleError>
    where
        Self: Sized,
    {
        let bounds = crate::catalog::scale_bounds(self.bounds(), info.weight_scale);
        let slot = self.inputs()[0].len();
        meta.with_update(bounds, info, slot, Own { base: self, info }).map_err(|message| RuleError::Projection { rule: self.name().into(), message })?
    }
}

/// An [`OwnEngine`] base's side of [`WithUpdate`].
struct Own<'a, B> {
    base: &'a B,
    info: &'a ProjectionInfo,
}

impl<B: OwnEngine> WithUpdate for Own<'_, B> {
    type Out = Result<Box<dyn Plasticity>, RuleError>;
    fn with<U: Update + 'static>(self, update: U) -> Self::Out {
        let inputs = self.base.inputs()[usize::from(!update.inputs().is_empty())];
        self.base.engine_with(self.info, update, inputs)
    }
}

/// The shared event engines' side of [`WithUpdate`].
struct Shared<K, const P: usize, const Q: usize> {
    parts: Parts<K, P, Q>,
    info: ProjectionInfo,
    engine: crate::driver::Engine,
}

impl<K: Kernel<P, Q> + 'static, const P: usize, const Q: usize> WithUpdate for Shared<K, P, Q> {
    type Out = Box<dyn Plasticity>;
    fn with<U: Update + 'static>(self, update: U) -> Box<dyn Plasticity> {
        crate::driver::build_with(self.parts, update, &self.info, self.engine)
    }
}
