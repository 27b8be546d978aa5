//! Checks of projections: handles, connectors, weights, receptors, delays and rules.

use super::Checker;
use crate::connector::{Conn, Connector, Receptor};
use crate::dist::{Dist, Value};
use crate::error::ProblemKind as K;
use crate::graph::{DelayTicks, Projection};
use crate::model::{Constraint, ModelKind, NeuronSpec};
use crate::network::{Network, PopKind};
use crate::rule::RuleCatalog;
use crate::units::{Time, Unit};

/// The most synapses one projection may have: every per-synapse array must stay
/// below `isize::MAX` bytes, and 2^40 is far beyond any memory this engine targets
/// while leaving every count exact in an `f64`.
const MAX_SYNAPSES: f64 = (1u64 << 40) as f64;

/// Checks every projection and resolves the valid ones.
pub(super) fn projections(c: &mut Checker, net: &Network, rules: Option<&dyn RuleCatalog>, dt_ok: bool) -> Vec<Projection> {
    let pops = &net.populations;
    let dt = net.dt;
    let size = |i: usize| pops[i].size;
    let neuron_model = |i: usize| match &pops[i].kind {
        PopKind::Neurons(m) => Some(m),
        PopKind::Source(_) => None,
    };
    let mut projections = Vec::new();
    // The declaration index of every resolved projection.
    let mut decl = Vec::new();
    let mut proj_names: Vec<String> = Vec::new();
    let inits = super::fluctuation::resolve(c, net, dt_ok);
    for (i, d) in net.projections.iter().enumerate() {
        let path = format!("projections[{i}]");
        let src = c.handle(net.net, d.source, pops.len(), &format!("{path}.source"));
        let tgt = c.handle(net.net, d.target, pops.len(), &format!("{path}.target"));
        let (Some(src), Some(tgt)) = (src, tgt) else { continue };
        // A resolved initialiser is checked and frozen like any given weight.
        let resolved = inits[i].as_ref().map(|w| Conn { weight: w.clone(), ..d.conn.clone() });
        let conn = resolved.as_ref().unwrap_or(&d.conn);
        // An initialiser without a solution was reported; its placeholder weight says nothing.
        let unresolved = d.conn.weight_init.is_some() && resolved.is_none();
        let Some(m) = neuron_model(tgt) else {
            c.err(K::Malformed, format!("{path}.target"), format!("`{}` is a spike source and cannot receive synapses", pops[tgt].name));
            continue;
        };
        let (ns, nt) = (size(src), size(tgt));
        let same = src == tgt;
        // Sizes are reported with the populations; counting synapses of an empty or
        // oversized population would only repeat that problem.
        let sizes_ok = [ns, nt].iter().all(|&n| n > 0 && n <= u64::from(u32::MAX));
        if sizes_ok {
            connector(c, &path, conn, ns, nt, same);
        }
        let arrays = array_len(&conn.connector, ns, nt);
        let list_weights = match &conn.connector {
            Connector::List { weights: Some(w), .. } => Some(Value { unit: conn.weight.unit, dist: Dist::Array(w.clone()) }),
            _ => None,
        };
        let weight = list_weights.as_ref().unwrap_or(&conn.weight);
        let wpath = format!("{path}.weight");
        let weight_ok = !unresolved
            && array_allowed(c, &wpath, "weight", &conn.weight, &conn.connector)
            && c.value(&wpath, weight, weight.unit, Constraint::Finite, if sizes_ok { arrays } else { None });
        // Feedback weights into a signal are dimensionless (checked with the signal).
        let scale = if conn.signal.is_some() || unresolved {
            1.0
        } else {
            weight_scale(m, conn.weight.unit).unwrap_or_else(|e| {
                c.err(K::UnitMismatch, wpath.clone(), e);
                1.0
            })
        };
        // Weights are stored as f32 in the model's unit: every number that defines
        // them must stay finite there after conversion.
        let weight_ok = weight_ok
            && match weight.defining_numbers().into_iter().find(|x| (x * scale).is_nan() || (x * scale).abs() > f64::from(f32::MAX)) {
                Some(x) => {
                    let shown = weight.unit.format(x);
                    c.err(
                        K::NotFinite,
                        wpath.clone(),
                        format!("{shown} is {} in the model's unit, beyond what an f32 weight holds", m.kind.weight_unit().format(x * scale)),
                    );
                    false
                }
                None => true,
            };
        // The sign of an invalid weight says nothing about the receptor.
        let receptor = match &conn.signal {
            None if weight_ok => receptor(c, &path, &conn.receptor, m, weight.range()),
            None => 0,
            Some(sig) => signal_slot(c, &path, net, tgt, sig, conn, rules),
        };
        let list_delays = match &conn.connector {
            Connector::List { delays: Some(d), .. } => Some(Value { unit: Unit::Ms, dist: Dist::Array(d.clone()) }),
            _ => None,
        };
        let dpath = format!("{path}.delay");
        let delay_ok = array_allowed(c, &dpath, "delay", &conn.delay, &conn.connector);
        let delay =
            if dt_ok && delay_ok { delay(c, &dpath, list_delays.as_ref().unwrap_or(&conn.delay), dt, if sizes_ok { arrays } else { None }) } else { None };
        if let Some(rule) = &conn.rule {
            let rpath = format!("{path}.rule");
            // Wire it or refuse it: spike-timing rules need spikes, and a rate unit
            // neither spikes nor sends spikes; only a rule the catalogue says reads
            // graded values at that end (e-prop's readout and feedback rules,
            // dis-inhibitory learning) learns there.
            let ok = rules.map(|cat| cat.graded_ends(rule)).unwrap_or_default();
            let graded = |p: usize| neuron_model(p).is_some_and(|m| m.kind.graded());
            let allowed = |p: usize| if p == src { ok.source } else { ok.target };
            if let Some(end) = [src, tgt].into_iter().find(|&p| graded(p) && !allowed(p)) {
                c.err(
                    K::InvalidRule,
                    rpath.clone(),
                    format!("`{}` is a rate population: `{}` is a spike-timing rule and does not learn on graded events", pops[end].name, rule.name),
                );
            }
            // An input bound to the wrong kind of node would read nothing and the rule
            // would never learn: the catalogue says which inputs are per neuron.
            let per_neuron = rules.map(|cat| cat.per_neuron_inputs(rule));
            // Inputs that name a projection are checked once every projection is known.
            let of_projection = rules.map(|cat| cat.projection_inputs(rule)).unwrap_or_default();
            for (input, node) in rule.inputs.iter().filter(|(k, _)| !of_projection.contains(&k.as_str())) {
                let ipath = format!("{rpath}.inputs.{input}");
                match net.modulators.iter().find(|(_, m)| &m.name == node) {
                    None => c.err(K::Malformed, ipath, format!("no modulator is called `{node}`")),
                    Some((_, m)) => {
                        let signal = matches!(m.kind, crate::network::ModulatorKind::PerNeuron { .. });
                        if signal && m.kind != (crate::network::ModulatorKind::PerNeuron { pop: tgt }) {
                            c.err(K::Malformed, ipath, format!("`{node}` is a per-neuron signal over another population than the target `{}`", pops[tgt].name));
                        } else if let Some(wants) = &per_neuron {
                            match (wants.contains(&input.as_str()), signal) {
                                (true, false) => {
                                    c.err(K::Malformed, ipath, format!("`{node}` is a scalar modulator; this input reads a per-neuron signal over the target"))
                                }
                                (false, true) => c.err(K::Malformed, ipath, format!("`{node}` is a per-neuron signal; this input reads a scalar modulator")),
                                _ => {}
                            }
                        }
                    }
                }
            }
            match rules.map(|cat| cat.check(rule)) {
                Some(None) => {
                    let known = rules.map(|cat| cat.names().join(", ")).unwrap_or_default();
                    c.err(K::InvalidRule, format!("{rpath}.name"), format!("no plasticity rule is called `{}` (rules: {known})", rule.name))
                }
                Some(Some(found)) => {
                    for p in found {
                        c.err(K::InvalidRule, format!("{rpath}.{}", p.param), p.message);
                    }
                }
                None => {
                    // Infinity is how a bound says "none"; the catalogue judges the rest.
                    for (k, v) in &rule.params {
                        if v.defining_numbers().into_iter().any(f64::is_nan) {
                            c.err(K::NotFinite, format!("{rpath}.{k}"), "NaN is not a number".to_string());
                        }
                    }
                }
            }
            if let Some(bounds) = rules.and_then(|cat| cat.weight_bounds(rule)).filter(|_| weight_ok && conn.signal.is_none()) {
                initial_within_bounds(c, &rpath, weight, bounds);
            }
        }
        let base = conn.name.clone().unwrap_or_else(|| format!("{}->{}", pops[src].name, pops[tgt].name));
        let name = if conn.name.is_none() && proj_names.contains(&base) {
            (2..).map(|k| format!("{base}#{k}")).find(|n| !proj_names.contains(n)).unwrap_or(base)
        } else {
            base
        };
        proj_names.push(name.clone());
        decl.push(i);
        projections.push(Projection {
            name,
            source: src,
            target: tgt,
            conn: conn.clone(),
            receptor,
            weight_scale: scale,
            delay: delay.unwrap_or(DelayTicks::Const(1)),
        });
    }
    super::names_unique(c, "projections", proj_names.iter().map(String::as_str));
    super::mirror::mirrors(c, net, &projections, &decl, rules);
    projections
}

/// The ring of per-neuron signal `sig` of population `tgt`: after the model's
/// receptors, one per signal over the population in declaration order (the numbering
/// of `Graph::signal_ring`, which the engine reads with; computed here on the
/// network because the graph does not exist yet). Feedback
/// weights are dimensionless, carry no rule and name no receptor.
fn signal_slot(c: &mut Checker, path: &str, net: &Network, tgt: usize, sig: &str, conn: &Conn, rules: Option<&dyn RuleCatalog>) -> usize {
    let receptors = match &net.populations[tgt].kind {
        PopKind::Neurons(m) => m.kind.receptors().len(),
        PopKind::Source(_) => 0,
    };
    let over_tgt: Vec<&str> =
        net.modulators.iter().filter(|(_, m)| m.kind == crate::network::ModulatorKind::PerNeuron { pop: tgt }).map(|(_, m)| m.name.as_str()).collect();
    let Some(k) = over_tgt.iter().position(|n| *n == sig) else {
        let why = match net.modulators.iter().find(|(_, m)| m.name == sig) {
            Some(_) => format!("`{sig}` is not a per-neuron signal over `{}`", net.populations[tgt].name),
            None => format!("no signal is called `{sig}`"),
        };
        c.err(K::Malformed, format!("{path}.signal"), why);
        return 0;
    };
    if let Some(rule) = &conn.rule
        && !rules.is_some_and(|cat| cat.graded_ends(rule).feedback)
    {
        c.err(
            K::InvalidRule,
            format!("{path}.rule"),
            format!("feedback weights into a signal learn only with a feedback rule (`eprop_feedback`, `superspike_feedback`), not `{}`", rule.name),
        );
    }
    if conn.receptor != Receptor::Auto {
        c.err(K::Malformed, format!("{path}.receptor"), "feedback weights into a signal name no receptor");
    }
    if conn.weight.unit != Unit::One {
        c.err(K::UnitMismatch, format!("{path}.weight"), format!("feedback weights are dimensionless, not {}", conn.weight.unit.described()));
    }
    receptors + k
}

/// Checks that the connector can be built between populations of `ns` and `nt`
/// neurons (both in `1..=u32::MAX`).
fn connector(c: &mut Checker, path: &str, conn: &Conn, ns: u64, nt: u64, same: bool) {
    let no_self = same && !conn.autapses;
    match &conn.connector {
        Connector::Prob(p) if !(0.0..=1.0).contains(p) => {
            // Without a probability there is no synapse count to check either.
            c.err(K::ProbabilityOutOfRange, format!("{path}.connector.p"), format!("probability {p} is outside [0, 1]"));
            return;
        }
        Connector::InDegree(k) => degree(c, &format!("{path}.connector.in_degree"), "in", *k, if no_self { ns - 1 } else { ns }, conn.multapses),
        Connector::OutDegree(k) => degree(c, &format!("{path}.connector.out_degree"), "out", *k, if no_self { nt - 1 } else { nt }, conn.multapses),
        Connector::Total(n) => {
            let pairs = ns * nt - if no_self { ns } else { 0 };
            if !conn.multapses && *n > pairs {
                c.err(K::DegreeTooLarge, format!("{path}.connector.total"), format!("{n} synapses exceed the {pairs} distinct pairs without multapses"));
            } else if *n > 0 && pairs == 0 {
                c.err(K::DegreeTooLarge, format!("{path}.connector.total"), "no pair is available: the only pairs are forbidden autapses");
            }
        }
        Connector::OneToOne if ns != nt => c.err(K::IndexOutOfRange, format!("{path}.connector"), format!("one-to-one needs equal sizes, got {ns} and {nt}")),
        Connector::OneToOne if no_self => {
            c.err(K::Malformed, format!("{path}.connector"), "one-to-one onto its own population makes only autapses, and autapses are forbidden")
        }
        Connector::List { pairs, .. } => {
            if let Some(k) = pairs.iter().position(|&(s, t)| u64::from(s) >= ns || u64::from(t) >= nt) {
                c.err(K::IndexOutOfRange, format!("{path}.connector.pairs[{k}]"), format!("{:?} is outside {ns} x {nt}", pairs[k]));
            }
            if no_self && let Some(k) = pairs.iter().position(|&(s, t)| s == t) {
                c.err(K::Malformed, format!("{path}.connector.pairs[{k}]"), format!("{:?} is an autapse, and autapses are forbidden", pairs[k]));
            }
            if !conn.multapses {
                let mut sorted: Vec<(u32, u32, usize)> = pairs.iter().enumerate().map(|(k, &(s, t))| (s, t, k)).collect();
                sorted.sort_unstable();
                if let Some(w) = sorted.windows(2).find(|w| (w[0].0, w[0].1) == (w[1].0, w[1].1)) {
                    let k = w[0].2.max(w[1].2);
                    c.err(
                        K::Malformed,
                        format!("{path}.connector.pairs[{k}]"),
                        format!("{:?} repeats pairs[{}]; allow multapses to connect a pair twice", pairs[k], w[0].2.min(w[1].2)),
                    );
                }
            }
        }
        _ => {}
    }
    let n = expected_synapses(conn, ns, nt, same);
    if n > MAX_SYNAPSES {
        c.err(K::TooManySynapses, format!("{path}.connector"), format!("{n:.3e} synapses exceed the {MAX_SYNAPSES:.3e} a projection may hold"));
    }
}

/// A fixed in- or out-degree `k` drawn from `avail` candidates.
fn degree(c: &mut Checker, path: &str, dir: &str, k: u32, avail: u64, multapses: bool) {
    if !multapses && u64::from(k) > avail {
        let what = if dir == "in" { "sources" } else { "targets" };
        c.err(K::DegreeTooLarge, path, format!("{dir}-degree {k} exceeds the {avail} available {what} without multapses"));
    } else if k > 0 && avail == 0 {
        c.err(K::DegreeTooLarge, path, "no neuron is available: the only one is itself and autapses are forbidden");
    }
}

/// Rejects a weight or delay array on a connector that has no fixed synapse order.
fn array_allowed(c: &mut Checker, path: &str, what: &str, v: &Value, conn: &Connector) -> bool {
    if matches!(v.dist, Dist::Array(_)) && array_len(conn, 1, 1).is_none() {
        c.err(
            K::ArrayNotAllowed,
            path,
            format!("a {what} array needs an all-to-all, one-to-one or list connector; {} draws its synapses at random", connector_name(conn)),
        );
        return false;
    }
    true
}

/// A short name of a connector for messages and summaries (`prob(0.02)`).
pub(crate) fn connector_name(conn: &Connector) -> String {
    match conn {
        Connector::AllToAll => "all_to_all".into(),
        Connector::OneToOne => "one_to_one".into(),
        Connector::Prob(p) => format!("prob({p})"),
        Connector::InDegree(k) => format!("in_degree({k})"),
        Connector::OutDegree(k) => format!("out_degree({k})"),
        Connector::Total(n) => format!("total({n})"),
        Connector::List { pairs, .. } => format!("list({})", pairs.len()),
    }
}

/// The factor from `unit` to the model's weight unit, if the conversion exists.
fn weight_scale(m: &NeuronSpec, unit: Unit) -> Result<f64, String> {
    let want = m.kind.weight_unit();
    if unit == want {
        return Ok(1.0);
    }
    let homogeneous = |name: &str| m.param(name).and_then(|v| v.as_const());
    match (m.kind, unit) {
        (ModelKind::LifCuba, Unit::Pa) => match (homogeneous("c_m"), homogeneous("tau_m")) {
            // A current jump of w pA equals a voltage-unit jump of w / g_L mV, g_L = C / tau_m.
            (Some(c), Some(tau)) => Ok(tau / c),
            _ => Err("a weight in pA needs homogeneous c_m and tau_m; give it in mV".into()),
        },
        (ModelKind::LifCoba, Unit::Ns) => match homogeneous("g_l") {
            Some(g) => Ok(1.0 / g),
            None => Err("a weight in nS needs a homogeneous g_l; give it in leak units".into()),
        },
        (k, u) => {
            let also = match k {
                ModelKind::LifCuba => " or pA",
                ModelKind::LifCoba => " or nS",
                _ => "",
            };
            Err(format!("{} takes weights in {}{also}, not {}", k.name(), want.described(), u.described()))
        }
    }
}

fn delay(c: &mut Checker, path: &str, v: &Value, dt: Time, len: Option<u64>) -> Option<DelayTicks> {
    if !c.value(path, v, Unit::Ms, Constraint::Finite, len) {
        return None;
    }
    let (lo, hi) = v.range();
    if !lo.is_finite() || !hi.is_finite() {
        c.err(K::DelayTooShort, path, "delays are unbounded; clip the distribution");
        return None;
    }
    // A spike must reach its target in a later tick: a delay below one tick is refused
    // rather than silently lengthened (the relative slack absorbs `0.3 / 0.1` noise).
    if lo < dt.0 * (1.0 - 1e-9) {
        c.err(K::DelayTooShort, path, format!("{} is shorter than dt {}", Time(lo), dt));
        return None;
    }
    let max_ticks = (hi / dt.0).round();
    if max_ticks > f64::from(u32::MAX) {
        c.err(K::DelayTooLong, path, format!("{} is more than 2^32 - 1 ticks of {}", Time(hi), dt));
        return None;
    }
    match &v.dist {
        Dist::Const(d) if !Time(*d).is_whole_ticks(dt) => {
            c.warn(path, format!("{} rounded to {} ticks of {}", Time(*d), Time(*d).to_ticks(dt), dt));
        }
        Dist::Array(a) if a.iter().any(|&d| !Time(d).is_whole_ticks(dt)) => {
            c.warn(path, format!("delays that are not whole ticks are rounded to the nearest tick of {dt}"));
        }
        Dist::Const(_) | Dist::Array(_) => {}
        // A continuous distribution draws delays between ticks: every one is rounded.
        _ => c.warn(path, format!("delays drawn from a distribution are rounded to the nearest tick of {dt}")),
    }
    let (min, max) = (Time(lo).to_ticks(dt).max(1) as u32, Time(hi).to_ticks(dt).max(1) as u32);
    Some(if v.is_const() { DelayTicks::Const(min) } else { DelayTicks::PerSynapse { min, max } })
}

/// How many numbers a weight or delay array must hold for a connector, or `None`
/// when the connector draws its synapses at random and an array has no meaning.
fn array_len(conn: &Connector, ns: u64, nt: u64) -> Option<u64> {
    match conn {
        // Row-major source x target, indexed `s * nt + t` whether or not autapses are made.
        Connector::AllToAll => Some(ns.saturating_mul(nt)),
        Connector::OneToOne => Some(nt),
        Connector::List { pairs, .. } => Some(pairs.len() as u64),
        Connector::Prob(_) | Connector::InDegree(_) | Connector::OutDegree(_) | Connector::Total(_) => None,
    }
}

/// The expected number of synapses of a projection (exact except for `Prob`).
pub(crate) fn expected_synapses(conn: &Conn, ns: u64, nt: u64, same: bool) -> f64 {
    let pairs = (ns as f64) * (nt as f64) - if same && !conn.autapses { ns as f64 } else { 0.0 };
    match &conn.connector {
        Connector::AllToAll => pairs,
        Connector::OneToOne => nt as f64,
        Connector::Prob(p) => p * pairs,
        Connector::InDegree(k) => f64::from(*k) * nt as f64,
        Connector::OutDegree(k) => f64::from(*k) * ns as f64,
        Connector::Total(n) => *n as f64,
        Connector::List { pairs, .. } => pairs.len() as f64,
    }
}

/// Resolves the receptor index for a projection onto `m`.
fn receptor(c: &mut Checker, path: &str, r: &Receptor, m: &NeuronSpec, w: (f64, f64)) -> usize {
    let names = m.kind.receptors();
    let idx = match r {
        Receptor::Auto if names.len() == 1 => 0,
        Receptor::Auto if w.0 >= 0.0 => 0,
        Receptor::Auto if w.1 <= 0.0 => 1,
        Receptor::Auto => {
            c.err(K::WeightSign, format!("{path}.weight"), "weights of both signs; name the receptor");
            return 0;
        }
        Receptor::Exc => names.iter().position(|n| *n == "exc").unwrap_or(usize::MAX),
        Receptor::Inh => names.iter().position(|n| *n == "inh").unwrap_or(usize::MAX),
        Receptor::Named(n) => names.iter().position(|x| x == n).unwrap_or(usize::MAX),
    };
    if idx == usize::MAX {
        let asked = match r {
            Receptor::Named(n) => n.as_str(),
            Receptor::Exc => "exc",
            Receptor::Inh => "inh",
            Receptor::Auto => "auto",
        };
        c.err(K::UnknownReceptor, format!("{path}.receptor"), format!("{} has no receptor `{asked}` (it has {})", m.kind.name(), names.join(", ")));
        return 0;
    }
    if m.kind.conductance_based() && w.0 < 0.0 {
        c.err(K::WeightSign, format!("{path}.weight"), format!("{} is negative but receptor `{}` is a conductance", w.0, names[idx]));
    }
    idx
}

/// Initial weights must lie within the rule's bounds: the first update would clip
/// them, and with a default bound on another scale than the weights (pair STDP's
/// `[0, 1]` on weights of 1.62 mV) every weight would jump to the bound without a
/// word. Magnitudes on a projection of negative weights; a distribution without
/// bounds is judged by its mean.
fn initial_within_bounds(c: &mut Checker, rpath: &str, weight: &Value, bounds: crate::rule::WeightBounds) {
    let (lo, hi) = (bounds.min, bounds.max);
    let mean = weight.mean();
    let (a, b) = weight.range();
    let (a, b) = if mean < 0.0 { (-b, -a) } else { (a, b) };
    let finite_or_mean = |x: f64| if x.is_finite() { x } else { mean.abs() };
    let (a, b) = (finite_or_mean(a), finite_or_mean(b));
    let unit = weight.unit;
    let what = if mean < 0.0 { "the initial weights' magnitudes" } else { "the initial weights" };
    let origin = |x: f64, default: f64| if x == default { " (the rule's default)" } else { "" };
    let advice = format!("bounds are numbers in the projection's weight unit ({}): set them to contain the weights", unit.symbol());
    if b > hi {
        c.err(
            K::InvalidRule,
            format!("{rpath}.w_max"),
            format!("{what} reach {}, above w_max = {}{}; {advice}", unit.format(b), unit.format(hi), origin(hi, bounds.default_max)),
        );
    }
    if a < lo {
        c.err(
            K::InvalidRule,
            format!("{rpath}.w_min"),
            format!("{what} reach down to {}, below w_min = {}{}; {advice}", unit.format(a), unit.format(lo), origin(lo, bounds.default_min)),
        );
    }
}
