//! Spike files: `spikes.npy`, a structured array numpy loads with the dtype
//! `[('tick', '<u8'), ('id', '<u4'), ('pop', '<u4'), ('index', '<u4')]` (times as
//! integer ticks: `t_ms = tick * dt_ms`, no float times), and `spikes.csv`
//! (`t_ms,population,index`, times printed from the ticks at fixed decimals).

use super::csv::{self, Clock};
use super::manifest::{Column, Entry};
use anyhow::Context;
use std::io::{BufWriter, Write};
use std::path::Path;
use synfire_runtime::SpikeList;

/// One row of `spikes.npy`.
#[derive(Debug, Clone, Copy, PartialEq, npyz::Serialize, npyz::AutoSerialize)]
struct SpikeRow {
    /// Tick of the spike.
    tick: u64,
    /// Global neuron id.
    id: u32,
    /// Population (index into the graph's populations).
    pop: u32,
    /// Neuron index within its population.
    index: u32,
}

/// Writes the spikes as a structured `.npy` array in canonical order.
pub fn write_npy(path: &Path, file: &str, probes: &[String], spikes: &SpikeList) -> anyhow::Result<Entry> {
    let rows = (0..spikes.len())
        .map(|k| {
            let id = u32::try_from(spikes.gids[k]).with_context(|| format!("global id {} does not fit the u32 `id` column of {file}", spikes.gids[k]))?;
            Ok(SpikeRow { tick: spikes.ticks[k], id, pop: spikes.pops[k], index: spikes.index[k] })
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    super::npy::write(path, &[rows.len() as u64], rows)?;
    Ok(Entry::npy(file, "spikes", "every spike of the spike probes, in canonical order (tick, then global id)")
        .probes(probes)
        .dtype("structured")
        .shape(&[spikes.len() as u64])
        .axes(&["spike"])
        .fields(vec![
            Column::new("tick", "<u8").unit("tick").about("time step of the spike: t_ms = tick * dt_ms"),
            Column::new("id", "<u4").about("global neuron id (see populations[].first_id)"),
            Column::new("pop", "<u4").about("population, an index into populations[]"),
            Column::new("index", "<u4").about("neuron index within its population"),
        ]))
}

/// Writes the spikes as CSV with a `t_ms,population,index` header, times printed
/// from integer ticks with as many decimals as `dt` needs.
pub fn write_csv(path: &Path, file: &str, probes: &[String], spikes: &SpikeList) -> anyhow::Result<Entry> {
    let f = std::fs::File::create(path).with_context(|| format!("cannot create {}", path.display()))?;
    let mut w = BufWriter::new(f);
    let clock = Clock::new(spikes.dt_ms);
    let names: Vec<String> = spikes.pop_names.iter().map(|n| csv::field(n)).collect();
    // Every write error (a full disk) names the file.
    let mut rows = || -> std::io::Result<()> {
        writeln!(w, "t_ms,population,index")?;
        for k in 0..spikes.len() {
            writeln!(w, "{},{},{}", clock.ms(spikes.ticks[k]), names[spikes.pops[k] as usize], spikes.index[k])?;
        }
        w.flush()
    };
    rows().with_context(|| format!("cannot write {}", path.display()))?;
    Ok(Entry::csv(file, "spikes", "the rows of spikes.npy as text").probes(probes).rows(spikes.len() as u64).fields(vec![
        Column::text("t_ms").unit("ms").about(format!("tick * dt_ms printed from the tick, {} digit(s) after the point", clock.decimals())),
        Column::text("population").about("population name"),
        Column::text("index").about("neuron index within its population"),
    ]))
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
        let entry = write_csv(&path, "spikes.csv", &["s".into()], &list()).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(text, "t_ms,population,index\n0.3,E,7\n1.2,E,2\n1.2,\"I,x\",0\n");
        assert_eq!(entry.rows, Some(3));
        std::fs::remove_file(path).unwrap();
    }

    #[test]
    fn npy_reads_back_as_the_structured_rows() {
        let path = scratch("npy");
        write_npy(&path, "spikes.npy", &[], &list()).unwrap();
        let bytes = std::fs::read(&path).unwrap();
        let npy = npyz::NpyFile::new(&bytes[..]).unwrap();
        assert_eq!(npy.shape(), &[3]);
        assert_eq!(npy.dtype().descr(), "[('tick', '<u8'), ('id', '<u4'), ('pop', '<u4'), ('index', '<u4'), ]");
        let rows: Vec<SpikeRowIn> = npy.data::<SpikeRowIn>().unwrap().map(|r| r.unwrap()).collect();
        let got: Vec<(u64, u32, u32, u32)> = rows.iter().map(|r| (r.tick, r.id, r.pop, r.index)).collect();
        assert_eq!(got, [(3, 7, 0, 7), (12, 2, 0, 2), (12, 80, 1, 0)]);
        std::fs::remove_file(path).unwrap();
    }

    #[derive(Debug, npyz::Deserialize)]
    struct SpikeRowIn {
        tick: u64,
        id: u32,
        pop: u32,
        index: u32,
    }
}
