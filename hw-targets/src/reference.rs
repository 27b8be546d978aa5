//! `reference`: the plain f32 runtime (specs/targets.md 14.1). No limits beyond the
//! host's memory, every model and rule the runtime has, and an optional compute-only
//! energy estimate from Horowitz's 45 nm figures.

use crate::cost::{CostReport, Price, Tag, term};
use crate::error::{LowerError, Scope};
use crate::ledger::Ledger;
use crate::quant::WeightError;
use crate::wiring::Wiring;
use crate::{Activity, CompileOptions, Plan, Pricer, Support, Target};
use std::sync::Arc;
use synfire_graphs::{Graph, ModelKind};
use synfire_runtime::models::ReferenceKernels;

/// The target's id.
pub const ID: &str = "reference";

const HOROWITZ: &str = "Horowitz 2014 ISSCC, 45 nm, as widely quoted";
/// One fp32 add, the price of a synaptic event (an accumulate).
pub const E_AC: Price = Price { value: 0.9, unit: "pJ", tag: Tag::Pub, source: HOROWITZ };
/// One fp32 multiply.
const E_MUL: f64 = 3.7;

/// The price of one update of a model with `k` synaptic time constants [der]:
/// CUBA LIF takes (1 + k) multiplies and (1 + 2k) adds (10.1 pJ for k = 1, 15.6 for
/// k = 2); the other models are priced as LIF, 1 multiply and 2 adds (5.5 pJ).
fn update_pj(kind: ModelKind, k: u32) -> f64 {
    match kind {
        ModelKind::LifCuba => f64::from(1 + k) * E_MUL + f64::from(1 + 2 * k) * E_AC.value,
        _ => E_MUL + 2.0 * E_AC.value,
    }
}

/// The `reference` target.
#[derive(Debug, Clone, Copy, Default)]
pub struct Reference;

impl Target for Reference {
    fn id(&self) -> &'static str {
        ID
    }

    fn support(&self, graph: &Graph) -> Vec<(Scope, Support)> {
        let pops = graph.populations.iter().map(|p| (Scope::Population(p.name.clone()), Support::Native));
        pops.chain(graph.projections.iter().map(|p| (Scope::Projection(p.name.clone()), Support::Native))).collect()
    }

    fn learning(&self) -> crate::LearningCaps {
        crate::LearningCaps::Any
    }

    fn compile(&self, graph: &Graph, _opts: &CompileOptions) -> Result<Plan, LowerError> {
        let wiring = Wiring::new(graph);
        let weights = graph
            .projections
            .iter()
            .enumerate()
            .map(|(q, p)| WeightError::measure(&p.name, "f32".into(), wiring.by_source[q].weights.iter().map(|&w| (f64::from(w), f64::from(w), false))))
            .collect();
        // The mean update price over the neurons, weighted by population size.
        let (mut n, mut pj) = (0u64, 0.0);
        for pop in 0..graph.populations.len() {
            let Some(m) = graph.model(pop) else { continue };
            let tau = |p| m.param(p).and_then(|v| v.as_const());
            let k = if m.kind == ModelKind::LifCuba && tau("tau_syn_e") != tau("tau_syn_i") { 2 } else { 1 };
            let size = graph.populations[pop].size;
            n += size;
            pj += size as f64 * update_pj(m.kind, k);
        }
        let update = Price {
            value: if n > 0 { pj / n as f64 } else { 0.0 },
            unit: "pJ",
            tag: Tag::Der,
            source: "fp32 mul 3.7 pJ and add 0.9 pJ per update op, Horowitz 2014 [der]",
        };
        let pricer = ReferencePricer { update };
        Ok(Plan::new(ID, graph, None, Vec::new(), weights, Vec::new(), Arc::new(ReferenceKernels), Box::new(pricer), &wiring))
    }
}

/// Compute-only energy of the f32 engine.
#[derive(Debug, Clone)]
pub struct ReferencePricer {
    /// Price of one neuron update (size-weighted mean over the populations).
    pub update: Price,
}

impl Pricer for ReferencePricer {
    fn ledger(&self, a: &Activity) -> Ledger {
        // Every neuron is updated every step in the time-stepped engine.
        Ledger { steps: a.steps, syn_events: a.syn_events, spikes: a.spikes.iter().sum(), ..Ledger::default() }
    }

    fn price(&self, l: &Ledger, dt_s: f64) -> CostReport {
        CostReport {
            target: ID,
            steps: l.steps,
            dt_s,
            dynamic: vec![term("synaptic events", l.syn_events, E_AC), term("neuron updates", l.neuron_updates(), self.update)],
            static_power: None,
            latency: Vec::new(),
            notes: vec!["compute only, 45 nm, excludes memory: understates real hardware by a large factor; latency is the host's wall-clock time".into()],
        }
    }
}
