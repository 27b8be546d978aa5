//! The f32 reference kernels against closed forms and plain reimplementations of
//! their equations written here (specs/rules.md section 1), plus the kernel contract
//! every model must keep.

// A failed unwrap in a test is a failed test.
#![allow(clippy::unwrap_used)]

mod common;

mod alif;
mod contract;
mod escape_noise;
mod izhikevich;
mod lif_coba;
mod lif_cuba;
mod lif_discrete;
mod plain_state;
mod rate;
mod readout;
