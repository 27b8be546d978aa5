//! `graph.summary()`: a readable table of the network.
