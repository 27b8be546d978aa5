//! `xylo-like`: one Xylo Audio 2 SNN core (SYNS61201) with xylosim's integer neuron,
//! rockpool's global quantiser and cycle model (specs/targets.md 14.3).
//!
//! Layers are read from the graph: spike sources are the input channels, neuron
//! populations without outgoing projections are the output layer (when another
//! neuron population exists), every other neuron population is hidden. A hidden
//! neuron's two synapses are the model's two receptors.

mod kernel;
pub mod neuron;
pub mod price;

pub use kernel::XyloKernels;
pub use price::XyloPricer;

use crate::error::{LowerError, Resource, Scope, Violation};
use crate::numeric::round_even;
use crate::quant::WeightError;
use crate::wiring::Wiring;
use crate::{CompileOptions, Plan, PopReport, Support, Target};
use price::{Shape, clock_hz};
use std::collections::BTreeMap;
use std::sync::Arc;
use synfire_graphs::{Graph, ModelKind};

/// The target's id.
pub const ID: &str = "xylo-like";

/// Xylo Audio 2 limits [src] rockpool `syns61201` mapper and RAM maps ([der] sizes).
pub const MAX_INPUTS: u64 = 16;
/// Hidden neurons.
pub const MAX_HIDDEN: u64 = 1000;
/// Output neurons.
pub const MAX_OUTPUTS: u64 = 8;
/// Non-zero recurrent weights (RWTRAM, 32,000 entries).
pub const MAX_RECURRENT: u64 = 32_000;

/// The layer of every population.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layer {
    /// An input channel group (a spike source).
    Input,
    /// Hidden neurons.
    Hidden,
    /// Output neurons.
    Output,
}

/// The layers of `graph` (see the module docs).
pub fn layers(graph: &Graph) -> Vec<Layer> {
    let neuron_pops = (0..graph.populations.len()).filter(|&p| graph.model_kind(p).is_some()).count();
    (0..graph.populations.len())
        .map(|p| {
            if graph.model_kind(p).is_none() {
                Layer::Input
            } else if neuron_pops > 1 && !graph.projections.iter().any(|q| q.source == p) {
                Layer::Output
            } else {
                Layer::Hidden
            }
        })
        .collect()
}

/// The decay shift of time constant `tau` at step `dt`: `round(log2(tau/dt))` in 0..=15.
pub fn dash(tau: f64, dt: f64) -> u8 {
    round_even((tau / dt).log2()).clamp(0.0, 15.0) as u8
}

/// The `xylo-like` target.
#[derive(Debug, Clone, Copy, Default)]
pub struct Xylo;

fn param(graph: &Graph, pop: usize, name: &str) -> Option<f64> {
    graph.model(pop)?.param(name)?.as_const()
}

impl Target for Xylo {
    fn id(&self) -> &'static str {
        ID
    }

    fn support(&self, graph: &Graph) -> Vec<(Scope, Support)> {
        let mut out = Vec::new();
        for (pop, def) in graph.populations.iter().enumerate() {
            let s = match graph.model_kind(pop) {
                None => Support::Native,
                Some(ModelKind::LifCuba) if param(graph, pop, "t_ref").is_some_and(|t| t > 0.0) => {
                    Support::Unsupported(format!("refractory period t_ref = {} ms: xylo-like neurons have none", param(graph, pop, "t_ref").unwrap_or(0.0)))
                }
                Some(ModelKind::LifCuba) => Support::Native,
                Some(k) if k.graded() => Support::Unsupported(format!(
                    "graded input: model '{}' emits graded values, and xylo-like input channels and synapses carry spike events only (no graded spikes)",
                    k.name()
                )),
                Some(k) => Support::Unsupported(format!("model '{}' has no xylo-like kernel (supported: lif_cuba)", k.name())),
            };
            out.push((Scope::Population(def.name.clone()), s));
        }
        let layers = layers(graph);
        for p in &graph.projections {
            let s = if let Some(rule) = &p.conn.rule {
                Support::Unsupported(format!("rule '{}': xylo-like has no on-chip learning", rule.name))
            } else if p.delay.max() != 1 || p.delay.min() != 1 {
                Support::Unsupported(format!("delay of {} ticks: xylo-like delivers every event one step later, nothing else", p.delay.max()))
            } else if layers[p.source] == Layer::Input && layers[p.target] == Layer::Output {
                Support::Unsupported("inputs connect only to hidden neurons on xylo-like".into())
            } else {
                Support::Native
            };
            out.push((Scope::Projection(p.name.clone()), s));
        }
        out
    }

    fn learning(&self) -> crate::LearningCaps {
        crate::LearningCaps::None
    }

    fn compile(&self, graph: &Graph, _opts: &CompileOptions) -> Result<Plan, LowerError> {
        let layers = layers(graph);
        let count = |l: Layer| (0..layers.len()).filter(|&p| layers[p] == l).map(|p| graph.populations[p].size).sum::<u64>();
        let (n_in, n_hid, n_out) = (count(Layer::Input), count(Layer::Hidden), count(Layer::Output));
        let wiring = Wiring::new(graph);
        let recurrent: u64 = graph
            .projections
            .iter()
            .enumerate()
            .filter(|(_, p)| layers[p.source] == Layer::Hidden && layers[p.target] == Layer::Hidden)
            .map(|(q, _)| wiring.by_source[q].weights.iter().filter(|&&w| w != 0.0).count() as u64)
            .sum();
        let mut violations = Vec::new();
        let mut check = |resource, required: u64, available: u64, hint| {
            if required > available {
                violations.push(Violation { resource, scope: Scope::Chip, required, available, hint });
            }
        };
        check(Resource::InputChannels, n_in, MAX_INPUTS, "reduce or pool input channels");
        check(Resource::HiddenNeurons, n_hid, MAX_HIDDEN, "network too large for one Xylo core");
        check(Resource::OutputNeurons, n_out, MAX_OUTPUTS, "at most 8 output neurons");
        check(Resource::RecurrentSynapses, recurrent, MAX_RECURRENT, "prune to mean fan-out <= 32");
        for (pop, def) in graph.populations.iter().enumerate() {
            let receptors: std::collections::BTreeSet<usize> = graph.projections.iter().filter(|p| p.target == pop).map(|p| p.receptor).collect();
            let two_taus = param(graph, pop, "tau_syn_e") != param(graph, pop, "tau_syn_i");
            if layers[pop] == Layer::Output && receptors.len() > 1 && two_taus {
                violations.push(Violation {
                    resource: Resource::SynapseTypesPerNeuron,
                    scope: Scope::Population(def.name.clone()),
                    required: 2,
                    available: 1,
                    hint: "output neurons have one synapse: give tau_syn_e = tau_syn_i",
                });
            }
        }
        let shape = Shape { n_in, n_hid, n_out, fan_out: if n_hid > 0 { recurrent as f64 / n_hid as f64 } else { 0.0 } };
        let clock = clock_hz(&shape, graph.dt.0 * 1e-3);
        if let Err(v) = &clock {
            violations.push(v.clone());
        }
        let mut errors = Vec::new();
        if !violations.is_empty() {
            errors.push(LowerError::does_not_fit(ID, violations));
        }
        for (scope, s) in self.support(graph) {
            if let Support::Unsupported(reason) = s {
                errors.push(LowerError::Unsupported { target: ID, item: scope, reason });
            }
        }
        for m in &graph.modulators {
            errors.push(LowerError::Unsupported {
                target: ID,
                item: Scope::Chip,
                reason: format!("modulator '{}': xylo-like has no on-chip learning", m.name),
            });
        }
        if let Some(e) = LowerError::collect(errors) {
            return Err(e);
        }
        let clock = clock.map_err(|v| LowerError::does_not_fit(ID, vec![v]))?;
        let lowered = kernel::lower(graph, &wiring, &layers)?;
        let mut reports = Vec::new();
        for (name, l) in &lowered.pops {
            let p = &l.params;
            reports.push(PopReport {
                name: name.clone(),
                lines: vec![
                    format!(
                        "dash_syn {:?} dash_mem {} th {} bias {} max_spikes {}, scale {:.4} per mV",
                        p.dash_syn, p.dash_mem, p.th, p.bias, p.max_spikes, l.scale
                    ),
                    format!(
                        "per-step factors syn {:.4}/{:.4} mem {:.4} (exact {:.4}/{:.4} {:.4})",
                        1.0 - 0.5f64.powi(p.dash_syn[0].into()),
                        1.0 - 0.5f64.powi(p.dash_syn[1].into()),
                        1.0 - 0.5f64.powi(p.dash_mem.into()),
                        l.exact[0],
                        l.exact[1],
                        l.exact[2]
                    ),
                ],
            });
        }
        let weights: Vec<WeightError> = lowered.weights.clone();
        let warnings = vec![
            "input events reach the hidden layer one step after they are emitted (the engine's one-step delay); the chip delivers them in the same step".into(),
            "saturating delivery applies to each synapse's summed input of a step: xylosim's event-by-event saturation gives the same when a synapse's events share a sign".into(),
            "a neuron emitting several spikes in one step sends one event in the engine (its membrane is reset as the chip's)".into(),
        ];
        let inputs = (0..layers.len()).filter(|&p| layers[p] == Layer::Input).map(|p| graph.gid_range(p)).collect();
        let hidden = (0..layers.len()).filter(|&p| layers[p] == Layer::Hidden).map(|p| graph.gid_range(p)).collect();
        let pricer = XyloPricer { shape, clock, inputs, hidden };
        let kernels = Arc::new(XyloKernels { pops: lowered.pops.into_iter().collect::<BTreeMap<_, _>>(), weights: lowered.stored });
        Ok(Plan::new(ID, graph, None, reports, weights, warnings, kernels, Box::new(pricer), &wiring))
    }
}

/// A population index, its integer parameters, and whether both receptors feed one synapse.
pub type LoweredPop = (usize, neuron::Params, bool);

/// What the kernels run: each projection's factor from a model weight to its int8
/// value (before rounding), and every neuron population's integer parameters with
/// whether both receptors feed one synapse.
pub fn lowering(graph: &Graph) -> Result<(Vec<f64>, Vec<LoweredPop>), LowerError> {
    let l = kernel::lower(graph, &Wiring::new(graph), &layers(graph))?;
    let pops = l.pops.into_iter().filter_map(|(name, p)| graph.pop(&name).map(|id| (id.index(), p.params, p.one_synapse))).collect();
    Ok((l.stored, pops))
}
