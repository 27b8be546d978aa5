//! Every rule against a plain reference implementation, under several call schedules.

// Tests may unwrap: a panic is a failed test.
#![allow(clippy::unwrap_used)]

mod catalog;
mod checkpointed;
mod disinhibition;
mod disinhibition_spiking;
mod engines;
mod eprop_reference;
mod harness;
mod istdp;
mod metaplastic;
mod orchestrated;
mod pair;
mod reference;
mod rstdp;
mod rstdp_wrapped;
mod scaling;
mod shards;
mod sign;
mod signal_hebb;
mod state;
mod stochastic_surrogate;
mod stp;
mod triplet;
