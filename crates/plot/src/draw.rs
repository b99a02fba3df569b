//! Pixel-level helpers: rasters, colour bars, text boxes, meshes, titles, legends.

use super::*;

// ---------------------------------------------------------------------------
// Pixel-level helpers: rasters, colour bars, text boxes
// ---------------------------------------------------------------------------

/// A rectangle in backend pixels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct PxRect {
    pub x: i32,
    pub y: i32,
    pub w: u32,
    pub h: u32,
}

impl PxRect {
    pub fn right(&self) -> i32 {
        self.x + self.w as i32
    }
    pub fn bottom(&self) -> i32 {
        self.y + self.h as i32
    }
}

/// An RGB image held in memory, row-major from the top.
#[derive(Debug, Clone)]
pub(crate) struct Raster {
    pub w: usize,
    pub h: usize,
    pub rgb: Vec<u8>,
}

impl Raster {
    pub fn new(w: usize, h: usize) -> Self {
        Raster {
            w,
            h,
            rgb: vec![255; w * h * 3],
        }
    }
    pub fn set(&mut self, x: usize, y: usize, c: [u8; 3]) {
        let k = (y * self.w + x) * 3;
        self.rgb[k..k + 3].copy_from_slice(&c);
    }
    pub fn get(&self, x: usize, y: usize) -> [u8; 3] {
        let k = (y * self.w + x) * 3;
        [self.rgb[k], self.rgb[k + 1], self.rgb[k + 2]]
    }
    /// Nearest-neighbour resampling to `w`×`h`.
    pub fn resized(&self, w: usize, h: usize) -> Raster {
        if w == self.w && h == self.h {
            return self.clone();
        }
        let mut out = Raster::new(w, h);
        for y in 0..h {
            let sy = (y * self.h / h.max(1)).min(self.h - 1);
            for x in 0..w {
                let sx = (x * self.w / w.max(1)).min(self.w - 1);
                out.set(x, y, self.get(sx, sy));
            }
        }
        out
    }
}

/// Draws `raster` stretched over `rect`: a bitmap blit on raster backends,
/// rows of merged rectangles on vector backends.
pub(crate) fn draw_raster<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    rect: PxRect,
    raster: &Raster,
    vector: bool,
) -> Result<(), PlotError> {
    if raster.w == 0 || raster.h == 0 || rect.w == 0 || rect.h == 0 {
        return Ok(());
    }
    if !vector {
        let img = raster.resized(rect.w as usize, rect.h as usize);
        let elem = BitMapElement::with_owned_buffer((rect.x, rect.y), (rect.w, rect.h), img.rgb)
            .ok_or_else(|| PlotError::Draw("raster buffer has the wrong size".into()))?;
        root.draw(&elem)?;
        return Ok(());
    }
    let (rw, rh) = (raster.w as i64, raster.h as i64);
    let (dw, dh) = (rect.w as i64, rect.h as i64);
    for row in 0..raster.h {
        let y0 = rect.y + (row as i64 * dh / rh) as i32;
        let y1 = rect.y + ((row as i64 + 1) * dh / rh) as i32;
        let mut start = 0;
        while start < raster.w {
            let c = raster.get(start, row);
            let mut end = start + 1;
            while end < raster.w && raster.get(end, row) == c {
                end += 1;
            }
            let x0 = rect.x + (start as i64 * dw / rw) as i32;
            let x1 = rect.x + (end as i64 * dw / rw) as i32;
            root.draw(&Rectangle::new(
                [(x0, y0), (x1, y1)],
                RGBColor(c[0], c[1], c[2]).filled(),
            ))?;
            start = end;
        }
    }
    Ok(())
}

/// A vertical viridis colour bar in `bar` (max at the top) with ticks, tick
/// labels and a rotated `label` to its right. Returns the right edge used.
pub(crate) fn draw_colorbar<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    bar: PxRect,
    range: (f64, f64),
    label: &str,
    tick_px: f64,
    vector: bool,
) -> Result<i32, PlotError> {
    let rows = if vector {
        (bar.h as usize).min(96)
    } else {
        bar.h as usize
    };
    let mut ramp = Raster::new(1, rows.max(1));
    for r in 0..ramp.h {
        let t = 1.0 - (r as f64 + 0.5) / ramp.h as f64;
        ramp.set(0, r, colormap_rgb(t));
    }
    draw_raster(root, bar, &ramp, vector)?;
    root.draw(&Rectangle::new(
        [(bar.x, bar.y), (bar.right(), bar.bottom())],
        BLACK.stroke_width(1),
    ))?;
    let (lo, hi) = range;
    let style = anchored(tick_px, HPos::Left, VPos::Center);
    let mut max_w = 0u32;
    for t in nice_ticks(lo, hi, 5) {
        let y = bar.bottom() - (normalise(t, range) * bar.h as f64).round() as i32;
        root.draw(&PathElement::new(
            vec![(bar.right(), y), (bar.right() + 4, y)],
            BLACK.stroke_width(1),
        ))?;
        let s = fmt_num(t);
        let (w, _) = root.estimate_text_size(&s, &style)?;
        max_w = max_w.max(w);
        root.draw(&Text::new(s, (bar.right() + 7, y), style.clone()))?;
    }
    let lx = bar.right() + 7 + max_w as i32 + (tick_px * 0.9) as i32;
    let lstyle = anchored(tick_px, HPos::Center, VPos::Center).transform(FontTransform::Rotate270);
    root.draw(&Text::new(
        label.to_string(),
        (lx, bar.y + bar.h as i32 / 2),
        lstyle,
    ))?;
    Ok(lx + (tick_px * 0.7) as i32)
}

/// Text in an opaque white box with a thin border; `at` is the box's top-left
/// corner. Returns the box size.
pub(crate) fn draw_text_box<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    text: &str,
    at: (i32, i32),
    px: f64,
) -> Result<(u32, u32), PlotError> {
    let style = anchored(px, HPos::Left, VPos::Center);
    let (w, _) = root.estimate_text_size(text, &style)?;
    let pad = (px * 0.35).round() as i32;
    let bw = w as i32 + 2 * pad;
    let bh = (px * 1.3).round() as i32;
    root.draw(&Rectangle::new(
        [at, (at.0 + bw, at.1 + bh)],
        WHITE.filled(),
    ))?;
    root.draw(&Rectangle::new(
        [at, (at.0 + bw, at.1 + bh)],
        BLACK.mix(0.6).stroke_width(1),
    ))?;
    root.draw(&Text::new(
        text.to_string(),
        (at.0 + pad, at.1 + bh / 2),
        style,
    ))?;
    Ok((bw as u32, bh as u32))
}

/// Applies the shared axis style (fonts, grid and axis colours, labels).
pub(crate) fn style_mesh<'a, 'b, X: Ranged, Y: Ranged, DB: DrawingBackend>(
    mesh: &mut MeshStyle<'a, 'b, X, Y, DB>,
    x_desc: &str,
    y_desc: &str,
) {
    mesh.x_desc(x_desc)
        .y_desc(y_desc)
        .axis_desc_style(text_style(LABEL_PX))
        .label_style(text_style(TICK_PX))
        .bold_line_style(BLACK.mix(0.12))
        .light_line_style(BLACK.mix(0.04))
        .axis_style(BLACK.mix(0.8));
}

/// Draws a centred figure title in the top `h` pixels of `root`.
pub(crate) fn draw_figure_title<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    h: u32,
) -> Result<(), PlotError> {
    let (w, _) = root.dim_in_pixel();
    root.draw(&Text::new(
        title.to_string(),
        ((w / 2) as i32, (h / 2) as i32),
        anchored(TITLE_PX + 2.0, HPos::Center, VPos::Center),
    ))?;
    Ok(())
}

/// Draws a centred `title` in the top `title_h` pixels of `root` and splits
/// the rest into a grid of `rows`×`cols` equal panels (row by row).
pub(crate) fn titled_grid<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    title_h: u32,
    (rows, cols): (usize, usize),
) -> Result<Vec<DrawingArea<DB, Shift>>, PlotError> {
    let (head, body) = root.split_vertically(title_h);
    draw_figure_title(&head, title, title_h)?;
    Ok(body.split_evenly((rows, cols)))
}

/// Centred "no data" message for an empty panel, under its title.
pub(crate) fn draw_empty_panel<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    title: &str,
    message: &str,
) -> Result<(), PlotError> {
    let (w, h) = area.dim_in_pixel();
    area.draw(&Text::new(
        title.to_string(),
        ((w / 2) as i32, 20),
        anchored(TITLE_PX, HPos::Center, VPos::Center),
    ))?;
    area.draw(&Text::new(
        message.to_string(),
        ((w / 2) as i32, (h / 2) as i32),
        anchored(LABEL_PX, HPos::Center, VPos::Center).color(&NEUTRAL_GREY),
    ))?;
    Ok(())
}

/// Draws the series legend of `chart` (entries `legend_area` pixels wide)
/// at `position` in the shared style: small text on a translucent white box.
pub(crate) fn draw_series_legend<'a, DB: DrawingBackend + 'a, CT: CoordTranslate>(
    chart: &mut ChartContext<'a, DB, CT>,
    position: SeriesLabelPosition,
    legend_area: u32,
) -> Result<(), PlotError> {
    chart
        .configure_series_labels()
        .position(position)
        .margin(8)
        .legend_area_size(legend_area)
        .background_style(WHITE.mix(0.88))
        .border_style(BLACK.mix(0.4))
        .label_font(text_style(SMALL_PX))
        .draw()?;
    Ok(())
}

/// The plot corner with the fewest data points, for the legend.
/// `pts` are in normalised plot coordinates (0..1, y up).
pub(crate) fn legend_position(pts: &[(f64, f64)]) -> SeriesLabelPosition {
    let corners = [
        (SeriesLabelPosition::UpperRight, 0.5, 1.0, 0.6, 1.0),
        (SeriesLabelPosition::UpperLeft, 0.0, 0.5, 0.6, 1.0),
        (SeriesLabelPosition::LowerRight, 0.5, 1.0, 0.0, 0.4),
        (SeriesLabelPosition::LowerLeft, 0.0, 0.5, 0.0, 0.4),
    ];
    let count = |x0: f64, x1: f64, y0: f64, y1: f64| {
        pts.iter()
            .filter(|(x, y)| *x >= x0 && *x <= x1 && *y >= y0 && *y <= y1)
            .count()
    };
    let mut best = (usize::MAX, SeriesLabelPosition::UpperRight);
    for (pos, x0, x1, y0, y1) in corners {
        let n = count(x0, x1, y0, y1);
        if n < best.0 {
            best = (n, pos);
        }
    }
    best.1
}
