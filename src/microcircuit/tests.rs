//! The block: typed errors, determinism of in-engine training across worker counts,
//! checkpoint/resume of a training run, and the scenario file that holds one circuit.

use super::*;
use crate::tasks::disinhibition_data::xor;
use synfire_graphs::scenario::{RunSettings, Scenario, to_toml};
use synfire_graphs::{Graph, Stim};

fn graph(mc: &Microcircuit) -> (Graph, Circuit) {
    let mut net = Network::new().dt(mc.dt).seed(mc.seed);
    let c = mc.build(&mut net).unwrap();
    (net.freeze_with(&synfire_rules::Catalog).unwrap(), c)
}

/// A few presentations of XOR with learning on; every plastic weight as bits.
fn train_some(g: &Graph, c: &Circuit, sim: &mut Runtime, from: usize, to: usize) -> Vec<Vec<u32>> {
    let data = xor();
    for n in from..to {
        let k = n % 4;
        c.set_input(sim, &data.x[k]).unwrap();
        c.set_target(sim, &[if data.label[k] == 0 { 1.0 } else { 0.1 }, if data.label[k] == 1 { 1.0 } else { 0.1 }]).unwrap();
        c.learn(sim, n % 2 == 0).unwrap();
        sim.run_ticks(37).unwrap();
        if n % 3 == 2 {
            // An optimiser step in batch mode (nothing reads it online).
            c.step(sim, 0.05).unwrap();
        }
    }
    c.layers
        .iter()
        .flat_map(|l| [l.w, l.b])
        .map(|p| sim.projection_weights(p).unwrap().values.iter().map(|w| w.to_bits()).collect())
        .chain(std::iter::once(vec![g.projections.len() as u32]))
        .collect()
}

/// Online, in batch mode with Adam (the randman task's), and the spiking variant
/// in batch mode.
fn both_modes(sizes: &[u32], seed: u64) -> [Microcircuit; 3] {
    let mc = Microcircuit::new(sizes).seed(seed).scales(2.0, 1.0);
    let spiking = mc.clone().k_p(10.0).spiking(DisinhibitionSpiking::new().eta(0.01).batch("step", true));
    [mc.clone(), mc.rule(Disinhibition::exact().eta(0.01).batch("step", true)), spiking]
}

#[test]
fn training_is_bit_identical_for_one_two_and_four_workers() {
    for mc in both_modes(&[2, 6, 5, 2], 3) {
        determinism(&mc);
    }
}

fn determinism(mc: &Microcircuit) {
    let (g, c) = graph(mc);
    let runs: Vec<_> = [1, 2, 4]
        .iter()
        .map(|&w| {
            let mut sim = Runtime::builder().workers(w).build(&g).unwrap();
            train_some(&g, &c, &mut sim, 0, 12)
        })
        .collect();
    let before = {
        let mut sim = Runtime::builder().workers(1).build(&g).unwrap();
        train_some(&g, &c, &mut sim, 0, 0)
    };
    assert!(runs[0] != before, "the weights learned");
    assert!(runs[0] == runs[1] && runs[0] == runs[2], "1, 2 and 4 workers agree");
}

#[test]
fn a_training_run_resumes_from_a_checkpoint_bit_identically() {
    for mc in both_modes(&[2, 8, 2], 4) {
        resumes(&mc);
    }
}

fn resumes(mc: &Microcircuit) {
    let (g, c) = graph(mc);
    let mut whole = Runtime::builder().workers(2).build(&g).unwrap();
    let want = train_some(&g, &c, &mut whole, 0, 10);
    let mut a = Runtime::builder().workers(4).build(&g).unwrap();
    train_some(&g, &c, &mut a, 0, 5);
    let bytes = a.checkpoint().unwrap().to_bytes().unwrap();
    drop(a);
    let ck = synfire_runtime::Checkpoint::from_bytes(&bytes, std::path::Path::new("mem.ckpt")).unwrap();
    let mut b = Runtime::builder().workers(1).restore(&g, &ck).unwrap();
    // Currents set from the API are part of the engine state a checkpoint keeps.
    assert!(train_some(&g, &c, &mut b, 5, 10) == want);
}

#[test]
fn bad_sizes_and_parameters_are_typed_errors() {
    let mut net = Network::new();
    let err = Microcircuit::new(&[3]).build(&mut net).unwrap_err();
    assert_eq!(err.to_string(), "sizes = [3]: needs at least an input and an output layer");
    let err = Microcircuit::new(&[3, 0, 2]).build(&mut net).unwrap_err();
    assert!(matches!(err, CircuitError::Sizes { .. }), "{err}");
    let err = Microcircuit::new(&[3, 2]).k_p(-1.0).build(&mut net).unwrap_err();
    assert_eq!(err.to_string(), "k_p = -1: must be positive");
}

/// The circuit of `examples/scenarios/disinhibition.toml`: a 2-4-2 circuit with its
/// input and target held by currents and learning from 100 ms on.
fn file_circuit(mc: &Microcircuit) -> String {
    let mut net = Network::new().dt(mc.dt).seed(1);
    let c = mc.build(&mut net).unwrap();
    net.inject(c.input, "x", Stim::dc(array([mc.rate_scale.one(), 0.0.one()])));
    let t = mc.k_p * mc.rate_scale;
    net.inject(c.control[0], "target+", Stim::dc(array([(t * 0.1).one(), t.one()])));
    net.inject(c.control[1], "target-", Stim::dc(array([(-t * 0.1).one(), (-t).one()])));
    match c.readout {
        Some(y) => net.record_state(y, "r", [0, 1], 1.0.ms()),
        None => net.record_state(c.layers[1].e, "r", [0, 1], 1.0.ms()),
    };
    let g = net.freeze_with(&synfire_rules::Catalog).unwrap();
    to_toml(&g, &RunSettings::new(0.3.s()))
}

const HEADER: &str = "# The dis-inhibitory microcircuit (specs 5.1) in file form, as `synfire::microcircuit`\n\
# builds it: a 2-4-2 circuit of E-I pairs (E1/I1 hidden, E2/I2 output), the input\n\
# held at (1, 0) and the controller C+/C- pulling the outputs towards (0.1, 1); the\n\
# feed-forward weights learn by the `disinhibition` rule once the modulator `learn`\n\
# is set (here never: set it from the API, or give it a schedule). Generated by the\n\
# test `microcircuit::tests::the_scenario_file_is_the_block` (UPDATE=1 rewrites it).\n";

const SPIKING_HEADER: &str = "# The spiking port of the dis-inhibitory microcircuit (specs 5.2) in file form, as\n\
# `synfire::microcircuit` builds it with `.spiking(...)`: a 2-4-2 circuit of lif_cuba\n\
# E-I pairs, the input held at (1, 0) (0.08 per tick), the controller C+/C- pulling the output rates\n\
# (Y, per tick) towards (0.008, 0.08); the feed-forward weights learn by\n\
# `disinhibition_spiking` once the modulator `learn` is set. Generated by the test\n\
# `microcircuit::tests::the_scenario_file_is_the_block` (UPDATE=1 rewrites it).\n";

#[test]
fn the_scenario_file_is_the_block() {
    let rate = Microcircuit::new(&[2, 4, 2]).seed(1).scales(2.0, 1.0);
    let spiking = rate.clone().k_p(10.0).spiking(DisinhibitionSpiking::new());
    scenario_file("disinhibition.toml", HEADER, &rate, "disinhibition");
    scenario_file("disinhibition_spiking.toml", SPIKING_HEADER, &spiking, "disinhibition_spiking");
}

fn scenario_file(name: &str, header: &str, mc: &Microcircuit, rule: &str) {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/scenarios").join(name);
    let want = format!("{header}{}", file_circuit(mc));
    if std::env::var_os("UPDATE").is_some() {
        std::fs::write(&path, &want).unwrap();
    }
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text == want, "examples/scenarios/{name} is not what the block builds (UPDATE=1 rewrites it)");
    let g = Scenario::parse(&text).unwrap().freeze_with(&synfire_rules::Catalog).unwrap();
    assert!(g.projections.iter().any(|p| p.conn.rule.as_ref().is_some_and(|r| r.name == rule)));
}

/// The learned weights read back are the engine's, and a circuit rebuilt from them
/// starts with exactly them (the trainer's recomputation of `Q`).
#[test]
fn a_circuit_rebuilt_from_its_learned_weights_starts_with_them() {
    let mc = Microcircuit::new(&[2, 5, 3]).seed(6).scales(2.0, 1.0);
    let (g, c) = graph(&mc);
    let mut sim = Runtime::builder().workers(2).build(&g).unwrap();
    train_some(&g, &c, &mut sim, 0, 6);
    let learned = c.weights(&sim).unwrap();
    assert!(learned[1].1.iter().any(|&b| b != 0.0), "the biases learned");
    let again = mc.clone().start_from(learned.clone());
    let (g2, c2) = graph(&again);
    let sim2 = Runtime::builder().workers(1).build(&g2).unwrap();
    let round = |w: &[LayerWeights]| -> Vec<Vec<f32>> {
        w.iter().flat_map(|(w, b)| w.iter().flatten().chain(b).map(|&x| x as f32).collect::<Vec<_>>()).map(|x| vec![x]).collect()
    };
    assert_eq!(round(&c2.weights(&sim2).unwrap()), round(&learned));
    let bad = mc.start_from(vec![(vec![vec![0.0; 2]; 5], vec![0.0; 5])]);
    assert!(matches!(bad.build(&mut Network::new()), Err(CircuitError::Sizes { .. })), "a start of the wrong shape is refused");
}

/// The diagnostic of the randman comparison as a test: on single randman examples,
/// the update the rule accumulates in the engine at the closed-loop steady state
/// points along backpropagation's descent direction at the same weights (cosine per
/// layer, weights and biases together). Measured: worst of these six examples 0.963
/// (hidden) and 0.989 (output).
#[test]
fn the_rules_update_points_along_backpropagations_gradient() {
    use crate::tasks::disinhibition_bp::Dense;
    use crate::tasks::disinhibition_data::Randman;
    let (data, _) = Randman::THREE.generate(2);
    let mc = Microcircuit::new(&[10, 16, 3]).seed(2).k_p(1.0).scales(2.0, 1.0).rule(Disinhibition::exact().eta(0.01).batch("step", false));
    let (g, c) = graph(&mc);
    let mut sim = Runtime::builder().workers(2).build(&g).unwrap();
    let flat = |w: &[LayerWeights], l: usize| -> Vec<f64> { w[l].0.iter().flatten().chain(&w[l].1).copied().collect() };
    let cos = |a: &[f64], b: &[f64]| {
        let dot: f64 = a.iter().zip(b).map(|(x, y)| x * y).sum();
        dot / (a.iter().map(|x| x * x).sum::<f64>() * b.iter().map(|x| x * x).sum::<f64>()).sqrt()
    };
    let mut worst = [1.0f64; 2];
    for n in [0, 1, 2, 40, 41, 42] {
        let before = c.weights(&sim).unwrap();
        let target: Vec<f64> = (0..3).map(|k| if k == data.label[n] { 1.0 } else { 0.1 }).collect();
        c.set_input(&mut sim, &data.x[n]).unwrap();
        c.set_target(&mut sim, &target).unwrap();
        c.learn(&mut sim, false).unwrap();
        sim.run_ticks(150).unwrap();
        c.learn(&mut sim, true).unwrap();
        sim.run_ticks(10).unwrap();
        c.step(&mut sim, 0.1).unwrap();
        let after = c.weights(&sim).unwrap();
        let net = Dense { w: before.iter().map(|l| l.0.clone()).collect(), b: before.iter().map(|l| l.1.clone()).collect(), ..Dense::of(&mc) };
        let (gw, gb) = net.gradient(&data.x[n], &target);
        for l in 0..2 {
            let rule: Vec<f64> = flat(&after, l).iter().zip(flat(&before, l)).map(|(a, b)| a - b).collect();
            let descent: Vec<f64> = gw[l].iter().flatten().chain(&gb[l]).map(|g| -g).collect();
            assert!(rule.iter().map(|x| x.abs()).sum::<f64>() > 1e-4, "example {n}, layer {l}: the rule changed nothing");
            let c = cos(&rule, &descent);
            assert!(c.is_finite(), "example {n}, layer {l}: cosine {c}");
            worst[l] = worst[l].min(c);
        }
    }
    eprintln!("worst cosine per example: hidden {:.3}, output {:.3}", worst[0], worst[1]);
    assert!(worst[0] > 0.9 && worst[1] > 0.9, "worst cosine per example: hidden {:.3}, output {:.3}", worst[0], worst[1]);
}

/// The spiking port's sign control at the circuit level (specs 5.5, spiking): the
/// controller moves the output I cells both ways. A target above the open-loop
/// output silences its I cell below its E cell's rate (dis-inhibition:
/// potentiation), a target below drives it above (depression), and the output
/// biases learn with those signs. Fails with I cells that only relay (the dead
/// depression branch the XOR task stalled on).
#[test]
fn the_spiking_controller_moves_the_partners_both_ways() {
    let mc = Microcircuit::new(&[2, 4, 2]).seed(1).k_p(10.0).scales(4.0, 4.0).spiking(DisinhibitionSpiking::new().eta(1.0).batch("step", false));
    let mut net = Network::new().dt(mc.dt).seed(1);
    let c = mc.build(&mut net).unwrap();
    let out = c.layers[1].clone();
    let spikes = net.record_spikes([out.e, out.i]);
    let g = net.freeze_with(&synfire_rules::Catalog).unwrap();
    let mut sim = Runtime::builder().workers(2).build(&g).unwrap();
    let rates = |sim: &mut Runtime| {
        let s = sim.take_spikes(spikes).unwrap();
        let mut n = [[0u32; 2]; 2];
        for k in 0..s.len() {
            n[usize::from(s.pop_names[s.pops[k] as usize] == "I2")][s.index[k] as usize] += 1;
        }
        n
    };
    c.set_input(&mut sim, &[1.0, 1.0]).unwrap();
    c.open_loop(&mut sim).unwrap();
    sim.run_ticks(300).unwrap();
    let y = c.output(&sim).unwrap();
    // Each output's target on the other side of its open-loop rate, the first above.
    let target = [2.0 * y[0] / mc.rate_scale + 0.2, 0.25 * y[1] / mc.rate_scale];
    assert!(y.iter().all(|&r| r > 0.005), "both outputs fire in the open loop: {y:?}");
    let before = c.weights(&sim).unwrap();
    c.set_target(&mut sim, &target).unwrap();
    sim.run_ticks(100).unwrap();
    rates(&mut sim);
    c.learn(&mut sim, true).unwrap();
    sim.run_ticks(300).unwrap();
    let [e, i] = rates(&mut sim);
    c.step(&mut sim, 1.0 / 300.0).unwrap();
    let after = c.weights(&sim).unwrap();
    assert!(i[0] * 2 < e[0], "target above: the partner is silenced below its E cell (E {e:?}, I {i:?})");
    assert!(i[1] > e[1] * 2, "target below: the partner fires above its E cell (E {e:?}, I {i:?})");
    let db = [after[1].1[0] - before[1].1[0], after[1].1[1] - before[1].1[1]];
    assert!(db[0] > 0.0 && db[1] < 0.0, "output biases learn with the targets' signs: {db:?}");
}
