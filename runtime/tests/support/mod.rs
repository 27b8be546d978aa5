//! Networks shared by the engine tests.
#![allow(dead_code)]

pub mod reference;

use synfire_graphs::prelude::*;
use synfire_graphs::{Probe, probe_kind};

/// The Vogels-Abbott CUBA network (benchmarks.md network A), scaled to `n` neurons
/// at in-degree 80, with a spike probe on both populations.
pub fn cuba(n: u64, delay_ms: f64, seed: u64) -> (Graph, Probe<probe_kind::Spikes>) {
    let mut net = Network::new().dt(0.1.ms()).seed(seed);
    let model = Lif::cuba()
        .tau_m(20.0.ms())
        .v_th((-50.0).mv())
        .v_reset((-60.0).mv())
        .e_l((-49.0).mv())
        .t_ref(5.0.ms())
        .tau_syn_e(5.0.ms())
        .tau_syn_i(10.0.ms())
        .init("v", uniform((-60.0).mv(), (-50.0).mv()));
    let ne = n * 4 / 5;
    let e = net.population("E", ne, model.clone());
    let i = net.population("I", n - ne, model);
    let p = 0.02 * 4000.0 / n as f64;
    for &t in &[e, i] {
        net.connect(e, t, Conn::prob(p).weight(1.62.mv()).delay(delay_ms.ms()));
        net.connect(i, t, Conn::prob(p).weight((-9.0).mv()).delay(delay_ms.ms()));
    }
    let probe = net.record_spikes([e, i]);
    (net.freeze().expect("valid CUBA network"), probe)
}

/// Network D of benchmarks.md scaled to `n` neurons: CUBA plus additive all-to-all
/// pair STDP on E->E (tau 20 ms, w_max = 2 w_e, A+ = 0.01 w_max, A- = 1.05 A+).
pub fn cuba_stdp(n: u64, delay_ms: f64, seed: u64) -> (Graph, Probe<probe_kind::Spikes>, synfire_graphs::ProjId) {
    use synfire_rules::Stdp;
    let mut net = Network::new().dt(0.1.ms()).seed(seed);
    let model = Lif::cuba().e_l((-49.0).mv()).init("v", uniform((-60.0).mv(), (-50.0).mv()));
    let ne = n * 4 / 5;
    let e = net.population("E", ne, model.clone());
    let i = net.population("I", n - ne, model);
    let p = 0.02 * 4000.0 / n as f64;
    let w_e = 1.62;
    let stdp = Stdp::pair().tau_plus(20.0.ms()).tau_minus(20.0.ms()).a_plus(0.01).a_minus(0.0105).bounds(0.0..=2.0 * w_e);
    let ee = net.connect(e, e, Conn::prob(p).weight(w_e.mv()).delay(delay_ms.ms()).plastic(stdp));
    net.connect(e, i, Conn::prob(p).weight(w_e.mv()).delay(delay_ms.ms()));
    net.connect(i, e, Conn::prob(p).weight((-9.0).mv()).delay(delay_ms.ms()));
    net.connect(i, i, Conn::prob(p).weight((-9.0).mv()).delay(delay_ms.ms()));
    let probe = net.record_spikes([e, i]);
    (net.freeze_with(&synfire_rules::Catalog).expect("valid plastic CUBA network"), probe, ee)
}

/// Network B of benchmarks.md (COBA, conductances in leak units) scaled to `n`
/// neurons at in-degree 80, with a spike probe on both populations.
pub fn coba(n: u64, seed: u64) -> (Graph, Probe<probe_kind::Spikes>) {
    let mut net = Network::new().dt(0.1.ms()).seed(seed);
    let max_g = 1e6.one();
    let model = Lif::coba()
        .init("v", normal((-65.0).mv(), 5.0.mv()))
        .init("g_e", normal(4.0.one(), 1.5.one()).clip(0.0.one(), max_g))
        .init("g_i", normal(20.0.one(), 12.0.one()).clip(0.0.one(), max_g));
    let ne = n * 4 / 5;
    let e = net.population("E", ne, model.clone());
    let i = net.population("I", n - ne, model);
    let p = 0.02 * 4000.0 / n as f64;
    for &t in &[e, i] {
        net.connect(e, t, Conn::prob(p).weight(0.6.one()).delay(0.1.ms()));
        net.connect(i, t, Conn::prob(p).weight(6.7.one()).receptor(Receptor::Inh).delay(0.1.ms()));
    }
    let probe = net.record_spikes([e, i]);
    (net.freeze().expect("valid COBA network"), probe)
}
