//! The catalogue: rule names, checking specs, and turning them into running rules.

use crate::bounds::Bounds;
use crate::driver::Engine;
use crate::error::RuleError;
use crate::metaplastic::OwnEngine;
use crate::metaplastic::{self, Meta};
use crate::plasticity::{Plasticity, ProjectionInfo};
use crate::{disinhibition, disinhibition_spiking, eprop, istdp, orchestrated, rstdp, scaling, signal_hebb, stdp_pair, stp, superspike, triplet};
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
    metaplastic::BENNA_FUSI,
    metaplastic::HIDDEN,
    metaplastic::SI,
    disinhibition::NAME,
    disinhibition_spiking::NAME,
    superspike::NAME,
    superspike::FEEDBACK,
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
        // The names each rule's `Plasticity::synapse_state` answers (a wrapper's,
        // then its base's: a wrapped e-prop rule still answers `g`).
        if Meta::is_wrapper(&spec.name) {
            let mut names = self.own_synapse_state(spec);
            names.extend(spec.base.as_deref().map(|b| self.own_synapse_state(b)).unwrap_or_default());
            return names;
        }
        self.own_synapse_state(spec)
    }

    fn projection_inputs(&self, spec: &RuleSpec) -> Vec<&'static str> {
        match spec.name.as_str() {
            superspike::FEEDBACK => vec![superspike::FORWARD],
            _ => Vec::new(),
        }
    }

    fn weight_schedule(&self, spec: &RuleSpec) -> Option<synfire_graphs::WeightSchedule> {
        match parse(spec)?.ok()? {
            Parsed::SuperSpike(p) => Some(p.schedule()),
            _ => None,
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
            name if Meta::is_wrapper(name) => spec.base.as_deref().map(|b| self.graded_ends(b)).unwrap_or_default(),
            // The delta rule's rate form: graded presynaptic values, a rate unit's error.
            signal_hebb::NAME => synfire_graphs::GradedEnds { source: true, target: true, ..Default::default() },
            eprop::READOUT => synfire_graphs::GradedEnds { target: true, ..Default::default() },
            eprop::FEEDBACK => synfire_graphs::GradedEnds { source: true, feedback: true, ..Default::default() },
            superspike::FEEDBACK => synfire_graphs::GradedEnds { feedback: true, ..Default::default() },
            disinhibition::NAME => synfire_graphs::GradedEnds { source: true, target: true, ..Default::default() },
            // Graded inputs (the presynaptic trace reads their values); spiking targets.
            disinhibition_spiking::NAME => synfire_graphs::GradedEnds { source: true, ..Default::default() },
            _ => Default::default(),
        }
    }

    fn per_neuron_inputs(&self, spec: &RuleSpec) -> Vec<&'static str> {
        match spec.name.as_str() {
            name if Meta::is_wrapper(name) => spec.base.as_deref().map(|b| self.per_neuron_inputs(b)).unwrap_or_default(),
            signal_hebb::NAME => vec![signal_hebb::INPUT],
            eprop::NAME => vec![eprop::INPUT],
            disinhibition::NAME | disinhibition_spiking::NAME => disinhibition::per_neuron_inputs().to_vec(),
            superspike::NAME => vec![superspike::INPUT],
            _ => Vec::new(),
        }
    }
}

impl Catalog {
    /// The names a rule's own `Plasticity::synapse_state` answers.
    fn own_synapse_state(&self, spec: &RuleSpec) -> Vec<&'static str> {
        match spec.name.as_str() {
            crate::orchestrated::NAME => vec!["w_cons"],
            eprop::NAME | eprop::READOUT => vec!["g", "ebar"],
            eprop::FEEDBACK => vec!["g"],
            metaplastic::BENNA_FUSI => match parse(spec) {
                Some(Ok(Parsed::Wrapped(_, Meta::BennaFusi(p)))) => metaplastic::chain::BEAKER_NAMES[..p.m].to_vec(),
                _ => Vec::new(),
            },
            metaplastic::HIDDEN => vec!["w_h"],
            metaplastic::SI => vec!["omega", "Omega", "theta_star"],
            superspike::NAME => vec!["el", "el_flt", "m", "v"],
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
    /// A metaplastic wrapper and its base rule (one of [`metaplastic::BASES`]).
    Wrapped(Box<Parsed>, Meta),
    Disinhibition(disinhibition::Disinhibition),
    DisinhibitionSpiking(disinhibition_spiking::DisinhibitionSpiking),
    SuperSpike(superspike::SuperSpike),
    SuperSpikeFeedback(superspike::SuperSpikeFeedback),
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
            Parsed::Wrapped(base, meta) => {
                let mut problems = meta.check();
                problems.extend(base.check().into_iter().map(|q| crate::error::problem(&format!("base.{}", q.param), q.message)));
                if let Some(b) = base.bounds() {
                    problems.extend(meta.check_base(&b));
                }
                problems
            }
            Parsed::Disinhibition(p) => p.check(),
            Parsed::DisinhibitionSpiking(p) => p.check(),
            Parsed::SuperSpike(p) => p.check(),
            Parsed::SuperSpikeFeedback(p) => p.check(),
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
            Parsed::Wrapped(base, meta) => {
                let mut spec = meta.to_spec();
                let mut b = base.to_spec();
                spec.inputs.append(&mut b.inputs);
                spec.base = Some(Box::new(b));
                spec
            }
            Parsed::Disinhibition(p) => p.to_spec(),
            Parsed::DisinhibitionSpiking(p) => p.to_spec(),
            Parsed::SuperSpike(p) => p.to_spec(),
            Parsed::SuperSpikeFeedback(p) => p.to_spec(),
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
            Parsed::Eprop(_) | Parsed::Feedback(_) | Parsed::SuperSpike(_) => None,
            // A copy of another projection's weights, within that rule's clip.
            Parsed::SuperSpikeFeedback(_) => None,
            Parsed::Wrapped(base, _) => base.bounds(),
            Parsed::Disinhibition(p) => Some(p.bounds),
            Parsed::DisinhibitionSpiking(p) => Some(p.bounds),
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
        name if Meta::is_wrapper(name) => Meta::inputs(name),
        disinhibition::NAME | disinhibition_spiking::NAME => disinhibition::INPUTS,
        superspike::NAME => &[superspike::INPUT],
        // Names a projection, not a third factor; the running rule binds nothing.
        superspike::FEEDBACK => &[superspike::FORWARD],
        _ => &[],
    }
}

/// `None` when no rule has the spec's name. Inputs the rule does not read are
/// problems for every rule: a binding that nothing reads would do nothing.
fn parse(spec: &RuleSpec) -> Option<Result<Parsed, Vec<RuleProblem>>> {
    let base = spec.base.as_deref().filter(|_| Meta::is_wrapper(&spec.name)).map_or(&[][..], |b| inputs(&b.name));
    let known: Vec<&str> = inputs(&spec.name).iter().chain(base).copied().collect();
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
        name if Meta::is_wrapper(name) => return Some(parse_wrapped(spec)),
        disinhibition::NAME => disinhibition::Disinhibition::from_spec(spec).map(Parsed::Disinhibition),
        disinhibition_spiking::NAME => disinhibition_spiking::DisinhibitionSpiking::from_spec(spec).map(Parsed::DisinhibitionSpiking),
        superspike::NAME => superspike::SuperSpike::from_spec(spec).map(Parsed::SuperSpike),
        superspike::FEEDBACK => superspike::SuperSpikeFeedback::from_spec(spec).map(Parsed::SuperSpikeFeedback),
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
        Parsed::Pair(p) => p.build(info, engine, None),
        Parsed::Triplet(p) => p.build(info, engine, None),
        Parsed::Vogels(p) => p.build(info, engine, None),
        Parsed::Stp(_) => Ok(Box::new(stp::StpRule::build(spec, info)?)),
        Parsed::Scaling(p) => p.build(info, engine),
        Parsed::Orchestrated(p) => p.build(info, engine),
        Parsed::Rstdp(p) => Ok(Box::new(p.build(info)?)),
        Parsed::SignalHebb(p) => Ok(Box::new(p.build(info)?)),
        Parsed::Eprop(p) => Ok(Box::new(p.build(info)?)),
        Parsed::Feedback(p) => Ok(Box::new(p.build(info)?)),
        Parsed::Disinhibition(p) => Ok(Box::new(p.build(info)?)),
        Parsed::DisinhibitionSpiking(p) => Ok(Box::new(p.build(info)?)),
        Parsed::SuperSpike(p) => Ok(Box::new(p.build(info)?)),
        Parsed::SuperSpikeFeedback(p) => Ok(Box::new(p.build())),
        Parsed::Wrapped(base, meta) => match base.as_ref() {
            Parsed::Pair(p) => p.build(info, engine, Some(meta)),
            Parsed::Triplet(p) => p.build(info, engine, Some(meta)),
            Parsed::Vogels(p) => p.build(info, engine, Some(meta)),
            Parsed::SignalHebb(p) => OwnEngine::build_wrapped(p, info, meta),
            Parsed::Rstdp(p) => OwnEngine::build_wrapped(p, info, meta),
            Parsed::Eprop(p) => OwnEngine::build_wrapped(p, info, meta),
            Parsed::SuperSpike(p) => OwnEngine::build_wrapped(p, info, meta),
            // `parse_wrapped` takes no other base.
            _ => Err(RuleError::Unknown { name: base.to_spec().name }),
        },
    }
}

/// A wrapper's parameters and its base rule (`base.*` problems for the base).
fn parse_wrapped(spec: &RuleSpec) -> Result<Parsed, Vec<RuleProblem>> {
    let meta = Meta::from_spec(spec);
    let base = match spec.base.as_deref() {
        None => Err(vec![crate::error::problem("base", format!("a wrapper needs a base rule (one of {})", metaplastic::BASES.join(", ")))]),
        Some(b) if !metaplastic::BASES.contains(&b.name.as_str()) => Err(vec![crate::error::problem(
            "base.name",
            format!("`{}` cannot be wrapped: the wrappers take a rule whose events propose updates ({})", b.name, metaplastic::BASES.join(", ")),
        )]),
        Some(b) if !b.inputs.is_empty() => Err(b
            .inputs
            .keys()
            .map(|n| {
                crate::error::problem(
                    &format!("base.inputs.{n}"),
                    format!("bind `{n}` on the wrapper (`inputs = {{ {n} = ... }}` next to `base`), which reads every input"),
                )
            })
            .collect()),
        Some(b) => match parse(&with_inputs(b, spec)) {
            Some(Ok(p)) => Ok(p),
            Some(Err(problems)) => Err(problems.into_iter().map(|q| crate::error::problem(&format!("base.{}", q.param), q.message)).collect()),
            None => Err(vec![crate::error::problem("base.name", format!("no rule is called `{}`", b.name))]),
        },
    };
    match (meta, base) {
        (Ok(m), Ok(b)) => Ok(Parsed::Wrapped(Box::new(b), m)),
        (m, b) => Err(m.err().unwrap_or_default().into_iter().chain(b.err().unwrap_or_default()).collect()),
    }
}

/// The base spec `b` with the inputs it reads taken from its wrapper `spec` (a
/// wrapper holds every input, its own and its base's: the engine binds them there).
fn with_inputs(b: &RuleSpec, spec: &RuleSpec) -> RuleSpec {
    let mut b = b.clone();
    for name in inputs(&b.name) {
        if let Some(node) = spec.inputs.get(*name) {
            b.inputs.insert((*name).to_string(), node.clone());
        }
    }
    b
}

/// Bounds converted to the engine's weight unit (the exponents are unitless).
pub(crate) fn scale_bounds(b: Bounds, scale: f64) -> Bounds {
    Bounds { min: b.min * scale, max: b.max * scale, ..b }
}
