//! The conformance list: the same small graphs on every target (specs/targets.md 8;
//! STYLE's Brian2 anchor). Each case says, per target, whether it compiles or which
//! item the target refuses; every graph that compiles runs on 1, 2 and 4 workers with
//! identical spikes, and the bit-accurate targets equal a serial integer simulation
//! of the network written in this file from the specs' equations (per-target
//! tolerance: exact), while `reference` equals the plain runtime.
#![allow(clippy::unwrap_used, clippy::needless_range_loop)]

mod common;

use common::serial::{host_payloads, serial, serial_graded, wiring};
use synfire_graphs::prelude::*;
use synfire_graphs::{Graph, NeuronSpec};
use synfire_targets::compare::record;
use synfire_targets::{CompileOptions, CortexM4, Loihi2, Reference, Target, Xylo};

fn lif(e_l: f64, t_ref: f64, tau_i: f64) -> NeuronSpec {
    Lif::cuba().tau_m(20.0.ms()).v_th((-50.0).mv()).v_reset((-60.0).mv()).e_l(e_l.mv()).t_ref(t_ref.ms()).tau_syn_e(5.0.ms()).tau_syn_i(tau_i.ms())
}

/// 16 Poisson channels onto 20 neurons, with optional recurrence, delay and weight.
fn feedforward(rate: f64, w_max: f64, delay: f64, recurrent: bool, tau_i: f64) -> Graph {
    let mut net = Network::new().dt(1.0.ms()).seed(9);
    let x = net.poisson("x", 16, rate.hz());
    let n = net.population("n", 20, lif(-60.0, 0.0, tau_i));
    net.connect(x, n, Conn::all_to_all().weight(uniform(0.0.mv(), w_max.mv())).delay(delay.ms()));
    if recurrent {
        net.connect(n, n, Conn::prob(0.2).weight(0.5.mv()).delay(delay.ms()).named("exc"));
        net.connect(n, n, Conn::prob(0.2).weight((-1.5).mv()).delay(delay.ms()).named("inh"));
    }
    net.freeze().unwrap()
}

/// Poisson spikes drive 8 rate units on the host; their graded outputs (payloads) and
/// the spikes drive 20 LIF neurons through both receptors. With `saturate`, the
/// units' rates reach far beyond the i24 payload range (sat24 is exercised).
fn graded_inputs(saturate: bool) -> Graph {
    let mut net = Network::new().dt(1.0.ms()).seed(9);
    let x = net.poisson("x", 16, 60.0.hz());
    let r = net.population("r", if saturate { 1 } else { 8 }, RateUnit::linear().tau(5.0.ms()).gain(if saturate { 1e6 } else { 1.0 }.one()));
    let n = net.population("n", 20, lif(-60.0, 2.0, 5.0));
    net.connect(x, r, Conn::all_to_all().weight(uniform(0.0.one(), 0.3.one())).delay(1.0.ms()).named("x->r"));
    // Saturating: one unit, payloads at the i24 bound, weights of mantissa 2 at 2^-8
    // (so the engine's f32 sums stay exact) that make u wrap.
    let w = if saturate { 0.04.mv().into() } else { uniform(0.0.mv(), 3.0.mv()) };
    net.connect(r, n, Conn::all_to_all().weight(w).delay(1.0.ms()).named("r->n"));
    if !saturate {
        net.connect(r, n, Conn::prob(0.5).weight((-1.0).mv()).delay(1.0.ms()).named("r-|n"));
    }
    net.connect(x, n, Conn::prob(0.3).weight(1.0.mv()).delay(2.0.ms()).named("x->n"));
    net.freeze().unwrap()
}

struct Case {
    name: &'static str,
    graph: fn() -> Graph,
    /// Per target (reference, loihi2, xylo, cortex-m4): `None` compiles, else a
    /// fragment of the refusal.
    refused: [Option<&'static str>; 4],
}

const CASES: &[Case] = &[
    Case { name: "lif_input", graph: || feedforward(80.0, 5.0, 1.0, false, 5.0), refused: [None; 4] },
    Case { name: "two_receptors_recurrent", graph: || feedforward(80.0, 5.0, 1.0, true, 10.0), refused: [None; 4] },
    Case { name: "delays", graph: || feedforward(80.0, 5.0, 5.0, true, 5.0), refused: [None, None, Some("projection 'x->n': delay of 5 ticks"), None] },
    // Weights of 500 mV at 400 Hz: Loihi's u wraps, the M4's weights clip and its
    // accumulator saturates, Xylo's int8 weights take the scale.
    Case { name: "saturation_and_wrap", graph: || feedforward(400.0, 500.0, 1.0, false, 5.0), refused: [None; 4] },
    Case {
        name: "bias_drive_refractory",
        graph: || {
            let mut net = Network::new().dt(1.0.ms()).seed(9);
            let n = net.population("n", 20, lif(-45.0, 3.0, 5.0));
            net.connect(n, n, Conn::prob(0.2).weight(0.5.mv()).delay(1.0.ms()));
            net.freeze().unwrap()
        },
        refused: [None, None, Some("population 'n': refractory period t_ref = 3 ms"), None],
    },
    Case {
        name: "graded",
        graph: || {
            let mut net = Network::new().dt(1.0.ms()).seed(9);
            let x = net.poisson("x", 16, 50.0.hz());
            let r = net.population("r", 5, RateUnit::linear().tau(5.0.ms()));
            net.connect(x, r, Conn::all_to_all().weight(0.1.one()).delay(1.0.ms()));
            net.freeze().unwrap()
        },
        // On loihi2-like the rate units are a graded input computed by the host
        // (nothing on the chip); xylo-like has no graded spikes at all.
        refused: [None, None, Some("population 'r': graded input: model 'rate_linear'"), Some("model 'rate_linear' has no cortex-m4 kernel")],
    },
    Case {
        name: "graded_inputs",
        graph: || graded_inputs(false),
        refused: [None, None, Some("population 'r': graded input: model 'rate_linear'"), Some("model 'rate_linear' has no cortex-m4 kernel")],
    },
    Case {
        name: "graded_payload_saturation",
        graph: || graded_inputs(true),
        refused: [None, None, Some("population 'r': graded input: model 'rate_linear'"), Some("model 'rate_linear' has no cortex-m4 kernel")],
    },
    Case {
        name: "graded_from_the_chip",
        graph: || {
            let mut net = Network::new().dt(1.0.ms()).seed(9);
            let x = net.poisson("x", 16, 80.0.hz());
            let n = net.population("n", 20, lif(-60.0, 0.0, 5.0));
            let r = net.population("r", 4, RateUnit::linear().tau(5.0.ms()));
            net.connect(x, n, Conn::all_to_all().weight(uniform(0.0.mv(), 5.0.mv())).delay(1.0.ms()));
            net.connect(n, r, Conn::all_to_all().weight(0.1.one()).delay(1.0.ms()).named("n->r"));
            net.freeze().unwrap()
        },
        refused: [
            None,
            Some("population 'r': model 'rate_linear' runs on the host as a graded input, but projection 'n->r' feeds it from the chip's neurons"),
            Some("population 'r': graded input"),
            Some("model 'rate_linear' has no cortex-m4 kernel"),
        ],
    },
    Case {
        name: "plastic",
        graph: || {
            let mut net = Network::new().dt(1.0.ms()).seed(9);
            let x = net.poisson("x", 16, 50.0.hz());
            let n = net.population("n", 20, lif(-60.0, 0.0, 5.0));
            net.connect(x, n, Conn::all_to_all().weight(5.0.mv()).delay(1.0.ms()).plastic(synfire_rules::Stdp::pair().bounds(0.0..=10.0)).named("learn"));
            net.freeze_with(&synfire_rules::Catalog).unwrap()
        },
        // loihi2-like learns on its learning engine (exact against the serial
        // reference of tests/common/learning.rs); xylo-like has no learning;
        // cortex-m4 runs the rule in software (tests/common/m4_learning.rs).
        refused: [None, None, Some("projection 'learn': rule 'stdp_pair': xylo-like has no on-chip learning"), None],
    },
    Case {
        name: "alif",
        graph: || {
            let mut net = Network::new().dt(1.0.ms()).seed(9);
            let x = net.poisson("x", 16, 80.0.hz());
            let a = net.population("a", 5, Alif::new());
            net.connect(x, a, Conn::all_to_all().weight(0.5.one()).delay(1.0.ms()));
            net.freeze().unwrap()
        },
        refused: [None, Some("model 'alif'"), Some("model 'alif'"), Some("model 'alif'")],
    },
];

const TICKS: u64 = 300;

/// The spikes, how many steps wrapped `u` (Loihi) or saturated an accumulator (M4),
/// and the idle updates of every gid (Loihi: `u = v = a = 0`, no spike; else empty).
type Serial = (Vec<(u64, u64)>, u64, Vec<u64>);

fn loihi2_serial(graph: &Graph, sources: &[(u64, u64)]) -> Serial {
    use synfire_targets::loihi2::{learning, lower};
    let opts = CompileOptions::default();
    let wires = synfire_targets::wiring::Wiring::new(graph);
    let mut pops = vec![None; graph.populations.len()];
    for p in 0..graph.populations.len() {
        if graph.model_kind(p).is_some() && !graph.graded(p) {
            pops[p] = Some(lower::population(graph, p, &opts, &mut Vec::new()).unwrap());
        }
    }
    // Projections into the host's graded inputs are not the chip's (the serial
    // stepper never updates their targets).
    // A plastic projection stores EXCITATORY integers 0..=255 with room for w_max.
    let plastic = |q: usize| graph.projections[q].conn.rule.as_ref().and(learning::w_max(graph, q));
    let projs: Vec<_> = (0..graph.projections.len())
        .map(|q| {
            pops[graph.projections[q].target].as_ref().map(|target| match plastic(q) {
                Some(w_max) => lower::projection_in(graph, &wires, q, target, lower::SignMode::Excitatory, w_max).unwrap(),
                None => lower::projection(graph, &wires, q, target).unwrap(),
            })
        })
        .collect();
    let mut syn = wiring(graph, |q, w| match &projs[q] {
        Some(l) if plastic(q).is_some() => (f64::from(w) * l.per_unit).round_ties_even().clamp(0.0, 255.0) * 2f64.powi(l.weight_exp),
        Some(l) => (2.0 * (f64::from(w) * l.per_unit / 2.0).round_ties_even()).clamp(-256.0, 254.0) * 2f64.powi(l.weight_exp),
        None => 0.0,
    });
    let mut learners: Vec<_> = (0..graph.projections.len())
        .filter(|&q| plastic(q).is_some())
        .map(|q| {
            let l = projs[q].as_ref().unwrap();
            let rule = learning::lower(graph, q, l.per_unit, l.weight_exp, learning::DEFAULT_EPOCH).unwrap();
            common::learning::Learner::new(graph, q, rule)
        })
        .collect();
    let mut state: Vec<(i128, i128, u8)> = (0..graph.num_neurons())
        .map(|g| match graph.locate(g).and_then(|(p, _)| pops[p].as_ref().map(|l| (p, l))) {
            Some((p, l)) => (0, ((graph.model(p).unwrap().param("e_l").unwrap().as_const().unwrap() - l.v_reset) * l.scale).round_ties_even() as i128, 0),
            None => (0, 0, 0),
        })
        .collect();
    let mut wraps = 0;
    let mut idle = vec![0u64; graph.num_neurons() as usize];
    let graded = host_payloads(graph, TICKS);
    let spikes = serial_graded(graph, TICKS, sources, &graded, &mut syn, &mut learners, |g, input| {
        let l = pops[graph.locate(g as u64).unwrap().0].as_ref().unwrap();
        let p = l.params;
        let a: i128 = input.iter().map(|x| x.floor() as i128).sum();
        let before = state[g].0;
        let quiet = a == 0 && state[g] == (0, 0, 0);
        let fired = common::reference_step(p.du.into(), p.dv.into(), p.vth_mant.into(), i128::from(p.bias_mant) << p.bias_exp, p.refractory, &mut state[g], a);
        idle[g] += u64::from(quiet && !fired && state[g] == (0, 0, 0));
        // A wrap leaves u on the other side of what its decay and input give.
        wraps += u64::from((state[g].0 - before).signum() * a.signum() < 0 && a.abs() > 1 << 16);
        fired
    });
    (spikes, wraps, idle)
}

fn xylo_serial(graph: &Graph, sources: &[(u64, u64)]) -> Serial {
    let (factors, pops) = synfire_targets::xylo::lowering(graph).unwrap();
    let syn = wiring(graph, |q, w| (f64::from(w) * factors[q]).round_ties_even().clamp(-128.0, 127.0));
    let mut state = vec![([0i64; 2], 0i64); graph.num_neurons() as usize];
    let spikes = serial(graph, TICKS, sources, &syn, |g, input| {
        let pop = graph.locate(g as u64).unwrap().0;
        let &(_, p, one) = pops.iter().find(|x| x.0 == pop).unwrap();
        let (isyn, vmem) = &mut state[g];
        for r in 0..2 {
            let k = if one { 0 } else { r };
            isyn[k] = (isyn[k] + input[r] as i64).clamp(-32_768, 32_767);
        }
        common::xylo_evolve(&p, isyn, vmem) > 0
    });
    (spikes, 0, Vec::new())
}

fn m4_serial(graph: &Graph, sources: &[(u64, u64)]) -> Serial {
    if graph.projections.iter().any(|p| p.conn.rule.is_some()) {
        let learned = common::m4_learning::run(graph, TICKS, sources, true);
        // Learning must change the spikes, or the case tests no learning.
        assert_ne!(learned.spikes, common::m4_learning::run(graph, TICKS, sources, false).spikes, "cortex-m4: frozen weights give the same spikes");
        return (learned.spikes, 0, learned.learn);
    }
    let (factors, pops) = synfire_targets::cortex_m4::lowering(graph).unwrap();
    let syn = wiring(graph, |q, w| (f64::from(w) * factors[q].0).round_ties_even().clamp(-128.0, 127.0) * f64::from(1u32 << factors[q].1));
    let mut state: Vec<(i128, i128, i128, u16)> = (0..graph.num_neurons())
        .map(|g| {
            let pop = graph.locate(g).unwrap().0;
            match pops.iter().find(|x| x.0 == pop) {
                Some(&(_, _, scale, v_reset)) => {
                    (0, 0, ((graph.model(pop).unwrap().param("e_l").unwrap().as_const().unwrap() - v_reset) * scale).round_ties_even() as i128, 0)
                }
                None => (0, 0, 0, 0),
            }
        })
        .collect();
    let mut saturated = 0;
    let spikes = serial(graph, TICKS, sources, &syn, |g, input| {
        let pop = graph.locate(g as u64).unwrap().0;
        let &(_, p, _, _) = pops.iter().find(|x| x.0 == pop).unwrap();
        saturated += u64::from(input.iter().sum::<f64>().abs() > f64::from(i32::MAX));
        let sat = |x: i128| x.clamp(i128::from(i32::MIN), i128::from(i32::MAX));
        let acc = if p.alpha_s[0] == p.alpha_s[1] { [sat(input[0] as i128 + input[1] as i128), 0] } else { [sat(input[0] as i128), sat(input[1] as i128)] };
        common::m4_step(&p, &mut state[g], acc)
    });
    (spikes, saturated, Vec::new())
}

#[test]
fn every_case_on_every_target() -> anyhow::Result<()> {
    let targets: [&dyn Target; 4] = [&Reference, &Loihi2, &Xylo, &CortexM4];
    for case in CASES {
        let graph = (case.graph)();
        let plain = record(&graph, None, 1, TICKS)?;
        for (t, target) in targets.iter().enumerate() {
            let what = format!("{} on {}", case.name, target.id());
            if case.name == "plastic" {
                // The plastic case compiles exactly where the target claims to learn.
                assert_eq!(case.refused[t].is_none(), target.learning() != synfire_targets::LearningCaps::None, "{what}: learning caps");
            }
            match (target.compile(&graph, &CompileOptions::default()), case.refused[t]) {
                (Err(e), Some(fragment)) => assert!(e.to_string().contains(fragment), "{what}: {e}"),
                (Err(e), None) => panic!("{what}: refused: {e}"),
                (Ok(_), Some(fragment)) => panic!("{what}: compiled, expected `{fragment}`"),
                (Ok(plan), None) => {
                    let one = record(&graph, Some(plan.kernels()), 1, TICKS)?;
                    for workers in [2, 4] {
                        assert_eq!(record(&graph, Some(plan.kernels()), workers, TICKS)?.spikes, one.spikes, "{what}: {workers} workers");
                    }
                    let sources: Vec<_> =
                        one.spikes.iter().copied().filter(|&(_, g)| graph.locate(g).is_some_and(|(p, _)| graph.model_kind(p).is_none())).collect();
                    let neurons: Vec<_> = one.spikes.iter().copied().filter(|s| !sources.contains(s)).collect();
                    let (expect, overflows, idle) = match target.id() {
                        "reference" => (plain.spikes.iter().copied().filter(|s| !sources.contains(s)).collect(), 0, Vec::new()),
                        "loihi2-like" => loihi2_serial(&graph, &sources),
                        "xylo-like" => xylo_serial(&graph, &sources),
                        _ => m4_serial(&graph, &sources),
                    };
                    // Rate units emit graded values, not spikes; every other case must spike.
                    assert!(case.name == "graded" || !neurons.is_empty(), "{what}: no spikes, the case tests nothing");
                    assert_eq!(neurons, expect, "{what}: engine vs serial reference");
                    if target.id() == "cortex-m4" && case.name == "plastic" {
                        // Learning updates per target: the rule's counts equal the serial
                        // reference's, and do not depend on the workers.
                        assert!(idle.iter().sum::<u64>() > 0, "{what}: no learning updates");
                        assert_eq!(one.activity.learn, idle, "{what}: learning updates per target");
                        for workers in [2, 4] {
                            assert_eq!(record(&graph, Some(plan.kernels()), workers, TICKS)?.activity, one.activity, "{what}: activity on {workers} workers");
                        }
                    }
                    if target.id() == "loihi2-like" {
                        // Idle updates: the kernels' counts equal the serial reference's,
                        // neuron by neuron (the chip's neurons; zero elsewhere).
                        let counted = if one.activity.idle.is_empty() { vec![0; idle.len()] } else { one.activity.idle.clone() };
                        assert_eq!(counted, idle, "{what}: idle updates per neuron");
                        for workers in [2, 4] {
                            assert_eq!(record(&graph, Some(plan.kernels()), workers, TICKS)?.activity, one.activity, "{what}: activity on {workers} workers");
                        }
                    }
                    if case.name.starts_with("graded_") && target.id() == "loihi2-like" {
                        let payloads = host_payloads(&graph, TICKS);
                        let mut per_gid = vec![0u64; graph.num_neurons() as usize];
                        payloads.iter().for_each(|&(_, g, _)| per_gid[g as usize] += 1);
                        assert!(!payloads.is_empty(), "{what}: no graded events");
                        assert_eq!(one.activity.graded, per_gid, "{what}: graded events per unit");
                        if case.name == "graded_payload_saturation" {
                            assert!(payloads.iter().any(|e| e.2 == 8_388_607), "{what}: the payloads must saturate");
                        }
                    }
                    if case.name == "saturation_and_wrap" && matches!(target.id(), "loihi2-like" | "cortex-m4") {
                        assert!(overflows > 0, "{what}: the case must wrap or saturate");
                    }
                }
            }
        }
    }
    Ok(())
}
