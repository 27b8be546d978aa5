//! Checkpoints: stopping at a window boundary, restoring (in a fresh runtime, with the
//! same or another worker count) and continuing gives the run that never stopped;
//! damaged or foreign checkpoints give their own typed errors.

mod support;

use std::path::Path;
use synfire_graphs::prelude::*;
use synfire_graphs::{Graph, Number, Probe, ProjId, Time, probe_kind};
use synfire_runtime::{Checkpoint, CheckpointError, RunError, Runtime};

type Outcome = (Vec<(u64, u64)>, Vec<u32>);

fn outcome(sim: &Runtime, probe: Probe<probe_kind::Spikes>, proj: Option<ProjId>) -> Outcome {
    let s = sim.spikes(probe).expect("spikes");
    let w = proj.map(|p| sim.projection_weights(p).expect("weights").values).unwrap_or_default();
    (s.ticks.iter().copied().zip(s.gids.iter().copied()).collect(), w.iter().map(|x| x.to_bits()).collect())
}

fn straight(graph: &Graph, probe: Probe<probe_kind::Spikes>, proj: Option<ProjId>, ms: f64) -> Outcome {
    let mut sim = Runtime::builder().workers(1).build(graph).expect("builds");
    sim.run_for(Time(ms)).expect("runs");
    outcome(&sim, probe, proj)
}

/// Runs `first` ms on `w1` workers, checkpoints through bytes, restores on `w2`
/// workers in a fresh runtime and runs the rest.
fn interrupted(graph: &Graph, probe: Probe<probe_kind::Spikes>, proj: Option<ProjId>, first: f64, total: f64, w1: usize, w2: usize) -> Outcome {
    let bytes = {
        let mut sim = Runtime::builder().workers(w1).build(graph).expect("builds");
        sim.run_for(Time(first)).expect("runs");
        sim.checkpoint().expect("checkpoint").to_bytes().expect("encodes")
    };
    let ck = Checkpoint::from_bytes(&bytes, Path::new("mem")).expect("decodes");
    let mut sim = Runtime::builder().workers(w2).restore(graph, &ck).expect("restores");
    sim.run_for(Time(total - first)).expect("runs on");
    outcome(&sim, probe, proj)
}

#[test]
fn plastic_cuba_resumes_bit_identically_for_any_worker_counts() {
    let (g, probe, ee) = support::cuba_stdp(600, 1.0, 7);
    let want = straight(&g, probe, Some(ee), 300.0);
    assert!(want.0.len() > 100, "the network is silent");
    for (w1, w2) in [(1, 1), (3, 3), (1, 3), (3, 2)] {
        assert!(interrupted(&g, probe, Some(ee), 137.3, 300.0, w1, w2) == want, "{w1} -> {w2} workers");
    }
}

#[test]
fn coba_resumes_bit_identically() {
    let (g, probe) = support::coba(500, 3);
    let want = straight(&g, probe, None, 150.0);
    assert!(!want.0.is_empty());
    for (w1, w2) in [(1, 1), (3, 1), (2, 3)] {
        assert!(interrupted(&g, probe, None, 61.7, 150.0, w1, w2) == want, "{w1} -> {w2} workers");
    }
}

fn saved(path: &Path) -> Graph {
    let (g, _, _) = support::cuba_stdp(200, 1.0, 1);
    let mut sim = Runtime::builder().workers(2).build(&g).expect("builds");
    sim.run_for(Time(20.0)).expect("runs");
    sim.save_checkpoint(path).expect("writes");
    g
}

#[test]
fn damaged_and_foreign_checkpoints_give_their_own_errors() {
    let dir = std::env::temp_dir().join(format!("synfire-ck-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("tmp dir");
    let path = dir.join("run.ckpt");
    let g = saved(&path);
    let good = std::fs::read(&path).expect("reads");
    let read = |bytes: &[u8]| Checkpoint::from_bytes(bytes, &path).unwrap_err();
    assert!(matches!(read(&good[..good.len() - 7]), CheckpointError::Truncated { .. }));
    let mut flipped = good.clone();
    let at = flipped.len() / 2;
    flipped[at] ^= 0x10;
    assert!(matches!(read(&flipped), CheckpointError::Checksum { .. }));
    let mut version = good.clone();
    version[8] = 99;
    assert!(matches!(read(&version), CheckpointError::Version { found: 99, .. }));
    assert!(matches!(read(b"hello world, not a checkpoint"), CheckpointError::NotACheckpoint { .. }));
    let ck = Checkpoint::from_bytes(&good, &path).expect("the good file reads");
    let (other, _, _) = support::cuba_stdp(200, 1.0, 2);
    let err = Runtime::builder().restore(&other, &ck).unwrap_err();
    assert!(matches!(err, RunError::Checkpoint(CheckpointError::WrongGraph { .. })), "{err}");
    Runtime::builder().restore(&g, &ck).expect("the right graph restores");
    // No temporary file is left beside the checkpoint.
    let left: Vec<_> = std::fs::read_dir(&dir).expect("lists").filter_map(|e| e.ok()).map(|e| e.file_name()).collect();
    assert_eq!(left.len(), 1, "{left:?}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// Found by `fuzz/run.sh` (target `checkpoint`, crash-0a4987b0...): a header whose
/// payload length is near `u64::MAX` overflowed `header + length` (a panic with
/// overflow checks, a wrapped nonsense length without); it is a truncated file.
#[test]
fn fuzz_regression_payload_length_near_u64_max_is_truncated_not_overflow() {
    // The fuzzer's input: magic, version 2, a hash, length 0xffff_ffff_ffff_ffff.
    let hex = "53594e46434b505402000000f6d3ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff3724307d7d0000";
    let mut found: Vec<u8> = (0..hex.len()).step_by(2).map(|i| u8::from_str_radix(&hex[i..i + 2], 16).expect("hex")).collect();
    // The input as of today's format version, so that it reaches the length check.
    found[8..12].copy_from_slice(&synfire_runtime::checkpoint::VERSION.to_le_bytes());
    let err = Checkpoint::from_bytes(&found, Path::new("fuzz.ckpt")).unwrap_err();
    assert!(matches!(err, CheckpointError::Truncated { found: 96, expected: u64::MAX, .. }), "{err}");
    // Every length that overflows, with nothing after the header.
    for len in [u64::MAX, u64::MAX - 31, u64::MAX - 32] {
        let mut bytes = Vec::new();
        bytes.extend_from_slice(synfire_runtime::checkpoint::MAGIC);
        bytes.extend_from_slice(&synfire_runtime::checkpoint::VERSION.to_le_bytes());
        bytes.extend_from_slice(&0u64.to_le_bytes());
        bytes.extend_from_slice(&len.to_le_bytes());
        bytes.extend_from_slice(&0u32.to_le_bytes());
        let err = Checkpoint::from_bytes(&bytes, Path::new("fuzz.ckpt")).unwrap_err();
        assert!(matches!(err, CheckpointError::Truncated { found: 32, .. }), "{len}: {err}");
    }
}

/// Regression (found by the e-prop checkpoint test): serde_json parsed some floats
/// one ulp off (0.24740395925452294 came back as ...296) unless its
/// `float_roundtrip` feature is on, so a checkpoint of a graph with such a number (a
/// target current of sine values) failed its own graph-hash check on decoding.
#[test]
fn a_graph_with_arbitrary_floats_survives_the_checkpoint_file() {
    let mut net = Network::new().dt(1.0.ms()).seed(1);
    let y = net.population("Y", 1, RateUnit::linear());
    let steps: Vec<(Time, Number)> = (0..50).map(|t| ((t as f64).ms(), Number((t as f64 / 4.0).sin()))).collect();
    net.inject(y, "target", Stim::steps(steps));
    let graph = net.freeze().expect("valid");
    let mut sim = Runtime::builder().build(&graph).expect("builds");
    sim.run_ticks(10).expect("runs");
    let bytes = sim.checkpoint().expect("checkpoint").to_bytes().expect("encodes");
    Checkpoint::from_bytes(&bytes, std::path::Path::new("mem.ckpt")).expect("decodes");
}
