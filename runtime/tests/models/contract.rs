//! The `NeuronKernel` contract, checked for every model.

use crate::common::{kernel_of, rng, step};
use rand::RngExt;
use synfire_graphs::{Alif, Graph, Izhikevich, Lif, LifDiscrete, ModelKind, Network, NeuronSpec, RateUnit, UnitExt, uniform};

/// A heterogeneous, randomly initialised population of each model that fires (rate
/// units: has a non-zero output) under the inputs of [`drive`], with its time step.
fn specimen(kind: ModelKind) -> (NeuronSpec, f64) {
    match kind {
        ModelKind::LifCuba => {
            (Lif::cuba().tau_m(uniform(10.0.ms(), 30.0.ms())).i_e(uniform(150.0.pa(), 400.0.pa())).init("v", uniform((-60.0).mv(), (-50.0).mv())), 0.1)
        }
        ModelKind::LifCoba => (
            Lif::coba()
                .tau_m(uniform(10.0.ms(), 30.0.ms()))
                .v_bg(uniform(15.0.mv(), 25.0.mv()))
                .init("v", uniform((-60.0).mv(), (-50.0).mv()))
                .init("g_e", uniform(0.0.one(), 0.5.one())),
            0.1,
        ),
        ModelKind::Alif => (Alif::new().tau_m(uniform(10.0.ms(), 30.0.ms())).beta(uniform(0.0.one(), 0.1.one())).init("v", uniform(0.0.one(), 0.5.one())), 1.0),
        ModelKind::Izhikevich => (
            Izhikevich::regular_spiking()
                .set("i_e", uniform(5.0.one(), 15.0.one()))
                .set("c", uniform((-65.0).mv(), (-50.0).mv()))
                .init("v", uniform((-70.0).mv(), (-60.0).mv())),
            0.5,
        ),
        ModelKind::LifDiscrete => (LifDiscrete::new().tau_m(uniform(10.0.ms(), 30.0.ms())).init("u", uniform(0.0.one(), 1.0.one())), 1.0),
        ModelKind::RateLinear => (RateUnit::linear().tau(uniform(2.0.ms(), 20.0.ms())).theta(0.2.one()).init("u", uniform(0.0.one(), 1.0.one())), 0.1),
        ModelKind::RateSigmoid => (RateUnit::sigmoid().tau(uniform(2.0.ms(), 20.0.ms())).gain(4.0.one()).init("u", uniform((-1.0).one(), 1.0.one())), 0.1),
        ModelKind::LeakyReadout => {
            (RateUnit::readout().tau(uniform(5.0.ms(), 30.0.ms())).gain(uniform(0.1.one(), 1.0.one())).init("y", uniform((-1.0).one(), 1.0.one())), 1.0)
        }
        ModelKind::RateSoftplus => (RateUnit::softplus().tau(uniform(2.0.ms(), 20.0.ms())).gain(2.0.one()).init("u", uniform((-1.0).one(), 1.0.one())), 0.1),
        ModelKind::RateAffine => (RateUnit::affine().tau(uniform(2.0.ms(), 20.0.ms())).theta(0.2.one()).init("u", uniform((-1.0).one(), 1.0.one())), 0.1),
    }
}

/// Random non-negative weights on every receptor, and a random injected current.
pub(crate) fn drive(kind: ModelKind, n: usize, r: &mut rand_pcg::Pcg32) -> (Vec<Vec<f32>>, Vec<f32>) {
    let (w, e) = match kind {
        ModelKind::LifCuba => (2.0, 50.0),
        ModelKind::LifCoba => (0.1, 5.0),
        ModelKind::Alif => (0.3, 0.05),
        ModelKind::Izhikevich => (5.0, 2.0),
        ModelKind::LifDiscrete => (1.0, 0.5),
        ModelKind::RateLinear | ModelKind::RateSigmoid | ModelKind::LeakyReadout | ModelKind::RateSoftplus | ModelKind::RateAffine => (1.0, 0.5),
    };
    let receptors = kind.receptors().len();
    let input = (0..receptors).map(|_| (0..n).map(|_| if r.random_bool(0.3) { r.random_range(0.0..w) } else { 0.0 }).collect()).collect();
    let ext = (0..n).map(|_| r.random_range(0.0..e)).collect();
    (input, ext)
}

/// A graph with a population in front (so the one under test has a nonzero gid
/// offset) and the specimen of `kind` as population 1.
pub(crate) fn graph(kind: ModelKind, size: u64) -> Graph {
    let (spec, dt) = specimen(kind);
    let mut net = Network::new().dt(dt.ms()).seed(77);
    net.population("pad", 5, spec.clone());
    net.population("x", size, spec);
    net.freeze().unwrap()
}

#[test]
fn inputs_are_consumed_and_spikes_are_increasing() {
    for kind in ModelKind::ALL {
        let g = graph(kind, 150);
        let mut k = kernel_of(&g, 1, 0..150);
        let mut r = rng(41);
        let mut total = 0;
        for t in 0..200 {
            let (mut input, ext) = drive(kind, 150, &mut r);
            let fired = step(k.as_mut(), t, &mut input, &ext);
            assert!(input.iter().flatten().all(|&x| x == 0.0), "{kind:?}: input not consumed at tick {t}");
            assert!(fired.windows(2).all(|w| w[0] < w[1]) && fired.iter().all(|&i| i < 150), "{kind:?}: {fired:?}");
            total += fired.len();
        }
        assert!(total > 0 || kind.graded(), "{kind:?} never fired");
        assert!(total == 0 || !kind.graded(), "{kind:?}: a rate unit spiked");
        assert_eq!(k.output().is_some_and(|r| r.iter().any(|&x| x != 0.0)), kind.graded(), "{kind:?}: graded output");
    }
}

#[test]
fn empty_ext_is_no_injected_current() {
    for kind in ModelKind::ALL {
        let g = graph(kind, 70);
        let (mut a, mut b) = (kernel_of(&g, 1, 0..70), kernel_of(&g, 1, 0..70));
        let mut r = rng(42);
        for t in 0..100 {
            let (input, _) = drive(kind, 70, &mut r);
            assert_eq!(step(a.as_mut(), t, &mut input.clone(), &[]), step(b.as_mut(), t, &mut input.clone(), &[0.0; 70]));
        }
        for var in 0..kind.state().len() {
            assert!((0..70).all(|i| a.state(var, i).to_bits() == b.state(var, i).to_bits()), "{kind:?} var {var}");
        }
    }
}

#[test]
fn set_state_then_state_round_trips() {
    for kind in ModelKind::ALL {
        let g = graph(kind, 6);
        let mut k = kernel_of(&g, 1, 0..6);
        for (var, def) in kind.state().iter().enumerate() {
            for i in 0..6 {
                let value = -12.375 + 3.0 * i as f32 + var as f32;
                k.set_state(var, i, value);
                let back = k.state(var, i);
                assert!((back - value).abs() <= 1e-6 * value.abs(), "{kind:?} {} neuron {i}: {back} vs {value}", def.name);
            }
        }
    }
}

/// Parameters and initial state are drawn per global id, so one kernel over
/// neurons 0..10 equals two kernels over 0..4 and 4..10, bit for bit.
#[test]
fn slices_are_independent_of_the_split() {
    for kind in ModelKind::ALL {
        let g = graph(kind, 10);
        let mut whole = kernel_of(&g, 1, 0..10);
        let mut parts = [kernel_of(&g, 1, 0..4), kernel_of(&g, 1, 4..10)];
        let vars = kind.state().len();
        let same = |whole: &dyn synfire_runtime::NeuronKernel, parts: &[Box<dyn synfire_runtime::NeuronKernel>; 2]| {
            (0..10).all(|i| {
                let (p, j) = if i < 4 { (&parts[0], i) } else { (&parts[1], i - 4) };
                (0..vars).all(|v| whole.state(v, i).to_bits() == p.state(v, j).to_bits())
            })
        };
        assert!(same(whole.as_ref(), &parts), "{kind:?}: initial state differs");
        let differs = (0..vars).any(|v| (1..10).any(|i| whole.state(v, i) != whole.state(v, 0)));
        assert!(differs, "{kind:?}: initial state is not heterogeneous");
        let mut r = rng(43);
        let mut spikes = 0;
        for t in 0..300 {
            let (input, ext) = drive(kind, 10, &mut r);
            let fired = step(whole.as_mut(), t, &mut input.clone(), &ext);
            let mut left: Vec<Vec<f32>> = input.iter().map(|x| x[..4].to_vec()).collect();
            let mut right: Vec<Vec<f32>> = input.iter().map(|x| x[4..].to_vec()).collect();
            let mut split = step(parts[0].as_mut(), t, &mut left, &ext[..4]);
            split.extend(step(parts[1].as_mut(), t, &mut right, &ext[4..]).into_iter().map(|i| i + 4));
            assert_eq!(fired, split, "{kind:?} tick {t}");
            assert!(same(whole.as_ref(), &parts), "{kind:?}: state differs at tick {t}");
            spikes += fired.len();
        }
        assert!(spikes > 0 || kind.graded(), "{kind:?} never fired");
    }
}

/// A kernel's result depends on the tick only through its differences: the same
/// drive gives the same spikes and state whatever tick the run starts at, across 2^31
/// and 2^32 (refractory ends are wrapping 32-bit ticks). Both the uniform and the
/// per-neuron code paths (`ext` empty or not) are covered.
#[test]
fn results_do_not_depend_on_the_starting_tick() {
    for kind in ModelKind::ALL {
        let g = graph(kind, 40);
        let run = |start: u64, with_ext: bool| {
            let mut k = kernel_of(&g, 1, 0..40);
            let mut r = rng(44);
            let mut out = Vec::new();
            for t in 0..400 {
                let (mut input, ext) = drive(kind, 40, &mut r);
                let ext = if with_ext { ext } else { Vec::new() };
                out.push(step(k.as_mut(), start + t, &mut input, &ext));
            }
            let state: Vec<u32> = (0..kind.state().len()).flat_map(|v| (0..40).map(move |i| (v, i))).map(|(v, i)| k.state(v, i).to_bits()).collect();
            (out, state)
        };
        for with_ext in [false, true] {
            let base = run(0, with_ext);
            assert!(base.0.iter().map(Vec::len).sum::<usize>() > 0 || kind.graded(), "{kind:?} never fired");
            for start in [(1 << 31) - 200, (1 << 32) - 150, (5 << 30) + 3] {
                assert_eq!(run(start, with_ext), base, "{kind:?} starting at tick {start}, ext {with_ext}");
            }
        }
    }
}
