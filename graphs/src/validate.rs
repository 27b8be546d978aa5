//! `freeze()`: checks a [`Network`] and resolves it into a [`Graph`].
//!
//! Every check pushes a [`Problem`] with a path and goes on, so the user sees every
//! problem at once. Nothing here panics on user input.

use crate::connector::{Connector, Receptor};
use crate::dist::{Dist, Value};
use crate::error::{BuildError, Problem, ProblemKind as K, Warning};
use crate::graph::{DelayTicks, Graph, Projection};
use crate::ids::{NetId, PopId};
use crate::model::{Constraint, ModelKind, NeuronSpec};
use crate::network::{HandleRef, ModulatorKind, Network, PopKind};
use crate::probe::ProbeKind;
use crate::rule::RuleCatalog;
use crate::stimulus::{CurrentShape, SourceSpec};
use crate::units::{Time, Unit};
use std::collections::HashMap;

struct Checker {
    problems: Vec<Problem>,
    warnings: Vec<Warning>,
}

impl Checker {
    fn err(&mut self, kind: K, path: impl Into<String>, message: impl Into<String>) {
        self.problems.push(Problem { kind, path: path.into(), message: message.into() });
    }

    fn warn(&mut self, path: impl Into<String>, message: impl Into<String>) {
        self.warnings.push(Warning { path: path.into(), message: message.into() });
    }

    /// Checks the numbers that define a value: finite, well-formed, of the right
    /// length, satisfying `constraint` over their whole range.
    fn value(&mut self, path: &str, v: &Value, unit: Unit, constraint: Constraint, len: Option<u64>) -> bool {
        let before = self.problems.len();
        if v.unit != unit {
            self.err(K::UnitMismatch, path, format!("given in {:?}, expected {:?}", v.unit, unit));
            return false;
        }
        if let Some(bad) = v.defining_numbers().into_iter().find(|x| !x.is_finite()) {
            self.err(K::NotFinite, path, format!("{bad} is not a finite number"));
            return false;
        }
        match &v.dist {
            Dist::Uniform { lo, hi } if lo > hi => self.err(K::Malformed, path, format!("uniform bounds {lo} > {hi}")),
            Dist::Normal { sd, .. } | Dist::LogNormal { sd, .. } if *sd < 0.0 => self.err(K::Malformed, path, format!("standard deviation {sd} is negative")),
            Dist::LogNormal { mean, .. } if *mean == 0.0 => self.err(K::Malformed, path, "log-normal mean must not be 0"),
            Dist::Normal { clip: Some([a, b]), .. } | Dist::LogNormal { clip: Some([a, b]), .. } if a > b => {
                self.err(K::Malformed, path, format!("clip bounds {a} > {b}"))
            }
            Dist::Array(a) => {
                if let Some(n) = len
                    && a.len() as u64 != n
                {
                    self.err(K::IndexOutOfRange, path, format!("array of {} values for {n} elements", a.len()));
                }
            }
            _ => {}
        }
        let (lo, _) = v.range();
        let shown = unit.format(lo);
        match constraint {
            Constraint::Finite => {}
            Constraint::Positive if lo.is_nan() || lo <= 0.0 => self.err(K::NotPositive, path, format!("{shown} is not positive")),
            Constraint::NonNegative if lo.is_nan() || lo < 0.0 => self.err(K::NotPositive, path, format!("{shown} is negative")),
            _ => {}
        }
        self.problems.len() == before
    }

    fn handle(&mut self, net: NetId, pop: PopId, count: usize, path: &str) -> Option<usize> {
        if pop.net != net || pop.index() >= count {
            self.err(K::ForeignHandle, path, format!("population handle {} belongs to another network", pop.index()));
            return None;
        }
        Some(pop.index())
    }
}

fn names_unique<'a>(c: &mut Checker, section: &str, names: impl IntoIterator<Item = &'a str>) {
    let mut seen: HashMap<&str, usize> = HashMap::new();
    for (i, n) in names.into_iter().enumerate() {
        if n.is_empty() {
            c.err(K::Malformed, format!("{section}[{i}].name"), "name is empty");
        } else if let Some(first) = seen.insert(n, i) {
            c.err(K::DuplicateName, format!("{section}[{i}].name"), format!("`{n}` is already the name of {section}[{first}]"));
            seen.insert(n, first);
        }
    }
}

fn model(c: &mut Checker, path: &str, m: &NeuronSpec, size: u64) {
    for (name, v) in &m.params {
        match m.kind.param(name) {
            None => c.err(K::UnknownParameter, format!("{path}.{name}"), format!("{} has no parameter `{name}`", m.kind.name())),
            Some(def) => {
                c.value(&format!("{path}.{name}"), v, def.unit, def.constraint, Some(size));
            }
        }
    }
    for (name, v) in &m.init {
        match m.kind.state_var(name) {
            None => c.err(K::UnknownVariable, format!("{path}.init.{name}"), format!("{} has no state variable `{name}`", m.kind.name())),
            Some(def) => {
                c.value(&format!("{path}.init.{name}"), v, def.unit, Constraint::Finite, Some(size));
            }
        }
    }
    if m.kind.reset_below_threshold()
        && let (Some(reset), Some(th)) = (m.param("v_reset"), m.param("v_th"))
    {
        let (max_reset, min_th) = (reset.range().1, th.range().0);
        if max_reset >= min_th {
            c.err(
                K::ResetAboveThreshold,
                format!("{path}.v_reset"),
                format!("{} is not below the threshold {}", Unit::Mv.format(max_reset), Unit::Mv.format(min_th)),
            );
        }
    }
}

fn source(c: &mut Checker, path: &str, s: &SourceSpec, size: u64) {
    match s {
        SourceSpec::Poisson { schedule } => {
            if schedule.is_empty() {
                c.err(K::Malformed, format!("{path}.rate"), "no rate given");
            }
            if let [(_, r)] = schedule.as_slice()
                && !(r.0 > 0.0 && r.0.is_finite())
            {
                c.err(K::NotPositive, format!("{path}.rate"), format!("{r} is not a positive finite rate"));
            }
            for (k, (t, r)) in schedule.iter().enumerate() {
                if !(r.0 >= 0.0 && r.0.is_finite()) {
                    c.err(K::NotPositive, format!("{path}.schedule[{k}].rate"), format!("{r} is not a finite rate >= 0"));
                }
                if !(t.0 >= 0.0 && t.0.is_finite()) || (k > 0 && t.0 <= schedule[k - 1].0.0) {
                    c.err(K::Malformed, format!("{path}.schedule[{k}].time"), format!("{t} is not after the previous step"));
                }
            }
        }
        SourceSpec::RateArray { bin, rates, per_neuron } => {
            if !(bin.0 > 0.0 && bin.0.is_finite()) {
                c.err(K::NotPositive, format!("{path}.bin"), format!("{bin} is not a positive duration"));
            }
            if rates.is_empty() || (*per_neuron && rates.len() as u64 % size.max(1) != 0) {
                c.err(K::Malformed, format!("{path}.rates"), format!("{} rates do not fill whole bins for {size} neurons", rates.len()));
            }
            if let Some((k, r)) = rates.iter().enumerate().find(|(_, r)| !(**r >= 0.0 && r.is_finite())) {
                c.err(K::NotPositive, format!("{path}.rates[{k}]"), format!("{r} Hz is not a finite rate >= 0"));
            }
        }
        SourceSpec::SpikeTimes { times } => {
            if times.len() as u64 != size {
                c.err(K::IndexOutOfRange, format!("{path}.times"), format!("{} spike lists for {size} sources", times.len()));
            }
            for (i, ts) in times.iter().enumerate() {
                if let Some(k) = ts.iter().enumerate().position(|(k, t)| !(t.0 >= 0.0 && t.0.is_finite()) || (k > 0 && t.0 < ts[k - 1].0)) {
                    c.err(K::Malformed, format!("{path}.times[{i}][{k}]"), format!("{} is negative, not finite or out of order", ts[k]));
                }
            }
        }
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
        (k, u) => Err(format!("{} takes weights in {:?}, not {:?}", k.name(), want, u)),
    }
}

fn delay(c: &mut Checker, path: &str, v: &Value, dt: Time) -> Option<DelayTicks> {
    if !c.value(path, v, Unit::Ms, Constraint::Finite, None) {
        return None;
    }
    let (lo, hi) = v.range();
    if !lo.is_finite() || !hi.is_finite() {
        c.err(K::DelayTooShort, path, "delays are unbounded; clip the distribution");
        return None;
    }
    // A delay that rounds to at least one tick is accepted (0.06 ms at dt 0.1 ms rounds up).
    if lo < 0.5 * dt.0 {
        c.err(K::DelayTooShort, path, format!("{} is shorter than dt {}", Time(lo), dt));
        return None;
    }
    let whole = v.defining_numbers().iter().all(|&d| Time(d).is_whole_ticks(dt));
    if !whole && v.is_const() {
        c.warn(path, format!("{} rounded to {} ticks of {}", Time(lo), Time(lo).to_ticks(dt), dt));
    } else if !whole {
        c.warn(path, format!("delays rounded to whole ticks of {dt}"));
    }
    let (min, max) = (Time(lo).to_ticks(dt).max(1) as u32, Time(hi).to_ticks(dt).max(1) as u32);
    Some(if v.is_const() { DelayTicks::Const(min) } else { DelayTicks::PerSynapse { min, max } })
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
        c.err(K::UnknownReceptor, format!("{path}.receptor"), format!("{} has no receptor {r:?} (it has {names:?})", m.kind.name()));
        return 0;
    }
    if m.kind.conductance_based() && w.0 < 0.0 {
        c.err(K::WeightSign, format!("{path}.weight"), format!("{} is negative but receptor `{}` is a conductance", w.0, names[idx]));
    }
    idx
}

pub(crate) fn freeze(net: &Network, rules: Option<&dyn RuleCatalog>) -> Result<Graph, BuildError> {
    let mut c = Checker { problems: Vec::new(), warnings: Vec::new() };
    let dt = net.dt;
    if !(dt.0 > 0.0 && dt.0.is_finite()) {
        c.err(K::NotPositive, "dt", format!("{dt} is not a positive duration"));
    }
    let dt_ok = dt.0 > 0.0 && dt.0.is_finite();
    let pops = &net.populations;
    names_unique(&mut c, "populations", pops.iter().map(|p| p.name.as_str()));
    for (i, p) in pops.iter().enumerate() {
        let path = format!("populations[{i}]");
        if p.size == 0 {
            c.err(K::EmptyPopulation, format!("{path}.size"), format!("population `{}` has no neurons", p.name));
        } else if p.size > u64::from(u32::MAX) {
            c.err(K::IndexOutOfRange, format!("{path}.size"), format!("{} neurons exceed the 2^32 - 1 a population may hold", p.size));
        }
        match &p.kind {
            PopKind::Neurons(m) => model(&mut c, &format!("{path}.model"), m, p.size),
            PopKind::Source(s) => source(&mut c, &format!("{path}.source"), s, p.size),
        }
    }
    let size = |i: usize| pops[i].size;
    let neuron_model = |i: usize| match &pops[i].kind {
        PopKind::Neurons(m) => Some(m),
        PopKind::Source(_) => None,
    };

    let mut projections = Vec::new();
    let mut proj_names: Vec<String> = Vec::new();
    for (i, d) in net.projections.iter().enumerate() {
        let path = format!("projections[{i}]");
        let src = c.handle(net.net, d.source, pops.len(), &format!("{path}.source"));
        let tgt = c.handle(net.net, d.target, pops.len(), &format!("{path}.target"));
        let (Some(src), Some(tgt)) = (src, tgt) else { continue };
        let conn = &d.conn;
        let Some(m) = neuron_model(tgt) else {
            c.err(K::Malformed, format!("{path}.target"), format!("`{}` is a spike source and cannot receive synapses", pops[tgt].name));
            continue;
        };
        let (ns, nt) = (size(src), size(tgt));
        let same = src == tgt;
        match &conn.connector {
            Connector::Prob(p) if !(0.0..=1.0).contains(p) => {
                c.err(K::ProbabilityOutOfRange, format!("{path}.connector.p"), format!("probability {p} is outside [0, 1]"))
            }
            Connector::InDegree(k) => {
                let avail = if same && !conn.autapses { ns.saturating_sub(1) } else { ns };
                if !conn.multapses && u64::from(*k) > avail {
                    c.err(
                        K::DegreeTooLarge,
                        format!("{path}.connector.in_degree"),
                        format!("in-degree {k} exceeds the {avail} available sources without multapses"),
                    );
                }
                if conn.multapses && *k > 0 && avail == 0 {
                    c.err(K::DegreeTooLarge, format!("{path}.connector.in_degree"), "no source is available");
                }
            }
            Connector::OutDegree(k) => {
                let avail = if same && !conn.autapses { nt.saturating_sub(1) } else { nt };
                if !conn.multapses && u64::from(*k) > avail {
                    c.err(
                        K::DegreeTooLarge,
                        format!("{path}.connector.out_degree"),
                        format!("out-degree {k} exceeds the {avail} available targets without multapses"),
                    );
                }
            }
            Connector::Total(n) => {
                let pairs = ns * nt - if same && !conn.autapses { ns } else { 0 };
                if !conn.multapses && *n > pairs {
                    c.err(K::DegreeTooLarge, format!("{path}.connector.total"), format!("{n} synapses exceed the {pairs} distinct pairs without multapses"));
                }
            }
            Connector::OneToOne if ns != nt => {
                c.err(K::IndexOutOfRange, format!("{path}.connector"), format!("one-to-one needs equal sizes, got {ns} and {nt}"))
            }
            Connector::List { pairs, weights, delays } => {
                if let Some(k) = pairs.iter().position(|&(s, t)| u64::from(s) >= ns || u64::from(t) >= nt) {
                    c.err(K::IndexOutOfRange, format!("{path}.connector.pairs[{k}]"), format!("{:?} is outside {ns} x {nt}", pairs[k]));
                }
                for (what, arr) in [("weights", weights), ("delays", delays)] {
                    if let Some(a) = arr {
                        if a.len() != pairs.len() {
                            c.err(K::IndexOutOfRange, format!("{path}.connector.{what}"), format!("{} {what} for {} pairs", a.len(), pairs.len()));
                        }
                        if let Some(x) = a.iter().find(|x| !x.is_finite()) {
                            c.err(K::NotFinite, format!("{path}.connector.{what}"), format!("{x} is not finite"));
                        }
                    }
                }
            }
            _ => {}
        }
        let list_weights = match &conn.connector {
            Connector::List { weights: Some(w), .. } => Some(Value { unit: conn.weight.unit, dist: Dist::Array(w.clone()) }),
            _ => None,
        };
        let weight = list_weights.as_ref().unwrap_or(&conn.weight);
        c.value(&format!("{path}.weight"), weight, weight.unit, Constraint::Finite, None);
        let scale = weight_scale(m, conn.weight.unit).unwrap_or_else(|e| {
            c.err(K::UnitMismatch, format!("{path}.weight"), e);
            1.0
        });
        let receptor = receptor(&mut c, &path, &conn.receptor, m, weight.range());
        let list_delays = match &conn.connector {
            Connector::List { delays: Some(d), .. } => Some(Value { unit: Unit::Ms, dist: Dist::Array(d.clone()) }),
            _ => None,
        };
        let delay = if dt_ok { delay(&mut c, &format!("{path}.delay"), list_delays.as_ref().unwrap_or(&conn.delay), dt) } else { None };
        if let Some(rule) = &conn.rule {
            let rpath = format!("{path}.rule");
            match rules.map(|cat| cat.check(rule)) {
                Some(None) => c.err(K::InvalidRule, format!("{rpath}.name"), format!("no plasticity rule is called `{}`", rule.name)),
                Some(Some(found)) => {
                    for p in found {
                        c.err(K::InvalidRule, format!("{rpath}.{}", p.param), p.message);
                    }
                }
                None => {
                    for (k, v) in &rule.params {
                        if let Some(x) = v.defining_numbers().into_iter().find(|x| !x.is_finite()) {
                            c.err(K::NotFinite, format!("{rpath}.{k}"), format!("{x} is not finite"));
                        }
                    }
                }
            }
        }
        let base = conn.name.clone().unwrap_or_else(|| format!("{}->{}", pops[src].name, pops[tgt].name));
        let name = if conn.name.is_none() && proj_names.contains(&base) {
            (2..).map(|k| format!("{base}#{k}")).find(|n| !proj_names.contains(n)).unwrap_or(base)
        } else {
            base
        };
        proj_names.push(name.clone());
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
    names_unique(&mut c, "projections", proj_names.iter().map(String::as_str));

    let mut currents = Vec::new();
    names_unique(&mut c, "currents", net.currents.iter().map(|(_, d)| d.name.as_str()));
    for (i, (pop, d)) in net.currents.iter().enumerate() {
        let path = format!("currents[{i}]");
        let Some(t) = c.handle(net.net, *pop, pops.len(), &format!("{path}.target")) else { continue };
        let Some(m) = neuron_model(t) else {
            c.err(K::Malformed, format!("{path}.target"), format!("`{}` is a spike source", pops[t].name));
            continue;
        };
        if d.unit != m.kind.current_unit() {
            c.err(K::UnitMismatch, format!("{path}.amplitude"), format!("{} takes currents in {:?}, not {:?}", m.kind.name(), m.kind.current_unit(), d.unit));
        }
        if let Some(r) = &d.neurons
            && (r.start >= r.end || u64::from(r.end) > size(t))
        {
            c.err(K::IndexOutOfRange, format!("{path}.neurons"), format!("{r:?} is empty or outside {} neurons", size(t)));
        }
        match &d.shape {
            CurrentShape::Dc { amplitude } => {
                let n = d.neurons.as_ref().map_or(size(t), |r| u64::from(r.end.saturating_sub(r.start)));
                c.value(&format!("{path}.amplitude"), amplitude, d.unit, Constraint::Finite, Some(n));
            }
            CurrentShape::Steps { times, amplitudes } => {
                if times.len() != amplitudes.len() || times.is_empty() {
                    c.err(K::Malformed, format!("{path}.steps"), format!("{} times for {} amplitudes", times.len(), amplitudes.len()));
                }
                if times.windows(2).any(|w| w[1].0 <= w[0].0) || times.iter().chain([&d.start]).any(|t| !(t.0 >= 0.0 && t.0.is_finite())) {
                    c.err(K::Malformed, format!("{path}.steps"), "step times must be finite, >= 0 and increasing");
                }
                if let Some(a) = amplitudes.iter().find(|a| !a.is_finite()) {
                    c.err(K::NotFinite, format!("{path}.steps"), format!("{a} is not finite"));
                }
            }
        }
        if let Some(stop) = d.stop
            && !(stop.0 > d.start.0)
        {
            c.err(K::Malformed, format!("{path}.stop"), format!("{stop} is not after the start {}", d.start));
        }
        currents.push(d.clone());
    }

    let mut probes = Vec::new();
    names_unique(&mut c, "probes", net.probes.iter().map(|(_, d)| d.name.as_str()));
    for (i, (handles, d)) in net.probes.iter().enumerate() {
        let path = format!("probes[{i}]");
        let mut ok = true;
        for h in handles {
            match *h {
                HandleRef::Pop(p) => ok &= c.handle(net.net, p, pops.len(), &format!("{path}.target")).is_some(),
                HandleRef::Proj(p) => {
                    if p.net != net.net || p.index() >= net.projections.len() {
                        c.err(K::ForeignHandle, format!("{path}.target"), format!("projection handle {} belongs to another network", p.index()));
                        ok = false;
                    }
                }
            }
        }
        if !ok {
            continue;
        }
        let positive = |c: &mut Checker, what: &str, t: Time| {
            if !(t.0 > 0.0 && t.0.is_finite()) {
                c.err(K::NotPositive, format!("{path}.{what}"), format!("{t} is not a positive duration"));
            }
        };
        match &d.kind {
            ProbeKind::Spikes { pops: ps } if ps.is_empty() => c.err(K::Malformed, format!("{path}.pops"), "no population to record"),
            ProbeKind::State { pop, var, neurons, interval } => {
                match neuron_model(*pop) {
                    None => c.err(K::UnknownVariable, format!("{path}.var"), format!("`{}` is a spike source and has no state `{var}`", pops[*pop].name)),
                    Some(m) if m.kind.state_var(var).is_none() => {
                        let have: Vec<_> = m.kind.state().iter().map(|s| s.name).collect();
                        c.err(K::UnknownVariable, format!("{path}.var"), format!("{} has no state variable `{var}` (it has {have:?})", m.kind.name()));
                    }
                    Some(_) => {}
                }
                if let Some(n) = neurons.iter().find(|&&n| u64::from(n) >= size(*pop)) {
                    c.err(K::IndexOutOfRange, format!("{path}.neurons"), format!("neuron {n} is outside {} neurons", size(*pop)));
                }
                positive(&mut c, "interval", *interval);
            }
            ProbeKind::Weights { interval, .. } => positive(&mut c, "interval", *interval),
            ProbeKind::Rate { bin, .. } => positive(&mut c, "bin", *bin),
            ProbeKind::Spikes { .. } => {}
        }
        if let Some((a, b)) = d.window
            && !(a.0 >= 0.0 && b.0 > a.0 && b.0.is_finite())
        {
            c.err(K::Malformed, format!("{path}.window"), format!("[{a}, {b}) is not a window"));
        }
        probes.push(d.clone());
    }

    names_unique(&mut c, "modulators", net.modulators.iter().map(|(_, d)| d.name.as_str()));
    for (i, (pop, d)) in net.modulators.iter().enumerate() {
        if let Some(p) = pop {
            c.handle(net.net, *p, pops.len(), &format!("modulators[{i}].pop"));
        }
        if !d.initial.is_finite() {
            c.err(K::NotFinite, format!("modulators[{i}].initial"), format!("{} is not finite", d.initial));
        }
        if let ModulatorKind::PerNeuron { pop } = d.kind
            && pop < pops.len()
            && neuron_model(pop).is_none()
        {
            c.err(K::Malformed, format!("modulators[{i}].pop"), "a learning signal needs a neuron population");
        }
    }

    if !c.problems.is_empty() {
        return Err(BuildError::Invalid(c.problems));
    }
    let mut offsets = vec![0u64];
    for p in pops {
        offsets.push(offsets.last().copied().unwrap_or(0) + p.size);
    }
    Ok(Graph {
        net: net.net,
        dt,
        seed: net.seed,
        populations: pops.clone(),
        projections,
        currents,
        probes,
        modulators: net.modulators.iter().map(|(_, d)| d.clone()).collect(),
        offsets,
        warnings: c.warnings,
    })
}
