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
use crate::units::{Time, Unit};
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
            } else if i != first && (FluctuationDriven { nu: spec.nu, ..f }) != spec {
                // The target's moments are one budget: every projection onto it must ask for the same.
                c.err(K::WeightInit, path(i), here(&format!("asks for {} but {} onto the same target asks for {}", show(&f), path(first), show(&spec))));
            } else {
                let (ns, nt) = (pops[d.source.index()].size, pops[tgt].size);
                let same = d.source.index() == tgt;
                let fan_in = super::expected_synapses(&d.conn, ns, nt, same) / nt as f64;
                afferents.push((i, Afferent { fan_in, nu: f.nu, recurrent: same }));
            }
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
