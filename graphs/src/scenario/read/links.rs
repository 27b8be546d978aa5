//! What refers to populations and projections: currents, probes and modulators.

use super::{Reader, unused};
use crate::error::ProblemKind as K;
use crate::ids::{PopId, ProjId};
use crate::network::Activity;
use crate::scenario::doc::{CurrentDoc, ModDoc, ProbeDoc, ProbeKindDoc};
use crate::scenario::values;
use crate::stimulus::{CurrentDef, CurrentShape};
use crate::units::{Time, Unit};

impl Reader {
    pub(super) fn current(&mut self, j: usize, d: &CurrentDoc) {
        let path = format!("current[{j}]");
        let before = self.problems.len();
        let target = self.resolve(&format!("{path}.target"), &d.target);
        let shape = match (&d.amplitude, &d.steps) {
            (Some(a), None) => self.ok(&format!("{path}.amplitude"), values::value(a, None)).map(|v| (v.unit, CurrentShape::Dc { amplitude: v })),
            (None, Some(steps)) => {
                let (mut unit, mut times, mut amplitudes) = (None, Vec::new(), Vec::new());
                for (k, (t, a)) in steps.iter().enumerate() {
                    times.extend(self.time(&format!("{path}.steps[{k}]"), t));
                    if let Some((u, a)) = self.ok(&format!("{path}.steps[{k}]"), values::scalar(a, unit)) {
                        unit = Some(u);
                        amplitudes.push(a);
                    }
                }
                Some((unit.unwrap_or(Unit::One), CurrentShape::Steps { times, amplitudes }))
            }
            _ => {
                self.err(K::Malformed, path.clone(), "a current takes either `amplitude` or `steps`");
                None
            }
        };
        let start = d.start.as_deref().map_or(Some(Time(0.0)), |s| self.time(&format!("{path}.start"), s));
        let stop = d.stop.as_deref().map(|s| self.time(&format!("{path}.stop"), s));
        let (Some(target), Some((unit, shape)), Some(start)) = (target, shape, start) else { return };
        if self.problems.len() > before {
            return;
        }
        let def = CurrentDef { name: d.name.clone(), target, neurons: d.neurons.as_ref().map(|r| r.start..r.end), shape, unit, start, stop: stop.flatten() };
        self.net.currents.push((self.pop(target), def));
        self.origin.currents.push(j);
    }

    pub(super) fn probe(&mut self, j: usize, d: &ProbeDoc, proj_names: &[String]) {
        let path = format!("probe[{j}]");
        let before = self.problems.len();
        let given = [
            ("population", d.population.is_some()),
            ("populations", d.populations.is_some()),
            ("projection", d.projection.is_some()),
            ("var", d.var.is_some()),
            ("neurons", d.neurons.is_some()),
            ("interval", d.interval.is_some()),
            ("bin", d.bin.is_some()),
            ("max_synapses", d.max_synapses.is_some()),
        ];
        let (allowed, what): (&[&str], &str) = match d.kind {
            ProbeKindDoc::Spikes => (&["population", "populations"], "a spikes probe"),
            ProbeKindDoc::State => (&["population", "var", "neurons", "interval"], "a state probe"),
            ProbeKindDoc::Weights => (&["projection", "interval", "max_synapses", "var"], "a weights probe"),
            ProbeKindDoc::Rate => (&["population", "bin"], "a rate probe"),
        };
        self.report_unused(&path, what, unused(&given, allowed));
        let window = d.window.as_ref().map(|(a, b)| (self.time(&format!("{path}.window"), a), self.time(&format!("{path}.window"), b)));
        let pop = |r: &mut Reader| r.required(&path, "population", &d.population).and_then(|n| r.resolve(&format!("{path}.population"), n));
        let added = match d.kind {
            ProbeKindDoc::Spikes => {
                let names: Vec<&String> = match (&d.population, &d.populations) {
                    (Some(p), None) => vec![p],
                    (None, Some(ps)) => ps.iter().collect(),
                    _ => {
                        self.err(K::Malformed, path.clone(), "a spikes probe takes either `population` or `populations`");
                        Vec::new()
                    }
                };
                let key = if d.population.is_some() { "population" } else { "populations" };
                let pops: Vec<Option<usize>> = names.into_iter().map(|n| self.resolve(&format!("{path}.{key}"), n)).collect();
                let pops: Option<Vec<PopId>> = pops.into_iter().map(|p| p.map(|i| self.pop(i))).collect();
                pops.filter(|_| self.problems.len() == before).map(|pops| self.net.record_spikes(pops).index())
            }
            ProbeKindDoc::State => {
                let target = pop(self);
                let var = self.required(&path, "var", &d.var);
                let neurons = self.required(&path, "neurons", &d.neurons);
                let interval = d.interval.as_deref().map_or(Some(self.net.dt), |s| self.time(&format!("{path}.interval"), s));
                match (target, var, neurons, interval) {
                    (Some(t), Some(var), Some(neurons), Some(interval)) if self.problems.len() == before => {
                        Some(self.net.record_state(self.pop(t), var, neurons.iter().copied(), interval).index())
                    }
                    _ => None,
                }
            }
            ProbeKindDoc::Weights => {
                let proj = self.required(&path, "projection", &d.projection).and_then(|name| {
                    let found = proj_names.iter().position(|n| n == name);
                    if found.is_none() {
                        self.err(K::Malformed, format!("{path}.projection"), format!("no projection is called `{name}`"));
                    }
                    found
                });
                let interval = self.required(&path, "interval", &d.interval).and_then(|s| self.time(&format!("{path}.interval"), s));
                match (proj, interval) {
                    (Some(p), Some(interval)) if self.problems.len() == before => {
                        let proj = ProjId { net: self.net.net, index: p as u32 };
                        Some(match &d.var {
                            Some(v) => self.net.record_synapse_state(proj, v, interval, d.max_synapses).index(),
                            None => self.net.record_weights(proj, interval, d.max_synapses).index(),
                        })
                    }
                    _ => None,
                }
            }
            ProbeKindDoc::Rate => {
                let target = pop(self);
                let bin = self.required(&path, "bin", &d.bin).and_then(|s| self.time(&format!("{path}.bin"), s));
                match (target, bin) {
                    (Some(t), Some(bin)) if self.problems.len() == before => Some(self.net.record_rate(self.pop(t), bin).index()),
                    _ => None,
                }
            }
        };
        let Some(index) = added else { return };
        if let Some((_, def)) = self.net.probes.get_mut(index) {
            if let Some(name) = &d.name {
                def.name = name.clone();
            }
            if let Some((Some(a), Some(b))) = window {
                def.window = Some((a, b));
            }
        }
        self.origin.probes.push(j);
    }

    pub(super) fn modulator(&mut self, j: usize, d: &ModDoc) {
        let path = format!("modulator[{j}]");
        // Every kind takes the keys it is given; `freeze` refuses the combinations
        // that would do nothing (a schedule beside an activity or on a signal, an
        // initial value of a signal), in one place for files and the DSL.
        let mut steps = Vec::new();
        for (k, (t, v)) in d.schedule.iter().flatten().enumerate() {
            if let Some(t) = self.time(&format!("{path}.schedule[{k}].time"), t) {
                steps.push((t, *v));
            }
        }
        match (&d.population, &d.activity) {
            (None, Some(a)) => {
                let apath = format!("{path}.activity");
                let Some(pop) = self.resolve(&format!("{apath}.population"), &a.population) else { return };
                let tau = self.time(&format!("{apath}.tau"), &a.tau);
                let delay = match &a.delay {
                    Some(t) => self.time(&format!("{apath}.delay"), t),
                    None => Some(Time(1.0)),
                };
                let (Some(tau), Some(delay)) = (tau, delay) else { return };
                let activity = Activity::average(tau).gain(a.gain.unwrap_or(1.0)).offset(a.offset.unwrap_or(0.0)).delay(delay);
                let handle = self.pop(pop);
                self.net.computed_modulator(&d.name, d.initial.unwrap_or(0.0), handle, activity);
                self.set_last_modulator(|def| def.schedule = steps);
            }
            (None, None) => {
                self.net.scheduled_modulator(&d.name, d.initial.unwrap_or(0.0), steps);
            }
            (Some(_), Some(_)) => {
                self.err(K::Malformed, format!("{path}.activity"), "a per-neuron signal (`population`) takes no `activity`");
            }
            (Some(name), None) => {
                let Some(pop) = self.resolve(&format!("{path}.population"), name) else { return };
                self.net.learning_signal(&d.name, self.pop(pop));
                let initial = d.initial;
                self.set_last_modulator(|def| {
                    def.schedule = steps;
                    def.initial = initial.unwrap_or(0.0);
                });
            }
        }
        self.origin.modulators.push(j);
    }

    /// Gives the modulator just added the keys its builder does not take.
    fn set_last_modulator(&mut self, f: impl FnOnce(&mut crate::network::ModulatorDef)) {
        if let Some((_, def)) = self.net.modulators.last_mut() {
            f(def);
        }
    }
}
