//! The catalogue: rule names, checking specs, and turning them into running rules.

use crate::bounds::Bounds;
use crate::driver::Engine;
use crate::error::RuleError;
use crate::plasticity::{Plasticity, ProjectionInfo};
use crate::{eprop, istdp, orchestrated, rstdp, scaling, signal_hebb, stdp_pair, stp, superspike, triplet};
use synfire_graphs::{PlasticityRule, RuleCatalog, RuleProblem, RuleSpec, WeightBounds};

/// Every rule this crate knows, by catalogue name.
pub const RULES: &[&str] = &[
    stdp_pair::NAME,
    triplet::NAME,
    istdp::NAME,
    stp::NAME,
    scaling::NAME,
    orchestrated::NAME,
    rstdp::NAME,
    signal_hebb::NAME,
    eprop::NAME,
    eprop::READOUT,
    eprop::FEEDBACK,
    superspike::NAME,
];

/// The catalogue of this crate's rules, for `Network::freeze_with(&Catalog)`.
#[derive(Debug, Clone, Copy, Default)]
pub struct Catalog;

impl RuleCatalog for Catalog {
    fn check(&self, spec: &RuleSpec) -> Option<Vec<RuleProblem>> {
        Some(match parse(spec)? {
            Ok(rule) => rule.check(),
            Err(problems) => problems,
        })
    }

    fn synapse_state(&self, spec: &RuleSpec) -> Vec<&'static str> {
        // The names each rule's `Plasticity::synapse_state` answers.
        match spec.name.as_str() {
            crate::orchestrated::NAME => vec!["w_cons"],
            eprop::NAME | eprop::READOUT => vec!["g", "ebar"],
            eprop::FEEDBACK => vec!["g"],
            superspike::NAME => vec!["el", "el_flt", "m", "v"],
            _ => Vec::new(),
        }
    }

    fn names(&self) -> Vec<&'static str> {
        RULES.to_vec()
    }

    fn resolved(&self, spec: &RuleSpec) -> Option<RuleSpec> {
        let mut full = parse(spec)?.ok()?.to_spec();
        full.inputs.clone_from(&spec.inputs);
        Some(full)
    }

    fn weight_bounds(&self, spec: &RuleSpec) -> Option<WeightBounds> {
        let b = parse(spec)?.ok()?.bounds()?;
        let d = parse_params(&RuleSpec { name: spec.name.clone(), ..RuleSpec::default() })?.ok()?.bounds()?;
        Some(WeightBounds { min: b.min, max: b.max, default_min: d.min, default_max: d.max })
    }

    fn graded_ends(&self, spec: &RuleSpec) -> synfire_graphs::GradedEnds {
        match spec.name.as_str() {
            eprop::READOUT => synfire_graphs::GradedEnds { target: true, ..Default::default() },
            eprop::FEEDBACK => synfire_graphs::GradedEnds { source: true, feedback: true, ..Default::default() },
            _ => Default::default(),
        }
    }

    fn per_neuron_inputs(&self, spec: &RuleSpec) -> Vec<&'static str> {
        match spec.name.as_str() {
            signal_hebb::NAME => vec![signal_hebb::INPUT],
            eprop::NAME => vec![eprop::INPUT],
            superspike::NAME => vec![superspike::INPUT],
            _ => Vec::new(),
        }
    }
}

/// A parsed rule, before instantiation.
#[derive(Debug, Clone, PartialEq)]
enum Parsed {
    Pair(stdp_pair::StdpPair),
    Triplet(triplet::Triplet),
    Vogels(istdp::Vogels),
    Stp(stp::StpParams),
    Scaling(scaling::Scaling),
    Orchestrated(orchestrated::Orchestrated),
    Rstdp(rstdp::RewardStdp),
    SignalHebb(signal_hebb::SignalHebb),
    Eprop(eprop::Eprop),
    Feedback(eprop::EpropFeedback),
    SuperSpike(superspike::SuperSpike),
}

impl Parsed {
    fn check(&self) -> Vec<RuleProblem> {
        match self {
            Parsed::Pair(p) => p.check(),
            Parsed::Triplet(p) => p.check(),
            Parsed::Vogels(p) => p.check(),
            Parsed::Stp(p) => p.check(),
            Parsed::Scaling(p) => p.check(),
            Parsed::Orchestrated(p) => p.check(),
            Parsed::Rstdp(p) => p.check(),
            Parsed::SignalHebb(p) => p.check(),
            Parsed::Eprop(p) => p.check(),
            Parsed::Feedback(p) => p.check(),
            Parsed::SuperSpike(p) => p.check(),
        }
    }

    /// The rule as data with every default written out.
    fn to_spec(&self) -> RuleSpec {
        match self {
            Parsed::Pair(p) => p.to_spec(),
            Parsed::Triplet(p) => p.to_spec(),
            Parsed::Vogels(p) => p.to_spec(),
            Parsed::Stp(p) => p.to_spec(),
            Parsed::Scaling(p) => p.to_spec(),
            Parsed::Orchestrated(p) => p.to_spec(),
            Parsed::Rstdp(p) => p.to_spec(),
            Parsed::SignalHebb(p) => p.to_spec(),
            Parsed::Eprop(p) => p.to_spec(),
            Parsed::Feedback(p) => p.to_spec(),
            Parsed::SuperSpike(p) => p.to_spec(),
        }
    }

    /// The bounds the rule keeps its weights (magnitudes) in, if it changes weights.
    fn bounds(&self) -> Option<Bounds> {
        match self {
            Parsed::Pair(p) => Some(p.bounds),
            Parsed::Triplet(p) => Some(p.bounds),
            Parsed::Vogels(p) => Some(p.bounds),
            Parsed::Stp(_) => None,
            Parsed::Scaling(p) => Some(p.bounds),
            Parsed::Orchestrated(p) => Some(p.bounds),
            Parsed::Rstdp(p) => Some(p.bounds),
            Parsed::SignalHebb(p) => Some(p.bounds),
            // Gradient descent keeps no bounds.
            // Gradient rules: SuperSpike clips to its own signed `w_min..w_max`.
            Parsed::Eprop(_) | Parsed::Feedback(_) | Parsed::SuperSpike(_) => None,
        }
    }
}

/// The third-factor inputs a rule reads (what `Plasticity::inputs` of its running
/// form returns), by catalogue name.
fn inputs(name: &str) -> &'static [&'static str] {
    match name {
        rstdp::NAME => &[rstdp::INPUT],
        signal_hebb::NAME => &[signal_hebb::INPUT],
        eprop::NAME => &[eprop::INPUT],
        superspike::NAME => &[superspike::INPUT],
        _ => &[],
    }
}

/// `None` when no rule has the spec's name. Inputs the rule does not read are
/// problems for every rule: a binding that nothing reads would do nothing.
fn parse(spec: &RuleSpec) -> Option<Result<Parsed, Vec<RuleProblem>>> {
    let known = inputs(&spec.name);
    let unknown: Vec<RuleProblem> = spec
        .inputs
        .keys()
        .filter(|n| !known.contains(&n.as_str()))
        .map(|n| {
            let list = if known.is_empty() { "none".to_string() } else { known.join(", ") };
            crate::error::problem(&format!("inputs.{n}"), format!("this rule has no input `{n}` (known: {list})"))
        })
        .collect();
    let parsed = parse_params(spec)?;
    Some(match parsed {
        Ok(p) if unknown.is_empty() => Ok(p),
        Ok(_) => Err(unknown),
        Err(mut problems) => {
            problems.extend(unknown);
            Err(problems)
        }
    })
}

/// The rule's parameters, `None` when no rule has the spec's name.
fn parse_params(spec: &RuleSpec) -> Option<Result<Parsed, Vec<RuleProblem>>> {
    Some(match spec.name.as_str() {
        stdp_pair::NAME => stdp_pair::StdpPair::from_spec(spec).map(Parsed::Pair),
        triplet::NAME => triplet::Triplet::from_spec(spec).map(Parsed::Triplet),
        istdp::NAME => istdp::Vogels::from_spec(spec).map(Parsed::Vogels),
        stp::NAME => stp::StpParams::from_spec(spec).map(Parsed::Stp),
        scaling::NAME => scaling::Scaling::from_spec(spec).map(Parsed::Scaling),
        orchestrated::NAME => orchestrated::Orchestrated::from_spec(spec).map(Parsed::Orchestrated),
        rstdp::NAME => rstdp::RewardStdp::from_spec(spec).map(Parsed::Rstdp),
        signal_hebb::NAME => signal_hebb::SignalHebb::from_spec(spec).map(Parsed::SignalHebb),
        eprop::NAME | eprop::READOUT => eprop::Eprop::from_spec(spec).map(Parsed::Eprop),
        eprop::FEEDBACK => eprop::EpropFeedback::from_spec(spec).map(Parsed::Feedback),
        superspike::NAME => superspike::SuperSpike::from_spec(spec).map(Parsed::SuperSpike),
        _ => return None,
    })
}

/// Turns a rule spec into a running rule for one projection in one shard.
///
/// Weight-valued parameters (bounds, absolute amplitudes) are in the projection's
/// weight unit and are converted with `info.weight_scale`.
pub fn instantiate(spec: &RuleSpec, info: &ProjectionInfo) -> Result<Box<dyn Plasticity>, RuleError> {
    instantiate_with(spec, info, Engine::Auto)
}

/// [`instantiate`] with a choice of engine (the tests compare the eager and the lazy one).
#[doc(hidden)]
pub fn instantiate_with(spec: &RuleSpec, info: &ProjectionInfo, engine: Engine) -> Result<Box<dyn Plasticity>, RuleError> {
    let rule = || spec.name.clone();
    let parsed = parse(spec).ok_or_else(|| RuleError::Unknown { name: rule() })?.map_err(|problems| RuleError::Invalid { rule: rule(), problems })?;
    let problems = parsed.check();
    if !problems.is_empty() {
        return Err(RuleError::Invalid { rule: rule(), problems });
    }
    if info.delay.min() == 0 {
        return Err(RuleError::Projection {
            rule: rule(),
            message: "a delay of 0 ticks leaves no time to deliver spikes; delays must be at least one tick".into(),
        });
    }
    if !(info.weight_scale.is_finite() && info.weight_scale > 0.0) {
        return Err(RuleError::Projection { rule: rule(), message: format!("weight scale {} must be positive", info.weight_scale) });
    }
    if !(info.dt.0.is_finite() && info.dt.0 > 0.0) {
        return Err(RuleError::Projection { rule: rule(), message: format!("dt {} must be positive", info.dt) });
    }
    match &parsed {
        Parsed::Pair(p) => p.build(info, engine),
        Parsed::Triplet(p) => p.build(info, engine),
        Parsed::Vogels(p) => p.build(info, engine),
        Parsed::Stp(_) => Ok(Box::new(stp::StpRule::build(spec, info)?)),
        Parsed::Scaling(p) => p.build(info, engine),
        Parsed::Orchestrated(p) => p.build(info, engine),
        Parsed::Rstdp(p) => Ok(Box::new(p.build(info)?)),
        Parsed::SignalHebb(p) => Ok(Box::new(p.build(info)?)),
        Parsed::Eprop(p) => Ok(Box::new(p.build(info)?)),
        Parsed::Feedback(p) => Ok(Box::new(p.build(info)?)),
        Parsed::SuperSpike(p) => Ok(Box::new(p.build(info)?)),
    }
}

/// Bounds converted to the engine's weight unit (the exponents are unitless).
pub(crate) fn scale_bounds(b: Bounds, scale: f64) -> Bounds {
    Bounds { min: b.min * scale, max: b.max * scale, ..b }
}
