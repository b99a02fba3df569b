//! `woundsim export RUN_DIR --to vtk|zarr`: a run's field snapshots for
//! ParaView (VTK) or xarray (Zarr); see `woundsim::output::export`.

use anyhow::Result;
use clap::{Args, ValueEnum};
use std::path::PathBuf;
use std::process::ExitCode;

/// Export formats.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum Format {
    /// fields.pvd (a time series of .vti image data: every field, the wound
    /// mask and the vessel map, units in the array names) and agents.pvd
    /// (.vtp points: kind, state, id), for ParaView; a 3D run adds maps.pvd
    /// (the wound and vessel maps at the bed layer).
    Vtk,
    /// One Zarr (format 2) store: (time, y, x) arrays (3D fields: (time, z, y, x)) with CF-style units,
    /// for xarray (`xarray.open_zarr`).
    Zarr,
}

/// Arguments of `woundsim export`.
#[derive(Args)]
pub struct ExportArgs {
    /// Run directory with snapshots (written by `woundsim run`).
    run_dir: PathBuf,
    /// Format to write.
    #[arg(long, value_enum)]
    to: Format,
    /// Output directory (default: RUN_DIR-vtk for vtk, RUN_DIR.zarr for zarr).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Overwrite a non-empty output directory written by an earlier export.
    #[arg(long)]
    force: bool,
}

/// Run `woundsim export`.
pub fn export(a: ExportArgs) -> Result<ExitCode> {
    let default = |suffix: &str| {
        let mut s = a.run_dir.clone().into_os_string();
        s.push(suffix);
        PathBuf::from(s)
    };
    match a.to {
        Format::Vtk => {
            let out = a.out.clone().unwrap_or_else(|| default("-vtk"));
            for f in woundsim::output::export::to_vtk(&a.run_dir, &out, a.force)? {
                outln!("{}", f.display())?;
            }
        }
        Format::Zarr => {
            let out = a.out.clone().unwrap_or_else(|| default(".zarr"));
            let f = woundsim::output::export::to_zarr(&a.run_dir, &out, a.force)?;
            outln!("{}", f.display())?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
