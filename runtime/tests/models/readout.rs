//! e-prop's leaky readout against its closed form: `y[t] = kappa y[t-1] + gain x[t]`,
//! output `y - y*`; with `softmax = 1`, `(softmax(y) - y*) sum(y*)`, and the
//! population kept whole on one shard.

use crate::common::kernel_of;
use synfire_graphs::{Network, RateUnit, UnitExt};
use synfire_runtime::layout::Layout;

#[test]
fn the_readout_integrates_and_outputs_its_error() {
    for softmax in [false, true] {
        let mut net = Network::new().dt(1.0.ms());
        let model = RateUnit::readout().tau(10.0.ms()).gain(0.5.one()).set("softmax", (if softmax { 1.0 } else { 0.0 }).one());
        net.population("y", 3, model);
        let graph = net.freeze().unwrap();
        let mut k = kernel_of(&graph, 0, 0..3);
        let kappa = (-0.1f64).exp();
        let mut y = [0.0f64; 3];
        let inputs = [[1.0, 0.0, 2.0], [0.0, 0.5, 0.0], [0.3, 0.3, 0.3]];
        let targets: [&[f32]; 3] = [&[], &[0.0, 1.0, 0.0], &[0.0, 0.0, 0.0]];
        for (x, ext) in inputs.iter().zip(targets) {
            let mut input: Vec<f32> = x.iter().map(|&v| v as f32).collect();
            let mut spiked = Vec::new();
            k.step(0, &mut [&mut input[..]], ext, &mut spiked);
            for j in 0..3 {
                y[j] = kappa * y[j] + 0.5 * x[j];
            }
            let t = |j: usize| f64::from(ext.get(j).copied().unwrap_or(0.0));
            let want: Vec<f64> = if softmax {
                let e: Vec<f64> = y.iter().map(|v| v.exp()).collect();
                let sum: f64 = e.iter().sum();
                let mask: f64 = (0..3).map(t).sum();
                (0..3).map(|j| (e[j] / sum - t(j)) * mask).collect()
            } else {
                (0..3).map(|j| y[j] - t(j)).collect()
            };
            let got = k.output().unwrap();
            for j in 0..3 {
                assert!((f64::from(got[j]) - want[j]).abs() < 1e-6, "softmax {softmax}: out[{j}] {} vs {}", got[j], want[j]);
                assert!((f64::from(k.state(0, j)) - y[j]).abs() < 1e-6);
            }
        }
        // A softmax readout lives whole on shard 0, whatever the worker count.
        let layout = Layout::new(&graph, 3);
        let ranges: Vec<_> = (0..3).map(|s| layout.range(0, s)).collect();
        if softmax {
            assert_eq!(ranges, [0..3, 3..3, 3..3]);
        } else {
            assert_eq!(ranges, [0..1, 1..2, 2..3]);
        }
    }
}

#[test]
fn softmax_is_a_switch() {
    let mut net = Network::new().dt(1.0.ms());
    net.population("y", 2, RateUnit::readout().set("softmax", 0.5.one()));
    let graph = net.freeze().unwrap();
    let init = synfire_runtime::KernelInit { model: graph.model(0).unwrap(), pop_name: "y", dt: graph.dt, seed: 0, pop_offset: 0, neurons: 0..2 };
    let err = synfire_runtime::KernelFactory::build(&synfire_runtime::models::ReferenceKernels, &init).unwrap_err().to_string();
    assert!(err.contains("softmax") && err.contains("0.5"), "{err}");
}
