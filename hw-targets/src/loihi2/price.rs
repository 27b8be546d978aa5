//! Loihi prices (Davies et al. 2018, Table 2, pre-silicon, 0.75 V) and the step time
//! of specs/targets.md 14.2.

use crate::cost::{CostReport, LatencyTerm, Price, Tag, term};
use crate::ledger::{CoreLedger, Ledger};
use crate::mapping::{Mapping, tile_xy};
use crate::wiring::Wiring;
use crate::{Activity, Pricer};
use synfire_graphs::Graph;

const TABLE2: &str = "Davies et al. 2018 IEEE Micro, Table 2 (Loihi 1, pre-silicon)";

/// Energy per synaptic spike op (the minimum of Table 2).
pub const E_SYN: Price = Price { value: 23.6, unit: "pJ", tag: Tag::Pub, source: TABLE2 };
/// Energy per synaptic update (pairwise STDP).
pub const E_LEARN: Price = Price { value: 120.0, unit: "pJ", tag: Tag::Pub, source: TABLE2 };
/// Energy per active neuron update.
pub const E_ACTIVE: Price = Price { value: 81.0, unit: "pJ", tag: Tag::Pub, source: TABLE2 };
/// Energy per inactive neuron update.
pub const E_IDLE: Price = Price { value: 52.0, unit: "pJ", tag: Tag::Pub, source: TABLE2 };
/// Within-tile spike energy, charged per message.
pub const E_MSG: Price = Price { value: 1.7, unit: "pJ", tag: Tag::Pub, source: TABLE2 };
/// Energy per east-west tile hop.
pub const E_HOP_EW: Price = Price { value: 3.0, unit: "pJ", tag: Tag::Pub, source: TABLE2 };
/// Energy per north-south tile hop.
pub const E_HOP_NS: Price = Price { value: 4.0, unit: "pJ", tag: Tag::Pub, source: TABLE2 };
/// Static power per used core: 3.34 W over 32 chips and 128 cores, an upper bound.
pub const P_STATIC_CORE: Price = Price { value: 0.816, unit: "mW", tag: Tag::Der, source: "Frady et al. 2020: 3.34 W / 32 chips / 128 cores (upper bound)" };

/// Times (ns) from Table 2: synaptic op (max), learning update, neuron update
/// active / inactive, within-tile spike latency, E-W / N-S hop latency.
const T_SYN: f64 = 3.5;
const T_LEARN: f64 = 6.1;
const T_ACTIVE: f64 = 8.4;
const T_IDLE: f64 = 5.3;
const T_MSG: f64 = 2.1;
const T_HOP_EW: f64 = 4.1;
const T_HOP_NS: f64 = 6.5;
/// Barrier 113 ns at 1 tile to 465 ns at 32 tiles (Table 2); linear between [spec].
fn barrier_ns(tiles: u32) -> f64 {
    113.0 + 352.0 * f64::from(tiles.clamp(1, 32) - 1) / 31.0
}

/// Prices a `loihi2-like` run from its mapping.
#[derive(Debug, Clone)]
pub struct Loihi2Pricer {
    mapping: Mapping,
    /// Which gids are the chip's neurons (the others' events are input events).
    neuron_gid: Vec<bool>,
    /// Synapses of every gid onto host-side populations (graded inputs), whose
    /// deliveries the runtime counts but the chip never sees.
    host_degree: Vec<u64>,
    /// The first gid of every population.
    offsets: Vec<u64>,
}

impl Loihi2Pricer {
    /// A pricer for `mapping` of `graph` with its instantiated `wiring`.
    pub fn new(graph: &Graph, mapping: &Mapping, wiring: &Wiring) -> Self {
        let mut neuron_gid = vec![false; graph.num_neurons() as usize];
        for pop in 0..graph.populations.len() {
            if graph.model_kind(pop).is_some() && !graph.graded(pop) {
                let r = graph.gid_range(pop);
                neuron_gid[r.start as usize..r.end as usize].fill(true);
            }
        }
        let host_degree = (0..wiring.out_degree.len()).map(|g| wiring.out_degree[g] - mapping.dest_synapses[g].iter().sum::<u64>()).collect();
        Loihi2Pricer { mapping: mapping.clone(), neuron_gid, host_degree, offsets: graph.offsets.clone() }
    }
}

impl Pricer for Loihi2Pricer {
    /// Spikes and graded payloads route to their destination cores; neuron updates
    /// are idle where the run's kernels counted them so (`activity.idle`), active
    /// otherwise (all active for a hand-made activity, as in the spec's examples).
    fn ledger(&self, activity: &Activity) -> Ledger {
        let m = &self.mapping;
        let mut l = Ledger { steps: activity.steps, ..Ledger::default() };
        l.per_core = m
            .cores
            .iter()
            .map(|c| {
                let g0 = (self.offsets[c.pop] + c.neurons.start) as usize;
                let n = c.neurons.end - c.neurons.start;
                let idle = activity.idle.get(g0..g0 + n as usize).map_or(0, |v| v.iter().sum());
                // Learning updates belong to the core of the synapse's target neuron.
                let learn = activity.learn.get(g0..g0 + n as usize).map_or(0, |v| v.iter().sum());
                CoreLedger { neuron_updates_active: n * activity.steps - idle, neuron_updates_idle: idle, learn_syn_updates: learn, ..CoreLedger::default() }
            })
            .collect();
        let mut host = 0;
        for g in 0..activity.spikes.len().max(activity.graded.len()) {
            let spikes = activity.spikes.get(g).copied().unwrap_or(0);
            let graded = activity.graded.get(g).copied().unwrap_or(0);
            let k = spikes + graded;
            if k == 0 {
                continue;
            }
            host += k * self.host_degree.get(g).copied().unwrap_or(0);
            if self.neuron_gid[g] {
                l.spikes += spikes;
                l.input_events += graded;
            } else {
                l.input_events += k;
            }
            let from = m.core_of.get(g).copied().filter(|&c| c != u32::MAX).map(tile_xy);
            for (&c, &n) in m.dest[g].iter().zip(&m.dest_synapses[g]) {
                l.messages += k;
                l.per_core[c as usize].syn_events += k * n;
                l.per_core[c as usize].syn_events_graded += graded * n;
                if let Some((x1, y1)) = from {
                    let (x2, y2) = tile_xy(c);
                    l.hops_ew += k * u64::from(x1.abs_diff(x2));
                    l.hops_ns += k * u64::from(y1.abs_diff(y2));
                }
            }
        }
        l.syn_events = activity.syn_events.saturating_sub(host);
        l.syn_events_graded = l.per_core.iter().map(|c| c.syn_events_graded).sum();
        l.neuron_updates_active = l.per_core.iter().map(|c| c.neuron_updates_active).sum();
        l.neuron_updates_idle = l.per_core.iter().map(|c| c.neuron_updates_idle).sum();
        l.learn_syn_updates = l.per_core.iter().map(|c| c.learn_syn_updates).sum();
        l
    }

    fn price(&self, l: &Ledger, dt_s: f64) -> CostReport {
        let dynamic = vec![
            term("synaptic events", l.syn_events, E_SYN),
            term("learning updates", l.learn_syn_updates, E_LEARN),
            term("neuron updates, active", l.neuron_updates_active, E_ACTIVE),
            term("neuron updates, idle", l.neuron_updates_idle, E_IDLE),
            term("spike messages", l.messages, E_MSG),
            term("tile hops east-west", l.hops_ew, E_HOP_EW),
            term("tile hops north-south", l.hops_ns, E_HOP_NS),
        ];
        let cores = self.mapping.cores.len() as u32;
        let steps = l.steps.max(1) as f64;
        let (busiest, t_core) = l
            .per_core
            .iter()
            .enumerate()
            .map(|(c, x)| {
                (
                    c,
                    (T_SYN * x.syn_events as f64
                        + T_LEARN * x.learn_syn_updates as f64
                        + T_ACTIVE * x.neuron_updates_active as f64
                        + T_IDLE * x.neuron_updates_idle as f64)
                        / steps,
                )
            })
            .fold((0, 0.0), |best, x| if x.1 > best.1 { x } else { best });
        let (ew, ns) = self.mapping.max_hops();
        let tiles = self.mapping.tiles();
        let latency = vec![
            LatencyTerm {
                name: format!("busiest core ({busiest})"),
                seconds: t_core * 1e-9,
                source: "3.5 syn + 6.1 learn + 8.4 active + 5.3 idle ns, per step [pub] Table 2".into(),
            },
            LatencyTerm {
                name: "longest message".into(),
                seconds: (T_MSG + T_HOP_EW * f64::from(ew) + T_HOP_NS * f64::from(ns)) * 1e-9,
                source: format!("2.1 + 4.1 x {ew} E-W + 6.5 x {ns} N-S hops ns [pub] Table 2"),
            },
            LatencyTerm {
                name: format!("barrier ({tiles} tiles)"),
                seconds: barrier_ns(tiles) * 1e-9,
                source: "113..465 ns over 1..32 tiles, linear [pub]/[spec]".into(),
            },
        ];
        let mut notes = vec![
            "loihi2-like reuses Loihi 1 pre-silicon constants: Loihi 2 has no published per-operation energies".to_string(),
            "23.6 pJ is the pre-silicon minimum of the synaptic op alone, not an all-in figure".into(),
            "static power is an upper bound charged per used core".into(),
        ];
        if l.syn_events_graded > 0 {
            notes.push(format!(
                "{} of the synaptic events carried graded payloads (multiply-adds), priced as binary synaptic ops: Table 2 has no graded op",
                l.syn_events_graded
            ));
        }
        CostReport {
            target: super::ID,
            steps: l.steps,
            dt_s,
            dynamic,
            static_power: Some((format!("{cores} cores"), Price { value: P_STATIC_CORE.value * f64::from(cores), ..P_STATIC_CORE })),
            latency,
            notes,
        }
    }
}
