//! Exact integer counts of the work a run did, the input of every pricer.
//!
//! The counts are exact; only their conversion to joules and seconds is uncertain
//! (specs/targets.md 12). Per-core counts exist where the target has cores, because
//! latency follows the busiest core.

use serde::Serialize;

/// The work of one core.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct CoreLedger {
    /// Synaptic events delivered onto the core's neurons.
    pub syn_events: u64,
    /// The subset of `syn_events` that carried a graded payload (multiply-adds).
    pub syn_events_graded: u64,
    /// Synapse updates of a learning engine.
    pub learn_syn_updates: u64,
    /// Neuron updates with non-zero state or input.
    pub neuron_updates_active: u64,
    /// Neuron updates with zero state and input and no spike.
    pub neuron_updates_idle: u64,
}

/// Counters of a run (or a hand-made activity), summed over the chip.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Ledger {
    /// Algorithmic time steps.
    pub steps: u64,
    /// Synaptic events (one per synapse per arriving spike or input event).
    pub syn_events: u64,
    /// The subset of `syn_events` that carried a graded payload (multiply-adds).
    pub syn_events_graded: u64,
    /// Synapse updates of a learning engine or kernel.
    pub learn_syn_updates: u64,
    /// Trace updates of software learning, per neuron per trace (`cortex-m4`).
    pub trace_updates: u64,
    /// Neuron updates with non-zero state or input.
    pub neuron_updates_active: u64,
    /// Neuron updates with zero state and input and no spike.
    pub neuron_updates_idle: u64,
    /// Spikes emitted by the target's neurons.
    pub spikes: u64,
    /// Events injected from outside (input channels, spike sources).
    pub input_events: u64,
    /// Spike messages, one per (spike or input event, destination core).
    pub messages: u64,
    /// East-west tile hops summed over messages.
    pub hops_ew: u64,
    /// North-south tile hops summed over messages.
    pub hops_ns: u64,
    /// Steps (out of `steps`) in which at least one input channel had an event,
    /// summed over channels: `p_in` of the cycle models is this over `steps * N_in`.
    pub input_channel_steps: u64,
    /// Cycles of a cycle model (single-core targets).
    pub cycles: u64,
    /// Per-core work, in core order (empty for single-core targets).
    pub per_core: Vec<CoreLedger>,
}

impl Ledger {
    /// Neuron updates of both kinds.
    pub fn neuron_updates(&self) -> u64 {
        self.neuron_updates_active + self.neuron_updates_idle
    }
}
