//! The eager engine (one delay per projection) against the lazy one, for every rule
//! and every call schedule: the same efficacies, and weights and per-synapse state
//! equal up to rounding (the eager engine keeps its traces scaled to an epoch, the
//! lazy one as value and time of the last jump; both are exact to a few f64 ulps).

use crate::catalog::all_rules;
use crate::harness::{Outcome, Trains, random_net, run_on, schedules};

/// Same efficacies; weights and state within `1e-6` (relative to 1, their scale here).
fn assert_agree(eager: &Outcome, lazy: &Outcome, what: &str) {
    assert_eq!(eager.efficacy, lazy.efficacy, "{what}: efficacies");
    let close = |a: &[f32], b: &[f32]| a.len() == b.len() && a.iter().zip(b).all(|(x, y)| (x - y).abs() <= 1e-6);
    assert!(close(&eager.weights, &lazy.weights), "{what}: weights {:?} vs {:?}", eager.weights, lazy.weights);
    match (&eager.state, &lazy.state) {
        (Some(a), Some(b)) => assert!(close(a, b), "{what}: state"),
        (a, b) => assert_eq!(a.is_some(), b.is_some(), "{what}: state"),
    }
}
use synfire_graphs::UnitExt;
use synfire_rules::Engine;

fn state_name(rule: &str) -> Option<&'static str> {
    (rule == "orchestrated").then_some("w_cons")
}

/// Whether `Engine::Auto` runs `spec` on the eager engine for `net` (it reports the
/// transposed index in its bytes per synapse); STP has no post events and scaling's
/// clock reads somatic-time traces, so both stay lazy and comparing them says nothing.
fn runs_eager(spec: &synfire_graphs::RuleSpec, net: &crate::harness::Net) -> bool {
    let info = crate::harness::info(net, 1.0.ms());
    let bytes = |engine| synfire_rules::instantiate_with(spec, &info, engine).unwrap().bytes_per_synapse();
    bytes(Engine::Auto) == bytes(Engine::Lazy) + 8
}

#[test]
fn eager_and_lazy_engines_agree() {
    let mut compared = 0;
    for (n, spec) in all_rules().into_iter().enumerate() {
        for (delay, seed) in [(10u32, 60 + n as u64), (1, 80 + n as u64)] {
            let net = random_net(5, 4, 0.7, delay, delay, (0.2, 0.8), seed);
            if !runs_eager(&spec, &net) {
                assert!(matches!(spec.name.as_str(), "stp_tm" | "scaling"), "{} should run eagerly with one delay", spec.name);
                continue;
            }
            compared += 1;
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
                let eager = run_on(Engine::Auto, &spec, 1.0.ms(), &net, &trains, 2010, schedule, state);
                assert_agree(&eager, &lazy, &format!("{} with delay {delay}, schedule {schedule:?}", spec.name));
            }
        }
    }
    assert_eq!(compared, 2 * (all_rules().len() - 2), "every rule but STP and scaling, at both delays");
}

#[test]
fn silent_sources_and_targets_agree_too() {
    // Long silences: decays past the tabulated range, sources caught up only at settle,
    // and seven epochs of the eager engine's scaled traces.
    let spec = &all_rules()[0];
    let net = random_net(3, 3, 1.0, 4, 4, (0.3, 0.7), 9);
    assert!(runs_eager(spec, &net));
    let mut trains = Trains::random(&net, 0.002, 0.01, 59_990, 10);
    trains.pre[0] = vec![5, 30_000, 59_000];
    trains.post[1] = vec![100, 50_000];
    let lazy = run_on(Engine::Lazy, spec, 0.1.ms(), &net, &trains, 60_000, schedules()[0], None);
    let eager = run_on(Engine::Auto, spec, 0.1.ms(), &net, &trains, 60_000, schedules()[4], None);
    assert_agree(&eager, &lazy, "silences");
    assert!(eager.weights.iter().zip(&net.syns).any(|(w, s)| *w != s.w0), "nothing learned");
}
