//! The benchmark networks of `synfire_runtime::networks` with the probes the engine
//! tests read, and the serial reference.
#![allow(dead_code)]

pub mod reference;

use synfire_graphs::prelude::*;
use synfire_graphs::{Graph, PopId, Probe, ProjId, Time, probe_kind};
use synfire_runtime::{Checkpoint, Runtime, SpikeList, networks};

/// A runtime of `graph` on `workers` workers, with windows of `window` ticks (the
/// minimum delay when `None`).
pub fn runtime(graph: &Graph, workers: usize, window: Option<u64>) -> Runtime {
    let mut b = Runtime::builder().workers(workers);
    if let Some(w) = window {
        b = b.window_ticks(w);
    }
    b.build(graph).expect("builds")
}

/// Spikes as `(tick, gid)`, the serial reference's form.
pub fn pairs(s: &SpikeList) -> Vec<(u64, u64)> {
    s.ticks.iter().copied().zip(s.gids.iter().copied()).collect()
}

/// The bit patterns of projection `p`'s weights now.
pub fn weight_bits(sim: &Runtime, p: ProjId) -> Vec<u32> {
    sim.projection_weights(p).expect("weights").values.iter().map(|w| w.to_bits()).collect()
}

/// Checkpoints `sim`, encodes the checkpoint to bytes and back (as a file would), and
/// restores it on `workers` workers.
pub fn round_trip(graph: &Graph, sim: &mut Runtime, workers: usize) -> Runtime {
    let bytes = sim.checkpoint().expect("checkpoint").to_bytes().expect("encodes");
    let ck = Checkpoint::from_bytes(&bytes, std::path::Path::new("mem.ckpt")).expect("decodes");
    Runtime::builder().workers(workers).restore(graph, &ck).expect("restores")
}

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

/// Input `i` of the e-prop test trials fires at trial tick `t` when
/// `(3 i + 5 t) % 7 == 0` (a fixed pattern every e-prop engine test shares).
pub fn eprop_fires(i: usize, t: usize) -> bool {
    (3 * i + 5 * t).is_multiple_of(7)
}

/// Plans an e-prop test trial of `ticks` ticks from tick `start`: the fixed input
/// pattern ([`eprop_fires`]) of `n_in` inputs onto `x` in its first `ticks - 1`
/// ticks, and the target `tg` (`[t][k]`) as the readouts' currents from `start + 1`,
/// then zero.
pub fn plan_eprop_trial(sim: &mut Runtime, (x, y): (PopId, PopId), n_in: usize, tg: &[Vec<f64>], start: usize, ticks: usize) {
    for t in 0..ticks - 1 {
        let idx: Vec<u32> = (0..n_in).filter(|&i| eprop_fires(i, t)).map(|i| i as u32).collect();
        sim.inject_spikes(x, &idx, ((start + t) as f64).ms()).expect("injects");
    }
    let n_out = tg.first().map_or(0, Vec::len);
    for k in 0..n_out {
        let mut values: Vec<f64> = tg.iter().map(|row| row[k]).collect();
        values.push(0.0);
        sim.schedule_current(y, k as u64, ((start + 1) as f64).ms(), &values).expect("plans");
    }
}

/// Runs `sim` to tick `to`; with `pause_at = (tick, workers)` inside the span, it
/// stops there, round-trips through a checkpoint onto that many workers (the
/// learning switch must survive it) and goes on.
pub fn advance_with_pause(graph: &Graph, sim: &mut Runtime, to: u64, pause_at: Option<(u64, usize)>) {
    if let Some((at, w)) = pause_at
        && sim.tick() <= at
        && at < to
    {
        sim.run_ticks(at - sim.tick()).expect("runs");
        let learning = sim.learning();
        *sim = round_trip(graph, sim, w);
        assert_eq!(sim.learning(), learning, "the checkpoint keeps the learning switch");
    }
    sim.run_ticks(to - sim.tick()).expect("runs");
}
