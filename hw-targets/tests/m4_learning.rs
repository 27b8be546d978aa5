//! `cortex-m4` software learning: the cost ledger of a tiny plastic network counted by
//! hand, plastic weights kept in SRAM with `weights_in_flash`, rules the spec does not
//! price refused by name. (The spikes against the serial reference, on 1, 2 and 4
//! workers, are the conformance list's `plastic` case.)
#![allow(clippy::unwrap_used)]

mod common;

use synfire_graphs::prelude::*;
use synfire_graphs::stimulus::SourceSpec;
use synfire_graphs::{Graph, Time};
use synfire_targets::compare::record;
use synfire_targets::{CompileOptions, CortexM4, LearningCaps, Target};

/// Two sources with given spike times onto one neuron driven by its bias (fires on
/// its own every few steps), all-to-all pair STDP with delay 1.
fn tiny() -> Graph {
    let mut net = Network::new().dt(1.0.ms()).seed(4);
    let ms = |v: &[f64]| v.iter().map(|&t| Time(t)).collect::<Vec<_>>();
    let x = net.source("x", 2, SourceSpec::SpikeTimes { times: vec![ms(&[2.0, 10.0]), ms(&[5.0])] });
    let lif = Lif::cuba().tau_m(20.0.ms()).v_th((-50.0).mv()).v_reset((-60.0).mv()).e_l((-40.0).mv()).t_ref(2.0.ms());
    let n = net.population("n", 1, lif);
    net.connect(x, n, Conn::all_to_all().weight(2.0.mv()).delay(1.0.ms()).plastic(synfire_rules::Stdp::pair().bounds(0.0..=4.0)).named("learn"));
    net.freeze_with(&synfire_rules::Catalog).unwrap()
}

#[test]
fn the_ledger_of_a_tiny_plastic_network_counted_by_hand() -> anyhow::Result<()> {
    assert_eq!(CortexM4.learning(), LearningCaps::Any);
    let graph = tiny();
    let plan = CortexM4.compile(&graph, &CompileOptions::default())?;
    let ticks = 20;
    let run = record(&graph, Some(plan.kernels()), 1, ticks)?;
    let post: Vec<u64> = run.spikes.iter().filter(|s| s.1 == 2).map(|s| s.0).collect();
    assert_eq!(post, POST_TICKS, "the neuron's spikes");
    // Depression: 3 pre spikes x 1 synapse each. Potentiation: every post spike at t
    // with t + 1 < 20 x 2 synapses onto the neuron.
    let applied = post.iter().filter(|&&t| t + 1 < ticks).count() as u64;
    assert_eq!(run.activity.learn, vec![0, 0, 3 + 2 * applied]);
    let l = plan.ledger(&run.activity);
    assert_eq!(l.learn_syn_updates, LEARN);
    // Traces: 3 pre spikes x 1 trace + post spikes x 1 trace.
    assert_eq!(l.trace_updates, 3 + 2);
    // 3 pre spikes x 1 synapse x 8 (SRAM) + 20 steps x 1 neuron x 26 (two synapse
    // types: tau_syn_e 5 ms, tau_syn_i 10 ms by default) + (3 + posts) x 20 + 20 x 200
    // + learning x 12 + traces x 6.
    let k = synfire_targets::cortex_m4::synapse_types(&graph, 1);
    let expect = 3 * 8 + 20 * (14 + 6 * k) + (3 + post.len() as u64) * 20 + 20 * 200 + LEARN * 12 + l.trace_updates * 6;
    assert_eq!(l.cycles, expect);
    let r = plan.price(&l, 1e-3);
    let text = r.text();
    assert!(text.contains("learning cycles") && text.contains(&format!("{LEARN} synapse updates x 12")), "{text}");
    assert!((r.dynamic_joules() - expect as f64 * 64.35e-12).abs() < 1e-18, "{text}");
    Ok(())
}

/// The neuron's spikes in the tiny network: at step 0 (it starts at `e_l` above the
/// threshold), then once the bias brings it back up from the reset.
const POST_TICKS: &[u64] = &[0, 15];
/// `3 + 2 x 2`: both post spikes reach their synaptic time (1 and 16) before step 20.
const LEARN: u64 = 7;

#[test]
fn plastic_weights_stay_in_sram_with_weights_in_flash() -> anyhow::Result<()> {
    let graph = tiny();
    let plan = CortexM4.compile(&graph, &CompileOptions { weights_in_flash: true, ..CompileOptions::default() })?;
    let text = plan.mapping_text();
    // Dense f32 (2 x 1 x 4 = 8 B) beats CSR; traces 2 x 8 + 1 x 8 = 24 B.
    assert!(text.contains("projection learn                         8 B dense f32 in sram (plastic), 24 B traces"), "{text}");
    assert!(text.contains(" 0 B flash"), "{text}");
    assert!(plan.warnings.iter().any(|w| w.contains("projection 'learn': plastic, so its weights stay in SRAM")), "{:?}", plan.warnings);
    assert!(plan.warnings.iter().any(|w| w.contains("learns in software")), "{:?}", plan.warnings);
    Ok(())
}

#[test]
fn rules_the_spec_does_not_price_are_refused_by_name() {
    let mut net = Network::new().dt(1.0.ms()).seed(4);
    let x = net.poisson("x", 4, 10.0.hz());
    let n = net.population("n", 2, Lif::cuba());
    net.connect(x, n, Conn::all_to_all().weight(1.0.mv()).delay(1.0.ms()).plastic(synfire_rules::Triplet::minimal()).named("tri"));
    let graph = net.freeze_with(&synfire_rules::Catalog).unwrap();
    let e = CortexM4.compile(&graph, &CompileOptions::default()).unwrap_err().to_string();
    assert!(e.contains("projection 'tri'") && e.contains("rule 'stdp_triplet': cortex-m4 runs only 'stdp_pair'"), "{e}");
}

#[test]
fn learning_resumes_from_a_checkpoint_with_its_counts() -> anyhow::Result<()> {
    use synfire_targets::compare::{LEARN_UPDATES, rule_counts};
    let mut net = Network::new().dt(1.0.ms()).seed(9);
    let x = net.poisson("x", 16, 50.0.hz());
    let lif = Lif::cuba().v_th((-50.0).mv()).v_reset((-60.0).mv()).e_l((-60.0).mv()).t_ref(0.0.ms()).tau_syn_e(5.0.ms()).tau_syn_i(5.0.ms());
    let n = net.population("n", 20, lif);
    // Delay 3: post spikes of the last 2 steps before the checkpoint are pending in it.
    net.connect(x, n, Conn::all_to_all().weight(5.0.mv()).delay(3.0.ms()).plastic(synfire_rules::Stdp::pair().bounds(0.0..=10.0)));
    let spikes = net.record_spikes([n]);
    let graph = net.freeze_with(&synfire_rules::Catalog)?;
    let plan = CortexM4.compile(&graph, &CompileOptions::default())?;
    let run = |workers| synfire_runtime::Runtime::builder().workers(workers).kernels(plan.kernels());
    let mut whole = run(1).build(&graph)?;
    whole.run_ticks(200)?;
    let mut first = run(1).build(&graph)?;
    first.run_ticks(100)?;
    let ck = first.checkpoint()?;
    let mut second = run(2).restore(&graph, &ck)?;
    second.run_ticks(100)?;
    let late = |s: &synfire_runtime::SpikeList| s.ticks.iter().zip(&s.gids).filter(|(t, _)| **t >= 100).map(|(t, g)| (*t, *g)).collect::<Vec<_>>();
    assert!(!late(&whole.spikes(spikes)?).is_empty());
    assert_eq!(late(&whole.spikes(spikes)?), late(&second.spikes(spikes)?));
    let (a, b) = (rule_counts(&graph, &whole.checkpoint()?, LEARN_UPDATES), rule_counts(&graph, &second.checkpoint()?, LEARN_UPDATES));
    assert!(a.iter().sum::<u64>() > 0);
    assert_eq!(a, b, "learning updates per target across the checkpoint");
    Ok(())
}
