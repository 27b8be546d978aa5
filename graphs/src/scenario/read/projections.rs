//! Projections: ends by name, the connector, weights, delays, receptor and rule.

use super::Reader;
use crate::connector::{Conn, Connector, Receptor};
use crate::dist::Value;
use crate::error::ProblemKind as K;
use crate::rule::RuleSpec;
use crate::scenario::doc::ProjDoc;
use crate::scenario::{init, values};
use crate::units::Unit;

impl Reader {
    pub(super) fn projection(&mut self, j: usize, d: &ProjDoc) {
        let path = format!("projection[{j}]");
        let before = self.problems.len();
        let mut ends = [Vec::new(), Vec::new()];
        for (end, (key, names)) in ends.iter_mut().zip([("source", &d.source), ("target", &d.target)]) {
            let names = names.list();
            if names.is_empty() {
                self.err(K::Malformed, format!("{path}.{key}"), "no population named");
            }
            *end = names.into_iter().map(|n| self.resolve(&format!("{path}.{key}"), n)).collect::<Vec<_>>();
        }
        let conn = self.conn(&path, d);
        let [sources, targets] = ends;
        let sources: Option<Vec<usize>> = sources.into_iter().collect();
        let targets: Option<Vec<usize>> = targets.into_iter().collect();
        let (Some(conn), Some(sources), Some(targets)) = (conn, sources, targets) else { return };
        if self.problems.len() > before {
            return;
        }
        for &s in &sources {
            for &t in &targets {
                self.net.connect(self.pop(s), self.pop(t), conn.clone());
                self.origin.projs.push(j);
            }
        }
    }

    fn conn(&mut self, path: &str, d: &ProjDoc) -> Option<Conn> {
        let mut found: Vec<(&str, Connector)> = Vec::new();
        found.extend(d.p.map(|p| ("p", Connector::Prob(p))));
        found.extend(d.in_degree.map(|k| ("in_degree", Connector::InDegree(k))));
        found.extend(d.out_degree.map(|k| ("out_degree", Connector::OutDegree(k))));
        found.extend(d.total.map(|n| ("total", Connector::Total(n))));
        found.extend((d.all_to_all == Some(true)).then_some(("all_to_all", Connector::AllToAll)));
        found.extend((d.one_to_one == Some(true)).then_some(("one_to_one", Connector::OneToOne)));
        found.extend(d.pairs.as_ref().map(|pairs| ("pairs", Connector::List { pairs: pairs.clone(), weights: None, delays: None })));
        let connector = match found.len() {
            1 => found.pop().map(|(_, c)| c),
            0 => {
                let m = "no connector: give one of p, in_degree, out_degree, total, all_to_all = true, one_to_one = true or pairs";
                self.err(K::Malformed, path, m);
                None
            }
            _ => {
                let keys: Vec<&str> = found.iter().map(|(k, _)| *k).collect();
                self.err(K::Malformed, path, format!("several connectors ({}); give exactly one", keys.join(", ")));
                None
            }
        };
        let is_list = matches!(connector, Some(Connector::List { .. }));
        for (key, present) in [("weights", d.weights.is_some()), ("delays", d.delays.is_some())] {
            if present && !is_list {
                self.err(K::Malformed, format!("{path}.{key}"), format!("`{key}` gives one value per pair and needs `pairs`"));
            }
        }
        let weights = d.weights.as_ref().and_then(|v| self.ok(&format!("{path}.weights"), values::list(v, None)));
        let delays = d.delays.as_ref().and_then(|v| self.ok(&format!("{path}.delays"), values::list(v, Some(Unit::Ms))));
        // `Some(None)`: an initialiser whose problem is recorded.
        let init = d.weight.as_ref().and_then(init::read).map(|r| self.ok(&format!("{path}.weight.fluctuation_driven"), r));
        let weight = match (&d.weight, &weights) {
            // `freeze()` computes the weights; this placeholder is what the builder holds.
            (Some(_), _) if let Some(found) = &init => found.as_ref().map(|_| Value::constant(Unit::One, 0.0)),
            (Some(v), _) => self.ok(&format!("{path}.weight"), values::value(v, None)),
            // Per-pair weights fix the unit; the projection's own weight is unused.
            (None, Some((unit, _))) => Some(Value::constant(*unit, 0.0)),
            (None, None) => {
                if d.weights.is_none() {
                    self.err(K::Malformed, format!("{path}.weight"), "no weight given");
                }
                None
            }
        };
        if let (Some(w), Some((unit, _))) = (&weight, &weights)
            && w.unit != *unit
        {
            self.err(K::UnitMismatch, format!("{path}.weights"), format!("per-pair weights in {unit:?} but `weight` in {:?}", w.unit));
        }
        let delay = match &d.delay {
            Some(v) => self.ok(&format!("{path}.delay"), values::value(v, Some(Unit::Ms))),
            // One time step: the shortest delay there is.
            None => Some(Value::constant(Unit::Ms, self.net.dt.0)),
        };
        let receptor = match d.receptor.as_deref() {
            None | Some("auto") => Receptor::Auto,
            Some("exc") => Receptor::Exc,
            Some("inh") => Receptor::Inh,
            Some(name) => Receptor::Named(name.to_string()),
        };
        let rule = d.rule.as_ref().map(|r| self.rule_spec(&format!("{path}.rule"), &r.name, &r.params));
        let mut connector = connector?;
        if let Connector::List { weights: w, delays: dl, .. } = &mut connector {
            *w = weights.map(|(_, xs)| xs);
            *dl = delays.map(|(_, xs)| xs);
        }
        Some(Conn {
            connector,
            autapses: d.autapses.unwrap_or(true),
            multapses: d.multapses.unwrap_or(false),
            weight: weight?,
            delay: delay?,
            receptor,
            rule,
            name: d.name.clone(),
            signal: d.signal.clone(),
            weight_init: init.flatten(),
        })
    }

    /// A rule's spec from its name and other keys: `inputs` binds third factors,
    /// `base` (a name or a table like the rule's own) is a wrapper's base rule, and
    /// every other key is a parameter.
    fn rule_spec(&mut self, path: &str, name: &str, keys: &std::collections::BTreeMap<String, toml::Value>) -> RuleSpec {
        let mut spec = RuleSpec { name: name.to_string(), ..RuleSpec::default() };
        for (k, v) in keys {
            match k.as_str() {
                "inputs" => match v {
                    toml::Value::Table(t) => {
                        for (input, node) in t {
                            match node.as_str() {
                                Some(n) => {
                                    spec.inputs.insert(input.clone(), n.to_string());
                                }
                                None => self.err(K::Malformed, format!("{path}.inputs.{input}"), format!("{node} is not the name of a modulator")),
                            }
                        }
                    }
                    _ => self.err(K::Malformed, format!("{path}.inputs"), format!("{v} is not a table of input = \"modulator\"")),
                },
                "base" => match v {
                    toml::Value::String(n) => spec.base = Some(Box::new(RuleSpec { name: n.clone(), ..RuleSpec::default() })),
                    toml::Value::Table(t) => match t.get("name").and_then(toml::Value::as_str) {
                        Some(n) => {
                            let rest: std::collections::BTreeMap<String, toml::Value> =
                                t.iter().filter(|(k, _)| *k != "name").map(|(k, v)| (k.clone(), v.clone())).collect();
                            spec.base = Some(Box::new(self.rule_spec(&format!("{path}.base"), n, &rest)));
                        }
                        None => self.err(K::Malformed, format!("{path}.base.name"), "a base rule needs its name"),
                    },
                    _ => self.err(K::Malformed, format!("{path}.base"), format!("{v} is not a rule (a name or a table with `name`)")),
                },
                _ => {
                    if let Some(value) = self.ok(&format!("{path}.{k}"), values::value(v, None)) {
                        spec.params.insert(k.clone(), value);
                    }
                }
            }
        }
        spec
    }
}
