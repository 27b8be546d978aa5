//! The `cortex-m4` cycle model and price (specs/targets.md 14.4). The cycle costs
//! are design estimates derived from the Cortex-M4 instruction timings [spec], to be
//! calibrated on a board with the DWT cycle counter.

use crate::cost::{CostReport, LatencyTerm, Price, Tag, term};
use crate::ledger::Ledger;
use crate::{Activity, Pricer};
use std::ops::Range;

/// Energy per cycle: 19.5 uA/MHz x 3.3 V (STM32U575 run mode, SMPS) [der]; an
/// STM32L4 on its LDO is nearer 300 pJ [unv].
pub const E_CYCLE: Price = Price { value: 64.35, unit: "pJ", tag: Tag::Der, source: "19.5 uA/MHz x 3.3 V, STM32U575 run mode (Zephyr board docs quoting ST)" };
/// Sleep power between steps (0 by default, configurable) [spec].
pub const P_SLEEP: Price = Price { value: 0.0, unit: "mW", tag: Tag::Spec, source: "0 by default: sleep power is board dependent" };
/// Core clock of the STM32L476-class limit (80 MHz) [src].
pub const F_CLK: f64 = 80e6;

/// Cycles of a synaptic event with weights in SRAM (LDRH + LDRSB pipelined, LDR,
/// ADD, STR, loop overhead) [spec].
pub const C_SYN_SRAM: u64 = 8;
/// Cycles of a synaptic event with weights in flash (about 2 wait states more) [spec].
pub const C_SYN_FLASH: u64 = 10;
/// Cycles per spike or input event (row lookup, queue) [spec].
pub const C_EVENT: u64 = 20;
/// Cycles of per-step overhead (timer ISR, loop setup) [spec].
pub const C_STEP: u64 = 200;

/// Cycles of one plastic synapse update, pair STDP with traces [spec 14.4 cycle
/// table]; the f32 update on the M4F's FPU is assumed to fit the same budget.
pub const C_LEARN: u64 = 12;
/// Cycles of one trace update per neuron per trace [spec 14.4 cycle table].
pub const C_TRACE: u64 = 6;

/// What pricing one plastic projection needs.
#[derive(Debug, Clone)]
pub struct PlasticCost {
    /// Gids of its sources.
    pub sources: Range<u64>,
    /// Gids of its targets.
    pub targets: Range<u64>,
    /// Out-degree in this projection of each source (index within the population).
    pub out_degree: Vec<u64>,
    /// Presynaptic and postsynaptic traces of its rule.
    pub traces: (u64, u64),
}

impl PlasticCost {
    /// Synaptic events through this projection: spikes of each source times its
    /// out-degree (they read f32 weights in SRAM, whatever `weights_in_flash` says).
    pub fn syn_events(&self, spikes: &[u64]) -> u64 {
        self.out_degree.iter().enumerate().map(|(j, &d)| spikes.get(self.sources.start as usize + j).copied().unwrap_or(0) * d).sum()
    }

    /// Trace updates: each spike of a source updates its presynaptic traces, each
    /// spike of a target its postsynaptic traces (event-driven: decayed lazily).
    pub fn trace_updates(&self, spikes: &[u64]) -> u64 {
        let sum = |r: &Range<u64>| spikes.get(r.start as usize..r.end as usize).map_or(0, |s| s.iter().sum::<u64>());
        sum(&self.sources) * self.traces.0 + sum(&self.targets) * self.traces.1
    }
}

/// Cycles of one neuron update: CUBA-LIF with `k` synapse types `14 + 6 k` [spec].
pub fn c_update(k: u64) -> u64 {
    14 + 6 * k
}

/// Prices `cortex-m4` runs.
#[derive(Debug, Clone)]
pub struct M4Pricer {
    /// Per neuron population: gids and cycles per update.
    pub pops: Vec<(Range<u64>, u64)>,
    /// Cycles per synaptic event.
    pub c_syn: u64,
    /// Gid ranges of spike sources.
    pub sources: Vec<Range<u64>>,
    /// Plastic projections.
    pub plastic: Vec<PlasticCost>,
}

impl Pricer for M4Pricer {
    fn ledger(&self, a: &Activity) -> Ledger {
        let in_src = |g: usize| self.sources.iter().any(|r| r.contains(&(g as u64)));
        let input_events: u64 = a.spikes.iter().enumerate().filter(|&(g, _)| in_src(g)).map(|(_, &k)| k).sum();
        let spikes = a.spikes.iter().sum::<u64>() - input_events;
        let updates: u64 = self.pops.iter().map(|(r, _)| (r.end - r.start) * a.steps).sum();
        let update_cycles: u64 = self.pops.iter().map(|(r, c)| (r.end - r.start) * a.steps * c).sum();
        // Plastic weights are in SRAM: their events cost C_SYN_SRAM.
        let plastic_events: u64 = self.plastic.iter().map(|p| p.syn_events(&a.spikes)).sum::<u64>().min(a.syn_events);
        let learn_syn_updates: u64 = a.learn.iter().sum();
        let trace_updates: u64 = self.plastic.iter().map(|p| p.trace_updates(&a.spikes)).sum();
        let cycles = (a.syn_events - plastic_events) * self.c_syn
            + plastic_events * C_SYN_SRAM
            + update_cycles
            + (spikes + input_events) * C_EVENT
            + a.steps * C_STEP
            + learn_syn_updates * C_LEARN
            + trace_updates * C_TRACE;
        Ledger {
            steps: a.steps,
            syn_events: a.syn_events,
            neuron_updates_active: updates,
            spikes,
            input_events,
            cycles,
            learn_syn_updates,
            trace_updates,
            ..Ledger::default()
        }
    }

    fn price(&self, l: &Ledger, dt_s: f64) -> CostReport {
        let per_step = if l.steps > 0 { l.cycles as f64 / l.steps as f64 } else { 0.0 };
        let mut notes = vec!["cycle costs are design estimates from the Cortex-M4 timings, to calibrate with the DWT cycle counter".into()];
        let learn_cycles = (l.learn_syn_updates * C_LEARN + l.trace_updates * C_TRACE).min(l.cycles);
        let mut dynamic = vec![term("cycles", l.cycles - learn_cycles, E_CYCLE)];
        if learn_cycles > 0 {
            dynamic.push(term("learning cycles", learn_cycles, E_CYCLE));
            notes.push(format!(
                "learning in software: {} synapse updates x {C_LEARN} + {} trace updates x {C_TRACE} = {learn_cycles} cycles [spec 14.4 cycle table; the f32 rule assumed to fit the integer budget]",
                l.learn_syn_updates, l.trace_updates
            ));
        }
        let per_second = per_step / dt_s;
        if per_second > F_CLK {
            notes.push(format!(
                "hw-targets: cortex-m4: does not fit: chip: real_time {:.0} cycles/s > {:.0} (hint: raise f_clk, increase dt, or use cortex-m7)",
                per_second, F_CLK
            ));
        }
        CostReport {
            target: super::ID,
            steps: l.steps,
            dt_s,
            dynamic,
            static_power: Some(("sleep".into(), P_SLEEP)),
            latency: vec![LatencyTerm {
                name: "cycles / f_clk".into(),
                seconds: per_step / F_CLK,
                source: format!("{per_step:.1} cycles a step at 80 MHz [spec cycle model]"),
            }],
            notes,
        }
    }
}
