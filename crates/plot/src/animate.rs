//! Animated GIF of one field over all snapshots.

use std::io::BufWriter;
use std::path::{Path, PathBuf};

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::fieldmap::{
    block_factor, draw_map, draw_overlay_legend, fit_map, marker_radius, MapView, Run,
};
use super::{
    anchored, colormap_rgb, commit, create_atomic, draw_colorbar, ensure_fonts, ensure_parent,
    field_display_name, resolve_output, rgb, PlotError, PxRect, NAN_GREY, NEUTRAL_GREY, OKABE_ITO,
};

/// Widest frame in pixels.
const FRAME_W: u32 = 480;
/// Largest map side in the frame.
const MAP_MAX: u32 = 360;
const TOP_H: u32 = 30;
const LEGEND_H: u32 = 40;
const PAD: u32 = 8;
const CB_W: u32 = 12;
const FONT_PX: f64 = 14.0;
const SMALL_PX: f64 = 11.0;
/// Frame delay in hundredths of a second; the last frame is held longer.
const DELAY_CS: u16 = 15;
const LAST_DELAY_CS: u16 = 150;
/// Colour-map levels in the fixed palette (the rest is greys and markers).
const MAP_LEVELS: usize = 216;

/// The fixed 256-colour GIF palette with a lazily filled lookup table from
/// 18-bit RGB to palette index, so frames need no quantisation pass.
struct FixedPalette {
    colors: Vec<[u8; 3]>,
    lut: Vec<u16>,
}

impl FixedPalette {
    fn new() -> Self {
        let mut colors: Vec<[u8; 3]> = (0..MAP_LEVELS)
            .map(|i| colormap_rgb(i as f64 / (MAP_LEVELS - 1) as f64))
            .collect();
        colors.extend((0..=16u32).map(|k| {
            let v = (k * 255 / 16) as u8;
            [v, v, v]
        }));
        colors.extend(OKABE_ITO.iter().map(|c| rgb(*c)));
        colors.push(rgb(NEUTRAL_GREY));
        colors.push(rgb(NAN_GREY));
        // Light tints of the marker colours for anti-aliased edges on white.
        colors.extend(OKABE_ITO.iter().skip(1).map(|c| {
            let t = |v: u8| ((v as u16 + 255) / 2) as u8;
            [t(c.0), t(c.1), t(c.2)]
        }));
        debug_assert!(colors.len() <= 256);
        colors.resize(256, [0, 0, 0]);
        FixedPalette {
            colors,
            lut: vec![u16::MAX; 1 << 18],
        }
    }

    fn flat(&self) -> Vec<u8> {
        self.colors.iter().flatten().copied().collect()
    }

    fn index(&mut self, r: u8, g: u8, b: u8) -> u8 {
        let key = ((r as usize >> 2) << 12) | ((g as usize >> 2) << 6) | (b as usize >> 2);
        if self.lut[key] == u16::MAX {
            let c = [(r & 0xfc) | 2, (g & 0xfc) | 2, (b & 0xfc) | 2];
            let best = self
                .colors
                .iter()
                .enumerate()
                .min_by_key(|(_, p)| {
                    let d = |k: usize| (p[k] as i32 - c[k] as i32).pow(2);
                    2 * d(0) + 4 * d(1) + 3 * d(2)
                })
                .map_or(0, |(k, _)| k);
            self.lut[key] = best as u16;
        }
        self.lut[key] as u8
    }

    fn quantise(&mut self, rgb: &[u8]) -> Vec<u8> {
        rgb.chunks_exact(3)
            .map(|p| self.index(p[0], p[1], p[2]))
            .collect()
    }
}

/// Frame geometry.
struct FrameLayout {
    size: (u32, u32),
    map: PxRect,
    bar: PxRect,
    legend: PxRect,
}

impl FrameLayout {
    fn new(extent_um: (f64, f64)) -> Self {
        let (mw, mh) = fit_map(extent_um, MAP_MAX, MAP_MAX);
        let map = PxRect {
            x: PAD as i32,
            y: TOP_H as i32,
            w: mw,
            h: mh,
        };
        let bar = PxRect {
            x: map.right() + 10,
            y: map.y,
            w: CB_W,
            h: mh,
        };
        let height = TOP_H + mh + PAD + LEGEND_H;
        let legend = PxRect {
            x: 2,
            y: (TOP_H + mh + PAD) as i32,
            w: FRAME_W - 4,
            h: LEGEND_H,
        };
        FrameLayout {
            size: (FRAME_W, height),
            map,
            bar,
            legend,
        }
    }
}

fn draw_frame<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    layout: &FrameLayout,
    title: &str,
    view: &MapView<'_>,
    units: &str,
) -> Result<(), PlotError> {
    root.fill(&WHITE)?;
    root.draw(&Text::new(
        title.to_string(),
        (PAD as i32, (TOP_H / 2) as i32),
        anchored(FONT_PX + 2.0, HPos::Left, VPos::Center),
    ))?;
    draw_map(root, layout.map, view, false)?;
    draw_colorbar(root, layout.bar, view.range, units, SMALL_PX + 1.0, false)?;
    draw_overlay_legend(root, layout.legend, SMALL_PX, 3, true)?;
    Ok(())
}

/// Writes an animated GIF of `field` (a key of the snapshots' `fields`, e.g.
/// `"oxygen"`, `"vegf"`, `"il10"`, `"tnf"`), one frame per snapshot in index
/// order: heat map with a colour scale fixed over the whole run, wound
/// margin, vessels, agents, scale bar, colour bar and day stamp, plus a
/// compact legend. Frames are at most 480 px wide, drawn with a fixed
/// 256-colour palette (colour map, greys and Okabe–Ito marker colours), and
/// loop forever; the last frame is held for 1.5 s.
///
/// `out` is the GIF to write (`.gif` appended if missing) or a directory, in
/// which case `<field>.gif` is written in it. Returns the path written.
///
/// # Errors
/// [`PlotError::NoData`] if there is no snapshot or `field` is missing from a
/// snapshot (the message lists the fields available), the file errors of
/// [`super::plot_fieldmaps`], or [`PlotError::Gif`] if encoding fails.
pub fn animate(run_dir: &Path, out: &Path, field: &str) -> Result<PathBuf, PlotError> {
    ensure_fonts();
    let run = Run::open(run_dir)?;
    run.require_snapshots()?;
    for meta in &run.index.snapshots {
        if !meta.has(field) {
            let have: Vec<&str> = meta.names().collect();
            return Err(PlotError::NoData(format!(
                "snapshot {} has no field `{field}` (it has: {})",
                meta.tag,
                have.join(", ")
            )));
        }
    }
    let all: Vec<usize> = (0..run.index.snapshots.len()).collect();
    let range = run.field_range(field, &all)?;
    let extent_um = run.extent_um();
    let layout = FrameLayout::new(extent_um);
    let factor = block_factor(run.index.nx, run.index.ny, MAP_MAX as usize);

    let safe: String = super::fieldmap::safe_tag(field);
    let target = resolve_output(out, &format!("{safe}.gif"), "gif");
    ensure_parent(&target)?;
    let mut file = create_atomic(&target)?;
    write_gif(&run, field, range, &layout, factor, extent_um, &mut file)?;
    commit(file, &target)
}

fn write_gif(
    run: &Run,
    field: &str,
    range: (f64, f64),
    layout: &FrameLayout,
    factor: usize,
    extent_um: (f64, f64),
    file: &mut crate::output::AtomicFile,
) -> Result<(), PlotError> {
    let tmp = &file.tmp_path().to_path_buf();
    let gif_err = |e: &dyn std::fmt::Display| PlotError::Gif {
        path: tmp.to_path_buf(),
        message: e.to_string(),
    };
    let (w, h) = layout.size;
    let mut palette = FixedPalette::new();
    let mut enc = gif::Encoder::new(BufWriter::new(file), w as u16, h as u16, &palette.flat())
        .map_err(|e| gif_err(&e))?;
    enc.set_repeat(gif::Repeat::Infinite)
        .map_err(|e| gif_err(&e))?;
    let name = field_display_name(field);
    let n = run.index.snapshots.len();
    let mut buf = vec![255u8; (w * h * 3) as usize];
    for (k, meta) in run.index.snapshots.iter().enumerate() {
        let layers = run.load_layers(meta, &[field], factor)?;
        let units = meta.units_of(field);
        let view = MapView {
            field: layers.fields.get(field),
            range,
            layers: &layers,
            extent_um,
            day: meta.day,
            marker_r: marker_radius(
                (layout.map.w, layout.map.h),
                run.index.nx,
                layers.thinned(super::fieldmap::MAX_MARKERS).0.len(),
            ),
            font_px: SMALL_PX + 1.0,
            day_stamp: true,
        };
        let title = format!("{name} ({units})");
        {
            let root = BitMapBackend::with_buffer(&mut buf, (w, h)).into_drawing_area();
            draw_frame(&root, layout, &title, &view, &units)?;
            root.present()?;
        }
        let indices = palette.quantise(&buf);
        let mut frame = gif::Frame::from_indexed_pixels(w as u16, h as u16, indices, None);
        frame.delay = if k + 1 == n { LAST_DELAY_CS } else { DELAY_CS };
        enc.write_frame(&frame).map_err(|e| gif_err(&e))?;
    }
    let writer = enc.into_inner().map_err(|e| gif_err(&e))?;
    writer
        .into_inner()
        .map_err(|e| gif_err(&e.error().to_string()))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::testutil::fake_run;
    use super::*;
    use std::fs::File;

    fn decode(path: &Path) -> (u16, u16, usize, Vec<usize>) {
        let mut opts = gif::DecodeOptions::new();
        opts.set_color_output(gif::ColorOutput::Indexed);
        let mut dec = opts.read_info(File::open(path).unwrap()).unwrap();
        let (w, h) = (dec.width(), dec.height());
        let mut frames = 0;
        let mut distinct = Vec::new();
        while let Some(f) = dec.read_next_frame().unwrap() {
            frames += 1;
            let mut seen = [false; 256];
            f.buffer.iter().for_each(|i| seen[*i as usize] = true);
            distinct.push(seen.iter().filter(|s| **s).count());
        }
        (w, h, frames, distinct)
    }

    #[test]
    fn gif_has_one_frame_per_snapshot() {
        let dir = tempfile::tempdir().unwrap();
        fake_run(dir.path(), 60, 50, 3, 5);
        let out = animate(dir.path(), dir.path(), "oxygen").unwrap();
        assert_eq!(out, dir.path().join("oxygen.gif"));
        let (w, h, frames, distinct) = decode(&out);
        let layout = FrameLayout::new((1200.0, 1000.0));
        assert_eq!((w as u32, h as u32), layout.size);
        assert!(w <= 480 && h <= 480);
        assert_eq!(frames, 3);
        assert!(distinct.iter().all(|d| *d > 30), "{distinct:?}");
        assert!(std::fs::read_dir(dir.path()).unwrap().all(|e| {
            !crate::output::atomic::is_tmp_name(&e.unwrap().file_name().to_string_lossy())
        }));

        let out = animate(dir.path(), &dir.path().join("movie"), "vegf").unwrap();
        assert_eq!(out, dir.path().join("movie.gif"));
        assert_eq!(decode(&out).2, 3);
    }

    #[test]
    fn errors() {
        let dir = tempfile::tempdir().unwrap();
        let err = animate(dir.path(), dir.path(), "oxygen").unwrap_err();
        assert!(matches!(&err, PlotError::Missing { path } if path.ends_with("index.json")));
        fake_run(dir.path(), 20, 20, 2, 3);
        let err = animate(dir.path(), dir.path(), "pdgf").unwrap_err();
        assert!(
            matches!(&err, PlotError::NoData(m) if m.contains("oxygen")),
            "{err}"
        );
        let wound = dir.path().join("snapshots/d014.0_wound.npy");
        std::fs::remove_file(&wound).unwrap();
        let err = animate(dir.path(), dir.path(), "tnf").unwrap_err();
        assert!(
            matches!(&err, PlotError::Missing { path } if *path == wound),
            "{err}"
        );
        assert!(!dir.path().join("tnf.gif").exists());
        assert!(std::fs::read_dir(dir.path()).unwrap().all(|e| {
            !crate::output::atomic::is_tmp_name(&e.unwrap().file_name().to_string_lossy())
        }));
    }

    #[test]
    fn palette_maps_exact_colours() {
        let mut p = FixedPalette::new();
        let mut lookup = |c: [u8; 3]| {
            let i = p.index(c[0], c[1], c[2]) as usize;
            p.colors[i]
        };
        assert_eq!(lookup([255, 255, 255]), [255, 255, 255]);
        assert_eq!(lookup([0, 0, 0]), [0, 0, 0]);
        for c in OKABE_ITO {
            assert_eq!(lookup(rgb(c)), rgb(c));
        }
    }

    /// A full-size run (500×500 grid, 85 snapshots) stays a few MB.
    /// Slow; run with `cargo test -- --ignored`.
    #[test]
    #[ignore]
    fn twelve_week_run_size() {
        let dir = tempfile::tempdir().unwrap();
        fake_run(dir.path(), 500, 500, 85, 85);
        let t = std::time::Instant::now();
        let out = animate(dir.path(), dir.path(), "oxygen").unwrap();
        let secs = t.elapsed().as_secs_f64();
        let size = std::fs::metadata(&out).unwrap().len();
        assert_eq!(decode(&out).2, 85);
        assert!(size < 8_000_000, "{size} bytes in {secs:.1}s");
    }
}
