//! The persistent worker thread of one shard: an actor that owns its shard and
//! reacts only to [`Command`]s from the coordinator (and, inside a run, to the
//! spike batches of the other shards through the exchange).

use crate::error::RunError;
use crate::exchange::Exchange;
use crate::kernel::KernelFactory;
use crate::layout::Layout;
use crate::recorder::{StateRecorder, WeightRecorder};
use crate::records::Counters;
use crate::shard::Shard;
use crate::transport::{Spike, Transport};
use crossbeam::channel::{Receiver, Sender};
use std::sync::Arc;
use synfire_graphs::Graph;

/// What the coordinator asks of a worker. Closed: a worker does nothing else.
#[derive(Debug)]
pub(crate) enum Command {
    /// Run windows of `window` ticks from `from` until tick `until` (exclusive).
    Run { from: u64, until: u64, window: u64 },
    /// Emit these spikes at their ticks as if their neurons fired (sorted; now or
    /// later).
    Inject(Arc<Vec<Spike>>),
    /// Set the injected current of one neuron (ignored by shards that do not own it).
    SetCurrent { pop: usize, index: u64, value: f32 },
    /// Send back and forget the samples state probe `probe` recorded.
    TakeStates(usize),
    /// Send back and forget the recorded spikes (of every spike probe).
    TakeSpikes,
    /// Plan the injected current of one neuron, `values[k]` from tick `from + k`.
    PlanCurrent { pop: usize, index: u64, from: u64, values: Arc<Vec<f32>> },
    /// Start a trial at tick `now` in these populations: kernels rebuilt in their
    /// initial state, input in flight dropped, trial traces of their rules zeroed.
    BeginTrial { pops: Arc<Vec<usize>>, now: u64 },
    /// Ask every rule whether learning can be switched `on` (or off) at tick `now`,
    /// and switch it when `apply` (after every shard accepted).
    SwitchLearning { on: bool, now: u64, apply: bool },
    /// Set scalar modulator `index` to `value` from tick `from` on.
    SetModulator { index: usize, from: u64, value: f64 },
    /// Send back a copy of recorded data.
    Query(Query),
    /// Save the shard's state at window boundary `now` (settling the rules first).
    Save { now: u64, max_delay: u64 },
    /// Restore tables split for this shard (in the order of `Shard::shapes`).
    Restore {
        now: u64,
        max_delay: u64,
        pops: Vec<synfire_graphs::StateTable>,
        projs: Vec<synfire_graphs::StateTable>,
        counters: Counters,
        modulators: crate::modulators::ModulatorState,
    },
    /// Write `scale` times the transpose of these forward weights (sorted by
    /// `(source, target)`, the last row) into mirror projection `fb` (see `mirrors`).
    Mirror { fb: usize, scale: f32, forward: Arc<crate::records::WeightTrace> },
    /// Finish the thread.
    Stop,
}

/// The data a [`Command::Query`] asks for.
#[derive(Debug, Clone)]
pub(crate) enum Query {
    Spikes,
    States,
    Weights,
    Counters,
    Memory,
    /// The shape of every part the shard owns.
    Shapes,
    State {
        pop: usize,
        var: usize,
        index: u64,
    },
    /// The value of a modulator during a tick.
    Modulator {
        index: usize,
        tick: u64,
    },
    /// The current weights of a projection (settled at tick `now`, a window boundary).
    FinalWeights {
        proj: usize,
        now: u64,
    },
    /// A projection's per-synapse rule state `var` (watched, then settled at tick
    /// `now`, a window boundary); `None` from a shard whose rule keeps none.
    SynapseState {
        proj: usize,
        var: String,
        now: u64,
    },
}

/// The weights a shard recorded for one weight probe, with the synapses' ids.
#[derive(Debug, Clone)]
pub(crate) struct WeightPart {
    pub rec: WeightRecorder,
    /// `(source, target)` indices within the populations, in the shard's row order.
    pub synapses: Vec<(u32, u32)>,
}

/// A worker's answer.
#[derive(Debug)]
pub(crate) enum Reply {
    Built(Result<(), RunError>),
    /// The run's result and the tick reached.
    Ran(Result<(), RunError>, u64),
    Spikes(Vec<Spike>),
    States(Vec<StateRecorder>),
    Weights(Vec<WeightPart>),
    /// A projection's rule state, `None` where the shard's rule keeps none of that name.
    SynapseState(Option<Vec<WeightPart>>),
    Counters(Counters),
    Memory(crate::records::Memory),
    State(Option<f32>),
    Modulator(f64),
    Saved(Box<crate::shard_state::ShardState>),
    Shapes(crate::shard_state::Parts, crate::shard_state::Parts),
    Restored(Result<(), crate::checkpoint::CheckpointError>),
    /// A command that may fail (beginning a trial).
    Outcome(Result<(), RunError>),
    Done,
}

/// Poisons the exchange if the worker unwinds, so that no other worker waits forever.
struct PoisonOnPanic(Arc<Exchange>);

impl Drop for PoisonOnPanic {
    fn drop(&mut self) {
        if std::thread::panicking() {
            self.0.poison();
        }
    }
}

/// Everything a worker thread starts from.
pub(crate) struct WorkerInit {
    pub graph: Arc<Graph>,
    pub layout: Layout,
    pub index: usize,
    pub window: u64,
    pub factory: Arc<dyn KernelFactory>,
    pub guards: crate::guards::GuardSettings,
    pub exchange: Arc<Exchange>,
    pub commands: Receiver<Command>,
    pub replies: Sender<Reply>,
}

/// The body of a worker thread.
pub(crate) fn run(init: WorkerInit) {
    let WorkerInit { graph, layout, index, window, factory, guards, exchange, commands, replies } = init;
    let _guard = PoisonOnPanic(exchange.clone());
    let mut shard = match Shard::build(&graph, &layout, index, window, factory.as_ref(), guards) {
        Ok(s) => {
            let _ = replies.send(Reply::Built(Ok(())));
            s
        }
        Err(e) => {
            let _ = replies.send(Reply::Built(Err(e)));
            return;
        }
    };
    while let Ok(cmd) = commands.recv() {
        let reply = match cmd {
            Command::Run { from, until, window } => {
                let (result, reached) = shard.run_windows(&graph, exchange.as_ref(), from, until, window);
                Reply::Ran(result, reached)
            }
            Command::Inject(spikes) => {
                shard.inject(&spikes);
                Reply::Done
            }
            Command::SetModulator { index, from, value } => {
                shard.modulators.set(index, from, value);
                Reply::Done
            }
            Command::SetCurrent { pop, index, value } => {
                shard.set_current(pop, index, value);
                Reply::Done
            }
            Command::TakeStates(probe) => {
                let mut taken = Vec::new();
                for rec in shard.recorders.states.iter_mut().filter(|r| r.probe == probe) {
                    let mut part = rec.clone();
                    (rec.ticks, rec.values) = (Vec::new(), Vec::new());
                    part.cols.clone_from(&rec.cols);
                    taken.push(part);
                }
                Reply::States(taken)
            }
            Command::TakeSpikes => Reply::Spikes(std::mem::take(&mut shard.recorders.spikes)),
            Command::PlanCurrent { pop, index, from, values } => {
                shard.plan_current(pop, index, from, &values);
                Reply::Done
            }
            Command::BeginTrial { pops, now } => Reply::Outcome(shard.begin_trial(&graph, factory.as_ref(), &pops, now)),
            Command::SwitchLearning { on, now, apply } => Reply::Outcome(shard.switch_learning(&graph, on, now, apply)),
            Command::Query(q) => match q {
                Query::Spikes => Reply::Spikes(shard.recorders.spikes.clone()),
                Query::States => Reply::States(shard.recorders.states.clone()),
                Query::Weights => Reply::Weights(weight_parts(&shard, &graph)),
                Query::FinalWeights { proj, now } => {
                    shard.settle(now);
                    Reply::Weights(final_weights(&shard, &graph, proj))
                }
                Query::SynapseState { proj, var, now } => {
                    for inc in shard.incoming.iter_mut().filter(|inc| inc.proj == proj) {
                        if let Some(rule) = inc.rule.as_mut() {
                            rule.watch_state(&var);
                        }
                    }
                    shard.settle(now);
                    Reply::SynapseState(synapse_state(&shard, &graph, proj, &var))
                }
                Query::Counters => Reply::Counters(shard.counters),
                Query::Memory => Reply::Memory(shard.memory()),
                Query::Shapes => {
                    let (pops, projs) = shard.shapes();
                    Reply::Shapes(pops, projs)
                }
                Query::State { pop, var, index } => Reply::State(shard.read_state(pop, var, index)),
                Query::Modulator { index, tick } => Reply::Modulator(shard.modulators.at(index, tick).unwrap_or(f64::NAN)),
            },
            Command::Save { now, max_delay } => Reply::Saved(Box::new(shard.save_state(now, max_delay))),
            Command::Restore { now, max_delay, pops, projs, counters, modulators } => {
                Reply::Restored(shard.restore_state(now, max_delay, &pops, &projs, counters, modulators))
            }
            Command::Mirror { fb, scale, forward } => {
                shard.mirror(fb, scale, &forward);
                Reply::Done
            }
            Command::Stop => break,
        };
        if replies.send(reply).is_err() {
            break;
        }
    }
}

/// The synapse ids of incoming projection `k` of a shard, in row order.
fn synapse_ids(shard: &Shard, graph: &Graph, k: usize) -> Vec<(u32, u32)> {
    let inc = &shard.incoming[k];
    let first_target = shard.slices[inc.slice].start as u32;
    let n_src = graph.populations[graph.projections[inc.proj].source].size as usize;
    let mut synapses = Vec::with_capacity(inc.csr.len());
    for s in 0..n_src {
        for j in inc.csr.row(s) {
            synapses.push((s as u32, inc.csr.targets[j] + first_target));
        }
    }
    synapses
}

/// The current weights of projection `proj` on this shard, as a one-row part.
fn final_weights(shard: &Shard, graph: &Graph, proj: usize) -> Vec<WeightPart> {
    shard
        .incoming
        .iter()
        .enumerate()
        .filter(|(_, inc)| inc.proj == proj)
        .map(|(k, inc)| WeightPart {
            rec: WeightRecorder { probe: usize::MAX, incoming: k, ticks: vec![0], values: inc.csr.weights.clone(), ..WeightRecorder::default() },
            synapses: synapse_ids(shard, graph, k),
        })
        .collect()
}

/// The shard's part of projection `proj`'s per-synapse rule state `var`; `None`
/// when one of its parts has no rule or a rule without that state.
fn synapse_state(shard: &Shard, graph: &Graph, proj: usize, var: &str) -> Option<Vec<WeightPart>> {
    let mut parts = Vec::new();
    for (k, inc) in shard.incoming.iter().enumerate().filter(|(_, inc)| inc.proj == proj) {
        let values = inc.rule.as_ref()?.synapse_state(var)?.to_vec();
        parts.push(WeightPart {
            rec: WeightRecorder { probe: usize::MAX, incoming: k, ticks: vec![0], values, ..WeightRecorder::default() },
            synapses: synapse_ids(shard, graph, k),
        });
    }
    Some(parts)
}

fn weight_parts(shard: &Shard, graph: &Graph) -> Vec<WeightPart> {
    shard
        .recorders
        .weights
        .iter()
        .map(|rec| {
            let synapses = synapse_ids(shard, graph, rec.incoming);
            WeightPart { rec: rec.clone(), synapses }
        })
        .collect()
}
