//! synfire: a parallel, event-driven runtime for plastic spiking neural networks.
pub use synfire_graphs as graphs;
