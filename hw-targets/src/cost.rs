//! Prices with their sources, and the cost report they produce.
//!
//! Every constant a pricer uses is a [`Price`] written next to its value with its
//! evidence tag and source (specs/targets.md "How to read the evidence tags"), and
//! the report prints each one beside the term it priced. The text is deterministic,
//! with fixed columns and fixed decimals, so it can be an insta snapshot.

use serde::Serialize;
use std::fmt::Write as _;

/// How well a constant is known, from strongest to weakest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub enum Tag {
    /// Read in public source code or documentation.
    Src,
    /// A published figure.
    Pub,
    /// Derived by shown arithmetic from tagged inputs.
    Der,
    /// A modelling choice of the specification.
    Spec,
    /// Commonly cited, not verified.
    Unv,
}

impl Tag {
    /// `[pub]`, as the spec writes it.
    pub fn label(self) -> &'static str {
        match self {
            Tag::Src => "[src]",
            Tag::Pub => "[pub]",
            Tag::Der => "[der]",
            Tag::Spec => "[spec]",
            Tag::Unv => "[unv]",
        }
    }
}

/// One price constant: a value in its unit, its tag and where it comes from.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Price {
    /// The value.
    pub value: f64,
    /// Its unit (`pJ`, `ns`, `mW`, `cycles`).
    pub unit: &'static str,
    /// Evidence tag.
    pub tag: Tag,
    /// Source: paper, table or file.
    pub source: &'static str,
}

/// One line of the energy ledger.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EnergyTerm {
    /// What was counted.
    pub name: &'static str,
    /// How many.
    pub count: u64,
    /// The price of one (pJ).
    pub price: Price,
    /// count x price (J).
    pub joules: f64,
}

/// One component of the latency of a step.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LatencyTerm {
    /// What it is (`busiest core`, `barrier`).
    pub name: String,
    /// Seconds per step.
    pub seconds: f64,
    /// How it was computed and from which constants.
    pub source: String,
}

/// Energy and latency of a run on a target.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CostReport {
    /// The target's id.
    pub target: &'static str,
    /// Steps priced.
    pub steps: u64,
    /// Time step (s).
    pub dt_s: f64,
    /// Dynamic energy, term by term.
    pub dynamic: Vec<EnergyTerm>,
    /// Static (idle) power and its source, charged over `steps * dt`.
    pub static_power: Option<(String, Price)>,
    /// Latency components of one step; the step time is their sum.
    pub latency: Vec<LatencyTerm>,
    /// What the figures leave out or approximate.
    pub notes: Vec<String>,
}

impl CostReport {
    /// Model time covered (s).
    pub fn model_seconds(&self) -> f64 {
        self.steps as f64 * self.dt_s
    }
    /// Total dynamic energy (J).
    pub fn dynamic_joules(&self) -> f64 {
        self.dynamic.iter().map(|t| t.joules).sum()
    }
    /// Static energy over the model time (J): `P_static * steps * dt`.
    pub fn static_joules(&self) -> f64 {
        self.static_power.as_ref().map_or(0.0, |(_, p)| p.value * 1e-3 * self.model_seconds())
    }
    /// Seconds per step (the critical path).
    pub fn t_step(&self) -> f64 {
        self.latency.iter().map(|t| t.seconds).sum()
    }
    /// `dt / t_step`; infinite when no latency is modelled.
    pub fn real_time_factor(&self) -> f64 {
        let t = self.t_step();
        if t > 0.0 { self.dt_s / t } else { f64::INFINITY }
    }
    /// The weakest evidence tag among the prices used.
    pub fn weakest_tag(&self) -> Option<Tag> {
        self.dynamic.iter().map(|t| t.price.tag).chain(self.static_power.iter().map(|(_, p)| p.tag)).max()
    }

    /// The fixed-column text of the report.
    pub fn text(&self) -> String {
        let mut s = String::new();
        let per_step = |j: f64| if self.steps == 0 { 0.0 } else { j / self.steps as f64 };
        let secs = self.model_seconds();
        let _ = writeln!(s, "cost report: {} ({} steps of {:.3} ms, {:.3} s of model time)", self.target, self.steps, self.dt_s * 1e3, secs);
        let _ = writeln!(s, "{:<26} {:>14} {:>12} {:>16} {:>14}  {:<6} source", "energy term", "count", "price", "energy", "per step", "tag");
        for t in &self.dynamic {
            let _ = writeln!(
                s,
                "{:<26} {:>14} {:>9.3} {:<2} {:>13.6} uJ {:>11.3} nJ  {:<6} {}",
                t.name,
                t.count,
                t.price.value,
                t.price.unit,
                t.joules * 1e6,
                per_step(t.joules) * 1e9,
                t.price.tag.label(),
                t.price.source
            );
        }
        let dynamic = self.dynamic_joules();
        let _ = writeln!(s, "{:<26} {:>14} {:>12} {:>13.6} uJ {:>11.3} nJ", "dynamic total", "", "", dynamic * 1e6, per_step(dynamic) * 1e9);
        if secs > 0.0 {
            let _ = writeln!(s, "{:<26} {:>14} {:>12} {:>13.6} uW", "dynamic power", "", "", dynamic / secs * 1e6);
        }
        match &self.static_power {
            Some((what, p)) => {
                let _ = writeln!(
                    s,
                    "{:<26} {:>14} {:>9.3} {:<2} {:>13.6} uJ {:>14}  {:<6} {}",
                    "static",
                    what,
                    p.value,
                    p.unit,
                    self.static_joules() * 1e6,
                    "",
                    p.tag.label(),
                    p.source
                );
            }
            None => {
                let _ = writeln!(s, "{:<26} {:>14}", "static", "not modelled");
            }
        }
        let _ = writeln!(s, "{:<26} {:>14} {:>12} {:>13.6} uJ", "total", "", "", (dynamic + self.static_joules()) * 1e6);
        let _ = writeln!(s, "{:<26} {:>14}", "latency term", "per step");
        for t in &self.latency {
            let _ = writeln!(s, "{:<26} {:>11.2} ns  {}", t.name, t.seconds * 1e9, t.source);
        }
        if self.latency.is_empty() {
            let _ = writeln!(s, "{:<26} {:>14}", "step time", "not modelled");
        } else {
            let _ = writeln!(s, "{:<26} {:>11.2} ns  real-time factor {:.2} (dt / t_step)", "step time", self.t_step() * 1e9, self.real_time_factor());
        }
        if let Some(tag) = self.weakest_tag() {
            let _ = writeln!(s, "weakest evidence among the prices: {}", tag.label());
        }
        for n in &self.notes {
            let _ = writeln!(s, "note: {n}");
        }
        s
    }
}

/// An energy term: `count` events at `price` pJ each.
pub fn term(name: &'static str, count: u64, price: Price) -> EnergyTerm {
    EnergyTerm { name, count, price, joules: count as f64 * price.value * 1e-12 }
}
