//! `freeze()`: checks a [`Network`] and resolves it into a [`Graph`].
//!
//! Every check pushes a [`Problem`] with a path and goes on, so the user sees every
//! problem at once. Nothing here panics on user input.

use crate::dist::{Dist, Value};
use crate::error::{BuildError, Problem, ProblemKind as K, Warning};
use crate::graph::Graph;
use crate::ids::{NetId, PopId};
use crate::model::{Constraint, NeuronSpec};
use crate::network::{HandleRef, ModulatorKind, Network, PopKind};
use crate::probe::ProbeKind;
use crate::rule::RuleCatalog;
use crate::stimulus::{CurrentShape, SourceSpec};
use crate::units::{Time, Unit};
use std::collections::HashMap;

mod fluctuation;
mod mirror;
mod projection;

pub(crate) use projection::{connector_name, expected_synapses};

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
            self.err(K::UnitMismatch, path, format!("given in {}, expected {}", v.unit.described(), unit.described()));
            return false;
        }
        if let Some(bad) = v.defining_numbers().into_iter().find(|x| !x.is_finite()) {
            // A time constant, rate or size must be a positive number: NaN and infinity
            // fail that constraint rather than merely being "not finite".
            let kind = if constraint == Constraint::Finite { K::NotFinite } else { K::NotPositive };
            self.err(kind, path, format!("{} is not a finite number", unit.format(bad)));
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
            Some(_) if m.kind.graded() && name == "r" => {
                c.err(K::Malformed, format!("{path}.init.r"), "a rate unit's output `r` follows from `u`; set `init.u` instead")
            }
            Some(def) => {
                c.value(&format!("{path}.init.{name}"), v, def.unit, Constraint::Finite, Some(size));
            }
        }
    }
    if !m.escape_noise.is_step() && !m.kind.has_escape_noise() {
        c.err(
            K::Malformed,
            format!("{path}.escape_noise"),
            format!("{} has no escape noise (only lif_discrete and alif do); `{}` cannot apply", m.kind.name(), m.escape_noise.name()),
        );
    }
    for bad in m.escape_noise.check() {
        let kind = if bad.field == "p0" { K::ProbabilityOutOfRange } else { K::NotPositive };
        c.err(kind, format!("{path}.escape_noise.{}.{}", m.escape_noise.name(), bad.field), bad.message);
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

fn source(c: &mut Checker, path: &str, s: &SourceSpec, size: u64, dt: Option<Time>) {
    // A source emits at most one spike per tick: a rate above 1/dt would be clipped to
    // 1/dt without a word (1 GHz and 20 kHz both ran as 10 kHz at dt = 0.1 ms).
    let above_max = |c: &mut Checker, at: String, hz: f64| {
        if let Some(dt) = dt
            && hz.is_finite()
            && hz * dt.0 * 1e-3 > 1.0
        {
            let max = 1e3 / dt.0;
            c.err(
                K::RateTooHigh,
                at,
                format!(
                    "{} is above 1/dt = {}: a source emits at most one spike per tick of {dt} (lower the rate or dt)",
                    Unit::Hz.format(hz),
                    Unit::Hz.format(max)
                ),
            );
        }
    };
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
                // A single rate was checked above; steps may pause at 0 Hz.
                if schedule.len() > 1 && !(r.0 >= 0.0 && r.0.is_finite()) {
                    c.err(K::NotPositive, format!("{path}.schedule[{k}].rate"), format!("{r} is not a finite rate >= 0"));
                }
                let at = if schedule.len() > 1 { format!("{path}.schedule[{k}].rate") } else { format!("{path}.rate") };
                above_max(c, at, r.0);
                if !(t.0 >= 0.0 && t.0.is_finite()) || (k > 0 && t.0 <= schedule[k - 1].0.0) {
                    c.err(K::Malformed, format!("{path}.schedule[{k}].time"), format!("{t} is not after the previous step"));
                }
            }
        }
        SourceSpec::RateArray { bin, rates, per_neuron } => {
            if !(bin.0 > 0.0 && bin.0.is_finite()) {
                c.err(K::NotPositive, format!("{path}.bin"), format!("{bin} is not a positive duration"));
            }
            if rates.is_empty() || (*per_neuron && !(rates.len() as u64).is_multiple_of(size.max(1))) {
                c.err(K::Malformed, format!("{path}.rates"), format!("{} rates do not fill whole bins for {size} neurons", rates.len()));
            }
            if let Some((k, r)) = rates.iter().enumerate().find(|(_, r)| !(**r >= 0.0 && r.is_finite())) {
                c.err(K::NotPositive, format!("{path}.rates[{k}]"), format!("{r} Hz is not a finite rate >= 0"));
            } else if let Some((k, r)) = rates.iter().enumerate().max_by(|a, b| a.1.total_cmp(b.1)) {
                above_max(c, format!("{path}.rates[{k}]"), *r);
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
            PopKind::Source(s) => source(&mut c, &format!("{path}.source"), s, p.size, dt_ok.then_some(dt)),
        }
    }
    let size = |i: usize| pops[i].size;
    let neuron_model = |i: usize| match &pops[i].kind {
        PopKind::Neurons(m) => Some(m),
        PopKind::Source(_) => None,
    };
    let graded = |i: usize| neuron_model(i).is_some_and(|m| m.kind.graded());

    let projections = projection::projections(&mut c, net, rules, dt_ok);

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
            c.err(
                K::UnitMismatch,
                format!("{path}.amplitude"),
                format!("{} takes currents in {}, not {}", m.kind.name(), m.kind.current_unit().described(), d.unit.described()),
            );
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
            && (stop.0.is_nan() || stop.0 <= d.start.0)
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
            ProbeKind::Spikes { pops: ps } if let Some(&p) = ps.iter().find(|&&p| graded(p)) => {
                c.err(K::Malformed, format!("{path}.pops"), format!("`{}` is a rate population and never spikes; probe its state `r`", pops[p].name))
            }
            ProbeKind::Rate { pop, .. } if graded(*pop) => {
                c.err(K::Malformed, format!("{path}.pop"), format!("`{}` is a rate population and never spikes; probe its state `r`", pops[*pop].name))
            }
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
            ProbeKind::Weights { proj, interval, var, .. } => {
                positive(&mut c, "interval", *interval);
                if let Some(v) = var {
                    // Wire it or refuse it: only a variable the rule keeps per synapse.
                    let spec = net.projections.get(*proj).and_then(|d| d.conn.rule.as_ref());
                    match (spec, rules) {
                        (None, _) => c.err(K::UnknownVariable, format!("{path}.var"), format!("`{v}`: the projection has no plasticity rule")),
                        (Some(spec), Some(cat)) => {
                            let have = cat.synapse_state(spec);
                            if !have.contains(&v.as_str()) {
                                c.err(K::UnknownVariable, format!("{path}.var"), format!("rule `{}` keeps no per-synapse `{v}` (it has {have:?})", spec.name));
                            }
                        }
                        // Without the catalogue the rule itself is unchecked; the runtime refuses an unknown variable when it builds.
                        (Some(_), None) => {}
                    }
                }
            }
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
        let path = format!("modulators[{i}]");
        for (k, (t, v)) in d.schedule.iter().enumerate() {
            if !(t.0 >= 0.0 && t.0.is_finite()) || (k > 0 && t.0 <= d.schedule[k - 1].0.0) {
                c.err(K::Malformed, format!("{path}.schedule[{k}]"), format!("{t}: step times must be finite, >= 0 and increasing"));
            } else if dt_ok && k > 0 && t.to_ticks(dt) == d.schedule[k - 1].0.to_ticks(dt) {
                c.err(K::Malformed, format!("{path}.schedule[{k}]"), format!("{t} falls on the same tick as the step before it"));
            }
            if !v.is_finite() {
                c.err(K::NotFinite, format!("{path}.schedule[{k}]"), format!("{v} is not finite"));
            }
        }
        if let Some(a) = &d.activity {
            if !d.schedule.is_empty() {
                c.err(K::Malformed, format!("{path}.schedule"), "a modulator computed from activity cannot also follow a schedule");
            }
            if !(a.tau.0 > 0.0 && a.tau.0.is_finite()) {
                c.err(K::NotPositive, format!("{path}.activity.tau"), format!("{} is not a positive duration", a.tau));
            }
            if !(a.delay.0.is_finite() && dt_ok && a.delay.to_ticks(dt) >= 1) {
                c.err(K::NotPositive, format!("{path}.activity.delay"), format!("{} is shorter than one time step", a.delay));
            }
            for (what, x) in [("gain", a.gain), ("offset", a.offset)] {
                if !x.is_finite() {
                    c.err(K::NotFinite, format!("{path}.activity.{what}"), format!("{x} is not finite"));
                }
            }
        }
        if d.kind != ModulatorKind::Scalar && (d.activity.is_some() || !d.schedule.is_empty()) {
            c.err(K::Malformed, path.clone(), "only scalar modulators take a schedule or an activity");
        }
        if d.kind != ModulatorKind::Scalar && d.initial != 0.0 {
            c.err(K::Malformed, format!("{path}.initial"), "a per-neuron signal's values come from its feedback projections; it takes no initial value");
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
