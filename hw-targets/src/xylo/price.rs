//! Xylo Audio 2's cycle model (rockpool `power_cycles_model.py`, specs/targets.md
//! 3.4), its clock choice and the price of 14.3: idle power plus a per-cycle
//! placeholder that is not a published value.

use crate::cost::{CostReport, LatencyTerm, Price, Tag, term};
use crate::error::{Resource, Scope, Violation};
use crate::ledger::Ledger;
use crate::{Activity, Pricer};

/// Energy per master-clock cycle: a [spec] placeholder, bracketed 5.8..46.6 pJ by the
/// Aloha dynamic power (291 uW, Bos & Muir 2024) over a 50 or 6.25 MHz clock.
pub const E_CYCLE: Price = Price { value: 20.0, unit: "pJ", tag: Tag::Spec, source: "placeholder, not published (bracket 5.8..46.6 pJ from Bos & Muir 2024)" };
/// Idle power of the core rail at 6.25 MHz [der]: rockpool's Xylo IMU tutorial
/// measured 188.2 uW idle; scaled linearly with the clock ("proportionally").
pub const P_IDLE_AT_6_25_MHZ: f64 = 0.188;

/// The sizes the cycle model reads.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Shape {
    /// Input channels.
    pub n_in: u64,
    /// Hidden neurons (all receive input and drive outputs on Audio 2).
    pub n_hid: u64,
    /// Output neurons.
    pub n_out: u64,
    /// Mean recurrent fan-out, `nnz(W_rec) / N_hid`.
    pub fan_out: f64,
}

use serde::Serialize;

/// Cycles of one step at per-step probabilities `p_in` and `p_hid` (no aliases).
pub fn cycles(s: &Shape, p_in: f64, p_hid: f64) -> f64 {
    let (n_in, n_hid, n_out) = (s.n_in as f64, s.n_hid as f64, s.n_out as f64);
    let c_in = n_in * (p_in * n_hid * 3.5 + 1.0);
    let c_isyn = n_hid * (s.fan_out * 7.0 * p_hid + 3.0);
    let c_oisy = n_hid * p_hid * (1.0 + n_out * 8.0);
    // With alias fractions a_t = a_s = 0 the spike term is 19 + 2 p + 0 + p + 0.
    let c_hspk = n_hid * (19.0 + 3.0 * p_hid);
    let c_ospk = n_out * 12.0;
    c_in + c_isyn + c_oisy + c_hspk + c_ospk
}

/// The slowest clock `100 / (2 (k + 1))` MHz that runs the worst case in real time
/// with 20 % margin, or the violation when even 50 MHz is too slow.
pub fn clock_hz(s: &Shape, dt_s: f64) -> Result<f64, Violation> {
    let f_req = cycles(s, 1.0, 1.0) * 1.2 / dt_s;
    if f_req > 50e6 {
        return Err(Violation {
            resource: Resource::RealTime,
            scope: Scope::Chip,
            required: f_req.ceil() as u64,
            available: 50_000_000,
            hint: "the worst case needs more than 50 MHz: increase dt or shrink the network",
        });
    }
    let k = ((50e6 / f_req).floor() as u64).max(1) - 1;
    Ok(100e6 / (2.0 * (k + 1) as f64))
}

/// Prices `xylo-like` runs.
#[derive(Debug, Clone)]
pub struct XyloPricer {
    /// The network's shape.
    pub shape: Shape,
    /// The chosen clock (Hz).
    pub clock: f64,
    /// Gid ranges of the input channels and of the hidden neurons.
    pub inputs: Vec<std::ops::Range<u64>>,
    /// Gid ranges of the hidden layer.
    pub hidden: Vec<std::ops::Range<u64>>,
}

impl Pricer for XyloPricer {
    fn ledger(&self, a: &Activity) -> Ledger {
        let sum = |ranges: &[std::ops::Range<u64>]| ranges.iter().flat_map(|r| r.start as usize..r.end as usize).map(|g| a.spikes[g]).sum::<u64>();
        // A source emits at most one event a tick, so its events are its active steps.
        let input_channel_steps = sum(&self.inputs);
        let hidden = sum(&self.hidden);
        let steps = a.steps.max(1) as f64;
        let p_in = if self.shape.n_in > 0 { input_channel_steps as f64 / (steps * self.shape.n_in as f64) } else { 0.0 };
        let p_hid = if self.shape.n_hid > 0 { hidden as f64 / (steps * self.shape.n_hid as f64) } else { 0.0 };
        let total: u64 = a.spikes.iter().sum();
        Ledger {
            steps: a.steps,
            syn_events: a.syn_events,
            neuron_updates_active: (self.shape.n_hid + self.shape.n_out) * a.steps,
            spikes: total - input_channel_steps,
            input_events: input_channel_steps,
            input_channel_steps,
            cycles: (cycles(&self.shape, p_in, p_hid) * a.steps as f64).round() as u64,
            ..Ledger::default()
        }
    }

    fn price(&self, l: &Ledger, dt_s: f64) -> CostReport {
        let idle_mw = P_IDLE_AT_6_25_MHZ * self.clock / 6.25e6;
        let per_step = if l.steps > 0 { l.cycles as f64 / l.steps as f64 } else { 0.0 };
        CostReport {
            target: super::ID,
            steps: l.steps,
            dt_s,
            dynamic: vec![term("master-clock cycles", l.cycles, E_CYCLE)],
            static_power: Some((
                format!("{:.2} MHz", self.clock / 1e6),
                Price { value: idle_mw, unit: "mW", tag: Tag::Der, source: "188.2 uW idle at 6.25 MHz (rockpool Xylo IMU tutorial), linear in the clock" },
            )),
            latency: vec![LatencyTerm {
                name: "cycles / clock".into(),
                seconds: per_step / self.clock,
                source: format!("{per_step:.1} cycles a step (rockpool cycle model) at {:.2} MHz", self.clock / 1e6),
            }],
            notes: vec![
                "the per-cycle energy is a placeholder, not a published value; idle power dominates".into(),
                format!("worst-case cycles a step {:.0}, clock chosen for 1.2 x worst case within dt", cycles(&self.shape, 1.0, 1.0)),
            ],
        }
    }
}
