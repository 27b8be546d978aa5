//! The benchmark networks of `synfire_runtime::networks` with the probes the engine
//! tests read, and the serial reference.
#![allow(dead_code)]

pub mod reference;

use synfire_graphs::prelude::*;
use synfire_graphs::{Probe, Time, probe_kind};
use synfire_runtime::networks;

/// Network A (Vogels-Abbott CUBA) at `n` neurons with every delay `delay_ms`, and a
/// spike probe on both populations.
pub fn cuba(n: u64, delay_ms: f64, seed: u64) -> (Graph, Probe<probe_kind::Spikes>) {
    let mut b = networks::cuba_with_delay(n, seed, Time(delay_ms)).expect("CUBA size");
    let probe = b.network.record_spikes([b.e, b.i]);
    (b.network.freeze().expect("valid CUBA network"), probe)
}

/// Network D (CUBA plus pair STDP on E->E) at `n` neurons with every delay
/// `delay_ms`, a spike probe on both populations and the plastic projection.
pub fn cuba_stdp(n: u64, delay_ms: f64, seed: u64) -> (Graph, Probe<probe_kind::Spikes>, synfire_graphs::ProjId) {
    let mut b = networks::cuba_stdp_with_delay(n, seed, Time(delay_ms)).expect("CUBA+STDP size");
    let probe = b.network.record_spikes([b.e, b.i]);
    let graph = b.network.freeze_with(&synfire_rules::Catalog).expect("valid plastic CUBA network");
    let ee = graph.proj("E->E").expect("E->E");
    (graph, probe, ee)
}

/// Network B (COBA) at `n` neurons, with a spike probe on both populations.
pub fn coba(n: u64, seed: u64) -> (Graph, Probe<probe_kind::Spikes>) {
    let mut b = networks::coba(n, seed).expect("COBA size");
    let probe = b.network.record_spikes([b.e, b.i]);
    (b.network.freeze().expect("valid COBA network"), probe)
}
