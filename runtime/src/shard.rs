//! A shard: the neurons it owns, every synapse onto them, and their input, as data.
//! What a shard does with them in a window is in [`crate::window`]; delivery in
//! [`crate::deliver`].

use crate::currents::Currents;
use crate::error::RunError;
use crate::kernel::{KernelFactory, KernelInit, NeuronKernel};
use crate::layout::Layout;
use crate::modulators::Modulators;
use crate::recorder::{Recorders, StateRecorder, WeightRecorder};
use crate::records::Counters;
use crate::sources::SourceGen;
use crate::transport::{Batch, Graded, Spike};
use synfire_graphs::connectivity::{Csr, generate};
use synfire_graphs::{Connector, DelayTicks, Graph, PopKind, ProbeKind};
use synfire_rules::{Delays, Plasticity, ProjectionInfo, Synapses};

/// Targets generated at a time when building a shard's synapses.
const BUILD_BLOCK: u32 = 4096;

/// The synapses of projection `proj` onto targets `range`, by source, targets stored
/// relative to `range.start`.
///
/// Built in two passes over blocks of targets (count, then regenerate and place) so
/// that the peak memory is the finished arrays plus one block, not twice the arrays:
/// generation is cheap next to holding 8 more bytes per synapse. Connectors keyed by
/// source generate every pair for any block, so they are built in one block.
fn incoming_csr(graph: &Graph, proj: usize, range: std::ops::Range<u32>) -> Csr {
    let p = &graph.projections[proj];
    let n_sources = graph.populations[p.source].size as usize;
    let start = range.start;
    let keyed_by_target = matches!(p.conn.connector, Connector::AllToAll | Connector::OneToOne | Connector::Prob(_) | Connector::InDegree(_));
    if !keyed_by_target {
        let targets: Vec<u32> = range.collect();
        return Csr::from_in_edges(n_sources, &[generate(graph, proj, &targets)], |t| t - start);
    }
    let blocks = || (range.start..range.end).step_by(BUILD_BLOCK as usize).map(move |b| (b..(b + BUILD_BLOCK).min(range.end)).collect::<Vec<u32>>());
    let mut lengths = vec![0u64; n_sources];
    for targets in blocks() {
        generate(graph, proj, &targets).count_by_source(&mut lengths);
    }
    let mut csr = Csr::with_row_lengths(&lengths, matches!(p.delay, DelayTicks::PerSynapse { .. }));
    drop(lengths);
    let mut cursor: Vec<u64> = csr.offsets[..n_sources].to_vec();
    for targets in blocks() {
        let e = generate(graph, proj, &targets);
        for (k, &t) in e.targets.iter().enumerate() {
            for j in e.starts[k]..e.starts[k + 1] {
                let s = e.sources[j] as usize;
                let pos = cursor[s] as usize;
                cursor[s] += 1;
                csr.targets[pos] = t - start;
                csr.weights[pos] = e.weights[j];
                if let (Some(d), Some(ed)) = (csr.delays.as_mut(), e.delays.as_ref()) {
                    d[pos] = ed[j];
                }
            }
        }
    }
    csr
}

/// One event's synapses through one projection, found in the first pass of delivery.
#[derive(Debug, Clone)]
pub(crate) struct RowRef {
    pub incoming: u32,
    pub source: u32,
    /// What each weight is multiplied by: 1 for a spike, the value of a graded event.
    pub scale: f32,
    pub tick: u64,
    /// The row's synapses: `start..start + len` (a length, not an end, keeps the
    /// reference at 32 bytes; a row is at most one target population long).
    pub start: usize,
    pub len: u32,
}

// Delivery streams these; a spike must not pay for the graded events' `scale`.
const _: () = assert!(std::mem::size_of::<RowRef>() == 32);

impl RowRef {
    /// The row's synapse range.
    #[inline(always)]
    pub(crate) fn row(&self) -> std::ops::Range<usize> {
        self.start..self.start + self.len as usize
    }
}

/// What a slice is made of.
#[derive(Debug)]
pub(crate) enum Body {
    Neurons(Box<dyn NeuronKernel>),
    Source(SourceGen),
}

/// The neurons of one population that a shard owns.
#[derive(Debug)]
pub(crate) struct Slice {
    pub pop: usize,
    /// First owned index within the population.
    pub start: u64,
    pub len: usize,
    /// Global id of the first owned neuron.
    pub gid0: u64,
    pub body: Body,
    /// One ring buffer per receptor, then one per per-neuron signal over the
    /// population: `slots x len`, slot `t & mask` holds input for tick `t`.
    pub ring: Vec<Vec<f32>>,
    /// How many of the rings are the model's receptors (the kernel's input).
    pub receptors: usize,
    pub ext: Vec<f32>,
    pub currents: Currents,
}

/// The synapses of one projection onto one slice.
#[derive(Debug)]
pub(crate) struct Incoming {
    pub proj: usize,
    /// Global id of the source population's first neuron.
    pub src_gid0: u64,
    pub slice: usize,
    pub receptor: usize,
    pub delay: DelayTicks,
    pub csr: Csr,
    /// The plasticity rule's state for these synapses, if they learn.
    pub rule: Option<Box<dyn Plasticity>>,
}

impl Incoming {
    /// The rule and a view of the synapses it owns, borrowed together.
    pub(crate) fn plastic(&mut self) -> Option<(&mut Box<dyn Plasticity>, Synapses<'_>)> {
        let rule = self.rule.as_mut()?;
        let delays = match (&self.csr.delays, self.delay) {
            (Some(d), _) => Delays::PerSynapse(d),
            (None, d) => Delays::Const(d.min()),
        };
        Some((rule, Synapses { offsets: &self.csr.offsets, targets: &self.csr.targets, delays, weights: &mut self.csr.weights }))
    }
}

/// One worker's share of the network.
#[derive(Debug)]
pub(crate) struct Shard {
    pub index: usize,
    pub slices: Vec<Slice>,
    pub incoming: Vec<Incoming>,
    /// For each population, the incoming projections whose source it is, in projection order.
    pub(crate) by_source: Vec<Vec<usize>>,
    /// For each slice, the plastic incoming projections that want its post spikes.
    pub(crate) post_hooks: Vec<Vec<usize>>,
    /// The plastic incoming projections whose rules work every tick.
    pub(crate) tick_hooks: Vec<usize>,
    /// Per incoming projection: the modulator of each of its rule's input slots.
    pub(crate) slots: Vec<Vec<crate::modulators::Slot>>,
    /// Run guards and their spike counts.
    pub(crate) guards: crate::guards::Guards,
    /// The scalar modulators' values, the same on every shard.
    pub(crate) modulators: Modulators,
    /// Sampling intervals of every weight probe of the graph (windows end at their multiples).
    pub(crate) weight_intervals: Vec<u64>,
    /// First gid of each population plus the total (to find a spike's population).
    pub(crate) offsets: Vec<u64>,
    /// Ring slots minus one (slots is a power of two >= max delay + window).
    pub(crate) mask: u64,
    pub outbox: Batch,
    pub recorders: Recorders,
    pub counters: Counters,
    /// Windows completed (selects the exchange parity).
    pub(crate) windows: u64,
    /// Scratch of integration: the local indices that spiked in one slice and tick.
    pub(crate) spiked: Vec<u32>,
    /// Spikes injected from the API for owned neurons, sorted, not yet emitted.
    pub(crate) injected: Vec<Spike>,
    /// Whether any population of the graph emits graded events (else delivery skips
    /// that stream: a spike pays nothing for it).
    pub(crate) graded_sources: bool,
    /// Scratch of delivery, kept to reuse the allocations.
    pub(crate) merged: Vec<Spike>,
    pub(crate) merged_graded: Vec<Graded>,
    pub(crate) rows: Vec<RowRef>,
}

impl Shard {
    /// Builds shard `index` of `layout`: its slices with kernels, and the synapses
    /// onto its neurons (generated here, so shards build in parallel).
    pub(crate) fn build(
        graph: &Graph,
        layout: &Layout,
        index: usize,
        window: u64,
        factory: &dyn KernelFactory,
        guards: crate::guards::GuardSettings,
    ) -> Result<Shard, RunError> {
        let slots = (u64::from(graph.max_delay()) + window).next_power_of_two();
        let mut slices = Vec::new();
        let mut slice_of_pop = vec![usize::MAX; graph.populations.len()];
        for (pop, def) in graph.populations.iter().enumerate() {
            let range = layout.range(pop, index);
            let len = (range.end - range.start) as usize;
            if len == 0 {
                continue;
            }
            let gid0 = graph.offsets[pop] + range.start;
            let signals = graph.signals_over(pop).count();
            let (body, receptors) = match &def.kind {
                PopKind::Neurons(model) => {
                    let init =
                        KernelInit { model, pop_name: &def.name, dt: graph.dt, seed: graph.seed, pop_offset: graph.offsets[pop], neurons: range.clone() };
                    (Body::Neurons(factory.build(&init)?), model.kind.receptors().len())
                }
                PopKind::Source(spec) => (Body::Source(SourceGen::new(spec, graph.offsets[pop], def.size, range.clone(), graph.dt, graph.seed)), 0),
            };
            slice_of_pop[pop] = slices.len();
            let currents = Currents::new(&graph.currents, pop, range.clone(), graph.offsets[pop], graph.dt, graph.seed);
            let ring = vec![vec![0.0; slots as usize * len]; receptors + signals];
            slices.push(Slice { pop, start: range.start, len, gid0, body, ring, receptors, ext: Vec::new(), currents });
        }
        let mut incoming = Vec::new();
        let mut by_source = vec![Vec::new(); graph.populations.len()];
        let mut post_hooks = vec![Vec::new(); slices.len()];
        let mut tick_hooks = Vec::new();
        let mut bound = Vec::new();
        for (proj, p) in graph.projections.iter().enumerate() {
            let slice = slice_of_pop[p.target];
            if slice == usize::MAX {
                continue;
            }
            let range = layout.range(p.target, index);
            let n_sources = graph.populations[p.source].size as usize;
            let mut csr = incoming_csr(graph, proj, range.start as u32..range.end as u32);
            // A target with quantised weights stores them as its kernels read them.
            if factory.transforms_weights() {
                csr.weights.iter_mut().for_each(|w| *w = factory.weight(proj, *w));
            }
            let targets = range.start..range.end;
            let rule = match &p.conn.rule {
                None => None,
                Some(spec) => {
                    let info = ProjectionInfo {
                        dt: graph.dt,
                        n_synapses: csr.len(),
                        n_sources,
                        n_targets: (targets.end - targets.start) as usize,
                        delay: p.delay,
                        weight_scale: p.weight_scale,
                        // Inhibition written with negative weights; weights given
                        // with both signs (an array, a uniform range across 0: a
                        // delta rule's perceptron) are signed, not magnitudes.
                        negative: p.conn.weight.mean() < 0.0 && !(p.conn.weight.range().1 > 0.0 && p.conn.weight.range().1.is_finite()),
                        target: target_constants(&graph.populations[p.target].kind),
                    };
                    let init = crate::kernel::RuleInit {
                        proj,
                        info: &info,
                        seed: graph.seed,
                        source_gid0: graph.offsets[p.source],
                        target_gid0: graph.offsets[p.target] + range.start,
                    };
                    let rule = match factory.rule(&init) {
                        Some(rule) => rule?,
                        None => synfire_rules::instantiate(spec, &info)
                            .map_err(|e| RunError::Unsupported { path: format!("projections[{proj}].rule"), message: e.to_string() })?,
                    };
                    if rule.needs().post_spikes {
                        post_hooks[slice].push(incoming.len());
                    }
                    if rule.needs().per_tick {
                        tick_hooks.push(incoming.len());
                    }
                    if rule.needs().post_state {
                        let tracked = match &mut slices[slice].body {
                            Body::Neurons(kernel) => kernel.track_threshold(),
                            Body::Source(_) => false,
                        };
                        if rule.needs().threshold && !tracked {
                            let target = &graph.populations[p.target];
                            let message = format!(
                                "rule `{}` on projection `{}` reads its targets' distance to threshold (a surrogate derivative), which the model `{}` of population `{}` does not report",
                                rule.name(),
                                p.name,
                                info.target.model.unwrap_or("(none)"),
                                target.name
                            );
                            return Err(RunError::Unsupported { path: format!("projections[{proj}].rule"), message });
                        }
                    }
                    bound.push(
                        crate::modulators::bind(graph, proj, rule.inputs())
                            .map_err(|message| RunError::Unsupported { path: format!("projections[{proj}].rule.inputs"), message })?,
                    );
                    Some(rule)
                }
            };
            if p.conn.rule.is_none() {
                bound.push(Vec::new());
            }
            by_source[p.source].push(incoming.len());
            incoming.push(Incoming { proj, src_gid0: graph.offsets[p.source], slice, receptor: p.receptor, delay: p.delay, csr, rule });
        }
        let weight_intervals = graph
            .probes
            .iter()
            .filter_map(|pr| match pr.kind {
                ProbeKind::Weights { interval, .. } => Some(interval.to_ticks(graph.dt).max(1)),
                _ => None,
            })
            .collect();
        let mut shard = Shard {
            index,
            slices,
            incoming,
            by_source,
            post_hooks,
            tick_hooks,
            slots: bound,
            modulators: Modulators::new(graph),
            guards: crate::guards::Guards::new(graph, guards),
            weight_intervals,
            offsets: graph.offsets.clone(),
            mask: slots - 1,
            outbox: Batch::default(),
            recorders: Recorders::default(),
            counters: Counters::default(),
            windows: 0,
            spiked: Vec::new(),
            injected: Vec::new(),
            graded_sources: (0..graph.populations.len()).any(|p| graph.graded(p)),
            merged: Vec::new(),
            merged_graded: Vec::new(),
            rows: Vec::new(),
        };
        shard.recorders = shard.make_recorders(graph, &slice_of_pop);
        for rec in &shard.recorders.weights {
            let Some(var) = &rec.var else { continue };
            let Some(rule) = shard.incoming[rec.incoming].rule.as_mut() else { continue };
            if rule.synapse_state(var).is_none() {
                return Err(RunError::Unsupported {
                    path: format!("probes[{}].var", rec.probe),
                    message: format!("the projection's rule keeps no per-synapse `{var}`"),
                });
            }
            rule.watch_state(var);
        }
        Ok(shard)
    }

    fn make_recorders(&self, graph: &Graph, slice_of_pop: &[usize]) -> Recorders {
        let mut r = Recorders { log_pop: vec![false; graph.populations.len()], ..Recorders::default() };
        for (pi, probe) in graph.probes.iter().enumerate() {
            let window = probe.window.map_or((0, u64::MAX), |(a, b)| (a.to_ticks(graph.dt), b.to_ticks(graph.dt)));
            match &probe.kind {
                ProbeKind::Spikes { pops } => pops.iter().for_each(|&p| r.log_pop[p] = true),
                ProbeKind::Rate { pop, .. } => r.log_pop[*pop] = true,
                ProbeKind::State { pop, var, neurons, interval } => {
                    let slice = slice_of_pop[*pop];
                    let Some(model) = graph.model(*pop) else { continue };
                    let Some(var) = model.kind.state().iter().position(|s| s.name == var) else { continue };
                    if slice == usize::MAX {
                        continue;
                    }
                    let s = &self.slices[slice];
                    let cols = neurons
                        .iter()
                        .enumerate()
                        .filter(|&(_, &n)| u64::from(n) >= s.start && u64::from(n) < s.start + s.len as u64)
                        .map(|(c, &n)| (c, (u64::from(n) - s.start) as usize))
                        .collect();
                    let interval = interval.to_ticks(graph.dt).max(1);
                    r.states.push(StateRecorder { probe: pi, slice, var, cols, interval, window, ..StateRecorder::default() });
                }
                ProbeKind::Weights { proj, interval, var, .. } => {
                    if let Some(k) = self.incoming.iter().position(|inc| inc.proj == *proj) {
                        let interval = interval.to_ticks(graph.dt).max(1);
                        r.weights.push(WeightRecorder { probe: pi, incoming: k, interval, window, var: var.clone(), ..WeightRecorder::default() });
                    }
                }
            }
        }
        r
    }

    /// Sets the injected current of neuron `index` of population `pop` if this shard owns it.
    /// Plans the injected current of neuron `index` of `pop`, `values[k]` from tick
    /// `from + k`, if this shard owns it.
    pub(crate) fn plan_current(&mut self, pop: usize, index: u64, from: u64, values: &[f32]) {
        if let Some(s) = self.slices.iter_mut().find(|s| s.pop == pop && index >= s.start && index < s.start + s.len as u64) {
            let len = s.len;
            s.currents.plan((index - s.start) as usize, from, values, len);
        }
    }

    pub(crate) fn set_current(&mut self, pop: usize, index: u64, value: f32) {
        if let Some(s) = self.slices.iter_mut().find(|s| s.pop == pop && index >= s.start && index < s.start + s.len as u64) {
            let len = s.len;
            s.currents.set_user((index - s.start) as usize, value, len);
        }
    }

    /// What this shard's state holds.
    pub(crate) fn memory(&self) -> crate::records::Memory {
        let mut m = crate::records::Memory::default();
        for inc in &self.incoming {
            m.synapses += inc.csr.len() as u64;
            m.connectivity_bytes += inc.csr.heap_bytes() as u64;
            if let Some(rule) = &inc.rule {
                m.plastic_synapses += inc.csr.len() as u64;
                m.plastic_connectivity_bytes += inc.csr.heap_bytes() as u64;
                m.plasticity_bytes += rule.memory_bytes() as u64;
            }
        }
        m.ring_bytes = self.slices.iter().flat_map(|s| &s.ring).map(|r| (r.capacity() * 4) as u64).sum();
        m
    }

    /// Reads state variable `var` of neuron `index` of population `pop` if owned here.
    pub(crate) fn read_state(&self, pop: usize, var: usize, index: u64) -> Option<f32> {
        let s = self.slices.iter().find(|s| s.pop == pop && index >= s.start && index < s.start + s.len as u64)?;
        match &s.body {
            Body::Neurons(k) => Some(k.state(var, (index - s.start) as usize)),
            Body::Source(_) => None,
        }
    }
}

/// The constants of a target model a rule may read: those every neuron shares.
pub(crate) fn target_constants(kind: &PopKind) -> synfire_rules::TargetConstants {
    let PopKind::Neurons(model) = kind else { return synfire_rules::TargetConstants::default() };
    let get = |name: &str| model.kind.param(name).and_then(|_| model.param(name)).and_then(|v| v.as_const());
    synfire_rules::TargetConstants {
        model: Some(model.kind.name()),
        tau_m: get("tau_m").or_else(|| get("tau")).map(synfire_graphs::Time),
        tau_a: get("tau_a").map(synfire_graphs::Time),
        beta: get("beta"),
        v_th: get("v_th"),
        gain: get("gain"),
    }
}
