//! `loihi2-like`: Loihi 2's resource envelope with Loihi/Lava's integer CUBA-LIF
//! (specs/targets.md 14.2), priced with Loihi 1's Table 2, since Loihi 2 has no
//! published per-operation energies (the report says so).

pub mod cuba_lif;
pub mod graded;
mod kernel;
pub mod learning;
pub mod lower;
mod price;

pub use kernel::{Loihi2Kernel, Loihi2Kernels};
pub use price::Loihi2Pricer;

use crate::error::{LowerError, Resource, Scope, Violation};
use crate::mapping::{CoreLimits, MemoryModel, place};
use crate::wiring::Wiring;
use crate::{CompileOptions, Plan, PopReport, Support, Target};
use std::collections::BTreeMap;
use std::sync::Arc;
use synfire_graphs::{Graph, ModelKind};

/// The target's id.
pub const ID: &str = "loihi2-like";

/// Loihi 2 limits [spec with tags, 14.2].
pub const LIMITS: CoreLimits = CoreLimits {
    // 128 cores per chip [pub] Davies 2018; one chip by default.
    cores: 128,
    // 8192 neurons per core [unv] Intel Loihi 2 brief (Loihi 1: 1024 [pub]).
    neurons_per_core: 8192,
    // 192 KiB per core, shared by synapses, state and tables [unv] Intel brief.
    core_memory_bytes: 196_608,
    // N_axin <= 4096 [pub] Davies 2018 constraint 4, assumed for Loihi 2.
    axons_in: 4096,
    // N_axout <= 4096 [pub] Davies 2018 constraint 3, assumed for Loihi 2.
    axons_out: 4096,
};

/// The longest synaptic delay in steps beyond the one-step Dense latency [src] Lava
/// `DelayDense` (6 bits).
pub const MAX_DELAY_STEPS: u32 = 63;

/// Synapses take the weight bits, the index bits of the core, and 6 delay bits [spec].
#[derive(Debug, Clone, Copy)]
pub struct Loihi2Memory {
    /// Weight bits per synapse (8).
    pub weight_bits: u64,
}

impl MemoryModel for Loihi2Memory {
    fn neuron_state_bytes(&self, kind: ModelKind) -> u64 {
        // CUBA-LIF keeps u, v and the refractory count: 12 B [spec], inside the brief's 4-32 B.
        match kind {
            ModelKind::LifCuba => 12,
            _ => 8,
        }
    }
    fn synapse_bits(&self, n: u64, delays: bool) -> u64 {
        let index = u64::from(64 - (n.max(2) - 1).leading_zeros());
        self.weight_bits + index + if delays { 6 } else { 0 }
    }
    fn per_axon_in_bytes(&self) -> u64 {
        4
    }
}

/// The `loihi2-like` target.
#[derive(Debug, Clone, Copy, Default)]
pub struct Loihi2;

impl Target for Loihi2 {
    fn id(&self) -> &'static str {
        ID
    }

    fn support(&self, graph: &Graph) -> Vec<(Scope, Support)> {
        let mut out = Vec::new();
        for (pop, def) in graph.populations.iter().enumerate() {
            let s = match graph.model_kind(pop) {
                None => Support::Native,
                Some(ModelKind::LifCuba) => {
                    let m = graph.model(pop);
                    let tau = |n| m.and_then(|m| m.param(n)).and_then(|v| v.as_const());
                    if tau("tau_syn_e") == tau("tau_syn_i") {
                        Support::Native
                    } else {
                        Support::Approximated("one synaptic current with tau_syn_e; inhibitory weights scaled to keep the charge".into())
                    }
                }
                Some(k) if k.graded() => match graded::refusal(graph, pop) {
                    None => Support::Approximated(format!(
                        "model '{}' runs on the host as a graded input (f32), its output sent as i24 payloads r 2^{} (round half to even, saturating)",
                        k.name(),
                        graded::PAYLOAD_FRAC
                    )),
                    Some(reason) => Support::Unsupported(reason),
                },
                Some(k) => Support::Unsupported(format!("model '{}' has no loihi2-like kernel (supported: lif_cuba; rate units as graded inputs)", k.name())),
            };
            out.push((Scope::Population(def.name.clone()), s));
        }
        for (q, p) in graph.projections.iter().enumerate() {
            let s = match &p.conn.rule {
                None => Support::Native,
                Some(rule) if graph.graded(p.target) => Support::Unsupported(format!(
                    "rule '{}' onto a graded input: the host computes graded inputs, and host learning is no fallback for the chip's",
                    rule.name
                )),
                Some(rule) if graph.graded(p.source) => {
                    Support::Unsupported(format!("rule '{}' on graded presynaptic events: the learning engine's x0 is a spike", rule.name))
                }
                Some(rule) => match learning::refusal(graph, q) {
                    None => Support::Approximated(format!(
                        "rule '{}' runs on the learning engine: 7-bit traces, epochs, stochastic rounding, the EXCITATORY sign mode's bound 255",
                        rule.name
                    )),
                    Some(reason) => Support::Unsupported(reason),
                },
            };
            out.push((Scope::Projection(p.name.clone()), s));
        }
        out
    }

    fn learning(&self) -> crate::LearningCaps {
        learning::CAPS
    }

    fn compile(&self, graph: &Graph, opts: &CompileOptions) -> Result<Plan, LowerError> {
        let mut errors = Vec::new();
        let mut warnings = Vec::new();
        for (scope, s) in self.support(graph) {
            if let Support::Unsupported(reason) = s {
                errors.push(LowerError::Unsupported { target: ID, item: scope, reason });
            }
        }
        for m in &graph.modulators {
            errors.push(LowerError::Unsupported {
                target: ID,
                item: Scope::Chip,
                reason: format!(
                    "modulator '{}': third factors are not lowered to Loihi 2's post-synaptic traces in this version (the learning engine runs stdp_pair)",
                    m.name
                ),
            });
        }
        let mut pops = BTreeMap::new();
        let mut reports = Vec::new();
        for pop in 0..graph.populations.len() {
            if graph.model_kind(pop) != Some(ModelKind::LifCuba) {
                if graph.graded(pop) {
                    warnings.push(format!(
                        "population '{}': graded input computed by the host in f32; payload = sat24(round_even(r 2^{}))",
                        graph.populations[pop].name,
                        graded::PAYLOAD_FRAC
                    ));
                }
                continue;
            }
            match lower::population(graph, pop, opts, &mut warnings) {
                Ok(l) => {
                    reports.push(pop_report(&l));
                    pops.insert(l.name.clone(), l);
                }
                Err(e) => errors.push(e),
            }
        }
        if let Some(e) = LowerError::collect(errors) {
            return Err(e);
        }
        // Fit: delays first, then placement; every violation together.
        let mut violations = Vec::new();
        for p in &graph.projections {
            let steps = p.delay.max().saturating_sub(1);
            if steps > MAX_DELAY_STEPS {
                violations.push(Violation {
                    resource: Resource::DelaySteps,
                    scope: Scope::Projection(p.name.clone()),
                    required: u64::from(steps),
                    available: u64::from(MAX_DELAY_STEPS),
                    hint: "delays on loihi2-like are 1 + 0..=63 steps",
                });
            }
        }
        let wiring = Wiring::new(graph);
        let mapping = match place(graph, &wiring, &LIMITS, &Loihi2Memory { weight_bits: 8 }) {
            Ok(m) => Some(m),
            Err(v) => {
                violations.extend(v);
                None
            }
        };
        if !violations.is_empty() {
            return Err(LowerError::does_not_fit(ID, violations));
        }
        let mapping = mapping.ok_or_else(|| LowerError::does_not_fit(ID, Vec::new()))?;
        let mut projs = Vec::new();
        let mut weights = Vec::new();
        let mut errors = Vec::new();
        let epoch = opts.epoch_steps.unwrap_or(learning::DEFAULT_EPOCH);
        let mut rules = vec![None; graph.projections.len()];
        for (q, p) in graph.projections.iter().enumerate() {
            let Some(target) = pops.get(&graph.populations[p.target].name) else {
                // Into a graded input: the host's own f32 arithmetic, off the chip.
                projs.push(None);
                warnings.push(format!("projection '{}': runs on the host into a graded input, in f32", p.name));
                continue;
            };
            let lowered = match learning::w_max(graph, q).filter(|_| p.conn.rule.is_some()) {
                Some(w_max) => lower::projection_in(graph, &wiring, q, target, lower::SignMode::Excitatory, w_max).and_then(|l| {
                    let rule = learning::lower(graph, q, l.per_unit, l.weight_exp, epoch)?;
                    let chip_max = 255.0 / l.per_unit / p.weight_scale;
                    warnings.push(format!(
                        "projection '{}': learns on the chip: {} (x1 impulse {}/256, y1 impulse {}/256, epoch {} steps); the weights stay in 0..=255 x 2^{}, so w_max {} becomes {:.6} (a state_scale of {:.0} units/mV puts w_max at 255 steps)",
                        p.name,
                        rule.text(),
                        rule.x1.impulse,
                        rule.y1.impulse,
                        rule.epoch,
                        l.weight_exp,
                        w_max / p.weight_scale,
                        chip_max,
                        // Rounded down, so that w_max stays within 255 steps at this exponent.
                        (target.scale * chip_max / (w_max / p.weight_scale)).floor()
                    ));
                    rules[q] = Some(Arc::new(rule));
                    Ok(l)
                }),
                None => lower::projection(graph, &wiring, q, target),
            };
            match lowered {
                Ok(l) => {
                    projs.push(Some((l.per_unit, l.weight_exp, l.sign)));
                    weights.push(l.error);
                }
                Err(e) => errors.push(e),
            }
        }
        if let Some(e) = LowerError::collect(errors) {
            return Err(e);
        }
        let chip = |q: usize| projs[q].filter(|_| !graph.graded(graph.projections[q].source));
        warnings.extend(crate::exactness::check(
            graph,
            &wiring,
            |q, w| chip(q).map_or(0.0, |(u, e, sign)| f64::from(sign.mantissa(f64::from(w) * u).0) * 2f64.powi(e)),
            |q| chip(q).map_or(f64::INFINITY, |(_, e, sign)| 2f64.powi(e + i32::from(sign == lower::SignMode::Mixed))),
        ));
        for p in graph.projections.iter().filter(|p| graph.graded(p.source) && pops.contains_key(&graph.populations[p.target].name)) {
            warnings.push(format!(
                "projection '{}': graded: the engine's f32 ring sums are exact while |sum of w_int x payload| of one step stays below 2^24",
                p.name
            ));
        }
        warnings.push("timing: u takes this step's input before v reads it, so an input moves v one step earlier than the reference kernel".into());
        let kernels = Arc::new(Loihi2Kernels { pops, projs, learning: rules });
        let pricer = Loihi2Pricer::new(graph, &mapping, &wiring);
        Ok(Plan::new(ID, graph, Some(mapping), reports, weights, warnings, kernels, Box::new(pricer), &wiring))
    }
}

fn pop_report(l: &lower::PopLowering) -> PopReport {
    let p = &l.params;
    PopReport {
        name: l.name.clone(),
        lines: vec![
            format!(
                "Du {} Dv {} vth_mant {} bias {}<<{} refractory {} steps, scale {} units/mV",
                p.du, p.dv, p.vth_mant, p.bias_mant, p.bias_exp, p.refractory, l.scale
            ),
            format!("tau_syn {:.3} ms -> {:.3} ms, tau_m {:.3} ms -> {:.3} ms (requested -> effective)", l.tau[0].0, l.tau[0].1, l.tau[1].0, l.tau[1].1),
        ],
    }
}
