//! The coordinator: builds the shards on their worker threads, runs them window by
//! window, and merges what they recorded.

use crate::error::RunError;
use crate::exchange::Exchange;
use crate::kernel::KernelFactory;
use crate::layout::Layout;
use crate::models::ReferenceKernels;
use crate::records::{Counters, RateTrace, SpikeList, StateTrace, WeightTrace};
use crate::transport::Spike;
use crate::worker::{self, Command, Query, Reply, WorkerInit};
use crossbeam::channel::{Receiver, Sender, unbounded};
use parking_lot::Mutex;
use std::sync::Arc;
use std::thread::JoinHandle;
use synfire_graphs::{Graph, PopId, Probe, ProbeKind, ProjId, Time, probe_kind};

/// Settings of a runtime; see [`Runtime::builder`].
#[derive(Debug, Clone)]
pub struct RuntimeBuilder {
    workers: usize,
    window: Option<u64>,
    factory: Arc<dyn KernelFactory>,
    guard_every: Option<Time>,
    max_rate: Option<synfire_graphs::Rate>,
}

impl RuntimeBuilder {
    /// Number of worker threads (= shards). Default 1.
    pub fn workers(mut self, n: usize) -> Self {
        self.workers = n;
        self
    }

    /// Window length in ticks (default: the minimum delay). Any length from one tick
    /// to the minimum delay gives the same results.
    pub fn window_ticks(mut self, ticks: u64) -> Self {
        self.window = Some(ticks);
        self
    }

    /// How often the run guards check for NaN or infinite state and weights (and the
    /// bin of the rate bound). Default 100 ms of model time.
    pub fn guard_every(mut self, period: Time) -> Self {
        self.guard_every = Some(period);
        self
    }

    /// Stops the run when a neuron population's rate over a guard period exceeds
    /// `rate` (a runaway network), like Auryn's rate checkers.
    pub fn max_rate(mut self, rate: synfire_graphs::Rate) -> Self {
        self.max_rate = Some(rate);
        self
    }

    /// The neuron kernels to run (default: the f32 reference kernels).
    pub fn kernels(mut self, factory: Arc<dyn KernelFactory>) -> Self {
        self.factory = factory;
        self
    }

    /// Builds the shards (in parallel, each on its worker) and returns the runtime.
    pub fn build(self, graph: &Graph) -> Result<Runtime, RunError> {
        if self.workers == 0 || self.workers > 1024 {
            return Err(RunError::Setting { field: "workers", message: format!("{} is not between 1 and 1024", self.workers) });
        }
        let min_delay = graph.min_delay().map(u64::from);
        let window = match (self.window, min_delay) {
            (Some(0), _) => return Err(RunError::Setting { field: "window", message: "0 ticks; a window is at least one tick".into() }),
            (Some(w), Some(d)) if w > d => {
                return Err(RunError::Setting { field: "window", message: format!("{w} ticks exceeds the minimum delay of {d} ticks") });
            }
            (Some(w), _) => w,
            (None, Some(d)) => d,
            (None, None) => 10,
        };
        let mut guards = crate::guards::GuardSettings::default_for(graph);
        if let Some(p) = self.guard_every {
            if !(p.0.is_finite() && p.to_ticks(graph.dt) >= 1) {
                return Err(RunError::Setting { field: "guard_every", message: format!("{p} is not a period of at least one tick") });
            }
            guards.every = p.to_ticks(graph.dt);
        }
        if let Some(r) = self.max_rate {
            if !(r.0.is_finite() && r.0 > 0.0) {
                return Err(RunError::Setting { field: "max_rate", message: format!("{} Hz is not a positive rate", r.0) });
            }
            guards.max_rate = Some(r);
        }
        let mirrors = crate::mirrors::mirrors(graph)?;
        let started = std::time::Instant::now();
        let graph = Arc::new(graph.clone());
        let layout = Layout::new(&graph, self.workers);
        let exchange = Arc::new(Exchange::new(self.workers));
        let mut workers = Vec::with_capacity(self.workers);
        for index in 0..self.workers {
            let (cmd_tx, cmd_rx) = unbounded();
            let (rep_tx, rep_rx) = unbounded();
            let init = WorkerInit {
                graph: graph.clone(),
                layout: layout.clone(),
                index,
                window,
                factory: self.factory.clone(),
                guards: guards.clone(),
                exchange: exchange.clone(),
                commands: cmd_rx,
                replies: rep_tx,
            };
            let join = std::thread::Builder::new()
                .name(format!("synfire-shard-{index}"))
                .spawn(move || worker::run(init))
                .map_err(|e| RunError::WorkerLost { shard: index, message: format!("could not start: {e}") })?;
            workers.push(Worker { commands: cmd_tx, replies: rep_rx, join: Some(join) });
        }
        let mut rt = Runtime {
            graph,
            layout,
            workers,
            window,
            now: 0,
            failed: false,
            build_secs: 0.0,
            lock: Mutex::new(()),
            prior: Prior::default(),
            stopped: None,
            guard_every: guards.every,
            injected: Vec::new(),
            learning: true,
            mirrors,
        };
        for (i, w) in rt.workers.iter().enumerate() {
            match w.replies.recv() {
                Ok(Reply::Built(Ok(()))) => {}
                Ok(Reply::Built(Err(e))) => return Err(e),
                _ => return Err(RunError::WorkerLost { shard: i, message: "stopped while building".into() }),
            }
        }
        // Mirrors start as their forward projection's transpose.
        rt.copy_mirrors(0, true)?;
        rt.build_secs = started.elapsed().as_secs_f64();
        Ok(rt)
    }
}

#[derive(Debug)]
struct Worker {
    commands: Sender<Command>,
    replies: Receiver<Reply>,
    join: Option<JoinHandle<()>>,
}

/// A running simulation of one graph.
#[derive(Debug)]
pub struct Runtime {
    pub(crate) graph: Arc<Graph>,
    layout: Layout,
    workers: Vec<Worker>,
    window: u64,
    pub(crate) now: u64,
    failed: bool,
    /// Spikes injected for later ticks, not yet run (a checkpoint keeps them).
    pub(crate) injected: Vec<Spike>,
    /// Whether the rules learn ([`Runtime::set_learning`]).
    pub(crate) learning: bool,
    build_secs: f64,
    /// Serialises request/reply exchanges with the workers.
    lock: Mutex<()>,
    /// What the probes recorded before the checkpoint this runtime was restored from.
    pub(crate) prior: Prior,
    /// The guard that stopped the run (probes stay readable, runs are refused).
    stopped: Option<RunError>,
    /// Ticks between two scans of the run guards.
    guard_every: u64,
    /// Projections that copy another's weights at its update ticks.
    pub(crate) mirrors: Vec<crate::mirrors::Mirror>,
}

/// Probe data of the run before a checkpoint, merged in canonical order.
#[derive(Debug, Clone, Default)]
pub(crate) struct Prior {
    pub spikes: Vec<Spike>,
    /// Per probe index.
    pub states: Vec<Option<StateTrace>>,
    /// Per probe index.
    pub weights: Vec<Option<WeightTrace>>,
}

impl Runtime {
    /// Settings with one worker, windows of the minimum delay and reference kernels.
    pub fn builder() -> RuntimeBuilder {
        RuntimeBuilder { workers: 1, window: None, factory: Arc::new(ReferenceKernels), guard_every: None, max_rate: None }
    }

    /// The graph being simulated.
    pub fn graph(&self) -> &Graph {
        &self.graph
    }

    /// Number of workers.
    pub fn workers(&self) -> usize {
        self.workers.len()
    }

    /// Window length in ticks.
    pub fn window_ticks(&self) -> u64 {
        self.window
    }

    /// Ticks between two scans of the run guards. A run call that ends between two
    /// scans also scans at its end, so a caller that runs in pieces (the CLI's
    /// interruptible slices) ends its pieces on multiples of this to add no scan.
    pub fn guard_period_ticks(&self) -> u64 {
        self.guard_every
    }

    /// Seconds spent building the shards (connectivity and kernels).
    pub fn build_secs(&self) -> f64 {
        self.build_secs
    }

    /// The next tick to be integrated (= ticks simulated so far).
    pub fn tick(&self) -> u64 {
        self.now
    }

    /// Model time simulated so far.
    pub fn now(&self) -> Time {
        Time(self.now as f64 * self.graph.dt.0)
    }

    /// Simulates `duration` more model time (rounded to whole ticks).
    pub fn run_for(&mut self, duration: Time) -> Result<(), RunError> {
        if !(duration.0 >= 0.0 && duration.0.is_finite()) {
            return Err(RunError::BadInput { field: "duration", message: format!("{duration} is not a finite duration >= 0") });
        }
        self.run_ticks(duration.to_ticks(self.graph.dt))
    }

    /// Simulates until model time `t` (no-op if already past it).
    pub fn run_until(&mut self, t: Time) -> Result<(), RunError> {
        if !(t.0.is_finite()) {
            return Err(RunError::BadInput { field: "until", message: format!("{t} is not finite") });
        }
        let target = t.to_ticks(self.graph.dt);
        self.run_ticks(target.saturating_sub(self.now))
    }

    /// Simulates `ticks` more ticks.
    pub fn run_ticks(&mut self, ticks: u64) -> Result<(), RunError> {
        self.alive()?;
        if ticks == 0 {
            return Ok(());
        }
        let until = self.now + ticks;
        if self.mirrors.is_empty() {
            return self.run_segment(until);
        }
        // Segments end where mirrors copy (see `mirrors`).
        self.copy_mirrors(self.now, true)?;
        while self.now < until {
            let end = self.next_copy(self.now).min(until);
            self.run_segment(end)?;
            self.copy_mirrors(end, false)?;
        }
        Ok(())
    }

    /// Runs from `now` until tick `until`.
    fn run_segment(&mut self, until: u64) -> Result<(), RunError> {
        let from = self.now;
        let window = self.window;
        let replies = self.broadcast(|| Command::Run { from, until, window })?;
        let mut guard = None;
        for r in replies {
            match r {
                Reply::Ran(Ok(()), _) => {}
                // Every shard stopped after the same window: the state is a window
                // boundary and stays readable, but the run cannot go on.
                Reply::Ran(Err(e @ RunError::Guard { .. }), reached) => guard = Some((e, reached)),
                Reply::Ran(Err(e), _) => {
                    self.failed = true;
                    return Err(e);
                }
                _ => return Err(self.lost(0, "unexpected reply to run")),
            }
        }
        if let Some((e, reached)) = guard {
            self.now = reached;
            self.injected.retain(|s| s.tick >= reached);
            self.stopped = Some(e.clone());
            return Err(e);
        }
        self.now = until;
        // Spikes planned for later ticks stay (a checkpoint keeps them).
        self.injected.retain(|s| s.tick >= until);
        Ok(())
    }

    pub(crate) fn alive(&self) -> Result<(), RunError> {
        if let Some(e) = &self.stopped {
            return Err(e.clone());
        }
        if self.failed {
            return Err(RunError::WorkerLost { shard: 0, message: "the runtime failed earlier and cannot go on".into() });
        }
        Ok(())
    }

    pub(crate) fn lost(&mut self, shard: usize, message: &str) -> RunError {
        self.failed = true;
        RunError::WorkerLost { shard, message: message.into() }
    }

    /// Sends a command to every worker and collects one reply from each, in shard order.
    pub(crate) fn broadcast(&mut self, make: impl Fn() -> Command) -> Result<Vec<Reply>, RunError> {
        let commands = (0..self.workers.len()).map(|_| make()).collect();
        self.send_each(commands)
    }

    /// Sends `commands[s]` to worker `s` and collects one reply from each, in shard order.
    pub(crate) fn send_each(&mut self, commands: Vec<Command>) -> Result<Vec<Reply>, RunError> {
        let _guard = self.lock.lock();
        let mut out = Vec::with_capacity(self.workers.len());
        for ((i, w), cmd) in self.workers.iter().enumerate().zip(commands) {
            if w.commands.send(cmd).is_err() {
                self.failed = true;
                return Err(RunError::WorkerLost { shard: i, message: "stopped".into() });
            }
        }
        for (i, w) in self.workers.iter().enumerate() {
            match w.replies.recv() {
                Ok(r) => out.push(r),
                Err(_) => {
                    self.failed = true;
                    return Err(RunError::WorkerLost { shard: i, message: "stopped without replying".into() });
                }
            }
        }
        Ok(out)
    }

    pub(crate) fn query(&self, q: Query) -> Result<Vec<Reply>, RunError> {
        self.query_first(q, self.workers.len())
    }

    /// Asks the first `n` workers (1 for what every shard holds alike).
    fn query_first(&self, q: Query, n: usize) -> Result<Vec<Reply>, RunError> {
        // A run stopped by a guard stays readable.
        if self.failed {
            return Err(RunError::WorkerLost { shard: 0, message: "the runtime failed earlier and cannot go on".into() });
        }
        let _guard = self.lock.lock();
        let workers = &self.workers[..n.min(self.workers.len())];
        for (i, w) in workers.iter().enumerate() {
            w.commands.send(Command::Query(q.clone())).map_err(|_| RunError::WorkerLost { shard: i, message: "stopped".into() })?;
        }
        workers
            .iter()
            .enumerate()
            .map(|(i, w)| w.replies.recv().map_err(|_| RunError::WorkerLost { shard: i, message: "stopped without replying".into() }))
            .collect()
    }

    /// Work counters summed over the shards.
    pub fn counters(&self) -> Result<Counters, RunError> {
        let mut total = Counters::default();
        for r in self.query(Query::Counters)? {
            if let Reply::Counters(c) = r {
                total += c;
            }
        }
        Ok(total)
    }

    /// Synapses and bytes held by the network's state, summed over shards.
    pub fn memory(&self) -> Result<crate::records::Memory, RunError> {
        let mut total = crate::records::Memory::default();
        for r in self.query(Query::Memory)? {
            if let Reply::Memory(m) = r {
                total += m;
            }
        }
        Ok(total)
    }

    pub(crate) fn probe_kind<T>(&self, probe: Probe<T>) -> Result<&ProbeKind, RunError> {
        if !self.graph.owns(probe) {
            return Err(RunError::BadHandle { what: "probe", message: format!("probe {} does not belong to this graph", probe.index()) });
        }
        Ok(&self.graph.probes[probe.index()].kind)
    }

    fn window_ticks_of(&self, probe: usize) -> (u64, u64) {
        self.graph.probes[probe].window.map_or((0, u64::MAX), |(a, b)| (self.graph.ticks(a).0, self.graph.ticks(b).0))
    }

    /// All logged spikes of every shard, merged in canonical order.
    pub(crate) fn merged_spikes(&self) -> Result<Vec<Spike>, RunError> {
        let mut all: Vec<Spike> = self.prior.spikes.clone();
        for r in self.query(Query::Spikes)? {
            if let Reply::Spikes(s) = r {
                all.extend(s);
            }
        }
        all.sort_unstable();
        Ok(all)
    }

    /// The spikes a spike probe recorded so far.
    pub fn spikes(&self, probe: Probe<probe_kind::Spikes>) -> Result<SpikeList, RunError> {
        let ProbeKind::Spikes { pops } = self.probe_kind(probe)? else {
            return Err(RunError::BadHandle { what: "probe", message: "not a spike probe".into() });
        };
        let wanted: Vec<bool> = (0..self.graph.populations.len()).map(|p| pops.contains(&p)).collect();
        let (lo, hi) = self.window_ticks_of(probe.index());
        let mut list = SpikeList { dt_ms: self.graph.dt.0, pop_names: self.graph.populations.iter().map(|p| p.name.clone()).collect(), ..SpikeList::default() };
        for s in self.merged_spikes()? {
            let Some((pop, index)) = self.graph.locate(s.gid) else { continue };
            if wanted[pop] && s.tick >= lo && s.tick < hi {
                list.ticks.push(s.tick);
                list.pops.push(pop as u32);
                list.index.push(index as u32);
                list.gids.push(s.gid);
            }
        }
        Ok(list)
    }

    /// The population rate a rate probe recorded, in full bins up to now.
    pub fn rates(&self, probe: Probe<probe_kind::Rate>) -> Result<RateTrace, RunError> {
        let ProbeKind::Rate { pop, bin } = self.probe_kind(probe)? else {
            return Err(RunError::BadHandle { what: "probe", message: "not a rate probe".into() });
        };
        let (pop, bin_ticks) = (*pop, self.graph.ticks(*bin).0.max(1));
        let (lo, hi) = self.window_ticks_of(probe.index());
        let end = hi.min(self.now);
        let gids = self.graph.gid_range(pop);
        let spikes = self.merged_spikes()?.into_iter().filter(|s| gids.contains(&s.gid)).map(|s| (s.tick, (s.gid - gids.start) as u32));
        Ok(RateTrace::from_spikes(spikes, self.graph.populations[pop].size, bin_ticks, lo, end, self.graph.dt.0))
    }

    /// The samples a state probe recorded so far.
    pub fn state(&self, probe: Probe<probe_kind::State>) -> Result<StateTrace, RunError> {
        let ProbeKind::State { .. } = self.probe_kind(probe)? else {
            return Err(RunError::BadHandle { what: "probe", message: "not a state probe".into() });
        };
        self.state_of(probe.index())
    }

    /// The samples of state probe `index` (prior samples first).
    pub(crate) fn state_of(&self, index: usize) -> Result<StateTrace, RunError> {
        self.state_from(index, &self.all_states()?)
    }

    /// Every shard's state recorders, in shard order.
    pub(crate) fn all_states(&self) -> Result<Vec<crate::recorder::StateRecorder>, RunError> {
        Ok(self.query(Query::States)?.into_iter().flat_map(|r| if let Reply::States(recs) = r { recs } else { Vec::new() }).collect())
    }

    /// The trace of state probe `index` from every shard's recorders (and the part
    /// recorded before a checkpoint).
    pub(crate) fn state_from(&self, index: usize, recs: &[crate::recorder::StateRecorder]) -> Result<StateTrace, RunError> {
        let ProbeKind::State { var, neurons, .. } = &self.graph.probes[index].kind else {
            return Err(RunError::BadHandle { what: "probe", message: "not a state probe".into() });
        };
        let ncols = neurons.len();
        let mut trace = StateTrace { var: var.clone(), neurons: neurons.clone(), dt_ms: self.graph.dt.0, ..StateTrace::default() };
        for rec in recs.iter().filter(|r| r.probe == index) {
            if trace.ticks.is_empty() && !rec.ticks.is_empty() {
                trace.ticks = rec.ticks.clone();
                trace.values = vec![f32::NAN; rec.ticks.len() * ncols];
            }
            let per = rec.cols.len();
            for (row, _) in rec.ticks.iter().enumerate() {
                for (k, &(col, _)) in rec.cols.iter().enumerate() {
                    if let Some(v) = trace.values.get_mut(row * ncols + col) {
                        *v = rec.values[row * per + k];
                    }
                }
            }
        }
        if let Some(Some(p)) = self.prior.states.get(index) {
            let mut all = p.clone();
            all.ticks.extend_from_slice(&trace.ticks);
            all.values.extend_from_slice(&trace.values);
            return Ok(all);
        }
        Ok(trace)
    }

    /// The samples a weight probe recorded so far, synapses in canonical
    /// `(source, target)` order, capped at the probe's `max_synapses`. Samples are
    /// taken at window boundaries that are multiples of the probe's interval; a
    /// sample at tick `t` holds every plastic change with synaptic time before `t`.
    pub fn weights(&self, probe: Probe<probe_kind::Weights>) -> Result<WeightTrace, RunError> {
        let ProbeKind::Weights { .. } = self.probe_kind(probe)? else {
            return Err(RunError::BadHandle { what: "probe", message: "not a weight probe".into() });
        };
        self.weights_of(probe.index())
    }

    /// The samples of weight probe `index` (prior samples first).
    pub(crate) fn weights_of(&self, index: usize) -> Result<WeightTrace, RunError> {
        self.weights_from(index, &self.all_weights()?)
    }

    /// Every shard's weight-probe parts, in shard order.
    pub(crate) fn all_weights(&self) -> Result<Vec<crate::worker::WeightPart>, RunError> {
        Ok(self.query(Query::Weights)?.into_iter().flat_map(|r| if let Reply::Weights(ps) = r { ps } else { Vec::new() }).collect())
    }

    /// The trace of weight probe `index` from every shard's parts (and the part
    /// recorded before a checkpoint).
    pub(crate) fn weights_from(&self, index: usize, all: &[crate::worker::WeightPart]) -> Result<WeightTrace, RunError> {
        let ProbeKind::Weights { max_synapses, .. } = &self.graph.probes[index].kind else {
            return Err(RunError::BadHandle { what: "probe", message: "not a weight probe".into() });
        };
        let parts: Vec<&crate::worker::WeightPart> = all.iter().filter(|p| p.rec.probe == index).collect();
        let trace = self.merge_weights(&parts, *max_synapses);
        if let Some(Some(p)) = self.prior.weights.get(index) {
            let mut all = p.clone();
            all.ticks.extend_from_slice(&trace.ticks);
            all.values.extend_from_slice(&trace.values);
            return Ok(all);
        }
        Ok(trace)
    }

    /// Every weight of projection `proj` now, in canonical `(source, target)` order
    /// (plastic weights brought up to date first).
    pub fn projection_weights(&self, proj: ProjId) -> Result<WeightTrace, RunError> {
        if proj.net() != self.graph.net_id() || proj.index() >= self.graph.projections.len() {
            return Err(RunError::BadHandle { what: "projection", message: format!("projection {} does not belong to this graph", proj.index()) });
        }
        self.weights_of_projection(proj.index())
    }

    /// A plastic projection's per-synapse rule state `var` now (a name its rule's
    /// probes accept: `w_h` of metaplastic hidden weights, `Omega` of synaptic
    /// intelligence, `u_1`.. of a Benna–Fusi chain, e-prop's `g`, ...), in canonical
    /// `(source, target)` order, brought up to date first. The rule watches `var`
    /// from then on, as for a weight probe with `var`. An unknown name, or a static
    /// projection, is an error naming the projection and `var`.
    pub fn synapse_state(&self, proj: ProjId, var: &str) -> Result<WeightTrace, RunError> {
        if proj.net() != self.graph.net_id() || proj.index() >= self.graph.projections.len() {
            return Err(RunError::BadHandle { what: "projection", message: format!("projection {} does not belong to this graph", proj.index()) });
        }
        let def = &self.graph.projections[proj.index()];
        let name = || def.name.clone();
        let Some(rule) = &def.conn.rule else {
            return Err(RunError::Unsupported {
                path: format!("projection {}", name()),
                message: format!("a static projection keeps no rule state (asked for `{var}`)"),
            });
        };
        let mut parts = Vec::new();
        for r in self.query(Query::SynapseState { proj: proj.index(), var: var.to_string(), now: self.now })? {
            match r {
                Reply::SynapseState(Some(ps)) => parts.extend(ps),
                Reply::SynapseState(None) => {
                    return Err(RunError::Unsupported {
                        path: format!("projection {}", name()),
                        message: format!("its rule `{}` keeps no per-synapse `{var}`", rule.name),
                    });
                }
                _ => {}
            }
        }
        let mut trace = self.merge_weights(&parts.iter().collect::<Vec<_>>(), None);
        trace.ticks = vec![self.now];
        Ok(trace)
    }

    /// [`Runtime::projection_weights`] by projection index.
    pub(crate) fn weights_of_projection(&self, proj: usize) -> Result<WeightTrace, RunError> {
        let mut parts = Vec::new();
        for r in self.query(Query::FinalWeights { proj, now: self.now })? {
            if let Reply::Weights(ps) = r {
                parts.extend(ps);
            }
        }
        let mut trace = self.merge_weights(&parts.iter().collect::<Vec<_>>(), None);
        trace.ticks = vec![self.now];
        Ok(trace)
    }

    fn merge_weights(&self, parts: &[&crate::worker::WeightPart], max: Option<u32>) -> WeightTrace {
        let mut cols: Vec<((u32, u32), usize, usize)> = Vec::new();
        for (pi, p) in parts.iter().enumerate() {
            cols.extend(p.synapses.iter().enumerate().map(|(k, &id)| (id, pi, k)));
        }
        // Stable: multapses of one pair keep their shard row order.
        cols.sort_by_key(|c| c.0);
        if let Some(m) = max {
            cols.truncate(m as usize);
        }
        let ticks = parts.first().map(|p| p.rec.ticks.clone()).unwrap_or_default();
        let mut values = Vec::with_capacity(ticks.len() * cols.len());
        for row in 0..ticks.len() {
            for &(_, pi, k) in &cols {
                let n = parts[pi].synapses.len();
                values.push(parts[pi].rec.values[row * n + k]);
            }
        }
        WeightTrace { dt_ms: self.graph.dt.0, synapses: cols.into_iter().map(|c| c.0).collect(), ticks, values }
    }

    /// Makes neurons `indices` of population `pop` spike at model time `at`, now or
    /// later (closed-loop input between runs, a trial's frozen input pattern). The
    /// spike is a spike like any other: delivered to the neurons' targets, seen by
    /// pre- and post-triggered plasticity, logged by spike probes and counted; the
    /// neuron's own state (membrane, refractoriness) is not touched. A neuron that
    /// fires anyway at that tick spikes once. A checkpoint keeps injected spikes that
    /// have not run yet.
    pub fn inject_spikes(&mut self, pop: PopId, indices: &[u32], at: Time) -> Result<(), RunError> {
        self.alive()?;
        if !self.graph.owns_pop(pop) {
            return Err(RunError::BadHandle { what: "population", message: format!("population {} does not belong to this graph", pop.index()) });
        }
        let tick = self.graph.ticks(at).0;
        if tick < self.now {
            return Err(RunError::BadInput { field: "at", message: format!("{at} lies before now ({})", self.now()) });
        }
        let size = self.graph.populations[pop.index()].size;
        if let Some(&bad) = indices.iter().find(|&&i| u64::from(i) >= size) {
            return Err(RunError::BadInput { field: "indices", message: format!("neuron {bad} is outside population of {size}") });
        }
        let base = self.graph.offsets[pop.index()];
        let mut spikes: Vec<Spike> = indices.iter().map(|&i| Spike { tick, gid: base + u64::from(i) }).collect();
        spikes.sort_unstable();
        self.injected.extend_from_slice(&spikes);
        self.injected.sort_unstable();
        let spikes = Arc::new(spikes);
        self.broadcast(|| Command::Inject(spikes.clone()))?;
        Ok(())
    }

    /// Sets a current injected into neuron `index` of `pop` from now on, in the
    /// model's current unit (pA for CUBA LIF, mV of `R I` for COBA, a number for
    /// dimensionless models).
    pub fn set_current(&mut self, pop: PopId, index: u64, value: f64) -> Result<(), RunError> {
        self.alive()?;
        self.neuron_check(pop, index)?;
        if !value.is_finite() {
            return Err(RunError::BadInput { field: "value", message: format!("{value} is not finite") });
        }
        let (pop, value) = (pop.index(), value as f32);
        self.broadcast(|| Command::SetCurrent { pop, index, value })?;
        Ok(())
    }

    /// Sets scalar modulator `m` to `value` from the next tick on (every rule bound
    /// to it reads the new value for ticks from [`Runtime::tick`] on).
    pub fn set_modulator(&mut self, m: synfire_graphs::ModId, value: f64) -> Result<(), RunError> {
        self.alive()?;
        let index = self.modulator_check(m)?;
        if !value.is_finite() {
            return Err(RunError::BadInput { field: "value", message: format!("{value} is not finite") });
        }
        if self.graph.modulators[index].activity.is_some() {
            let name = &self.graph.modulators[index].name;
            return Err(RunError::BadInput { field: "modulator", message: format!("`{name}` is computed from activity and cannot be set") });
        }
        let from = self.now;
        self.broadcast(|| Command::SetModulator { index, from, value })?;
        Ok(())
    }

    /// The value of scalar modulator `m` during the next tick to integrate
    /// ([`Runtime::tick`]): its schedule, what was set, or what its activity computed.
    pub fn modulator(&self, m: synfire_graphs::ModId) -> Result<f64, RunError> {
        let index = self.modulator_check(m)?;
        // Every shard holds the same steps: one answer suffices.
        let replies = self.query_first(Query::Modulator { index, tick: self.now }, 1)?;
        match replies.into_iter().next() {
            Some(Reply::Modulator(v)) => Ok(v),
            _ => Err(RunError::WorkerLost { shard: 0, message: "no answer to a modulator query".into() }),
        }
    }

    /// The index of modulator handle `m`, if it belongs to this graph.
    fn modulator_check(&self, m: synfire_graphs::ModId) -> Result<usize, RunError> {
        let index = m.index();
        if m.net() != self.graph.net_id() || index >= self.graph.modulators.len() {
            return Err(RunError::BadHandle { what: "modulator", message: format!("modulator {index} does not belong to this graph") });
        }
        Ok(index)
    }

    pub(crate) fn neuron_check(&self, pop: PopId, index: u64) -> Result<(), RunError> {
        if !self.graph.owns_pop(pop) || self.graph.model(pop.index()).is_none() {
            return Err(RunError::BadHandle { what: "population", message: format!("population {} is not a neuron population of this graph", pop.index()) });
        }
        let size = self.graph.populations[pop.index()].size;
        if index >= size {
            return Err(RunError::BadInput { field: "index", message: format!("neuron {index} is outside population of {size}") });
        }
        Ok(())
    }

    /// The current value of state variable `var` of one neuron.
    pub fn read_state(&self, pop: PopId, var: &str, index: u64) -> Result<f64, RunError> {
        self.neuron_check(pop, index)?;
        let kind = self.graph.model_kind(pop.index()).ok_or_else(|| RunError::BadInput { field: "pop", message: "not a neuron population".into() })?;
        let v = kind
            .state()
            .iter()
            .position(|s| s.name == var)
            .ok_or_else(|| RunError::BadInput { field: "var", message: format!("{} has no state variable `{var}`", kind.name()) })?;
        let owner = self.layout.owner(pop.index(), index);
        let replies = self.query(Query::State { pop: pop.index(), var: v, index })?;
        match replies.get(owner) {
            Some(Reply::State(Some(x))) => Ok(f64::from(*x)),
            _ => Err(RunError::WorkerLost { shard: owner, message: "no state returned".into() }),
        }
    }
}

impl Drop for Runtime {
    fn drop(&mut self) {
        for w in &self.workers {
            let _ = w.commands.send(Command::Stop);
        }
        for w in &mut self.workers {
            if let Some(j) = w.join.take() {
                let _ = j.join();
            }
        }
    }
}
