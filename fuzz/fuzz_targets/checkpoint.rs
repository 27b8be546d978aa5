//! Checkpoint bytes -> `Checkpoint::from_bytes`. Every input must give Ok or a typed
//! `CheckpointError`, never a panic or an unbounded allocation.
//!
//! An input that starts with the magic is read as a whole file. Any other input is
//! taken as a payload and given a valid header (length and CRC-32) first, so the
//! fuzzer reaches the payload decoder instead of stopping at the checksum.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::path::Path;
use synfire_runtime::Checkpoint;
use synfire_runtime::checkpoint::{MAGIC, VERSION};

fuzz_target!(|data: &[u8]| {
    let path = Path::new("fuzz.ckpt");
    if data.starts_with(MAGIC) {
        let _ = Checkpoint::from_bytes(data, path);
        return;
    }
    let mut file = Vec::with_capacity(32 + data.len());
    file.extend_from_slice(MAGIC);
    file.extend_from_slice(&VERSION.to_le_bytes());
    file.extend_from_slice(&0u64.to_le_bytes());
    file.extend_from_slice(&(data.len() as u64).to_le_bytes());
    file.extend_from_slice(&crc32fast::hash(data).to_le_bytes());
    file.extend_from_slice(data);
    let _ = Checkpoint::from_bytes(&file, path);
});
