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
}

impl Pricer for M4Pricer {
    fn ledger(&self, a: &Activity) -> Ledger {
        let in_src = |g: usize| self.sources.iter().any(|r| r.contains(&(g as u64)));
        let input_events: u64 = a.spikes.iter().enumerate().filter(|&(g, _)| in_src(g)).map(|(_, &k)| k).sum();
        let spikes = a.spikes.iter().sum::<u64>() - input_events;
        let updates: u64 = self.pops.iter().map(|(r, _)| (r.end - r.start) * a.steps).sum();
        let update_cycles: u64 = self.pops.iter().map(|(r, c)| (r.end - r.start) * a.steps * c).sum();
        let cycles = a.syn_events * self.c_syn + update_cycles + (spikes + input_events) * C_EVENT + a.steps * C_STEP;
        Ledger { steps: a.steps, syn_events: a.syn_events, neuron_updates_active: updates, spikes, input_events, cycles, ..Ledger::default() }
    }

    fn price(&self, l: &Ledger, dt_s: f64) -> CostReport {
        let per_step = if l.steps > 0 { l.cycles as f64 / l.steps as f64 } else { 0.0 };
        let mut notes = vec!["cycle costs are design estimates from the Cortex-M4 timings, to calibrate with the DWT cycle counter".into()];
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
            dynamic: vec![term("cycles", l.cycles, E_CYCLE)],
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
