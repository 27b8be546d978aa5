//! Software learning on `cortex-m4` (specs/targets.md 14.4: "Learning is `Any`: rules
//! run in software and are costed by cycles. Plastic weights must live in SRAM").
//!
//! # Arithmetic [spec choice of this version]
//!
//! The part is an M4F, so the engine's own `stdp_pair` runs unchanged on a plastic
//! projection: the catalogue's rule, with its f32 weights and f64 traces, built with
//! the projection's weight scale times the target population's state scale `S_v`.
//! A plastic weight is therefore an f32 in state units (`S_v w`, rounded to the
//! nearest f32 once, when the synapses are built), kept in SRAM (4 bytes per synapse,
//! never flash), and the rule's bounds and amplitudes are in the same units.
//!
//! Delivery: a neuron's arrivals of one step are summed in f32 in canonical order
//! (`VADD.F32`, round to nearest even) and converted once, at the neuron update, to
//! the i32 accumulator with round-half-even (`VCVTR` in the FPSCR's default RN mode),
//! then saturated. For static weights (`w_q << ws`, integers) this is the integer sum
//! while it fits 24 significant bits (the plan warns otherwise); with plastic input
//! it is the stated f32 sum.
//!
//! Only `stdp_pair` is run: the spec's cycle table prices "plastic synapse update,
//! pair STDP with traces: 12 cycles" and "trace update per neuron per trace: 6
//! cycles", and nothing else; every other rule is refused by name (no cost would
//! stand behind it). Projections with per-synapse delays are refused too (the counts
//! below assume one delay).
//!
//! # Counts (exact, from the run)
//!
//! As the engine's rule performs them: one synapse update per synapse of the row at
//! every presynaptic spike (depression), and one per synapse onto the target at every
//! postsynaptic spike whose synaptic time `t_post + d` the run reached (potentiation;
//! a post spike of the last `d` steps is applied after the run, so it is not counted).
//! [`M4Learning`] keeps them per local target in the `learn_updates` column. Trace
//! updates are event-driven (a trace is decayed lazily and bumped at its neuron's
//! spike): one per spike of a source per presynaptic trace and one per spike of a
//! target per postsynaptic trace, per plastic projection; the pricer counts them from
//! the run's spikes.

use crate::compare::LEARN_UPDATES;
use synfire_graphs::{Axis, DelayTicks, Graph, PlainState, StateError, StateReader, StateWriter, Tick};
use synfire_rules::{Context, Needs, Plasticity, Synapses};

/// Presynaptic and postsynaptic traces of `stdp_pair` (one each).
pub const PAIR_TRACES: (u64, u64) = (1, 1);

/// Bytes per plastic synapse of the weight: an f32 [spec choice, this module].
pub const PLASTIC_WEIGHT_BYTES: u64 = 4;
/// Bytes per neuron per trace: an f32 value and a u32 tick of its last update (lazy
/// decay) [spec choice, this module].
pub const TRACE_BYTES: u64 = 8;

/// Why projection `q`'s rule does not run on `cortex-m4`, or `None` when it does.
pub fn refusal(graph: &Graph, q: usize) -> Option<String> {
    let p = &graph.projections[q];
    let spec = p.conn.rule.as_ref()?;
    if spec.name != synfire_rules::stdp_pair::NAME {
        return Some(format!(
            "rule '{}': cortex-m4 runs only 'stdp_pair' in software in this version (the spec's cycle model prices pair STDP with traces and no other rule; no silent host fallback)",
            spec.name
        ));
    }
    if matches!(p.delay, DelayTicks::PerSynapse { .. }) {
        return Some("rule 'stdp_pair' on per-synapse delays is not run on cortex-m4 in this version (one delay per plastic projection)".into());
    }
    None
}

/// Bytes in SRAM of a plastic projection: weights (dense f32, or CSR with a u16 index
/// and an f32 weight per synapse and u32 row pointers), the transposed index that
/// potentiation walks (a u32 synapse index per synapse and u32 column pointers; not
/// needed when dense), and the traces of its sources and targets.
pub fn plastic_bytes(n_pre: u64, n_post: u64, nnz: u64) -> (u64, u64, &'static str) {
    let dense = PLASTIC_WEIGHT_BYTES * n_pre * n_post;
    let csr = (2 + PLASTIC_WEIGHT_BYTES) * nnz + 4 * (n_pre + 1) + 4 * nnz + 4 * (n_post + 1);
    let traces = TRACE_BYTES * (n_pre * PAIR_TRACES.0 + n_post * PAIR_TRACES.1);
    if dense <= csr { (dense, traces, "dense f32") } else { (csr, traces, "csr f32 + transposed index") }
}

/// The engine's rule on one plastic projection in one shard, counting the synapse
/// updates it performs (see the module docs). Everything else is the inner rule's.
#[derive(Debug)]
pub struct M4Learning {
    inner: Box<dyn Plasticity>,
    /// The projection's delay in ticks.
    delay: u64,
    /// Synapse updates per local target.
    learn: Vec<u64>,
    /// Post spikes `(tick, target)` whose synaptic time has not been reached.
    pending: Vec<(u64, u32)>,
    /// Synapses onto each local target (built at the first call with the synapses).
    in_degree: Option<Vec<u64>>,
    /// The latest `now` of `advance` or `settle`.
    now: u64,
}

impl M4Learning {
    /// Wraps `inner` for a projection of delay `delay` with `n_targets` local targets.
    pub fn new(inner: Box<dyn Plasticity>, delay: u32, n_targets: usize) -> Self {
        M4Learning { inner, delay: delay.into(), learn: vec![0; n_targets], pending: Vec::new(), in_degree: None, now: 0 }
    }

    /// Counts the post events with synaptic time `t + d < limit` (`<= t_pre` at a pre
    /// event, `< now` at `advance`/`settle`).
    fn count_posts(&mut self, limit: u64, syn: &Synapses<'_>) {
        let deg = self.in_degree.get_or_insert_with(|| {
            let mut d = vec![0u64; self.learn.len()];
            syn.targets.iter().for_each(|&t| d[t as usize] += 1);
            d
        });
        let delay = self.delay;
        let learn = &mut self.learn;
        self.pending.retain(|&(t, i)| {
            let due = t + delay < limit;
            if due {
                learn[i as usize] += deg[i as usize];
            }
            !due
        });
    }
}

impl Plasticity for M4Learning {
    fn name(&self) -> &str {
        self.inner.name()
    }

    fn needs(&self) -> Needs {
        Needs { post_spikes: true, ..self.inner.needs() }
    }

    fn on_post(&mut self, target: u32, t: Tick) {
        self.pending.push((t.0, target));
        self.inner.on_post(target, t);
    }

    fn on_pre(&mut self, source: u32, t: Tick, syn: &mut Synapses<'_>, ctx: &Context<'_>) -> f32 {
        self.count_posts(t.0 + 1, syn);
        for k in syn.row(source as usize) {
            self.learn[syn.targets[k] as usize] += 1;
        }
        self.inner.on_pre(source, t, syn, ctx)
    }

    fn advance(&mut self, now: Tick, syn: &mut Synapses<'_>, ctx: &Context<'_>) {
        self.count_posts(now.0, syn);
        self.now = now.0;
        self.inner.advance(now, syn, ctx);
    }

    fn settle(&mut self, now: Tick, syn: &mut Synapses<'_>, ctx: &Context<'_>) {
        self.count_posts(now.0, syn);
        self.now = now.0;
        self.inner.settle(now, syn, ctx);
    }

    fn bytes_per_synapse(&self) -> usize {
        self.inner.bytes_per_synapse()
    }

    fn memory_bytes(&self) -> usize {
        self.inner.memory_bytes() + self.learn.len() * 8 + self.pending.len() * 16
    }
}

/// The inner rule's columns, the counts, and the pending post spikes as a bitmask per
/// target of their offsets `now - 1 - t` (fewer than 64: delays are at most 64).
impl PlainState for M4Learning {
    fn save(&self, out: &mut StateWriter) {
        self.inner.save(out);
        let mut mask = vec![0u64; self.learn.len()];
        for &(t, i) in &self.pending {
            if let Some(off) = self.now.checked_sub(t + 1).filter(|&o| o < 64) {
                mask[i as usize] |= 1 << off;
            }
        }
        out.scalar("m4.now", self.now);
        out.u64("m4.pending", Axis::Neuron, &mask);
        out.u64(LEARN_UPDATES, Axis::Neuron, &self.learn);
    }

    fn restore(&mut self, input: &mut StateReader<'_>) -> Result<(), StateError> {
        // Columns are read in the order they were written: the inner rule's first.
        self.inner.restore(input)?;
        let n = self.learn.len();
        let now = input.scalar("m4.now")?;
        let (mut mask, mut learn) = (vec![0u64; n], vec![0u64; n]);
        input.u64_into("m4.pending", &mut mask)?;
        input.u64_into(LEARN_UPDATES, &mut learn)?;
        let mut pending: Vec<(u64, u32)> = mask
            .iter()
            .enumerate()
            .flat_map(|(i, &m)| (0..64u64).filter(move |o| m >> o & 1 == 1).filter_map(move |o| Some((now.checked_sub(1 + o)?, i as u32))))
            .collect();
        pending.sort_unstable();
        self.pending = pending;
        self.learn = learn;
        self.now = now;
        Ok(())
    }
}
