//! Whether a rule learns at a tick: the switches of [`Plasticity::switch_learning`]
//! (`Runtime::set_learning`) as a short history of ticks.
//!
//! A rule reads the switch of the tick an event belongs to, not of the tick it is
//! processed at: e-prop's learning signal of tick `t` arrives `lag` ticks later, and an
//! optimiser step of tick `t` may be taken lazily after it. So the clock keeps every
//! switch that a future query may still fall before, and forgets the rest when the
//! rule says which ticks it will never ask about again.
//!
//! [`Plasticity::switch_learning`]: crate::Plasticity::switch_learning

use std::collections::VecDeque;
use synfire_graphs::{Axis, StateError, StateReader, StateWriter, Values};

/// Learning on or off per tick.
///
/// **Invariant:** `switches` holds real changes only, in increasing ticks, so
/// consecutive entries alternate and the state before the first one is its opposite.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LearningClock {
    /// The state from the last switch on (or from the start).
    now: bool,
    /// `(tick, on)`: learning is `on` from `tick` on.
    switches: VecDeque<(u64, bool)>,
}

impl Default for LearningClock {
    fn default() -> Self {
        LearningClock { now: true, switches: VecDeque::new() }
    }
}

impl LearningClock {
    /// The state from the last switch on.
    pub fn now(&self) -> bool {
        self.now
    }

    /// Learning is `on` from tick `at` on (`at` not before an earlier switch).
    pub fn set(&mut self, at: u64, on: bool) {
        if on == self.now {
            return;
        }
        debug_assert!(self.switches.back().is_none_or(|&(t, _)| t <= at), "switches come in tick order");
        if self.switches.back().is_some_and(|&(t, _)| t == at) {
            // Switched back at the same tick: the earlier switch never took effect.
            self.switches.pop_back();
        } else {
            self.switches.push_back((at, on));
        }
        self.now = on;
    }

    /// Whether tick `t` learns.
    pub fn on_at(&self, t: u64) -> bool {
        match self.switches.iter().rev().find(|&&(s, _)| s <= t) {
            Some(&(_, on)) => on,
            None => self.switches.front().map_or(self.now, |&(_, on)| !on),
        }
    }

    /// Forgets what only ticks before `tick` need (the rule never asks about them again).
    pub fn forget_before(&mut self, tick: u64) {
        // Dropping a switch at or before `tick` leaves every later tick's answer as it
        // was: the next switch's opposite is this one's state, and without a next
        // one `now` is.
        while self.switches.front().is_some_and(|&(s, _)| s <= tick) {
            self.switches.pop_front();
        }
    }

    /// The column `learning` (scalar, u64): the current state, then `tick, on` pairs.
    pub fn save(&self, out: &mut StateWriter) {
        let mut v = vec![u64::from(self.now)];
        for &(t, on) in &self.switches {
            v.extend([t, u64::from(on)]);
        }
        out.column("learning", Axis::Scalar, v.len(), Values::U64(v));
    }

    /// Reads what [`LearningClock::save`] wrote.
    pub fn restore(input: &mut StateReader<'_>) -> Result<LearningClock, StateError> {
        let c = input.column("learning")?;
        let Values::U64(v) = &c.values else {
            return Err(c.misfit("`learning` must hold u64 values".into()));
        };
        let bit = |x: u64| match x {
            0 => Ok(false),
            1 => Ok(true),
            _ => Err(c.misfit(format!("`learning` holds {x} where 0 or 1 belongs"))),
        };
        if v.len() % 2 != 1 {
            return Err(c.misfit(format!("`learning` holds {} values, not 1 + 2 per switch", v.len())));
        }
        let now = bit(v[0])?;
        let mut switches = VecDeque::new();
        let mut state = None;
        for p in v[1..].chunks_exact(2) {
            let on = bit(p[1])?;
            if state == Some(on) || switches.back().is_some_and(|&(t, _)| t >= p[0]) {
                return Err(c.misfit("`learning` switches must alternate in increasing ticks".into()));
            }
            state = Some(on);
            switches.push_back((p[0], on));
        }
        if state.is_some_and(|s| s != now) {
            return Err(c.misfit("`learning`: the last switch disagrees with the current state".into()));
        }
        Ok(LearningClock { now, switches })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_read_the_switch_they_fall_after_even_once_later_switches_came() {
        let mut c = LearningClock::default();
        c.set(10, false);
        c.set(20, true);
        c.set(30, false);
        let at = |c: &LearningClock| [5, 10, 19, 20, 29, 30, 99].map(|t| c.on_at(t));
        assert_eq!(at(&c), [true, false, false, true, true, false, false]);
        c.forget_before(20);
        assert_eq!(at(&c)[3..], [true, true, false, false], "ticks from 20 on keep their answers");
        c.set(30, true);
        assert!(c.on_at(30) && c.on_at(99), "a switch back at the same tick cancels it");
        let mut w = StateWriter::new();
        c.save(&mut w);
        let table = w.finish();
        let back = LearningClock::restore(&mut StateReader::new(&table)).unwrap();
        assert_eq!(back, c);
    }
}
