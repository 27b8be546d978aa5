//! Checkpoints: the whole engine state at a window boundary, in a versioned,
//! checksummed file written atomically.
//!
//! # File format (version 2: modulator averages added)
//!
//! | bytes | what |
//! |---|---|
//! | 8 | magic `SYNFCKPT` |
//! | 4 | format version, little-endian u32 |
//! | 8 | graph hash ([`graph_hash`]), little-endian u64 |
//! | 8 | payload length in bytes, little-endian u64 |
//! | 4 | CRC-32 of the payload, little-endian u32 |
//! | n | payload: a [`Checkpoint`] in postcard (serde's compact binary format) |
//!
//! The payload holds the graph itself (so `synfire resume` needs nothing else), the
//! tick, and the state of every population and projection as *global* tables (see
//! [`layout_map`]): a checkpoint does not depend on the number of workers that wrote
//! it. Probe data recorded so far travels with it, so a resumed run's probes hold the
//! whole run.
//!
//! Written to a temporary file beside the target, flushed to disk, then renamed over
//! the target: a crash leaves the old checkpoint or the new one, never a torn file.

pub(crate) mod layout_map;

use crate::records::{Counters, StateTrace, WeightTrace};
use crate::transport::Spike;
use serde::{Deserialize, Serialize};
use std::io::Write;
use std::path::{Path, PathBuf};
use synfire_graphs::{Graph, StateTable};

/// The first bytes of every checkpoint file.
pub const MAGIC: &[u8; 8] = b"SYNFCKPT";
/// The format version this build writes and reads.
pub const VERSION: u32 = 3;
const HEADER: usize = 8 + 4 + 8 + 8 + 4;

/// Why a checkpoint cannot be written or read.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum CheckpointError {
    /// The file could not be read or written.
    #[error("{path}: {message}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The system's message.
        message: String,
    },
    /// The file is not a checkpoint.
    #[error("{path}: not a synfire checkpoint (the file does not start with SYNFCKPT)")]
    NotACheckpoint {
        /// The file.
        path: PathBuf,
    },
    /// The file ends early.
    #[error("{path}: truncated: {found} bytes where {expected} are needed")]
    Truncated {
        /// The file.
        path: PathBuf,
        /// Bytes present.
        found: u64,
        /// Bytes the header promises.
        expected: u64,
    },
    /// Written by another format version.
    #[error("{path}: format version {found}; this build reads version {expected}")]
    Version {
        /// The file.
        path: PathBuf,
        /// The file's version.
        found: u32,
        /// The version this build reads.
        expected: u32,
    },
    /// The payload does not match its checksum (a flipped bit, a partial copy).
    #[error("{path}: checksum mismatch (stored {stored:08x}, computed {computed:08x}): the file is damaged")]
    Checksum {
        /// The file.
        path: PathBuf,
        /// The stored CRC-32.
        stored: u32,
        /// The CRC-32 of the payload as read.
        computed: u32,
    },
    /// The checkpoint belongs to another network.
    #[error("checkpoint of graph {found:016x}, but the network to restore is graph {expected:016x}")]
    WrongGraph {
        /// The checkpoint's graph hash.
        found: u64,
        /// The hash of the graph given.
        expected: u64,
    },
    /// The payload does not decode.
    #[error("{path}: the payload does not decode: {message}")]
    Decode {
        /// The file.
        path: PathBuf,
        /// The decoder's message.
        message: String,
    },
    /// A state table does not fit what the graph builds.
    #[error("{what}: {message}")]
    State {
        /// The population or projection (`populations[1] E`).
        what: String,
        /// What does not fit.
        message: String,
    },
}

/// Everything needed to continue a run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Checkpoint {
    /// The network (stored as JSON inside the payload: the graph's serde form uses
    /// optional fields that a non-self-describing format cannot carry).
    #[serde(with = "graph_as_json")]
    pub graph: Graph,
    /// The next tick to integrate.
    pub tick: u64,
    /// Work counters so far, summed over shards.
    pub counters: Counters,
    /// Per population: its global state table (`None` for an empty population).
    pub(crate) pops: Vec<Option<StateTable>>,
    /// Per projection: its global state table (weights and rule state).
    pub(crate) projs: Vec<Option<StateTable>>,
    /// The modulators' steps still in use and the computed ones' averages.
    pub(crate) modulators: crate::modulators::ModulatorState,
    /// Every spike logged for probes so far, in canonical order.
    pub(crate) spikes: Vec<Spike>,
    /// Per probe: the samples of a state probe so far.
    pub(crate) states: Vec<Option<StateTrace>>,
    /// Per probe: the samples of a weight probe so far.
    pub(crate) weights: Vec<Option<WeightTrace>>,
    /// Spikes injected for the window after the checkpoint, not yet emitted.
    pub(crate) injected: Vec<Spike>,
    /// Whether the rules learn ([`Runtime::set_learning`](crate::Runtime::set_learning));
    /// each rule keeps its own switch in its state as well.
    pub(crate) learning: bool,
    /// Data of the program that runs the simulation (the CLI keeps its run plan here).
    pub user: Vec<u8>,
}

mod graph_as_json {
    use serde::{Deserialize, Deserializer, Serializer};
    use synfire_graphs::Graph;

    pub(super) fn serialize<S: Serializer>(g: &Graph, s: S) -> Result<S::Ok, S::Error> {
        let text = serde_json::to_string(g).map_err(serde::ser::Error::custom)?;
        s.serialize_str(&text)
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Graph, D::Error> {
        let text = String::deserialize(d)?;
        serde_json::from_str(&text).map_err(serde::de::Error::custom)
    }
}

/// A hash of everything that defines a graph's dynamics (FNV-1a over its JSON form,
/// stable across processes and builds; the builder id is left out).
pub fn graph_hash(g: &Graph) -> u64 {
    let json = serde_json::to_vec(&(&g.dt, g.seed, &g.populations, &g.projections, &g.currents, &g.probes, &g.modulators)).unwrap_or_default();
    json.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, &b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3))
}

fn io(path: &Path, e: impl std::fmt::Display) -> CheckpointError {
    CheckpointError::Io { path: path.to_path_buf(), message: e.to_string() }
}

impl Checkpoint {
    /// The file's bytes.
    pub fn to_bytes(&self) -> Result<Vec<u8>, CheckpointError> {
        // The payload is serialised behind room for the header, which is filled in
        // afterwards: one buffer, no copy of the payload.
        let mut out = postcard::to_extend(self, vec![0u8; HEADER]).map_err(|e| CheckpointError::Decode { path: PathBuf::new(), message: e.to_string() })?;
        let len = (out.len() - HEADER) as u64;
        let crc = crc32fast::hash(&out[HEADER..]);
        let mut header = Vec::with_capacity(HEADER);
        header.extend_from_slice(MAGIC);
        header.extend_from_slice(&VERSION.to_le_bytes());
        header.extend_from_slice(&graph_hash(&self.graph).to_le_bytes());
        header.extend_from_slice(&len.to_le_bytes());
        header.extend_from_slice(&crc.to_le_bytes());
        out[..HEADER].copy_from_slice(&header);
        Ok(out)
    }

    /// Parses a file's bytes (`path` names it in errors).
    pub fn from_bytes(bytes: &[u8], path: &Path) -> Result<Checkpoint, CheckpointError> {
        let p = || path.to_path_buf();
        if bytes.len() < 8 || &bytes[..8] != MAGIC {
            return Err(CheckpointError::NotACheckpoint { path: p() });
        }
        if bytes.len() < HEADER {
            return Err(CheckpointError::Truncated { path: p(), found: bytes.len() as u64, expected: HEADER as u64 });
        }
        let word = |a: usize, b: usize| bytes[a..b].iter().rev().fold(0u64, |acc, &x| (acc << 8) | u64::from(x));
        let version = word(8, 12) as u32;
        if version != VERSION {
            return Err(CheckpointError::Version { path: p(), found: version, expected: VERSION });
        }
        let hash = word(12, 20);
        let len = word(20, 28);
        let stored = word(28, 32) as u32;
        // A length near u64::MAX promises more than any file holds: truncated.
        let expected = (HEADER as u64).saturating_add(len);
        if bytes.len() as u64 != expected {
            return Err(CheckpointError::Truncated { path: p(), found: bytes.len() as u64, expected });
        }
        let payload = &bytes[HEADER..];
        let computed = crc32fast::hash(payload);
        if computed != stored {
            return Err(CheckpointError::Checksum { path: p(), stored, computed });
        }
        let ck: Checkpoint = postcard::from_bytes(payload).map_err(|e| CheckpointError::Decode { path: p(), message: e.to_string() })?;
        if graph_hash(&ck.graph) != hash {
            return Err(CheckpointError::Decode { path: p(), message: "the header's graph hash does not match the graph inside".into() });
        }
        Ok(ck)
    }

    /// Writes the checkpoint to `path` atomically (temporary file, fsync, rename).
    /// Returns the number of bytes written.
    pub fn write(&self, path: &Path) -> Result<u64, CheckpointError> {
        let bytes = self.to_bytes()?;
        let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
        let name = path.file_name().ok_or_else(|| io(path, "not a file name"))?.to_string_lossy();
        let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
        let result = (|| {
            let mut f = std::fs::File::create(&tmp).map_err(|e| io(&tmp, e))?;
            f.write_all(&bytes).map_err(|e| io(&tmp, e))?;
            f.sync_all().map_err(|e| io(&tmp, e))?;
            std::fs::rename(&tmp, path).map_err(|e| io(path, e))?;
            // The rename itself is durable once the directory is synced.
            if let Ok(d) = std::fs::File::open(dir) {
                let _ = d.sync_all();
            }
            Ok(bytes.len() as u64)
        })();
        if result.is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
        result
    }

    /// Reads and checks a checkpoint file.
    pub fn read(path: &Path) -> Result<Checkpoint, CheckpointError> {
        let bytes = std::fs::read(path).map_err(|e| io(path, e))?;
        Checkpoint::from_bytes(&bytes, path)
    }

    /// The global state table of population `pop` (its kernel's columns, neurons in
    /// population order), or `None` for an empty population or an index out of range.
    /// Targets read their kernels' work counters here (idle updates, graded events).
    pub fn population_state(&self, pop: usize) -> Option<&StateTable> {
        self.pops.get(pop).and_then(Option::as_ref)
    }

    /// The global state table of projection `proj` (weights and rule state, targets
    /// in population order), or `None`. Targets read their learning engines'
    /// counters here.
    pub fn projection_state(&self, proj: usize) -> Option<&StateTable> {
        self.projs.get(proj).and_then(Option::as_ref)
    }

    /// Checks that this checkpoint belongs to `graph`.
    pub fn check_graph(&self, graph: &Graph) -> Result<(), CheckpointError> {
        let (found, expected) = (graph_hash(&self.graph), graph_hash(graph));
        if found != expected {
            return Err(CheckpointError::WrongGraph { found, expected });
        }
        Ok(())
    }
}
