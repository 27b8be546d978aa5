//! Resolves fluctuation-driven initialisers into weight distributions at freeze time.
//!
//! The weights of one projection depend on every fluctuation-driven projection onto
//! the same target population (their fan-ins, rates and whether they are
//! recurrent), so the projections are grouped by target first; see
//! [`crate::fluctuation`] for the closed form.

use super::Checker;
use crate::connector::{Connector, WeightInit};
use crate::dist::{Dist, Value};
use crate::error::ProblemKind as K;
use crate::fluctuation::{Afferent, FluctError, FluctuationDriven, Spread, kernel, solve};
use crate::model::ModelKind;
use crate::network::{Network, PopKind};
use crate::stimulus::SourceSpec;
use crate::units::{Rate, Time, Unit};
use std::collections::BTreeMap;

/// The resolved weight of each projection that has a fluctuation-driven initialiser
/// and a solution (`None` for the others). Problems go to `c`; handles, sizes and
/// `dt` that are invalid are reported elsewhere and only skipped here.
pub(super) fn resolve(c: &mut Checker, net: &Network, dt_ok: bool) -> Vec<Option<Value>> {
    let pops = &net.populations;
    let mut out = vec![None; net.projections.len()];
    let valid = |p: crate::ids::PopId| p.net == net.net && p.index() < pops.len() && (1..=u64::from(u32::MAX)).contains(&pops[p.index()].size);
    let mut groups: BTreeMap<usize, Vec<(usize, FluctuationDriven)>> = BTreeMap::new();
    for (i, d) in net.projections.iter().enumerate() {
        if let Some(WeightInit::FluctuationDriven(f)) = &d.conn.weight_init
            && valid(d.source)
            && valid(d.target)
        {
            groups.entry(d.target.index()).or_default().push((i, *f));
        }
    }
    let name = |i: usize| {
        let d = &net.projections[i];
        d.conn.name.clone().unwrap_or_else(|| format!("{}->{}", pops[d.source.index()].name, pops[d.target.index()].name))
    };
    let path = |i: usize| format!("projections[{i}].weight.fluctuation_driven");
    for (&tgt, members) in &groups {
        // A spike source as target is reported with the projection.
        let PopKind::Neurons(m) = &pops[tgt].kind else { continue };
        if m.kind != ModelKind::LifDiscrete {
            for &(i, _) in members {
                let why = format!("projection `{}`: the initialiser describes lif_discrete targets, but `{}` is {}", name(i), pops[tgt].name, m.kind.name());
                c.err(K::WeightInit, path(i), why);
            }
            continue;
        }
        let (first, spec) = members[0];
        let mut param = |p: &str| {
            let v = m.param(p).and_then(|v| v.as_const());
            if v.is_none() {
                let why = format!("projection `{}`: `{}`.{p} differs between neurons; the initialiser needs one value", name(first), pops[tgt].name);
                c.err(K::WeightInit, path(first), why);
            }
            v
        };
        let (tau_m, tau_syn, theta) = (param("tau_m"), param("tau_syn"), param("theta"));
        let mut afferents = Vec::new();
        for &(i, f) in members {
            let d = &net.projections[i];
            let here = |e: &str| format!("projection `{}`: {e}", name(i));
            if d.conn.signal.is_some() {
                c.err(K::WeightInit, path(i), here("feedback weights into a signal do not drive the membrane"));
            } else if let Connector::List { weights: Some(_), .. } = d.conn.connector {
                c.err(K::WeightInit, path(i), here("the pairs already carry their weights"));
            } else if i != first && (FluctuationDriven { nu: spec.nu, nu_from_data: spec.nu_from_data, ..f }) != spec {
                // The target's moments are one budget: every projection onto it must ask for the same.
                c.err(K::WeightInit, path(i), here(&format!("asks for {} but {} onto the same target asks for {}", show(&f), path(first), show(&spec))));
            } else {
                let (ns, nt) = (pops[d.source.index()].size, pops[tgt].size);
                let same = d.source.index() == tgt;
                let fan_in = super::expected_synapses(&d.conn, ns, nt, same) / nt as f64;
                afferents.push((i, Afferent { fan_in, nu: f.nu, recurrent: same }));
            }
        }
        if !data_driven_rates(c, net, &mut afferents, &name, &path) {
            continue;
        }
        let (Some(tau_m), Some(tau_syn), Some(theta)) = (tau_m, tau_syn, theta) else { continue };
        if !dt_ok || afferents.len() < members.len() {
            continue;
        }
        // Time constants and dt that are not positive are reported with the model and the run.
        let Ok(k) = kernel(spec.epsilons, Time(tau_m), Time(tau_syn), net.dt) else { continue };
        let sigma_u = match spec.sigma_u(theta) {
            Ok(s) => s,
            Err(e) => {
                problem(c, first, &name(first), &e);
                continue;
            }
        };
        let list: Vec<Afferent> = afferents.iter().map(|(_, a)| *a).collect();
        for ((i, _), r) in afferents.iter().zip(solve(spec.mu_u, sigma_u, spec.alpha, k, &list)) {
            match r {
                Ok(w) => out[*i] = Some(Value { unit: Unit::One, dist: Dist::Normal { mean: w.mu_w, sd: w.sigma_w, clip: None } }),
                Err(e) => problem(c, *i, &name(*i), &e),
            }
        }
    }
    // Input that the budget does not know about moves U away from its targets.
    for (k, d) in net.projections.iter().enumerate() {
        if d.conn.weight_init.is_none() && d.conn.signal.is_none() && valid(d.target) && groups.contains_key(&d.target.index()) {
            let why = format!(
                "fixed weights onto `{}`, whose other input is fluctuation-driven: this input is not in its budget of mu_u and sigma_u",
                pops[d.target.index()].name
            );
            c.warn(format!("projections[{k}].weight"), why);
        }
    }
    out
}

/// Replaces `nu` of the afferents whose initialiser asks for it from data: a spike
/// source's rate measured over the window; a population of neurons (no data of its
/// own) the fan-in-weighted rate of the measured sources onto the same target.
/// `false` (with the problem reported) when a rate cannot be measured.
fn data_driven_rates(
    c: &mut Checker,
    net: &Network,
    afferents: &mut [(usize, Afferent)],
    name: &dyn Fn(usize) -> String,
    path: &dyn Fn(usize) -> String,
) -> bool {
    let window = |i: usize| match &net.projections[i].conn.weight_init {
        Some(WeightInit::FluctuationDriven(f)) => f.nu_from_data,
        None => None,
    };
    let mut ok = true;
    let (mut drive, mut fan) = (0.0, 0.0);
    let mut from_neurons = Vec::new();
    for (i, a) in afferents.iter_mut() {
        let Some(w) = window(*i) else { continue };
        if !(w.0.is_finite() && w.0 > 0.0) {
            c.err(K::NotPositive, format!("{}.nu_from_data", path(*i)), format!("projection `{}`: the window {w} is not a positive time", name(*i)));
            ok = false;
            continue;
        }
        match &net.populations[net.projections[*i].source.index()].kind {
            PopKind::Source(spec) => {
                a.nu = measured_rate(spec, net.populations[net.projections[*i].source.index()].size, w);
                (drive, fan) = (drive + a.fan_in * a.nu.0, fan + a.fan_in);
            }
            PopKind::Neurons(_) => from_neurons.push(*i),
        }
    }
    for (i, a) in afferents.iter_mut().filter(|(i, _)| from_neurons.contains(i)) {
        if fan > 0.0 {
            a.nu = Rate(drive / fan);
        } else {
            let why = format!(
                "projection `{}`: a population of neurons has no data to measure nu from, and no spike source onto the same target measures it",
                name(*i)
            );
            c.err(K::WeightInit, format!("{}.nu_from_data", path(*i)), why);
            ok = false;
        }
    }
    ok
}

/// The mean rate per neuron of a spike source over `[0, window)`.
fn measured_rate(spec: &SourceSpec, size: u64, window: Time) -> Rate {
    let w = window.0;
    let hz = match spec {
        SourceSpec::Poisson { schedule } => {
            // The schedule's steps, each holding until the next, averaged over the window.
            let mut sum = 0.0;
            for (k, (from, rate)) in schedule.iter().enumerate() {
                let until = schedule.get(k + 1).map_or(w, |(t, _)| t.0.min(w));
                sum += rate.0 * (until - from.0.min(w)).max(0.0);
            }
            sum / w
        }
        SourceSpec::RateArray { bin, rates, per_neuron } => {
            let bins = if *per_neuron { rates.len() / size.max(1) as usize } else { rates.len() };
            let mut sum = 0.0;
            for k in 0..bins {
                let (lo, hi) = (k as f64 * bin.0, (k + 1) as f64 * bin.0);
                let overlap = (hi.min(w) - lo.min(w)).max(0.0);
                let r = if *per_neuron { (0..size as usize).map(|n| rates[n * bins + k]).sum::<f64>() / size as f64 } else { rates[k] };
                sum += r * overlap;
            }
            sum / w
        }
        SourceSpec::SpikeTimes { times } => {
            let count: usize = times.iter().map(|t| t.iter().filter(|x| x.0 < w).count()).sum();
            count as f64 / (size.max(1) as f64 * w * 1e-3)
        }
    };
    // Poisson and rate-array rates are in Hz already; spike counts per ms became Hz.
    Rate(hz)
}

/// Reports an initialiser without a solution at the field it is about.
fn problem(c: &mut Checker, i: usize, name: &str, e: &FluctError) {
    let kind = match e {
        FluctError::NotPositive { .. } => K::NotPositive,
        FluctError::NotFinite { .. } => K::NotFinite,
        _ => K::WeightInit,
    };
    let path = match e.field() {
        "fan_in" => format!("projections[{i}].connector"),
        f => format!("projections[{i}].weight.fluctuation_driven.{f}"),
    };
    c.err(kind, path, format!("projection `{name}`: {e}"));
}

fn show(f: &FluctuationDriven) -> String {
    let spread = match f.spread {
        Spread::SigmaU(s) => format!("sigma_u = {s}"),
        Spread::Xi(x) => format!("xi = {x}"),
    };
    format!("mu_u = {}, {spread}, alpha = {}, epsilons = {:?}", f.mu_u, f.alpha, f.epsilons)
}
