//! Xylo's integer LIF neuron, bit-accurate to xylosim v2 (`XyloIAFNeuron`,
//! `XyloLayer::evolve`; specs/targets.md 3.2 as corrected against xylosim 0.1.3).
//!
//! # Dynamics
//!
//! Delivery, per event in canonical order: `isyn[s] = sat16(isyn[s] + (w << shift))`,
//! at most 15 events per input channel and 31 per hidden source a step. Then each
//! neuron:
//!
//! ```text
//! isyn[s] -= decay(isyn[s], dash_syn[s])           decay(v, k) = v >> k, at least 1 when v > 0
//! dv   = sat16(wrap16(-decay(vmem, dash_mem)) + Σ_s isyn[s])
//! dv   = sat16(dv + bias)
//! vmem = sat16(vmem + dv)
//! while vmem >= th and n < max: n += 1, vmem -= th   (subtractive reset)
//! ```
//!
//! `-decay(vmem)` is stored in int16 as xylosim does, so with `dash_mem = 0` a
//! membrane at -32768 stays there.
//!
//! # Parameters
//!
//! `dash_syn` (0..=15 per synapse), `dash_mem` (0..=15), `th` (int16, > 0), `bias`
//! (int16), `max_spikes` (31 hidden, 1 output). Weights int8 with a shift 0..=8.
//!
//! # State
//!
//! `isyn[0..2]`, `vmem`: int16.
//!
//! # Events
//!
//! Input: weighted events per synapse; output: up to `max_spikes` spikes a step.
//!
//! # References
//!
//! xylosim 0.1.3 (PyPI), `src/v2/cpp/XyloIAFNeuron.cpp`, `XyloLayer.cpp`; rockpool
//! `devices/xylo/syns61201`.

use serde::Serialize;

/// Integer parameters of one neuron.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Params {
    /// Synaptic decay shifts.
    pub dash_syn: [u8; 2],
    /// Membrane decay shift.
    pub dash_mem: u8,
    /// Threshold.
    pub th: i16,
    /// Bias added every step.
    pub bias: i16,
    /// Spikes a step at most.
    pub max_spikes: u8,
}

/// State of one neuron.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct State {
    /// Synaptic currents.
    pub isyn: [i16; 2],
    /// Membrane.
    pub vmem: i16,
}

/// Saturating 16-bit addition.
pub fn sat16(x: i32) -> i16 {
    x.clamp(i32::from(i16::MIN), i32::from(i16::MAX)) as i16
}

/// The decrement of one decay step: `v >> dash`, at least 1 for positive `v`.
pub fn decay(v: i16, dash: u8) -> i16 {
    let d = v >> dash.min(15);
    if d == 0 && v > 0 { 1 } else { d }
}

/// Delivers `events` events of weight `w` shifted by `shift` onto `isyn`, one by one.
pub fn deliver(isyn: &mut i16, w: i8, shift: u8, events: u32) {
    // The shifted weight is cut to int16, as xylosim does (shifts above 8 corrupt it).
    let ws = ((i32::from(w) << shift) as i16) as i32;
    for _ in 0..events {
        *isyn = sat16(i32::from(*isyn) + ws);
    }
}

/// One evolution step of a neuron after delivery; returns its number of spikes.
pub fn evolve(p: &Params, s: &mut State) -> u8 {
    for k in 0..2 {
        s.isyn[k] = sat16(i32::from(s.isyn[k]) - i32::from(decay(s.isyn[k], p.dash_syn[k])));
    }
    let input: i32 = s.isyn.iter().map(|&x| i32::from(x)).sum();
    let leak = (-i32::from(decay(s.vmem, p.dash_mem))) as i16; // wraps like xylosim's int16
    let mut dv = sat16(i32::from(leak) + input);
    dv = sat16(i32::from(dv) + i32::from(p.bias));
    s.vmem = sat16(i32::from(s.vmem) + i32::from(dv));
    let mut n = 0;
    while p.th > 0 && s.vmem >= p.th && n < p.max_spikes {
        n += 1;
        s.vmem -= p.th;
    }
    n
}
