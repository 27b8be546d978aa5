//! Test vector T4: hand-made ledgers priced by each target reproduce the worked
//! examples of specs/targets.md 14 (as corrected), in snapshots of the cost reports.
#![allow(clippy::unwrap_used)]

mod common;

use synfire_targets::{CompileOptions, CoreLedger, Discretisation, Ledger, Loihi2, Reference, Target};

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * b.abs().max(1e-30)
}

fn core(syn: u64, active: u64) -> CoreLedger {
    CoreLedger { syn_events: syn, neuron_updates_active: active, ..CoreLedger::default() }
}

#[test]
fn l1_ring_cuba_on_loihi2() -> anyhow::Result<()> {
    let graph = common::ring_cuba(1.0)?;
    let plan = Loihi2.compile(&graph, &CompileOptions { state_scale: Some(65_536.0), discretisation: Discretisation::Euler, ..CompileOptions::default() })?;
    // One second at 6 Hz: 24,000 spikes, 80 synapses each, split over the cores by size.
    let sizes = [819u64, 819, 819, 819, 724];
    let ledger = Ledger {
        steps: 1000,
        syn_events: 1_920_000,
        neuron_updates_active: 4_000_000,
        spikes: 24_000,
        // 5 destination cores per spike; tile-0 sources send 1 message one hop east,
        // tile-1 sources 4 messages one hop west.
        messages: 24_000 * 5,
        hops_ew: 3276 * 6 + 724 * 6 * 4,
        per_core: sizes.iter().map(|&n| core(1_920_000 * n / 4000, n * 1000)).collect(),
        ..Ledger::default()
    };
    let r = plan.price(&ledger, 1e-3);
    assert!(close(r.dynamic_joules(), (45_312_000.0 + 324_000_000.0 + 315_096.0) * 1e-12), "{}", r.dynamic_joules());
    assert!(close(r.static_joules(), 4.08e-3));
    assert!(close(r.t_step(), (393.12 * 3.5 + 819.0 * 8.4 + 6.2 + 113.0 + 352.0 / 31.0) * 1e-9), "{}", r.t_step());
    insta::assert_snapshot!(r.text());
    Ok(())
}

#[test]
fn l2_tiny_rsnn_on_loihi2_two_cores() -> anyhow::Result<()> {
    let graph = common::tiny_rsnn(96)?;
    let plan = Loihi2.compile(&graph, &CompileOptions::default())?;
    // Per 4 ms step: 8 input events and 1 hidden spike; 250 steps.
    let ledger = Ledger {
        steps: 250,
        syn_events: 578 * 250,
        neuron_updates_active: 66 * 250,
        spikes: 250,
        input_events: 8 * 250,
        // Inputs reach the hidden core only; a hidden spike reaches both cores.
        messages: (8 + 2) * 250,
        per_core: vec![core(576 * 250, 64 * 250), core(2 * 250, 2 * 250)],
        ..Ledger::default()
    };
    let r = plan.price(&ledger, 4e-3);
    assert!(close(r.dynamic_joules() / 250.0, 19_003.8e-12), "{}", r.dynamic_joules());
    assert!(close(r.static_joules(), 2.0 * 0.816e-3));
    assert!(close(r.t_step(), (576.0 * 3.5 + 64.0 * 8.4 + 2.1 + 113.0) * 1e-9), "{}", r.t_step());
    insta::assert_snapshot!(r.text());
    Ok(())
}

#[test]
fn r1_r2_reference_compute_only() -> anyhow::Result<()> {
    let cuba = Reference.compile(&common::ring_cuba(1.0)?, &CompileOptions::default())?;
    let r1 = cuba.price(&Ledger { steps: 1000, syn_events: 1_920_000, neuron_updates_active: 4_000_000, ..Ledger::default() }, 1e-3);
    assert!(close(r1.dynamic_joules(), 64.128e-6), "{}", r1.dynamic_joules());
    let tiny = Reference.compile(&common::tiny_rsnn(96)?, &CompileOptions::default())?;
    let r2 = tiny.price(&Ledger { steps: 250, syn_events: 578 * 250, neuron_updates_active: 66 * 250, ..Ledger::default() }, 4e-3);
    assert!(close(r2.dynamic_joules() / 250.0, 1186.8e-12), "{}", r2.dynamic_joules());
    insta::assert_snapshot!(format!("{}\n{}", r1.text(), r2.text()));
    Ok(())
}
