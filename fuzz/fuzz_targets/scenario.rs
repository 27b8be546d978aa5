//! Scenario text -> parse -> freeze (with the rule catalogue) -> summary and memory
//! estimate. Every step must return Ok or a typed error; nothing may panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use synfire_graphs::scenario::Scenario;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(scenario) = Scenario::parse(text) else { return };
    let Ok(graph) = scenario.freeze_with(&synfire_rules::Catalog) else { return };
    let _ = graph.summary();
    let _ = graph.memory_estimate(Some(scenario.run.duration));
});
