//! The mapper and fit checks: test vector T3 and out-of-limit graphs that name the
//! item, the limit and the value (specs/targets.md 11, 14.2, 16).
#![allow(clippy::unwrap_used)]

mod common;

use synfire_graphs::prelude::*;
use synfire_targets::{CompileOptions, Discretisation, Loihi2, LowerError, Resource, Scope, Target};

fn l1_options() -> CompileOptions {
    CompileOptions { state_scale: Some(65_536.0), discretisation: Discretisation::Euler, ..CompileOptions::default() }
}

#[test]
fn t3_ring_cuba_takes_five_cores_after_the_axons_out_round() -> anyhow::Result<()> {
    let graph = common::ring_cuba(1.0)?;
    let plan = Loihi2.compile(&graph, &l1_options())?;
    let m = plan.mapping.as_ref().unwrap();
    assert_eq!(m.iterations.len(), 2);
    assert_eq!(m.iterations[0].sizes, [940, 940, 940, 940, 240]);
    assert_eq!(m.iterations[0].axons_out[..4], [4700; 4], "iteration 0 reports 4700 > 4096 on cores 0 to 3");
    assert_eq!(m.iterations[1].cap, 819);
    let sizes: Vec<u64> = m.cores.iter().map(|c| c.neurons.end - c.neurons.start).collect();
    assert_eq!(sizes, [819, 819, 819, 819, 724]);
    let memory: Vec<u64> = m.cores.iter().map(|c| c.memory_bytes).collect();
    assert_eq!(memory, [173_248, 173_248, 173_248, 173_248, 155_008]);
    assert!(m.cores.iter().all(|c| c.axons_in == 4000));
    let out: Vec<u64> = m.cores.iter().map(|c| c.axons_out).collect();
    assert_eq!(out, [4095, 4095, 4095, 4095, 3620]);
    assert_eq!(m.tiles(), 2);
    assert_eq!(m.max_hops(), (1, 0));
    insta::assert_snapshot!(plan.mapping_text());
    Ok(())
}

#[test]
fn l1_numerics_follow_the_corrected_exponent_rule() -> anyhow::Result<()> {
    let graph = common::ring_cuba(1.0)?;
    let plan = Loihi2.compile(&graph, &l1_options())?;
    // exc: 82.94 picks e = -1 and mantissa 166; inh: -921.6 picks e = 2 and -230.
    let k = plan.kernels();
    assert_eq!((k.weight(0, 1.62), k.weight(1, -9.0)), (166.0 / 2.0, -230.0 * 4.0));
    insta::assert_snapshot!(plan.quantisation_text());
    Ok(())
}

#[test]
fn tiny_rsnn_takes_two_cores_one_per_population() -> anyhow::Result<()> {
    let graph = common::tiny_rsnn(96)?;
    let plan = Loihi2.compile(&graph, &CompileOptions::default())?;
    let m = plan.mapping.as_ref().unwrap();
    let memory: Vec<u64> = m.cores.iter().map(|c| c.memory_bytes).collect();
    // hidden: 64 x 12 + ceil(10240 x 14 / 8) + 4 x 160; readout: 2 x 12 + ceil(128 x 9 / 8) + 4 x 64.
    assert_eq!(memory, [768 + 17_920 + 640, 24 + 144 + 256]);
    Ok(())
}

fn violations(e: LowerError) -> Vec<(Resource, Scope, u64, u64)> {
    match e {
        LowerError::DoesNotFit { violations, .. } => violations.into_iter().map(|v| (v.resource, v.scope, v.required, v.available)).collect(),
        other => panic!("expected DoesNotFit, got {other}"),
    }
}

#[test]
fn every_violation_is_reported_at_once() -> anyhow::Result<()> {
    // 200 cores' worth of neurons with no synapses, and a delay of 80 steps elsewhere.
    let mut net = Network::new().dt(1.0.ms()).seed(1);
    let big = net.population("big", 8192 * 130, common::cuba_neuron());
    let small = net.population("small", 10, common::cuba_neuron());
    net.connect(small, small, Conn::all_to_all().weight(1.0.mv()).delay(81.0.ms()).named("slow"));
    let _ = big;
    let e = Loihi2.compile(&net.freeze()?, &CompileOptions::default()).unwrap_err();
    let text = e.to_string();
    assert_eq!(violations(e), [(Resource::Cores, Scope::Chip, 131, 128), (Resource::DelaySteps, Scope::Projection("slow".into()), 80, 63)], "{text}");
    assert!(text.contains("hw-targets: loihi2-like: does not fit: chip: cores 131 > 128"), "{text}");
    Ok(())
}

#[test]
fn a_neuron_whose_fan_in_overflows_a_core_is_named() -> anyhow::Result<()> {
    // 5000 distinct sources onto one neuron: more than 4096 input axons.
    let mut net = Network::new().dt(1.0.ms()).seed(1);
    let x = net.poisson("x", 5000, 1.0.hz());
    let n = net.population("n", 1, common::cuba_neuron());
    net.connect(x, n, Conn::all_to_all().weight(0.1.mv()).delay(1.0.ms()));
    let e = Loihi2.compile(&net.freeze()?, &CompileOptions::default()).unwrap_err();
    assert_eq!(violations(e), [(Resource::AxonsIn, Scope::Population("n".into()), 5000, 4096)]);
    // 4000 sources with 45 synapses each onto a neuron (multapses): synapse memory.
    let mut net = Network::new().dt(1.0.ms()).seed(1);
    let x = net.poisson("x", 4000, 1.0.hz());
    let n = net.population("n", 1, common::cuba_neuron());
    net.connect(x, n, Conn::list((0..4000u32).flat_map(|s| std::iter::repeat_n((s, 0), 45))).multapses(true).weight(0.1.mv()).delay(1.0.ms()));
    let e = Loihi2.compile(&net.freeze()?, &CompileOptions::default()).unwrap_err();
    let v = violations(e);
    assert_eq!((v[0].0, &v[0].1, v[0].3), (Resource::CoreMemoryBytes, &Scope::Population("n".into()), 196_608));
    assert_eq!(v[0].2, 12 + (180_000u64 * 9).div_ceil(8) + 4 * 4000);
    Ok(())
}

#[test]
fn unsupported_models_and_rules_are_named() -> anyhow::Result<()> {
    let mut net = Network::new().dt(1.0.ms()).seed(1);
    let a = net.population("adaptive", 10, Alif::new());
    let b = net.population("b", 10, common::cuba_neuron());
    net.connect(b, b, Conn::prob(0.5).weight(0.5.mv()).delay(1.0.ms()).plastic(synfire_rules::Stdp::pair().nearest()).named("b->b"));
    let _ = a;
    let graph = net.freeze_with(&synfire_rules::Catalog)?;
    let e = Loihi2.compile(&graph, &CompileOptions::default()).unwrap_err();
    let text = e.to_string();
    assert!(text.contains("hw-targets: loihi2-like: unsupported: population 'adaptive': model 'alif' has no loihi2-like kernel"), "{text}");
    assert!(text.contains("projection 'b->b': rule 'stdp_pair' needs nearest-spike traces"), "{text}");
    Ok(())
}

#[test]
fn a_threshold_beyond_the_mantissa_is_a_quantization_error() -> anyhow::Result<()> {
    let mut net = Network::new().dt(1.0.ms()).seed(1);
    net.population("n", 1, common::cuba_neuron());
    let opts = CompileOptions { state_scale: Some(1e6), ..CompileOptions::default() };
    let e = Loihi2.compile(&net.freeze()?, &opts).unwrap_err();
    assert!(matches!(&e, LowerError::Quantization { item: Scope::Population(p), .. } if p == "n"), "{e}");
    assert!(e.to_string().contains("threshold mantissa 156250"), "{e}");
    Ok(())
}

#[test]
fn a_weight_beyond_the_mantissa_range_is_named() -> anyhow::Result<()> {
    // 1000 mV jumps at 2^16 units/mV: 1000 x 0.05 x 65536 / 64 = 51200 > 254 x 2^7.
    let mut net = Network::new().dt(1.0.ms()).seed(1);
    let n = net.population("n", 2, common::cuba_neuron());
    net.connect(n, n, Conn::all_to_all().weight(1000.0.mv()).delay(1.0.ms()).named("huge"));
    let opts = CompileOptions { state_scale: Some(65_536.0), discretisation: Discretisation::Euler, ..CompileOptions::default() };
    let e = Loihi2.compile(&net.freeze()?, &opts).unwrap_err();
    assert!(matches!(&e, LowerError::Quantization { item: Scope::Projection(p), .. } if p == "huge"), "{e}");
    assert!(e.to_string().contains("needs a mantissa of 400 at weight_exp 7, above 254"), "{e}");
    Ok(())
}

#[test]
fn mixed_weight_scales_on_one_receptor_are_warned_about() -> anyhow::Result<()> {
    // Weight exponents 7 and -8 onto one receptor: 20 inputs of the large weights need
    // more than the 24 bits an f32 ring slot sums exactly, in steps of the small ones.
    let mut net = Network::new().dt(1.0.ms()).seed(1);
    let big = net.poisson("big", 20, 10.0.hz());
    let small = net.poisson("small", 20, 10.0.hz());
    let n = net.population("n", 1, common::cuba_neuron());
    net.connect(big, n, Conn::all_to_all().weight(600.0.mv()).delay(1.0.ms()));
    net.connect(small, n, Conn::all_to_all().weight(0.001.mv()).delay(1.0.ms()));
    let opts = CompileOptions { state_scale: Some(65_536.0), discretisation: Discretisation::Euler, ..CompileOptions::default() };
    let plan = Loihi2.compile(&net.freeze()?, &opts)?;
    assert!(plan.warnings.iter().any(|w| w.starts_with("population 'n': receptor 0: the inputs of one step can reach")), "{:?}", plan.warnings);
    // The same projections with the small weights alone fit the bits.
    let mut net = Network::new().dt(1.0.ms()).seed(1);
    let big = net.poisson("big", 20, 10.0.hz());
    let n = net.population("n", 1, common::cuba_neuron());
    net.connect(big, n, Conn::all_to_all().weight(600.0.mv()).delay(1.0.ms()));
    let plan = Loihi2.compile(&net.freeze()?, &opts)?;
    assert!(!plan.warnings.iter().any(|w| w.contains("significant bits")), "{:?}", plan.warnings);
    Ok(())
}
