//! Building kernels and driving them tick by tick.

use rand_pcg::Pcg32;
use synfire_graphs::rng::{Domain, stream};
use synfire_graphs::{Graph, NeuronSpec, Time};
use synfire_runtime::models::ReferenceKernels;
use synfire_runtime::{KernelFactory, KernelInit, NeuronKernel};

/// A kernel of `n` neurons of `spec` (pop offset 0, seed 7) built by the factory.
pub fn kernel(spec: &NeuronSpec, dt: f64, n: u64) -> Box<dyn NeuronKernel> {
    let init = KernelInit { model: spec, pop_name: "test", dt: Time(dt), seed: 7, pop_offset: 0, neurons: 0..n };
    ReferenceKernels.build(&init).unwrap()
}

/// A kernel for neurons `neurons` of population `pop` of a frozen graph.
pub fn kernel_of(graph: &Graph, pop: usize, neurons: std::ops::Range<u64>) -> Box<dyn NeuronKernel> {
    let init = KernelInit {
        model: graph.model(pop).unwrap(),
        pop_name: &graph.populations[pop].name,
        dt: graph.dt,
        seed: graph.seed,
        pop_offset: graph.offsets[pop],
        neurons,
    };
    ReferenceKernels.build(&init).unwrap()
}

/// Runs tick `tick` with `input[r][i]` arriving on receptor `r` (consumed) and
/// returns the spikes.
pub fn step(k: &mut dyn NeuronKernel, tick: u64, input: &mut [Vec<f32>], ext: &[f32]) -> Vec<u32> {
    let mut slots: Vec<&mut [f32]> = input.iter_mut().map(Vec::as_mut_slice).collect();
    let mut spiked = Vec::new();
    k.step(tick, &mut slots, ext, &mut spiked);
    spiked
}

/// Runs tick `tick` without input on `receptors` receptors.
pub fn step_silent(k: &mut dyn NeuronKernel, tick: u64, receptors: usize) -> Vec<u32> {
    let mut input = vec![vec![0.0; k.len()]; receptors];
    step(k, tick, &mut input, &[])
}

/// A random stream for test inputs.
pub fn rng(id: u64) -> Pcg32 {
    stream(2024, Domain::Stimulus, id, 0)
}

/// The ticks at which neuron 0 of a one-neuron kernel spikes over `ticks` silent ticks.
pub fn spike_ticks(k: &mut dyn NeuronKernel, ticks: u64, receptors: usize) -> Vec<u64> {
    (0..ticks).filter(|&t| !step_silent(k, t, receptors).is_empty()).collect()
}
