//! Output files: resolved names, atomic image files, PNG and SVG rendering.

use super::*;

// ---------------------------------------------------------------------------
// Output files
// ---------------------------------------------------------------------------

/// Where to write: `out` itself, `out/<default_name>` if `out` is a directory,
/// with `.ext` appended when `out` lacks the right extension.
pub(crate) fn resolve_output(out: &Path, default_name: &str, ext: &str) -> PathBuf {
    let path = if out.is_dir() {
        out.join(default_name)
    } else {
        out.to_path_buf()
    };
    let ok = path
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case(ext));
    if ok {
        path
    } else {
        let mut s = path.into_os_string();
        s.push(".");
        s.push(ext);
        PathBuf::from(s)
    }
}

pub(crate) fn ensure_parent(path: &Path) -> Result<(), PlotError> {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => create_dir(p),
        _ => Ok(()),
    }
}

pub(crate) fn create_dir(dir: &Path) -> Result<(), PlotError> {
    fs::create_dir_all(dir).map_err(|source| PlotError::Io {
        path: dir.to_path_buf(),
        source,
    })
}

/// Creates the file that will be renamed onto `target` once complete
/// (see [`crate::output::AtomicFile`]: created exclusively, never through an
/// existing name, removed if dropped uncommitted).
pub(crate) fn create_atomic(target: &Path) -> Result<crate::output::AtomicFile, PlotError> {
    crate::output::AtomicFile::create(target).map_err(|source| PlotError::Io {
        path: target.to_path_buf(),
        source,
    })
}

/// Commits a finished [`crate::output::AtomicFile`] onto its target.
pub(crate) fn commit(file: crate::output::AtomicFile, target: &Path) -> Result<PathBuf, PlotError> {
    file.commit().map_err(|source| PlotError::Io {
        path: target.to_path_buf(),
        source,
    })?;
    Ok(target.to_path_buf())
}

/// Maps a failed open/read to [`PlotError::Missing`] or [`PlotError::Io`].
pub(crate) fn io_err(path: &Path, source: io::Error) -> PlotError {
    if source.kind() == io::ErrorKind::NotFound {
        PlotError::Missing {
            path: path.to_path_buf(),
        }
    } else {
        PlotError::Io {
            path: path.to_path_buf(),
            source,
        }
    }
}

/// Fails with [`PlotError::Missing`] unless `path` is an existing file.
pub(crate) fn require_file(path: &Path) -> Result<(), PlotError> {
    if path.is_file() {
        Ok(())
    } else {
        Err(PlotError::Missing {
            path: path.to_path_buf(),
        })
    }
}

/// A figure that can be drawn on any plotters backend.
pub(crate) trait Figure {
    /// Pixel size of the whole figure.
    fn size(&self) -> (u32, u32);
    /// Draws the figure on a white root area. `vector` is true for SVG, where
    /// rasters are drawn as rectangles.
    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        vector: bool,
    ) -> Result<(), PlotError>;
}

/// Renders `fig` to `out` in `format`, atomically.
pub(crate) fn render<F: Figure>(
    fig: &F,
    out: &Path,
    format: ImageFormat,
) -> Result<PathBuf, PlotError> {
    ensure_fonts();
    ensure_parent(out)?;
    let mut file = create_atomic(out)?;
    match format {
        ImageFormat::Png => render_png(fig, &mut file, out)?,
        ImageFormat::Svg => render_svg(fig, &mut file, out)?,
    }
    commit(file, out)
}

pub(super) fn render_png<F: Figure>(
    fig: &F,
    file: &mut impl io::Write,
    path: &Path,
) -> Result<(), PlotError> {
    let (w, h) = fig.size();
    let mut rgb = vec![255u8; w as usize * h as usize * 3];
    {
        let root = BitMapBackend::with_buffer(&mut rgb, (w, h)).into_drawing_area();
        root.fill(&WHITE)?;
        fig.draw(&root, false)?;
        root.present()?;
    }
    write_png(file, path, w, h, &rgb)
}

/// Writes an RGB image as PNG with the best compression and no row
/// filter, which suits figures (flat colours, lines, text, smooth maps)
/// best: about a quarter of the size of the drawing library's own PNGs.
/// `path` names the file in errors.
pub(crate) fn write_png(
    file: &mut impl io::Write,
    path: &Path,
    w: u32,
    h: u32,
    rgb: &[u8],
) -> Result<(), PlotError> {
    let io = |source: io::Error| PlotError::Io {
        path: path.to_path_buf(),
        source,
    };
    let enc_err = |e: png::EncodingError| match e {
        png::EncodingError::IoError(source) => io(source),
        other => PlotError::Draw(format!("PNG encoding: {other}")),
    };
    let mut buf = io::BufWriter::new(file);
    let mut enc = png::Encoder::new(&mut buf, w, h);
    enc.set_color(png::ColorType::Rgb);
    enc.set_depth(png::BitDepth::Eight);
    enc.set_compression(png::Compression::Best);
    enc.set_filter(png::FilterType::NoFilter);
    let mut writer = enc.write_header().map_err(enc_err)?;
    writer.write_image_data(rgb).map_err(enc_err)?;
    writer.finish().map_err(enc_err)?;
    io::Write::flush(&mut buf).map_err(io)?;
    Ok(())
}

pub(super) fn render_svg<F: Figure>(
    fig: &F,
    file: &mut impl io::Write,
    path: &Path,
) -> Result<(), PlotError> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, fig.size()).into_drawing_area();
        root.fill(&WHITE)?;
        fig.draw(&root, true)?;
        root.present()?;
    }
    file.write_all(svg.as_bytes())
        .map_err(|source| PlotError::Io {
            path: path.to_path_buf(),
            source,
        })
}
