//! The spiking variant of the block (specs 5.2, "Locality in a spiking port"): every
//! E-I pair is a pair of `lif_cuba` neurons and every feed-forward weight learns by
//! `disinhibition_spiking`.
//!
//! # Dynamics
//!
//! Both cells are `lif_cuba` in threshold units (`E_L = 0`, `V_th = 1` mV; E:
//! `tau_m` 20 ms, `t_ref` 2 ms, `tau_syn` 5 ms, reset 0, held at 1.5 mV by a constant
//! current: about 40 Hz alone; I: `tau_m` 20 ms, `t_ref` 1 ms, `tau_syn` 1 ms, held
//! at 0.92 mV and reset to 0.9 mV). The partner relays its E cell: a weight of
//! 3.3 mV lifts it about 0.14 mV, past threshold, so it fires once per E spike in
//! the open loop (equal rates: the rule's factor with `theta_0 = 0`, `delta = 1` is
//! 0 there, whatever the E cell's rate), and each I spike inhibits its E cell by 2 mV.
//! The controller is the rate block's, on rates per tick: `C±` low-pass
//! `±k_p (y* - s)` of the output rates, and `c = C+ - C-` reaches the I cells as an
//! ordinary synaptic current. Both signs act: `c > 0` pulls the I cells below the
//! relay's reach (they miss their E cell's spikes: dis-inhibition, potentiation);
//! `c < 0` lifts them above threshold (they fire on their own, at a rate graded by
//! the 20 ms membrane and the reset near rest, and inhibit their E cell:
//! depression). The output a trainer reads is `Y`, a rate per tick. Inputs and
//! biases stay graded currents (the rate block's `X` and `one`) in rates per tick
//! (`rate_scale`, 0.08 for 1), into the E cells' excitatory receptor. Each E cell's
//! own spikes and its partner's reach the rule as the signals `sE.l`, `sI.l`.
//! With `i_tonic > 0` a Poisson source `T.l` kicks every I cell at that rate with the
//! relay's weight, so the partner fires at its E cell's rate plus `i_tonic` in the
//! open loop and dis-inhibition can still lower it under a silent E cell.
//!
//! Why these numbers (probes of the XOR circuit): with a 2 ms I cell reset to 0 the
//! depression branch was dead (a negative `c` either left the relay at one spike
//! per E spike or drove the I cell at 100-300 Hz, silencing its E cell for good),
//! and graded inputs of 1 per tick (25 times a 40 Hz spike train's) left the
//! hidden-to-output weights with no effect: XOR stayed at chance.

use super::{Circuit, CircuitError, Layer, Microcircuit};
use synfire_graphs::prelude::*;
use synfire_graphs::{PopId, Receptor, Time};

/// The cells and couplings of the spiking circuit, in threshold units (every
/// potential in mV above `E_L = V_reset = 0`, `V_th = 1` mV).
#[derive(Debug, Clone, PartialEq)]
pub struct SpikingCells {
    /// The E cells' constant drive as the potential it holds them at (mV): above 1
    /// an E cell fires without input. A silent E cell and its silent partner give the
    /// rule nothing to compare, so every E cell fires in the open loop.
    pub e_drive: f64,
    /// The I cells' constant drive (mV): just below threshold, so that the relayed E
    /// spike fires them in the open loop, a controller current of either sign moves
    /// them off it (below: they miss E spikes; above: they fire on their own).
    pub i_drive: f64,
    /// The I cells' membrane time constant (ms).
    pub i_tau_m: f64,
    /// The I cells' reset (mV).
    pub i_reset: f64,
    /// `E -> I` weight (mV): a relayed spike lifts the I cell by about 4% of it at
    /// its peak (`tau_m` 20 ms, `tau_syn` 1 ms, `dt` 1 ms), past threshold from
    /// `i_drive`.
    pub w_ei: f64,
    /// `I -> E` weight (mV, negative).
    pub w_ie: f64,
    /// Time constant of the output rates `Y` the controller compares with the target.
    pub readout_tau: Time,
    /// The output rate (per tick) a target of 0 asks for. A target that silences an
    /// output cell strands it: a silent E cell and its silent partner give the rule
    /// nothing to compare, so dis-inhibition cannot potentiate it again.
    pub target_floor: f64,
    /// The I cells' tonic rate (per tick; 0: none): independent Poisson kicks of the
    /// relay's weight `w_ei` onto every I cell, so that in the open loop an I cell
    /// fires at its E cell's rate plus `i_tonic` (pair with the rule's
    /// `theta_0 = -i_tonic`). It is what lets dis-inhibition reach a silent E cell:
    /// without it a silent E cell's partner is silent too, a positive `c` changes
    /// nothing the rule sees (`ρE = ρI = 0`), while a negative one still fires the
    /// partner and depresses, so a silenced E cell stays silent for good (the rate
    /// circuit's I units have this baseline by themselves: `phi_I(0) = log 2`).
    pub i_tonic: f64,
}

impl Default for SpikingCells {
    fn default() -> Self {
        SpikingCells {
            e_drive: 1.5,
            i_drive: 0.92,
            i_tau_m: 20.0,
            i_reset: 0.9,
            w_ei: 3.3,
            w_ie: -2.0,
            readout_tau: 50.0.ms(),
            target_floor: 0.0,
            i_tonic: 0.0,
        }
    }
}

/// A `lif_cuba` cell in threshold units held at `drive` mV by a constant current
/// (`R = tau_m / c_m`, `c_m` 200 pF).
fn cell(tau_m: f64, t_ref: f64, tau_syn: f64, drive: f64, reset: f64) -> NeuronSpec {
    Lif::cuba()
        .set("i_e", (drive * 200.0 / tau_m).pa())
        .set("e_l", 0.0.mv())
        .set("v_reset", reset.mv())
        .set("v_th", 1.0.mv())
        .set("tau_m", tau_m.ms())
        .set("t_ref", t_ref.ms())
        .set("tau_syn_e", tau_syn.ms())
        .set("tau_syn_i", tau_syn.ms())
        .init("v", 0.0.mv())
}

/// Adds the spiking circuit of `mc` (whose `spiking` rule is set) to `net`.
pub(super) fn build(mc: &Microcircuit, net: &mut Network, input: PopId, one: PopId) -> Result<Circuit, CircuitError> {
    let Some(rule) = &mc.spiking else {
        return Err(CircuitError::Sizes { sizes: mc.sizes.clone(), why: "no spiking rule set" });
    };
    let (sizes, k) = (&mc.sizes, &mc.cells);
    let d = mc.dt;
    let gate = net.modulator("learn", 0.0);
    let step = net.modulator("step", 0.0);
    let last = sizes.len() - 1;
    let mut layers = Vec::new();
    let mut below = input;
    for (l, &size) in sizes.iter().enumerate().skip(1) {
        let n = u64::from(size);
        let e = net.population(&format!("E{l}"), n, cell(20.0, 2.0, 5.0, k.e_drive, 0.0));
        let i = net.population(&format!("I{l}"), n, cell(k.i_tau_m, 1.0, 1.0, k.i_drive, k.i_reset));
        let (se, si) = (format!("sE{l}"), format!("sI{l}"));
        net.learning_signal(&se, e);
        net.learning_signal(&si, e);
        let mut rule = rule.clone().signals(&se, &si).gate("learn");
        if rule.step.is_some() {
            rule.step = Some("step".into());
        }
        let w0 = mc.initial_weights(l - 1);
        let triples = w0.iter().enumerate().flat_map(|(i, row)| row.iter().enumerate().map(move |(j, &w)| (j as u32, i as u32, w.mv())));
        let w = net.connect(below, e, Conn::weighted_list(triples).receptor(Receptor::Exc).delay(d).plastic(rule.clone()).named(&format!("W{l}")));
        let b0: Vec<f64> = mc.start.as_ref().and_then(|s| s.get(l - 1)).map_or_else(|| vec![0.0; size as usize], |s| s.1.clone());
        let biases = b0.iter().enumerate().map(|(i, &b)| (0, i as u32, b.mv()));
        let b = net.connect(one, e, Conn::weighted_list(biases).receptor(Receptor::Exc).delay(d).plastic(rule).named(&format!("b{l}")));
        net.connect(e, i, Conn::one_to_one().weight(k.w_ei.mv()).delay(d));
        if k.i_tonic > 0.0 {
            let tonic = net.poisson(&format!("T{l}"), n, (k.i_tonic * 1000.0 / d.0).hz());
            net.connect(tonic, i, Conn::one_to_one().weight(k.w_ei.mv()).delay(d));
        }
        net.connect(i, e, Conn::one_to_one().weight(k.w_ie.mv()).delay(d));
        net.connect(e, e, Conn::one_to_one().weight(1.0.one()).delay(d).into_signal(&se));
        net.connect(i, e, Conn::one_to_one().weight(1.0.one()).delay(d).into_signal(&si));
        layers.push(Layer { e, i, w, b });
        below = e;
    }
    let no = u64::from(sizes[last]);
    let y = layers[last - 1].e;
    let readout = net.population("Y", no, RateUnit::linear().tau(k.readout_tau));
    net.connect(y, readout, Conn::one_to_one().weight(1.0.one()).delay(d));
    let cp = net.population("C+", no, RateUnit::linear().tau(mc.tau_c));
    let cm = net.population("C-", no, RateUnit::linear().tau(mc.tau_c));
    // The controller compares the smoothed rate, not the spikes (a 5 ms low-pass of
    // spikes at 40 Hz is mostly noise).
    net.connect(readout, cp, Conn::one_to_one().weight((-mc.k_p).one()).delay(d));
    net.connect(readout, cm, Conn::one_to_one().weight(mc.k_p.one()).delay(d));
    net.connect(cp, layers[last - 1].i, Conn::one_to_one().weight((-1.0).mv()).delay(d));
    net.connect(cm, layers[last - 1].i, Conn::one_to_one().weight(1.0.mv()).delay(d));
    for l in 1..last {
        let q = mc.feedback(l);
        let minus = q.iter().enumerate().flat_map(|(i, row)| row.iter().enumerate().map(move |(k, &x)| (k as u32, i as u32, (-x).mv())));
        let plus = q.iter().enumerate().flat_map(|(i, row)| row.iter().enumerate().map(move |(k, &x)| (k as u32, i as u32, x.mv())));
        net.connect(cp, layers[l - 1].i, Conn::weighted_list(minus).receptor(Receptor::Exc).delay(d).named(&format!("Q{l}+")));
        net.connect(cm, layers[l - 1].i, Conn::weighted_list(plus).receptor(Receptor::Exc).delay(d).named(&format!("Q{l}-")));
    }
    Ok(Circuit {
        input,
        layers,
        control: [cp, cm],
        gate,
        step,
        k_p: mc.k_p,
        outputs: sizes[last],
        readout: Some(readout),
        rate_scale: mc.rate_scale,
        target_floor: k.target_floor,
    })
}
