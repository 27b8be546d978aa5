//! Projections: how sources connect to targets, with which weights and delays.

use crate::dist::{Spec, Value};
use crate::fluctuation::FluctuationDriven;
use crate::rule::RuleSpec;
use crate::units::{Quantity, Time, Unit};
use serde::{Deserialize, Serialize};

/// The connectivity pattern of a projection.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Connector {
    /// Every source to every target.
    AllToAll,
    /// Source i to target i; both populations must have the same size.
    OneToOne,
    /// Each (source, target) pair independently with probability `p` (Bernoulli).
    Prob(f64),
    /// Each target receives exactly `k` synapses from sources drawn at random.
    InDegree(u32),
    /// Each source sends exactly `k` synapses to targets drawn at random.
    OutDegree(u32),
    /// Exactly `n` synapses, (source, target) drawn uniformly at random.
    Total(u64),
    /// Explicit `(source, target)` pairs, optionally with a weight and delay each
    /// (in the projection's weight unit and in ms). This is also the sparse-matrix
    /// form: pairs in row-major (COO) order.
    List { pairs: Vec<(u32, u32)>, weights: Option<Vec<f64>>, delays: Option<Vec<f64>> },
}

/// Which input of the target a projection feeds.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Receptor {
    /// Chosen from the sign of the weights: excitatory for positive, inhibitory for
    /// negative (single-input models take both).
    Auto,
    /// Excitatory.
    Exc,
    /// Inhibitory.
    Inh,
    /// A receptor the target model names.
    Named(String),
}

/// A projection as the user describes it (`Conn::prob(0.02).weight(1.62.mv())`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Conn {
    /// The pattern.
    pub connector: Connector,
    /// Whether a neuron may connect to itself when source and target are the same population.
    pub autapses: bool,
    /// Whether one (source, target) pair may have several synapses.
    pub multapses: bool,
    /// Weights; unit decided by the user and converted to the target model's unit.
    pub weight: Value,
    /// Delays (ms); rounded to whole ticks.
    pub delay: Value,
    /// Target input.
    pub receptor: Receptor,
    /// Plasticity rule, if the synapses learn.
    pub rule: Option<RuleSpec>,
    /// Name of the projection; default `"SRC->DST"`.
    pub name: Option<String>,
    /// Delivers into this per-neuron signal of the target population (feedback
    /// weights `B`) instead of a receptor: `L_j(t) = sum_k B_jk a_k(t - d)`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signal: Option<String>,
    /// Computes the weights from the target's dynamics when the network is frozen;
    /// the frozen graph's `weight` then holds the distribution it chose.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weight_init: Option<WeightInit>,
}

/// A weight initialiser that `freeze()` resolves into a distribution, because it
/// depends on the target model and on the other projections onto the same target.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WeightInit {
    /// Fluctuation-driven initialisation (specs 3): `normal(mu_w, sigma_w)`.
    FluctuationDriven(FluctuationDriven),
}

impl Conn {
    fn with(connector: Connector) -> Conn {
        Conn {
            connector,
            autapses: true,
            multapses: false,
            weight: Value::constant(Unit::One, 1.0),
            delay: Value::constant(Unit::Ms, 0.1),
            receptor: Receptor::Auto,
            rule: None,
            name: None,
            signal: None,
            weight_init: None,
        }
    }

    /// Every source to every target.
    pub fn all_to_all() -> Conn {
        Self::with(Connector::AllToAll)
    }
    /// Source i to target i.
    pub fn one_to_one() -> Conn {
        Self::with(Connector::OneToOne)
    }
    /// Bernoulli connectivity with probability `p`.
    pub fn prob(p: f64) -> Conn {
        Self::with(Connector::Prob(p))
    }
    /// Exactly `k` inputs per target.
    pub fn in_degree(k: u32) -> Conn {
        Self::with(Connector::InDegree(k))
    }
    /// Exactly `k` outputs per source.
    pub fn out_degree(k: u32) -> Conn {
        Self::with(Connector::OutDegree(k))
    }
    /// Exactly `n` synapses in total.
    pub fn total(n: u64) -> Conn {
        Self::with(Connector::Total(n))
    }
    /// Explicit `(source, target)` pairs.
    pub fn list(pairs: impl IntoIterator<Item = (u32, u32)>) -> Conn {
        Self::with(Connector::List { pairs: pairs.into_iter().collect(), weights: None, delays: None })
    }
    /// Explicit `(source, target, weight)` triples; the weight unit is `Q`.
    pub fn weighted_list<Q: Quantity>(triples: impl IntoIterator<Item = (u32, u32, Q)>) -> Conn {
        let (pairs, weights): (Vec<_>, Vec<_>) = triples.into_iter().map(|(s, t, w)| ((s, t), w.value())).unzip();
        let mut c = Self::with(Connector::List { pairs, weights: Some(weights), delays: None });
        c.weight = Value::constant(Q::UNIT, 0.0);
        c
    }
    /// A sparse matrix in CSR form: row `s` (a source) holds `indices[offsets[s]..offsets[s+1]]`.
    /// Malformed input stays visibly malformed so that `freeze()` reports it instead of
    /// dropping synapses: an index past `indices` or a decreasing offset becomes a pair
    /// with target `u32::MAX` (outside any population), and every weight is kept, so a
    /// count that differs from the number of pairs is reported too.
    pub fn sparse<Q: Quantity>(offsets: &[usize], indices: &[u32], weights: &[Q]) -> Conn {
        let mut pairs = Vec::with_capacity(indices.len());
        for (s, w) in offsets.windows(2).enumerate() {
            if w[1] < w[0] {
                pairs.push((s as u32, u32::MAX));
            }
            pairs.extend((w[0]..w[1]).map(|k| (s as u32, indices.get(k).copied().unwrap_or(u32::MAX))));
        }
        let mut c = Self::with(Connector::List { pairs, weights: Some(weights.iter().map(|w| w.value()).collect()), delays: None });
        c.weight = Value::constant(Q::UNIT, 0.0);
        c
    }

    /// Sets the weights (a quantity or a distribution of one), replacing any
    /// initialiser.
    pub fn weight<Q: Quantity>(mut self, w: impl Into<Spec<Q>>) -> Conn {
        self.weight_init = None;
        let v = w.into().into_value();
        if let Connector::List { weights: Some(_), .. } = self.connector {
            self.weight.unit = v.unit;
        } else {
            self.weight = v;
        }
        self
    }
    /// Draws dimensionless weights `normal(mu_w, sigma_w)` chosen so that the free
    /// membrane potential of the `lif_discrete` target has the requested mean and
    /// spread (see [`crate::fluctuation`]); resolved by `freeze()`.
    pub fn weight_fluctuation_driven(mut self, init: FluctuationDriven) -> Conn {
        self.weight = Value::constant(Unit::One, 0.0);
        self.weight_init = Some(WeightInit::FluctuationDriven(init));
        self
    }
    /// Sets the delays.
    pub fn delay(mut self, d: impl Into<Spec<Time>>) -> Conn {
        self.delay = d.into().into_value();
        self
    }
    /// Sets the target receptor.
    pub fn receptor(mut self, r: Receptor) -> Conn {
        self.receptor = r;
        self
    }
    /// Allows or forbids self-connections (default: allowed).
    pub fn autapses(mut self, allow: bool) -> Conn {
        self.autapses = allow;
        self
    }
    /// Allows or forbids several synapses per pair (default: forbidden).
    pub fn multapses(mut self, allow: bool) -> Conn {
        self.multapses = allow;
        self
    }
    /// Makes the synapses plastic under `rule`.
    pub fn plastic(mut self, rule: impl Into<RuleSpec>) -> Conn {
        self.rule = Some(rule.into());
        self
    }
    /// Names the projection.
    pub fn named(mut self, name: &str) -> Conn {
        self.name = Some(name.to_string());
        self
    }
    /// Makes the projection feedback weights into per-neuron signal `signal` of the
    /// target population (see `Network::learning_signal`): each source's spike (1) or
    /// graded output, times the dimensionless weight, adds to the signal of its
    /// targets `delay` later, where rules read it (`Context::third`).
    pub fn into_signal(mut self, signal: &str) -> Conn {
        self.signal = Some(signal.to_string());
        self
    }
}
