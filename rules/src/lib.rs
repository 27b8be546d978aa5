//! Plasticity rules for synfire: per-synapse state, event hooks, third factors.
//!
//! ```
//! use synfire_graphs::{DelayTicks, PlasticityRule, Tick, UnitExt};
//! use synfire_rules::{Context, Delays, ProjectionInfo, Stdp, Synapses, instantiate};
//!
//! // The DSL side: a rule is data.
//! let spec = Stdp::pair().tau_plus(20.0.ms()).a_plus(0.01).bounds(0.0..=1.0).to_spec();
//!
//! // The engine side: one source -> one target, delay 1 tick of 1 ms.
//! let info = ProjectionInfo { dt: 1.0.ms(), n_synapses: 1, n_sources: 1, n_targets: 1, delay: DelayTicks::Const(1), weight_scale: 1.0, negative: false, target: Default::default() };
//! let mut rule = instantiate(&spec, &info)?;
//! let (offsets, targets, mut weights) = (vec![0u64, 1], vec![0u32], vec![0.5f32]);
//! let mut syn = Synapses { offsets: &offsets, targets: &targets, delays: Delays::Const(1), weights: &mut weights };
//! let ctx = Context::none();
//! rule.on_pre(0, Tick(10), &mut syn, &ctx);  // pre at 10 ms
//! rule.on_post(0, Tick(19));                  // post at 19 ms: synaptic Δt = 19 + 1 - 10 = 10 ms
//! rule.settle(Tick(40), &mut syn, &ctx);      // bring every weight up to date
//! let expected = 0.5 + 0.01 * (-0.5f64).exp();
//! assert!((f64::from(syn.weights[0]) - expected).abs() < 1e-6);
//! # Ok::<(), synfire_rules::RuleError>(())
//! ```
//!
//! # The interface
//!
//! A rule is described as data ([`RuleSpec`](synfire_graphs::RuleSpec): a name and
//! parameters with units), built with each rule's builder (`Stdp::pair()`,
//! `Triplet::minimal()`, `Istdp::vogels()`, `Stp::tsodyks_markram()`,
//! `Scaling::homeostatic()`, `Orchestrated::zenke2015()`), checked by [`Catalog`] when
//! the network freezes and turned into a running [`Plasticity`] by [`instantiate`],
//! once per (projection, shard). The rule owns every piece of plastic state in its own
//! arrays, indexed like the engine's: synapse `k` (the CSR index), source `j` (index in
//! the source population), local target `i`. The engine owns the CSR arrays and the
//! weights and passes them in a [`Synapses`] view on each call, with a [`Context`]
//! for third factors. A rule never sees a thread or a shard.
//!
//! # Timing (spec 0.1, 0.3)
//!
//! Time is the integer tick. A synapse `j -> i` with delay `d` ticks sees a
//! presynaptic spike at its emission tick `t_pre` and a postsynaptic spike at
//! `t_post + d` (the delay counts as dendritic, as in NEST), so the pairing interval is
//! `Δt = (t_post + d) - t_pre`. Per synapse, events are applied in this synaptic-time
//! order; at equal times the order is: slow clock, postsynaptic event, presynaptic
//! event. A pre and a post spike at the same synaptic time do not see each other (an
//! isolated coincident pair changes nothing): each reads the other side's traces
//! counting only spikes strictly before. Weights are clipped after every event.
//!
//! # The engine's contract
//!
//! For one rule instance, the engine must:
//!
//! 1. **Pre events in order.** Call [`Plasticity::on_pre`]`(j, t_pre)` once for every
//!    spike of every source `j` whose row is not empty in this shard, in non-decreasing
//!    `t_pre` (canonical order: tick, then source id). `t_pre` is the *emission* tick.
//!    Transmit `weights[k] * efficacy` (the return value) for each `k` of the row, with
//!    the weights as they are after the call, to arrive at `t_pre + delay(k)`. A
//!    graded event (a rate unit's output) goes through
//!    [`Plasticity::on_pre_graded`] with its value (the runtime calls that for every
//!    event, 1 for a spike; by default it is `on_pre`).
//! 2. **Post spikes before they are needed.** Call [`Plasticity::on_post`]`(i, t_post)`
//!    (when [`Needs::post_spikes`]) for every spike of local target `i`, in increasing
//!    tick per target, before any `on_pre` with `t_pre > t_post` and before any
//!    `advance`/`settle` with `now > t_post`. Recording spikes early is allowed (a
//!    post spike may be recorded long before the pre spikes that precede it are
//!    delivered); recording late is not. With delivery at the start of the window after
//!    emission and recording during integration, this holds for every window length up
//!    to the minimum delay.
//! 3. **Advance once per window.** After delivering a window's spikes (all `t_pre <
//!    now` processed), call [`Plasticity::advance`]`(now)` with the window's first tick
//!    (`now` never decreases; later `on_pre` have `t_pre >= now`). This runs slow clocks
//!    that are due and bounds memory; skipping it never changes results, only memory.
//! 4. **Settle before reading.** Post-triggered updates are applied lazily, so
//!    `weights` may lag for synapses whose source has not spiked since. Before reading
//!    weights or per-synapse state (probes, checkpoints, end of run) call
//!    [`Plasticity::settle`]`(now)` under the same conditions as `advance`. Never write
//!    the weights of a plastic projection except through the rule.
//! 5. **Same projection every call.** `Synapses` has the sizes given in
//!    [`ProjectionInfo`] (checked in debug builds); delays are at least one tick.
//!    Weight-valued parameters are written in the projection's weight unit and
//!    converted with [`ProjectionInfo::weight_scale`]; a projection whose weights are
//!    stored negated sets [`ProjectionInfo::negative`] and learns magnitudes.
//!
//! In return the rule guarantees: after `on_pre(j, t)` the row of `j` holds every
//! event with synaptic time `<= t` (and the returned efficacy is that of this spike);
//! after `settle(now)` every weight holds every event with synaptic time `< now` and no
//! later one; clocks run exactly at their ticks (after every event before the tick,
//! before every event at or after it). The weights and state are the same, bit for
//! bit, whatever the window length, the number of workers (the sharding only splits
//! the targets) and however often `advance`/`settle` are called.
//!
//! # Two engines, one result
//!
//! A post spike at `t_post` acts at synaptic time `T = t_post + d`, after the end of
//! the current window: presynaptic spikes emitted in `[now, T)` are not known when the
//! neuron fires, so no rule can apply it then. Each rule's mathematics is a kernel
//! (proposed changes at a pre and at a post event); two engines decide when events are
//! applied, and agree to rounding (`tests/rules/engines.rs`); each on its own gives
//! bit-identical results for every schedule of calls:
//!
//! - **Eager** (projections with one delay, the common case): a post event is applied
//!   to all of the target's incoming synapses through a transposed index as soon as
//!   every presynaptic spike before `T` is known (the next `on_pre` at or after `T`,
//!   or `advance`/`settle`). Per target it keeps one set of traces in synaptic time,
//!   and all traces are stored scaled to an epoch, so that reading one is a single
//!   multiplication. This is the fast path: per synapse event a load of per-neuron state.
//! - **Lazy** (per-synapse delays, and clocks that read postsynaptic traces, as
//!   homeostatic scaling does): the post event is applied per synapse at the next
//!   presynaptic spike of the synapse's source (NEST's `stdp_synapse`), or by `settle`,
//!   a clock, or memory maintenance (every 100 ms of model time, sources that have been
//!   silent are brought up to date so that the postsynaptic spike history can be
//!   pruned). It needs no transposed index.
//!
//! # Per-synapse memory beyond the f32 weight
//!
//! Pair STDP, triplet, iSTDP, scaling, STP: no state of their own per synapse (it is
//! per neuron); orchestrated: 4 bytes (`w~`); the metaplastic wrappers: Benna–Fusi
//! `4 m` (spec 11 counts `4 (m - 1)`; the modal state needs all `m` coordinates and the
//! weight holds the clipped efficacy), hidden weights 4 (`W_h`; spec 11 counts 0, but
//! the engine transmits a stored efficacy), SI 16. The eager engine adds its transposed
//! index: 8 bytes per synapse (synapse and source index) and 4 per target. Per source:
//! 8 bytes per presynaptic trace + 8 (last spike), + 8 (catch-up mark) in the lazy
//! engine, + 24 with STP. Per target, eager: 8 + 16 per postsynaptic trace; lazy: a
//! queue, and for each held spike 8 bytes + 16 per postsynaptic trace (spikes are held
//! for about 100-200 ms + the longest delay). [`Plasticity::bytes_per_synapse`] and
//! [`Plasticity::memory_bytes`] report them.
//!
//! **Invariant:** this crate has no threads and no I/O, and knows nothing of shards.

pub mod bounds;
mod catalog;
pub mod delta;
pub mod disinhibition;
pub mod disinhibition_spiking;
mod driver;
mod eager;
mod eager_state;
pub mod eprop;
pub mod error;
pub mod history;
pub mod istdp;
mod learning;
pub mod metaplastic;
pub mod orchestrated;
mod params;
pub mod plasticity;
pub mod rstdp;
mod scaled;
pub mod scaling;
pub mod signal_hebb;
pub mod stdp_pair;
pub mod stp;
pub mod superspike;
pub mod surrogate;
pub mod synapses;
pub mod trace;
mod transposed;
pub mod triplet;

/// Hints the cache to load `*x`: the engines walk synapses in one order and touch
/// per-neuron state in another, and asking a few synapses ahead overlaps the misses.
/// No effect on results.
#[inline(always)]
pub(crate) fn prefetch<T>(x: Option<&T>) {
    #[cfg(target_arch = "x86_64")]
    if let Some(x) = x {
        // SAFETY: a prefetch hint never faults and reads nothing; the pointer is to a live value.
        unsafe { std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>((x as *const T).cast::<i8>()) };
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = x;
}

/// [`prefetch`] of a computed address, which need not point into a live value (a
/// prefetch never faults), so the caller needs no bounds check.
#[inline(always)]
pub(crate) fn prefetch_ptr<T>(p: *const T) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: a prefetch hint never faults and reads nothing, whatever the address.
    unsafe {
        std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(p.cast::<i8>())
    };
    #[cfg(not(target_arch = "x86_64"))]
    let _ = p;
}

pub use bounds::Bounds;
pub use catalog::{Catalog, RULES, instantiate, instantiate_with};
pub use delta::Delta;
pub use disinhibition::{Disinhibition, DisinhibitionRule, Softplus};
pub use disinhibition_spiking::DisinhibitionSpiking;
pub use driver::Engine;
pub use eprop::{Eprop, EpropFeedback, EpropRule};
pub use error::RuleError;
pub use istdp::{Istdp, Vogels};
pub use metaplastic::{BennaFusi, HiddenWeights, Meta, Metaplastic, SynapticIntelligence, Wrapped};
pub use orchestrated::Orchestrated;
pub use plasticity::{Needs, Plasticity, ProjectionInfo, TargetConstants, TrialEnds};
pub use rstdp::{RewardStdp, RstdpRule};
pub use scaling::Scaling;
pub use signal_hebb::{SignalHebb, SignalHebbRule};
pub use stdp_pair::{Stdp, StdpPair};
pub use stp::{Stp, StpParams};
pub use superspike::{SuperSpike, SuperSpikeFeedback, SuperSpikeRule};
pub use surrogate::{Surrogate, SurrogateError};
pub use synapses::{Context, Delays, NoThirdFactors, Post, Synapses, ThirdFactors};
pub use trace::Interaction;
pub use triplet::Triplet;
