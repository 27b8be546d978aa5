//! `cortex-m4`: synfire's event-driven kernel on one ARMv7E-M core, STM32L476-class
//! (80 MHz, 128 KiB SRAM, 1 MiB flash): integer numerics chosen by the spec, a
//! memory budget and a cycle model (specs/targets.md 14.4). Plastic projections
//! (`stdp_pair`) learn in software with the engine's own rule (`learning.rs`).

mod kernel;
pub mod learning;
pub mod neuron;
pub mod price;

pub use kernel::M4Kernels;
pub use price::M4Pricer;

use crate::error::{LowerError, Resource, Scope, Violation};
use crate::wiring::Wiring;
use crate::{CompileOptions, Plan, PopReport, Support, Target};
use std::sync::Arc;
use synfire_graphs::{Graph, ModelKind};

/// The target's id.
pub const ID: &str = "cortex-m4";
/// SRAM of the STM32L476 [src] RIOT board docs.
pub const SRAM_BYTES: u64 = 131_072;
/// Flash of the STM32L476 [src]; code size is not modelled.
pub const FLASH_BYTES: u64 = 1_048_576;
/// Longest delay of the ring buffers (`delay + 1` slots) [spec].
pub const MAX_DELAY: u32 = 64;

/// The `cortex-m4` target.
#[derive(Debug, Clone, Copy, Default)]
pub struct CortexM4;

fn param(graph: &Graph, pop: usize, name: &str) -> Option<f64> {
    graph.model(pop)?.param(name)?.as_const()
}

/// Synapse types of a population: 1 when both receptors share a time constant.
pub fn synapse_types(graph: &Graph, pop: usize) -> u64 {
    if param(graph, pop, "tau_syn_e") == param(graph, pop, "tau_syn_i") { 1 } else { 2 }
}

/// Bytes of one projection's weights: dense `N_pre N_post` when that is no larger
/// than CSR's `3 nnz + 4 (N_pre + 1)` (u16 index and i8 weight, u32 row pointers).
pub fn projection_bytes(n_pre: u64, n_post: u64, nnz: u64) -> (u64, &'static str) {
    let (dense, csr) = (n_pre * n_post, 3 * nnz + 4 * (n_pre + 1));
    if dense <= csr { (dense, "dense") } else { (csr, "csr") }
}

impl Target for CortexM4 {
    fn id(&self) -> &'static str {
        ID
    }

    fn support(&self, graph: &Graph) -> Vec<(Scope, Support)> {
        let mut out = Vec::new();
        for (pop, def) in graph.populations.iter().enumerate() {
            let s = match graph.model_kind(pop) {
                None | Some(ModelKind::LifCuba) => Support::Native,
                Some(k) => Support::Unsupported(format!("model '{}' has no cortex-m4 kernel in this version (supported: lif_cuba)", k.name())),
            };
            out.push((Scope::Population(def.name.clone()), s));
        }
        for (q, p) in graph.projections.iter().enumerate() {
            let s = match learning::refusal(graph, q) {
                None => Support::Native,
                Some(reason) => Support::Unsupported(reason),
            };
            out.push((Scope::Projection(p.name.clone()), s));
        }
        out
    }

    /// The spec's `Any`: rules run in software. In this version that is `stdp_pair`
    /// (the only rule the spec's cycle model prices); `support` refuses the others
    /// by name.
    fn learning(&self) -> crate::LearningCaps {
        crate::LearningCaps::Any
    }

    fn compile(&self, graph: &Graph, opts: &CompileOptions) -> Result<Plan, LowerError> {
        let mut errors: Vec<LowerError> = self
            .support(graph)
            .into_iter()
            .filter_map(|(item, s)| match s {
                Support::Unsupported(reason) => Some(LowerError::Unsupported { target: ID, item, reason }),
                _ => None,
            })
            .collect();
        for m in &graph.modulators {
            errors.push(LowerError::Unsupported {
                target: ID,
                item: Scope::Chip,
                reason: format!("modulator '{}' is not emulated on cortex-m4 in this version", m.name),
            });
        }
        let wiring = Wiring::new(graph);
        let mut memory = Vec::new();
        let (mut sram, mut flash) = (0u64, 0u64);
        let mut violations = Vec::new();
        let mut warnings = Vec::new();
        for (q, p) in graph.projections.iter().enumerate() {
            let nnz = wiring.synapses(q) as u64;
            let (n_pre, n_post) = (graph.populations[p.source].size, graph.populations[p.target].size);
            if p.conn.rule.is_some() {
                // Plastic weights and the rule's traces live in SRAM [spec 14.4].
                let (bytes, traces, layout) = learning::plastic_bytes(n_pre, n_post, nnz);
                sram += bytes + traces;
                memory.push(format!("projection {:<20} {:>10} B {layout} in sram (plastic), {traces} B traces", p.name, bytes));
                if opts.weights_in_flash {
                    warnings.push(format!("projection '{}': plastic, so its weights stay in SRAM despite weights_in_flash (specs 14.4)", p.name));
                }
            } else {
                let (bytes, layout) = projection_bytes(n_pre, n_post, nnz);
                if opts.weights_in_flash {
                    flash += bytes
                } else {
                    sram += bytes
                }
                memory.push(format!("projection {:<20} {:>10} B {layout} in {}", p.name, bytes, if opts.weights_in_flash { "flash" } else { "sram" }));
            }
            if p.delay.max() > MAX_DELAY {
                violations.push(Violation {
                    resource: Resource::DelaySteps,
                    scope: Scope::Projection(p.name.clone()),
                    required: p.delay.max().into(),
                    available: MAX_DELAY.into(),
                    hint: "ring buffers hold delays of 1..=64 steps",
                });
            }
        }
        for pop in 0..graph.populations.len() {
            if graph.model_kind(pop).is_none() {
                continue;
            }
            let (n, k) = (graph.populations[pop].size, synapse_types(graph, pop));
            // State v, u_k, acc_k; parameters once (homogeneous); a 2-byte queue entry.
            let (state, params, queue) = (n * (4 + 8 * k), 6 + 2 * k, 2 * n);
            sram += state + params + queue;
            memory.push(format!("population {:<20} {:>10} B state, {} B parameters, {} B spike queue", graph.populations[pop].name, state, params, queue));
        }
        memory.push(format!(
            "total                           {sram:>10} B sram ({:.1} % of {SRAM_BYTES}), {flash} B flash",
            100.0 * sram as f64 / SRAM_BYTES as f64
        ));
        if sram > SRAM_BYTES {
            let hint = if opts.weights_in_flash { "reduce the network or use a part with more SRAM" } else { "place constant weights in flash" };
            violations.push(Violation { resource: Resource::SramBytes, scope: Scope::Chip, required: sram, available: SRAM_BYTES, hint });
        }
        if flash > FLASH_BYTES {
            violations.push(Violation {
                resource: Resource::FlashBytes,
                scope: Scope::Chip,
                required: flash,
                available: FLASH_BYTES,
                hint: "prune or share weights",
            });
        }
        if !violations.is_empty() {
            errors.insert(0, LowerError::does_not_fit(ID, violations));
        }
        if let Some(e) = LowerError::collect(errors) {
            return Err(e);
        }
        let lowered = kernel::lower(graph, &wiring)?;
        let reports = lowered
            .pops
            .iter()
            .map(|(name, p)| PopReport {
                name: name.clone(),
                lines: vec![format!(
                    "alpha_s {:?} alpha_m {} g {} (Q1.15), v_leak {} theta {} refractory {} steps",
                    p.params.alpha_s, p.params.alpha_m, p.params.g, p.params.v_leak, p.params.theta, p.params.refractory
                )],
            })
            .collect();
        let c_syn = if opts.weights_in_flash { price::C_SYN_FLASH } else { price::C_SYN_SRAM };
        let pops = (0..graph.populations.len())
            .filter(|&p| graph.model_kind(p).is_some())
            .map(|p| (graph.gid_range(p), price::c_update(synapse_types(graph, p))))
            .collect();
        let sources = (0..graph.populations.len()).filter(|&p| graph.model_kind(p).is_none()).map(|p| graph.gid_range(p)).collect();
        let plastic = pricer_plastic(graph, &wiring);
        let pricer = M4Pricer { pops, c_syn, sources, plastic };
        warnings.insert(0, "membrane integration uses (1 - alpha_m) times the synaptic variables of the step (the reference kernel's exact propagator differs by O(dt/tau_syn))".into());
        for (q, p) in graph.projections.iter().enumerate().filter(|(_, p)| p.conn.rule.is_some()) {
            let s_v = lowered.plastic[q].unwrap_or(1.0);
            warnings.push(format!(
                "projection '{}': learns in software [spec choice]: the engine's own rule '{}' on f32 weights in state units (S_v = {s_v:.3} per mV), f32 sums of a step's arrivals rounded half-even into the i32 accumulator; costed at {} cycles per synapse update and {} per trace update [spec 14.4]",
                p.name,
                p.conn.rule.as_ref().map_or("", |r| r.name.as_str()),
                price::C_LEARN,
                price::C_TRACE
            ));
        }
        let stored = lowered.stored.clone();
        let is_plastic = |q: usize| lowered.plastic[q].is_some();
        warnings.extend(crate::exactness::check(
            graph,
            &wiring,
            // Plastic input is an f32 sum by design (learning.rs): not checked here.
            |q, w| if is_plastic(q) { 0.0 } else { (f64::from(w) * stored[q].0).round_ties_even().clamp(-128.0, 127.0) * f64::from(1u32 << stored[q].1) },
            |q| if is_plastic(q) { f64::INFINITY } else { f64::from(1u32 << stored[q].1) },
        ));
        let plastic_specs = graph.projections.iter().zip(&lowered.plastic).map(|(p, s)| s.and_then(|s| p.conn.rule.clone().map(|r| (s, r)))).collect();
        let kernels = Arc::new(M4Kernels { pops: lowered.pops.into_iter().collect(), weights: lowered.stored, plastic: plastic_specs });
        let mut plan = Plan::new(ID, graph, None, reports, lowered.weights, warnings, kernels, Box::new(pricer), &wiring);
        plan.memory = memory;
        Ok(plan)
    }
}

/// Per plastic projection, what the pricer needs: the gids of its sources and targets
/// and each source's out-degree in it.
fn pricer_plastic(graph: &Graph, wiring: &Wiring) -> Vec<price::PlasticCost> {
    graph
        .projections
        .iter()
        .enumerate()
        .filter(|(_, p)| p.conn.rule.is_some())
        .map(|(q, p)| {
            let csr = &wiring.by_source[q];
            let out_degree = (0..graph.populations[p.source].size as usize).map(|j| csr.row(j).len() as u64).collect();
            price::PlasticCost { sources: graph.gid_range(p.source), targets: graph.gid_range(p.target), out_degree, traces: learning::PAIR_TRACES }
        })
        .collect()
}

/// A projection's factor from a model weight to its i8 value, and its left shift.
pub type WeightScale = (f64, u32);

/// A population index, its integer parameters, state units per mV and `V_reset`.
pub type LoweredPop = (usize, neuron::Params, f64, f64);

/// What the kernels run: each projection's `(factor to the i8 value, shift)` and
/// every neuron population's integer parameters.
pub fn lowering(graph: &Graph) -> Result<(Vec<WeightScale>, Vec<LoweredPop>), LowerError> {
    let l = kernel::lower(graph, &Wiring::new(graph))?;
    let pops = l.pops.into_iter().filter_map(|(name, p)| graph.pop(&name).map(|id| (id.index(), p.params, p.scale, p.v_reset))).collect();
    Ok((l.stored, pops))
}
