//! The dis-inhibitory microcircuit of specs 5.1 as a DSL building block: layers of
//! E-I pairs of soft-rectifier rate units, feed-forward weights learning by the
//! dis-inhibitory rule (specs 5.2), and a controller whose output dis-inhibits the
//! I cells through feedback weights `Q`.
//!
//! # Dynamics
//!
//! ```text
//! tau_E du^E/dt = -u^E + W r^E_{l-1} + b - r^I             (E cells; b from a unit "one")
//! tau_I du^I/dt = -u^I + r^E - Q_l c                       (I cells)
//! c = c+ - c-,  tau_c dc±/dt = -c± ± k_p (y* - y)          (controller, rectified halves)
//! ```
//!
//! Every layer, the output included, is a layer of E-I pairs (`y = r^E` of the last
//! one), so one rule learns every weight; the control reaches the output's I cells
//! one-to-one (`Q_L = 1`) and hidden layer `l`'s through `Q_l = (W_L ... W_{l+1})^T`
//! of the initial weights, normalised to Frobenius norm `q_gain` (fixed while the
//! circuit runs; a trainer recomputes it from the learned weights by rebuilding the
//! circuit from them, [`Microcircuit::start`]). The controller is proportional: its two
//! halves are linear-threshold units with opposite inputs, so `c+ - c-` is exactly the
//! low-passed `k_p e`; the target `y*` enters as a current on them (`±k_p y*`, set
//! with [`Circuit::set_target`]), and [`Circuit::open_loop`] silences them.
//! Each E cell's own rate and its partner's rate reach the rule as per-neuron signals
//! (`rE.l`, `rI.l`), learning is gated by the scalar modulator `learn`. Every
//! connection has a delay of one tick.
//!
//! # Parameters
//!
//! `dt` 1 ms (the network's; every delay is one step), `tau_e` 20 ms, `tau_i` 5 ms, `tau_c` 5 ms, `k_p` 5, `eta` 0.01 per tick, the exact
//! rule (or linear-threshold), initial weights `N(0, 1/n_in)`, biases 0.
//!
//! # References
//!
//! Rossbroich J, Zenke F (2023) Dis-inhibitory neuronal circuits can control the sign
//! of synaptic plasticity. NeurIPS 36.

use synfire_graphs::prelude::*;
use synfire_graphs::rng::{Domain, uniform_at};
use synfire_graphs::{ModId, PopId, ProjId, Time};
use synfire_rules::{Disinhibition, DisinhibitionSpiking};
use synfire_runtime::{RunError, Runtime};

/// One layer's weights and biases: `(W[post][pre], b[post])`.
pub type LayerWeights = (Vec<Vec<f64>>, Vec<f64>);

/// Why a circuit cannot be built.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum CircuitError {
    /// Fewer than an input and an output layer, or an empty layer.
    #[error("sizes = {sizes:?}: {why}")]
    Sizes {
        /// The layer sizes given.
        sizes: Vec<u32>,
        /// What is wrong.
        why: &'static str,
    },
    /// A parameter out of range.
    #[error("{field} = {value}: {why}")]
    Param {
        /// The parameter.
        field: &'static str,
        /// Its value.
        value: f64,
        /// What it must be.
        why: &'static str,
    },
}

/// The parameters of a circuit (the builder).
#[derive(Debug, Clone, PartialEq)]
pub struct Microcircuit {
    /// Layer sizes: inputs, hidden layers, outputs.
    pub sizes: Vec<u32>,
    /// E cells' time constant.
    pub tau_e: Time,
    /// I cells' time constant.
    pub tau_i: Time,
    /// Controller time constant.
    pub tau_c: Time,
    /// Proportional gain of the controller.
    pub k_p: f64,
    /// The rule of every feed-forward projection (its signals and gate are bound by
    /// the block).
    pub rule: Disinhibition,
    /// Seed of the initial weights.
    pub seed: u64,
    /// The clock step of the network it goes into (every delay is one step).
    pub dt: Time,
    /// Spread of the initial weights: `N(0, w_scale^2 / n_in)`.
    pub w_scale: f64,
    /// Gain of the hidden feedback `Q_l` (the Frobenius norm it is normalised to).
    pub q_gain: f64,
    /// Weights and biases to start from instead of drawing them (`[layer] = (W[post][pre],
    /// b[post])`): a trainer that recomputes `Q` from the learned weights rebuilds
    /// the circuit with them.
    pub start: Option<Vec<LayerWeights>>,
    /// The spiking variant's rule ([`spiking`]): LIF E-I pairs instead of rate units.
    pub spiking: Option<DisinhibitionSpiking>,
    /// The spiking variant's cells and couplings.
    pub cells: SpikingCells,
    /// What a value of 1 means at the inputs, the bias unit and the outputs (1 for
    /// rates; a rate per tick for the spiking variant): [`Circuit::set_input`] and
    /// [`Circuit::set_target`] scale by it.
    pub rate_scale: f64,
}

/// One layer of E-I pairs and the projections into it.
#[derive(Debug, Clone, PartialEq)]
pub struct Layer {
    /// Excitatory units.
    pub e: PopId,
    /// Their inhibitory partners.
    pub i: PopId,
    /// Feed-forward weights from the layer below (or the inputs).
    pub w: ProjId,
    /// Biases (from the unit `one`).
    pub b: ProjId,
}

/// A built circuit: the handles a trainer drives.
#[derive(Debug, Clone, PartialEq)]
pub struct Circuit {
    /// Input units (linear, driven by currents: [`Circuit::set_input`]).
    pub input: PopId,
    /// Hidden layers, then the output layer.
    pub layers: Vec<Layer>,
    /// The controller's positive and negative halves.
    pub control: [PopId; 2],
    /// The learning gate (0 or 1).
    pub gate: ModId,
    /// The optimiser step of batch mode (bound when the rule has `step`): 0, or the
    /// scale of the accumulated sum for one tick ([`Circuit::step`]).
    pub step: ModId,
    /// The controller gain.
    pub k_p: f64,
    /// Number of outputs.
    pub outputs: u32,
    /// The spiking variant's readout of the output rates (`None`: the output E cells' `r`).
    pub readout: Option<PopId>,
    /// See [`Microcircuit::rate_scale`].
    pub rate_scale: f64,
    /// What a target of 0 means at the outputs (0 for rates; the spiking variant's
    /// [`SpikingCells::target_floor`]).
    pub target_floor: f64,
}

/// A current that holds a controller half far below threshold.
const OFF: f64 = -100.0;

impl Microcircuit {
    /// A circuit of `sizes` (inputs, hidden..., outputs) with the defaults above.
    pub fn new(sizes: &[u32]) -> Microcircuit {
        Microcircuit {
            sizes: sizes.to_vec(),
            tau_e: 20.0.ms(),
            tau_i: 5.0.ms(),
            tau_c: 5.0.ms(),
            k_p: 5.0,
            rule: Disinhibition::exact().eta(0.01),
            seed: 1,
            dt: 1.0.ms(),
            w_scale: 1.0,
            q_gain: 1.0,
            start: None,
            spiking: None,
            cells: SpikingCells::default(),
            rate_scale: 1.0,
        }
    }
    /// The spiking variant with `rule` (its signals and gate are bound by the block):
    /// inputs and targets scale to rates per tick, 1 meaning `rate_scale` = 0.08 (80 Hz
    /// at 1 ms).
    pub fn spiking(mut self, rule: DisinhibitionSpiking) -> Self {
        (self.spiking, self.rate_scale) = (Some(rule), 0.08);
        self
    }
    /// Sets the spiking variant's cells and couplings.
    pub fn cells(mut self, cells: SpikingCells) -> Self {
        self.cells = cells;
        self
    }
    /// Sets the rule (exact or linear-threshold, learning rate, bounds).
    pub fn rule(mut self, rule: Disinhibition) -> Self {
        self.rule = rule;
        self
    }
    /// Sets the controller gain.
    pub fn k_p(mut self, k: f64) -> Self {
        self.k_p = k;
        self
    }
    /// Sets the spread of the initial weights and the gain of the hidden feedback.
    pub fn scales(mut self, w_scale: f64, q_gain: f64) -> Self {
        (self.w_scale, self.q_gain) = (w_scale, q_gain);
        self
    }
    /// Sets the seed of the initial weights.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// The initial weights into layer `l + 1` (`[post][pre]`): the start weights if
    /// set, else `N(0, w_scale^2 / n_pre)`.
    pub fn initial_weights(&self, l: usize) -> Vec<Vec<f64>> {
        if let Some(w) = self.start.as_ref().and_then(|s| s.get(l)) {
            return w.0.clone();
        }
        let (n_pre, n_post) = (self.sizes[l] as usize, self.sizes[l + 1] as usize);
        let sd = self.w_scale / (n_pre as f64).sqrt();
        (0..n_post).map(|i| (0..n_pre).map(|j| sd * gaussian(self.seed, (l * 1_000_003 + i * 1009 + j) as u64)).collect()).collect()
    }

    /// `Q_l` (`[unit of layer l][output]`) for hidden layer `l` (1-based, as in `sizes`).
    pub fn feedback(&self, l: usize) -> Vec<Vec<f64>> {
        let last = self.sizes.len() - 1;
        // M = W_L ... W_{l+1}: outputs x units of layer l.
        let mut m = self.initial_weights(last - 1);
        for k in (l..last - 1).rev() {
            let w = self.initial_weights(k);
            m = m.iter().map(|row| (0..w[0].len()).map(|j| row.iter().zip(&w).map(|(a, wr)| a * wr[j]).sum()).collect()).collect();
        }
        let norm = m.iter().flatten().map(|x| x * x).sum::<f64>().sqrt().max(1e-12);
        (0..m[0].len()).map(|i| m.iter().map(|row| self.q_gain * row[i] / norm).collect()).collect()
    }

    /// Starts from `weights` (`[layer] = (W[post][pre], b[post])`) instead of drawing them.
    pub fn start_from(mut self, weights: Vec<LayerWeights>) -> Self {
        self.start = Some(weights);
        self
    }

    /// Adds the circuit to `net`.
    pub fn build(&self, net: &mut Network) -> Result<Circuit, CircuitError> {
        let sizes = &self.sizes;
        if sizes.len() < 2 {
            return Err(CircuitError::Sizes { sizes: sizes.clone(), why: "needs at least an input and an output layer" });
        }
        if sizes.contains(&0) {
            return Err(CircuitError::Sizes { sizes: sizes.clone(), why: "every layer needs at least one unit" });
        }
        if let Some(start) = &self.start {
            let fits = start.len() == sizes.len() - 1
                && start.iter().enumerate().all(|(l, (w, b))| {
                    w.len() == sizes[l + 1] as usize
                        && b.len() == w.len()
                        && w.iter().all(|row| row.len() == sizes[l] as usize && row.iter().all(|x| x.is_finite()))
                });
            if !fits {
                return Err(CircuitError::Sizes { sizes: sizes.clone(), why: "the start weights do not have the layers' shapes (or are not finite)" });
            }
        }
        for (field, value) in [("dt", self.dt.0), ("tau_e", self.tau_e.0), ("tau_i", self.tau_i.0), ("tau_c", self.tau_c.0), ("k_p", self.k_p)] {
            if !(value.is_finite() && value > 0.0) {
                return Err(CircuitError::Param { field, value, why: "must be positive" });
            }
        }
        let d = self.dt;
        let input = net.population("X", u64::from(sizes[0]), RateUnit::linear().tau(self.dt));
        let unit = self.rate_scale;
        let one = net.population("one", 1, RateUnit::linear().tau(self.dt).bias(unit.one()).init("u", unit.one()));
        if self.spiking.is_some() {
            return spiking::build(self, net, input, one);
        }
        let gate = net.modulator("learn", 0.0);
        let step = net.modulator("step", 0.0);
        let last = sizes.len() - 1;
        let mut layers = Vec::new();
        let mut below = input;
        for (l, &size) in sizes.iter().enumerate().skip(1) {
            let n = u64::from(size);
            let e = net.population(&format!("E{l}"), n, RateUnit::softplus().tau(self.tau_e));
            let i = net.population(&format!("I{l}"), n, RateUnit::softplus().tau(self.tau_i));
            let (re, ri) = (format!("rE{l}"), format!("rI{l}"));
            net.learning_signal(&re, e);
            net.learning_signal(&ri, e);
            let mut rule = self.rule.clone().signals(&re, &ri).gate("learn");
            if rule.step.is_some() {
                rule.step = Some("step".into());
            }
            let w0 = self.initial_weights(l - 1);
            let triples = w0.iter().enumerate().flat_map(|(i, row)| row.iter().enumerate().map(move |(j, &w)| (j as u32, i as u32, w.one())));
            let w = net.connect(below, e, Conn::weighted_list(triples).delay(d).plastic(rule.clone()).named(&format!("W{l}")));
            let b0: Vec<f64> = self.start.as_ref().and_then(|s| s.get(l - 1)).map_or_else(|| vec![0.0; size as usize], |s| s.1.clone());
            let biases = b0.iter().enumerate().map(|(i, &b)| (0, i as u32, b.one()));
            let b = net.connect(one, e, Conn::weighted_list(biases).delay(d).plastic(rule).named(&format!("b{l}")));
            net.connect(e, i, Conn::one_to_one().weight(1.0.one()).delay(d));
            net.connect(i, e, Conn::one_to_one().weight((-1.0).one()).delay(d));
            net.connect(e, e, Conn::one_to_one().weight(1.0.one()).delay(d).into_signal(&re));
            net.connect(i, e, Conn::one_to_one().weight(1.0.one()).delay(d).into_signal(&ri));
            layers.push(Layer { e, i, w, b });
            below = e;
        }
        let no = u64::from(sizes[last]);
        let cp = net.population("C+", no, RateUnit::linear().tau(self.tau_c));
        let cm = net.population("C-", no, RateUnit::linear().tau(self.tau_c));
        let y = layers[last - 1].e;
        net.connect(y, cp, Conn::one_to_one().weight((-self.k_p).one()).delay(d));
        net.connect(y, cm, Conn::one_to_one().weight(self.k_p.one()).delay(d));
        // c > 0 (the output should rise) lowers the I cells' drive: dis-inhibition.
        net.connect(cp, layers[last - 1].i, Conn::one_to_one().weight((-1.0).one()).delay(d));
        net.connect(cm, layers[last - 1].i, Conn::one_to_one().weight(1.0.one()).delay(d));
        for l in 1..last {
            let q = self.feedback(l);
            let minus = q.iter().enumerate().flat_map(|(i, row)| row.iter().enumerate().map(move |(k, &x)| (k as u32, i as u32, (-x).one())));
            let plus = q.iter().enumerate().flat_map(|(i, row)| row.iter().enumerate().map(move |(k, &x)| (k as u32, i as u32, x.one())));
            net.connect(cp, layers[l - 1].i, Conn::weighted_list(minus).delay(d).named(&format!("Q{l}+")));
            net.connect(cm, layers[l - 1].i, Conn::weighted_list(plus).delay(d).named(&format!("Q{l}-")));
        }
        Ok(Circuit { input, layers, control: [cp, cm], gate, step, k_p: self.k_p, outputs: sizes[last], readout: None, rate_scale: 1.0, target_floor: 0.0 })
    }
}

impl Circuit {
    /// Holds the inputs at `x` from now on.
    pub fn set_input(&self, sim: &mut Runtime, x: &[f64]) -> Result<(), RunError> {
        x.iter().enumerate().try_for_each(|(j, &v)| sim.set_current(self.input, j as u64, v * self.rate_scale))
    }
    /// Closes the loop: the controller drives the output towards `target`.
    pub fn set_target(&self, sim: &mut Runtime, target: &[f64]) -> Result<(), RunError> {
        for (k, &t) in target.iter().enumerate() {
            let t = self.target_floor + t * self.rate_scale;
            sim.set_current(self.control[0], k as u64, self.k_p * t)?;
            sim.set_current(self.control[1], k as u64, -self.k_p * t)?;
        }
        Ok(())
    }
    /// Opens the loop: no control (`c = 0`).
    pub fn open_loop(&self, sim: &mut Runtime) -> Result<(), RunError> {
        for k in 0..u64::from(self.outputs) {
            sim.set_current(self.control[0], k, OFF)?;
            sim.set_current(self.control[1], k, OFF)?;
        }
        Ok(())
    }
    /// Turns learning on or off.
    pub fn learn(&self, sim: &mut Runtime, on: bool) -> Result<(), RunError> {
        self.learn_at(sim, if on { 1.0 } else { 0.0 })
    }
    /// Learns at `factor` times the rule's `eta` (the gate's value: a schedule of the
    /// learning rate).
    pub fn learn_at(&self, sim: &mut Runtime, factor: f64) -> Result<(), RunError> {
        sim.set_modulator(self.gate, factor)
    }
    /// Batch mode: one optimiser step on the sum accumulated since the last, times
    /// `scale` (`1 / n` for the mean over `n` ticks of learning), taken in one tick
    /// with learning off; learning stays off after it.
    pub fn step(&self, sim: &mut Runtime, scale: f64) -> Result<(), RunError> {
        sim.set_modulator(self.gate, 0.0)?;
        sim.set_modulator(self.step, scale)?;
        sim.run_ticks(1)?;
        sim.set_modulator(self.step, 0.0)
    }
    /// The learned weights and biases now, `[layer] = (W[post][pre], b[post])`, the
    /// form [`Microcircuit::start_from`] takes.
    pub fn weights(&self, sim: &Runtime) -> Result<Vec<LayerWeights>, RunError> {
        let mut out = Vec::new();
        let mut n_pre = sim.graph().populations[self.input.index()].size as usize;
        for l in &self.layers {
            let n_post = sim.graph().populations[l.e.index()].size as usize;
            let mut w = vec![vec![0.0; n_pre]; n_post];
            let t = sim.projection_weights(l.w)?;
            for (&(j, i), &x) in t.synapses.iter().zip(t.last()) {
                w[i as usize][j as usize] = f64::from(x);
            }
            let mut b = vec![0.0; n_post];
            let t = sim.projection_weights(l.b)?;
            for (&(_, i), &x) in t.synapses.iter().zip(t.last()) {
                b[i as usize] = f64::from(x);
            }
            out.push((w, b));
            n_pre = n_post;
        }
        Ok(out)
    }
    /// The outputs `y = r^E` of the last layer now.
    pub fn output(&self, sim: &Runtime) -> Result<Vec<f64>, RunError> {
        let y = self.readout.unwrap_or_else(|| self.layers.last().map_or(self.input, |l| l.e));
        (0..u64::from(self.outputs)).map(|k| sim.read_state(y, "r", k)).collect()
    }
}

/// A standard normal number from the counter-based stream (Box-Muller).
fn gaussian(seed: u64, id: u64) -> f64 {
    let u1 = uniform_at(seed, Domain::SynapseValues, id, 0).max(1e-300);
    let u2 = uniform_at(seed, Domain::SynapseValues, id, 1);
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

mod spiking;
pub use spiking::SpikingCells;
#[cfg(test)]
mod tests;
