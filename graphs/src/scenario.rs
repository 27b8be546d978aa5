//! Scenario files: a graph plus run settings, as TOML.
