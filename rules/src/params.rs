//! Reading and writing rule parameters as data ([`RuleSpec`]).
//!
//! Every rule's `Params` struct goes through these two helpers, so that all rules
//! treat units, defaults and unknown names the same way: a parameter must be a
//! constant (rules are per projection, not per synapse), in the right unit, finite;
//! a name the rule does not know is a problem (it is almost always a typo).

use crate::error::problem;
use std::collections::{BTreeMap, BTreeSet};
use synfire_graphs::{Quantity, Rate, RuleProblem, RuleSpec, Time, Unit, Value};

/// Reads parameters from a spec, collecting every problem instead of stopping at the first.
#[derive(Debug)]
pub(crate) struct Reader<'a> {
    params: &'a BTreeMap<String, Value>,
    used: BTreeSet<&'static str>,
    pub(crate) problems: Vec<RuleProblem>,
}

impl<'a> Reader<'a> {
    pub(crate) fn new(spec: &'a RuleSpec) -> Self {
        Reader { params: &spec.params, used: BTreeSet::new(), problems: Vec::new() }
    }

    fn get(&mut self, name: &'static str, unit: Unit) -> Option<f64> {
        self.get_with(name, unit, f64::is_finite)
    }

    /// [`Reader::get`] with the test a number must pass (`is_finite`, or "not NaN" for
    /// bounds, whose infinity means "none").
    fn get_with(&mut self, name: &'static str, unit: Unit, ok: fn(f64) -> bool) -> Option<f64> {
        self.used.insert(name);
        let v = self.params.get(name)?;
        if v.unit != unit {
            let want = if unit == Unit::One { "a plain number".to_string() } else { format!("a value in {}", unit.symbol()) };
            self.problems.push(problem(name, format!("{} is not {want}", describe(v))));
            return None;
        }
        match v.as_const() {
            Some(x) if ok(x) => Some(x),
            Some(x) => {
                self.problems.push(problem(name, format!("{x} is not finite")));
                None
            }
            None => {
                self.problems.push(problem(name, format!("{} must be a constant (rule parameters are per projection)", describe(v))));
                None
            }
        }
    }

    /// A duration in ms, or `default`.
    pub(crate) fn time(&mut self, name: &'static str, default: Time) -> Time {
        self.get(name, Unit::Ms).map_or(default, Time)
    }

    /// A rate in Hz, or `default`.
    pub(crate) fn rate(&mut self, name: &'static str, default: Rate) -> Rate {
        self.get(name, Unit::Hz).map_or(default, Rate)
    }

    /// A plain number, or `default`.
    pub(crate) fn number(&mut self, name: &'static str, default: f64) -> f64 {
        self.get(name, Unit::One).unwrap_or(default)
    }

    /// A plain number that may be absent.
    pub(crate) fn opt_number(&mut self, name: &'static str) -> Option<f64> {
        self.get(name, Unit::One)
    }

    /// A weight bound that may be absent: a plain number, where `inf` (`-inf` for a
    /// lower bound) is a bound that never acts, so that an open-ended range survives
    /// the trip through data.
    pub(crate) fn opt_bound(&mut self, name: &'static str) -> Option<f64> {
        self.get_with(name, Unit::One, |x| !x.is_nan())
    }

    /// A rate that may be absent.
    pub(crate) fn opt_rate(&mut self, name: &'static str) -> Option<Rate> {
        self.get(name, Unit::Hz).map(Rate)
    }

    /// A duration that may be absent.
    pub(crate) fn opt_time(&mut self, name: &'static str) -> Option<Time> {
        self.get(name, Unit::Ms).map(Time)
    }

    /// A switch written as 0 or 1.
    pub(crate) fn flag(&mut self, name: &'static str, default: bool) -> bool {
        let Some(x) = self.get(name, Unit::One) else { return default };
        if x == 0.0 || x == 1.0 {
            return x == 1.0;
        }
        self.problems.push(problem(name, format!("{x} is not a switch (write 0 or 1)")));
        default
    }

    /// Ends reading: every parameter the rule did not ask for is reported.
    /// `parsed` if no parameter had a problem, else every problem.
    pub(crate) fn result<T>(self, parsed: T) -> Result<T, Vec<RuleProblem>> {
        let problems = self.finish();
        if problems.is_empty() { Ok(parsed) } else { Err(problems) }
    }

    /// The `nearest` switch: nearest-spike or all-to-all traces.
    pub(crate) fn interaction(&mut self) -> crate::trace::Interaction {
        if self.flag("nearest", false) { crate::trace::Interaction::Nearest } else { crate::trace::Interaction::AllToAll }
    }

    fn finish(mut self) -> Vec<RuleProblem> {
        for name in self.params.keys() {
            if !self.used.contains(name.as_str()) {
                let known = self.used.iter().copied().collect::<Vec<_>>().join(", ");
                self.problems.push(problem(name, format!("this rule has no parameter `{name}` (known: {known})")));
            }
        }
        self.problems
    }
}

fn describe(v: &Value) -> String {
    match v.as_const() {
        Some(x) => v.unit.format(x),
        None => format!("a distribution in {}", if v.unit == Unit::One { "plain numbers" } else { v.unit.symbol() }),
    }
}

/// Builds a [`RuleSpec`].
#[derive(Debug)]
pub(crate) struct Writer {
    spec: RuleSpec,
}

impl Writer {
    pub(crate) fn new(name: &str) -> Self {
        Writer { spec: RuleSpec { name: name.to_string(), params: BTreeMap::new(), inputs: BTreeMap::new(), base: None } }
    }

    pub(crate) fn quantity<Q: Quantity>(mut self, name: &str, q: Q) -> Self {
        self.spec.params.insert(name.to_string(), Value::constant(Q::UNIT, q.value()));
        self
    }

    pub(crate) fn number(mut self, name: &str, x: f64) -> Self {
        self.spec.params.insert(name.to_string(), Value::constant(Unit::One, x));
        self
    }

    pub(crate) fn opt_number(self, name: &str, x: Option<f64>) -> Self {
        match x {
            Some(x) => self.number(name, x),
            None => self,
        }
    }

    pub(crate) fn opt_rate(self, name: &str, r: Option<Rate>) -> Self {
        match r {
            Some(r) => self.quantity(name, r),
            None => self,
        }
    }

    pub(crate) fn flag(self, name: &str, on: bool) -> Self {
        self.number(name, if on { 1.0 } else { 0.0 })
    }

    pub(crate) fn done(self) -> RuleSpec {
        self.spec
    }
}

/// Problems shared by every rule: positive durations and the like.
#[derive(Debug, Default)]
pub(crate) struct Checks {
    pub(crate) problems: Vec<RuleProblem>,
}

impl Checks {
    pub(crate) fn positive_time(&mut self, name: &str, t: Time) {
        if !(t.0 > 0.0 && t.0.is_finite()) {
            self.problems.push(problem(name, format!("{t} must be positive")));
        }
    }

    pub(crate) fn positive(&mut self, name: &str, x: f64) {
        if !(x > 0.0 && x.is_finite()) {
            self.problems.push(problem(name, format!("{x} must be positive")));
        }
    }

    pub(crate) fn non_negative(&mut self, name: &str, x: f64) {
        if !(x >= 0.0 && x.is_finite()) {
            self.problems.push(problem(name, format!("{x} must be zero or positive")));
        }
    }

    pub(crate) fn finite(&mut self, name: &str, x: f64) {
        if !x.is_finite() {
            self.problems.push(problem(name, format!("{x} is not finite")));
        }
    }

    pub(crate) fn push(&mut self, p: RuleProblem) {
        self.problems.push(p);
    }
}
