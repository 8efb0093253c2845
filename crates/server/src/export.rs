//! `kynnys export`: the directory in the interchange format, ordered by `external_id`.

use crate::ServerError;
use kynnys_store::{Store, StoreError};
use std::io::Write;
use std::path::Path;

/// Writes every listing to `out`, one JSON line each. Returns how many were written.
pub fn write_listings(store: &Store, out: &mut impl Write) -> Result<usize, ServerError> {
    let written = store.export_listings(|record| {
        serde_json::to_writer(&mut *out, record).map_err(|e| StoreError::Io(e.into()))?;
        out.write_all(b"\n")?;
        Ok(())
    })?;
    out.flush()?;
    Ok(written)
}

/// Exports to a file, atomically: readers see the old file or the complete new one.
pub fn export_to_file(store: &Store, path: &Path) -> Result<usize, ServerError> {
    let file_error = |source| ServerError::File {
        path: path.display().to_string(),
        source,
    };
    let mut partial = path.as_os_str().to_owned();
    partial.push(".partial");
    let partial = std::path::PathBuf::from(partial);
    let file = std::fs::File::create(&partial).map_err(file_error)?;
    let mut writer = std::io::BufWriter::new(file);
    let written = match write_listings(store, &mut writer) {
        Ok(n) => n,
        Err(e) => {
            drop(writer);
            let _ = std::fs::remove_file(&partial);
            return Err(e);
        }
    };
    writer
        .into_inner()
        .map_err(|e| file_error(e.into_error()))?
        .sync_all()
        .map_err(file_error)?;
    std::fs::rename(&partial, path).map_err(file_error)?;
    Ok(written)
}
