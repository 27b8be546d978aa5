//! Graphs of specs/targets.md 13 and an independent integer reference of the
//! `loihi2-like` compartment, shared by the target tests.
#![allow(dead_code, clippy::needless_range_loop)]

pub mod learning;
pub mod m4_learning;
pub mod serial;

use synfire_graphs::prelude::*;
use synfire_graphs::{Graph, NeuronSpec};

/// The CUBA neuron of specs 13 (Brette et al. 2007 benchmark 2).
pub fn cuba_neuron() -> NeuronSpec {
    Lif::cuba().tau_m(20.0.ms()).v_th((-50.0).mv()).v_reset((-60.0).mv()).e_l((-49.0).mv()).t_ref(5.0.ms()).tau_syn_e(5.0.ms()).tau_syn_i(10.0.ms())
}

/// ring-CUBA: one population of 4000, neuron `i` receives from
/// `j = (i + 25 + 50k) mod 4000`, `k = 0..79`; `j < 3200` excitatory.
pub fn ring_cuba(dt_ms: f64) -> anyhow::Result<Graph> {
    let mut net = Network::new().dt(dt_ms.ms()).seed(3);
    let p = net.population("CUBA", 4000, cuba_neuron());
    let pairs = |exc: bool| {
        (0..4000u32).flat_map(move |i| (0..80u32).map(move |k| ((i + 25 + 50 * k) % 4000, i))).filter(move |&(j, _)| (j < 3200) == exc).collect::<Vec<_>>()
    };
    net.connect(p, p, Conn::list(pairs(true)).weight(1.62.mv()).delay(dt_ms.ms()).named("exc"));
    net.connect(p, p, Conn::list(pairs(false)).weight((-9.0).mv()).delay(dt_ms.ms()).named("inh"));
    Ok(net.freeze()?)
}

/// tiny-RSNN of specs 13: `inputs` Poisson channels, 64 recurrent CUBA LIF hidden
/// neurons (tau_m 20 ms, tau_syn 10 ms), 2 leaky readouts (tau_m 50 ms; graphs has
/// no LI model, so they are LIF neurons with a high threshold), dt 4 ms, dense.
pub fn tiny_rsnn(inputs: u64) -> anyhow::Result<Graph> {
    let mut net = Network::new().dt(4.0.ms()).seed(5);
    let lif = |tau_m: f64, v_th: f64| {
        Lif::cuba().tau_m(tau_m.ms()).v_th(v_th.mv()).v_reset((-60.0).mv()).e_l((-60.0).mv()).t_ref(0.0.ms()).tau_syn_e(10.0.ms()).tau_syn_i(10.0.ms())
    };
    let x = net.poisson("in", inputs, 40.0.hz());
    let h = net.population("hidden", 64, lif(20.0, -50.0));
    let o = net.population("readout", 2, lif(50.0, -40.0));
    net.connect(x, h, Conn::all_to_all().weight(uniform(0.0.mv(), 6.0.mv())).delay(4.0.ms()));
    net.connect(h, h, Conn::all_to_all().weight(uniform(0.0.mv(), 1.0.mv())).delay(4.0.ms()));
    net.connect(h, o, Conn::all_to_all().weight(uniform(0.0.mv(), 2.0.mv())).delay(4.0.ms()));
    Ok(net.freeze()?)
}

/// One step of Loihi's CUBA-LIF, written from the spec's equations independently of
/// the crate: Brian2Loihi's form of the decay (`x - sign(x) ceil(|x| D / 4096)`), the
/// wrap and the clamp spelled out on i128.
pub fn reference_step(du: i128, dv: i128, vth: i128, bias: i128, refractory: u8, s: &mut (i128, i128, u8), a: i128) -> bool {
    let decay = |x: i128, d: i128| -> i128 {
        let mag = (x.abs() * d + 4095) / 4096; // ceil(|x| D / 4096)
        x - x.signum() * mag
    };
    let mut u = decay(s.0, du) + a * 64;
    if u > (1 << 23) {
        u -= 1 << 24;
    } else if u <= -(1 << 23) {
        u += 1 << 24;
    }
    s.0 = u;
    if s.2 > 0 {
        s.2 -= 1;
        s.1 = 0;
        return false;
    }
    let v = (decay(s.1, dv) + u + bias).clamp(-(1 << 23) + 1, (1 << 23) - 1);
    if v > vth * 64 {
        s.1 = 0;
        s.2 = refractory;
        true
    } else {
        s.1 = v;
        false
    }
}

/// evolve() written again from the spec's step list, on i64, for the property test.
pub fn xylo_evolve(p: &synfire_targets::xylo::neuron::Params, isyn: &mut [i64; 2], vmem: &mut i64) -> u8 {
    let s16 = |x: i64| x.clamp(-32_768, 32_767);
    let dec = |v: i64, k: u8| {
        let d = v >> k;
        if d == 0 && v > 0 { 1 } else { d }
    };
    for k in 0..2 {
        isyn[k] = s16(isyn[k] - dec(isyn[k], p.dash_syn[k]));
    }
    let mut leak = -dec(*vmem, p.dash_mem);
    if leak == 32_768 {
        leak = -32_768; // int16 storage
    }
    let dv = s16(s16(leak + isyn[0] + isyn[1]) + i64::from(p.bias));
    *vmem = s16(*vmem + dv);
    let mut n = 0;
    while *vmem >= i64::from(p.th) && n < p.max_spikes {
        n += 1;
        *vmem -= i64::from(p.th);
    }
    n
}

/// The kernel's step from the spec's formulas, on i128 with explicit rounding.
pub fn m4_step(p: &synfire_targets::cortex_m4::neuron::Params, s: &mut (i128, i128, i128, u16), acc: [i128; 2]) -> bool {
    let sat = |x: i128| x.clamp(i128::from(i32::MIN), i128::from(i32::MAX));
    let toward_zero = |x: i128, a: i128| {
        let m = (x.abs() * a) / 32_768; // |x| a >> 15 for non-negative values
        if x < 0 { -m } else { m }
    };
    s.0 = sat(toward_zero(s.0, p.alpha_s[0].into()) + acc[0]);
    s.1 = sat(toward_zero(s.1, p.alpha_s[1].into()) + acc[1]);
    if s.3 > 0 {
        s.3 -= 1;
        s.2 = p.v_reset.into();
        return false;
    }
    let drive = toward_zero(s.0 + s.1, p.g.into());
    let v = sat(i128::from(p.v_leak) + toward_zero(s.2 - i128::from(p.v_leak), p.alpha_m.into()) + drive);
    if v > i128::from(p.theta) {
        s.2 = p.v_reset.into();
        s.3 = p.refractory;
        true
    } else {
        s.2 = v;
        false
    }
}
