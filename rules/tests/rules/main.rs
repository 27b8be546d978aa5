//! Every rule against a plain reference implementation, under several call schedules.

// Tests may unwrap: a panic is a failed test.
#![allow(clippy::unwrap_used)]

mod catalog;
mod engines;
mod harness;
mod istdp;
mod orchestrated;
mod pair;
mod reference;
mod scaling;
mod sign;
mod stp;
mod triplet;
