//! Spike files: `spikes.npy` (a structured array numpy loads as
//! `[('t', '<f8'), ('id', '<u4')]`) and `spikes.csv` (`t_ms,population,index`).

use anyhow::Context;
use npyz::WriterBuilder;
use std::io::{BufWriter, Write};
use std::path::Path;
use synfire_runtime::SpikeList;

/// One row of `spikes.npy`: time in ms and global neuron id.
#[derive(Debug, Clone, Copy, PartialEq, npyz::Serialize, npyz::AutoSerialize)]
struct SpikeRow {
    t: f64,
    id: u32,
}

/// Writes the spikes as a structured `.npy` array in canonical order.
pub fn write_npy(path: &Path, spikes: &SpikeList) -> anyhow::Result<()> {
    let file = std::fs::File::create(path).with_context(|| format!("cannot create {}", path.display()))?;
    let mut w = BufWriter::new(file);
    let mut writer = npyz::WriteOptions::new().default_dtype().shape(&[spikes.len() as u64]).writer(&mut w).begin_nd()?;
    for k in 0..spikes.len() {
        let id = u32::try_from(spikes.gids[k]).with_context(|| format!("global id {} does not fit the u32 `id` column", spikes.gids[k]))?;
        writer.push(&SpikeRow { t: spikes.time_ms(k), id })?;
    }
    writer.finish()?;
    w.flush().with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

/// Writes the spikes as CSV with a `t_ms,population,index` header, times printed
/// from integer ticks with as many decimals as `dt` needs.
pub fn write_csv(path: &Path, spikes: &SpikeList) -> anyhow::Result<()> {
    let file = std::fs::File::create(path).with_context(|| format!("cannot create {}", path.display()))?;
    let mut w = BufWriter::new(file);
    let d = decimals(spikes.dt_ms);
    let names: Vec<String> = spikes.pop_names.iter().map(|n| csv_field(n)).collect();
    writeln!(w, "t_ms,population,index")?;
    for k in 0..spikes.len() {
        writeln!(w, "{:.*},{},{}", d, spikes.time_ms(k), names[spikes.pops[k] as usize], spikes.index[k])?;
    }
    w.flush().with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

/// Decimals that print every multiple of `dt_ms` exactly (at most 6).
fn decimals(dt_ms: f64) -> usize {
    (0..=6)
        .find(|&d| {
            let scaled = dt_ms * 10f64.powi(d as i32);
            (scaled - scaled.round()).abs() < 1e-9
        })
        .unwrap_or(6)
}

/// Quotes a field that holds a comma, quote or line break (RFC 4180).
fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) { format!("\"{}\"", s.replace('"', "\"\"")) } else { s.to_string() }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn list() -> SpikeList {
        SpikeList {
            dt_ms: 0.1,
            pop_names: vec!["E".into(), "I,x".into()],
            ticks: vec![3, 12, 12],
            pops: vec![0, 0, 1],
            index: vec![7, 2, 0],
            gids: vec![7, 2, 80],
        }
    }

    fn scratch(name: &str) -> std::path::PathBuf {
        std::env::temp_dir().join(format!("synfire-spikes-{name}-{}", std::process::id()))
    }

    #[test]
    fn csv_rows_follow_the_list() {
        let path = scratch("csv");
        write_csv(&path, &list()).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(text, "t_ms,population,index\n0.3,E,7\n1.2,E,2\n1.2,\"I,x\",0\n");
        std::fs::remove_file(path).unwrap();
    }

    #[test]
    fn npy_reads_back_as_the_structured_rows() {
        let path = scratch("npy");
        write_npy(&path, &list()).unwrap();
        let bytes = std::fs::read(&path).unwrap();
        let npy = npyz::NpyFile::new(&bytes[..]).unwrap();
        assert_eq!(npy.shape(), &[3]);
        let header = String::from_utf8_lossy(&bytes[..128]).into_owned();
        assert!(header.contains("('t', '<f8'), ('id', '<u4')"), "{header}");
        let rows: Vec<(f64, u32)> = npy.data::<SpikeRowIn>().unwrap().map(|r| r.unwrap()).map(|r| (r.t, r.id)).collect();
        let want = [(0.3, 7), (1.2, 2), (1.2, 80)];
        for (got, want) in rows.iter().zip(want) {
            assert!((got.0 - want.0).abs() < 1e-12 && got.1 == want.1, "{got:?} != {want:?}");
        }
        assert_eq!(rows.len(), 3);
        std::fs::remove_file(path).unwrap();
    }

    #[derive(Debug, npyz::Deserialize)]
    struct SpikeRowIn {
        t: f64,
        id: u32,
    }

    #[test]
    fn decimals_follow_dt() {
        assert_eq!(decimals(0.1), 1);
        assert_eq!(decimals(1.0), 0);
        assert_eq!(decimals(0.025), 3);
    }
}
