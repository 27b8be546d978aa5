//! Plain `.npy` arrays (numpy's format 1.0, little-endian, C order).

use anyhow::Context;
use npyz::WriterBuilder;
use std::io::{BufWriter, Write};
use std::path::Path;

/// Writes `values` (row-major, `shape.iter().product()` of them) as an `.npy` array
/// of `shape`; the dtype follows `T` (`f32` is `<f4`, `u32` `<u4`, `u64` `<u8`,
/// `f64` `<f8`, a derived struct a structured dtype).
pub fn write<T: npyz::AutoSerialize>(path: &Path, shape: &[u64], values: impl IntoIterator<Item = T>) -> anyhow::Result<()> {
    let file = std::fs::File::create(path).with_context(|| format!("cannot create {}", path.display()))?;
    let mut w = BufWriter::new(file);
    let mut writer =
        npyz::WriteOptions::new().default_dtype().shape(shape).writer(&mut w).begin_nd().with_context(|| format!("cannot write {}", path.display()))?;
    writer.extend(values).with_context(|| format!("cannot write {}", path.display()))?;
    // `finish` checks that the values filled the shape.
    writer.finish().with_context(|| format!("{}: the values do not fill the shape {shape:?}", path.display()))?;
    w.flush().with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn arrays_read_back_with_shape_and_dtype() {
        let path = std::env::temp_dir().join(format!("synfire-npy-{}.npy", std::process::id()));
        write(&path, &[2, 3], [1.0f32, 2.0, 3.0, 4.0, 5.0, 6.5]).unwrap();
        let bytes = std::fs::read(&path).unwrap();
        let npy = npyz::NpyFile::new(&bytes[..]).unwrap();
        assert_eq!((npy.shape().to_vec(), npy.dtype().descr()), (vec![2, 3], "'<f4'".to_string()));
        assert_eq!(npy.into_vec::<f32>().unwrap(), [1.0, 2.0, 3.0, 4.0, 5.0, 6.5]);
        assert!(write(&path, &[2, 2], [1u32, 2, 3]).is_err(), "too few values for the shape");
        std::fs::remove_file(path).unwrap();
    }

    /// Trust issue (poor messages): a full disk said "No space left on device" without
    /// the path. `/dev/full` fails every write with that error.
    #[test]
    fn a_full_disk_names_the_file() {
        let full = std::path::Path::new("/dev/full");
        if !full.exists() {
            return; // not Linux
        }
        let err = format!("{:#}", write(full, &[100_000], (0..100_000).map(|x| x as f32)).unwrap_err());
        assert!(err.contains("/dev/full") && err.contains("No space left"), "{err}");
    }
}
