//! The eager engine (one delay per projection) against the lazy one: bit-identical
//! weights, per-synapse state and efficacies for every rule and every call schedule.

use crate::catalog::all_rules;
use crate::harness::{Outcome, Trains, random_net, run_on, schedules};
use synfire_graphs::UnitExt;
use synfire_rules::Engine;

fn state_name(rule: &str) -> Option<&'static str> {
    (rule == "orchestrated").then_some("w_cons")
}

#[test]
fn eager_and_lazy_engines_agree_bit_for_bit() {
    for (n, spec) in all_rules().into_iter().enumerate() {
        for (delay, seed) in [(10u32, 60 + n as u64), (1, 80 + n as u64)] {
            let net = random_net(5, 4, 0.7, delay, delay, (0.2, 0.8), seed);
            // Dense trains at 1 ms ticks so that pairs fall inside the windows.
            let trains = Trains::random(&net, 0.05, 0.06, 1960, seed + 7);
            let state = state_name(&spec.name);
            let lazy = run_on(Engine::Lazy, &spec, 1.0.ms(), &net, &trains, 2010, schedules()[0], state);
            let moved = lazy.weights.iter().zip(&net.syns).any(|(w, s)| *w != s.w0) || lazy.efficacy.iter().any(|e| e.2 != 1.0);
            assert!(moved, "{}: nothing learned", spec.name);
            for schedule in schedules()
                .into_iter()
                .filter(|s| delay >= 10 || matches!(s, crate::harness::Schedule::PostsFirst | crate::harness::Schedule::Windows { len: 1, .. }))
            {
                let eager: Outcome = run_on(Engine::Auto, &spec, 1.0.ms(), &net, &trains, 2010, schedule, state);
                assert_eq!(eager, lazy, "{} with delay {delay}, schedule {schedule:?}", spec.name);
            }
        }
    }
}

#[test]
fn silent_sources_and_targets_agree_too() {
    // Long silences: decays past the tabulated range and sources caught up only at settle.
    let spec = &all_rules()[0];
    let net = random_net(3, 3, 1.0, 4, 4, (0.3, 0.7), 9);
    let mut trains = Trains::random(&net, 0.002, 0.01, 59_990, 10);
    trains.pre[0] = vec![5, 30_000, 59_000];
    trains.post[1] = vec![100, 50_000];
    let lazy = run_on(Engine::Lazy, spec, 0.1.ms(), &net, &trains, 60_000, schedules()[0], None);
    let eager = run_on(Engine::Auto, spec, 0.1.ms(), &net, &trains, 60_000, schedules()[4], None);
    assert_eq!(eager, lazy);
}
