//! Two-factor heat maps.

use super::*;

// ---------------------------------------------------------------------------
// Two-factor heat map
// ---------------------------------------------------------------------------

pub(super) struct HeatmapFigure<'a> {
    pub(super) title: &'a str,
    pub(super) x_label: &'a str,
    pub(super) y_label: &'a str,
    pub(super) x_levels: &'a [String],
    pub(super) y_levels: &'a [String],
    pub(super) values: &'a [Vec<f64>],
    pub(super) colorbar_label: &'a str,
}

pub(super) const HEATMAP_SIZE: (u32, u32) = (1000, 800);
pub(super) const HEATMAP_CB_AREA: u32 = 150;

impl Figure for HeatmapFigure<'_> {
    fn size(&self) -> (u32, u32) {
        HEATMAP_SIZE
    }

    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        vector: bool,
    ) -> Result<(), PlotError> {
        let (nx, ny) = (self.x_levels.len(), self.y_levels.len());
        let range = finite_range(self.values.iter().flatten().copied())
            .map(|(a, b)| crate::widen(a, b))
            .unwrap_or((0.0, 1.0));
        let (left, _) = root.split_horizontally(HEATMAP_SIZE.0 - HEATMAP_CB_AREA);
        let mut chart = ChartBuilder::on(&left)
            .caption(self.title, text_style(TITLE_PX))
            .margin(16)
            .x_label_area_size(64)
            .y_label_area_size(96)
            .build_cartesian_2d(0.0..nx as f64, 0.0..ny as f64)?;
        {
            let mut mesh = chart.configure_mesh();
            style_mesh(&mut mesh, self.x_label, self.y_label);
            mesh.disable_mesh().x_labels(0).y_labels(0).draw()?;
        }
        for (j, row) in self.values.iter().enumerate() {
            for (i, v) in row.iter().enumerate() {
                let c = colormap(normalise(*v, range));
                let (x, y) = (i as f64, j as f64);
                chart.draw_series(std::iter::once(Rectangle::new(
                    [(x, y), (x + 1.0, y + 1.0)],
                    c.filled(),
                )))?;
            }
        }
        let (a, b) = (
            chart.backend_coord(&(0.0, 0.0)),
            chart.backend_coord(&(1.0, 1.0)),
        );
        let (cell_w, cell_h) = ((b.0 - a.0).abs(), (a.1 - b.1).abs());
        if nx * ny <= 225 && cell_w >= 44 && cell_h >= 20 {
            let note_px = (cell_h as f64 * 0.3).clamp(TICK_PX - 1.0, LABEL_PX);
            for (j, row) in self.values.iter().enumerate() {
                for (i, v) in row.iter().enumerate() {
                    let [r, g, bl] = colormap_rgb(normalise(*v, range));
                    let light = 0.299 * r as f64 + 0.587 * g as f64 + 0.114 * bl as f64 > 140.0;
                    let color = if light || !v.is_finite() {
                        BLACK
                    } else {
                        WHITE
                    };
                    let p = chart.backend_coord(&(i as f64 + 0.5, j as f64 + 0.5));
                    root.draw(&Text::new(
                        fmt_num(*v),
                        p,
                        anchored(note_px, HPos::Center, VPos::Center).color(&color),
                    ))?;
                }
            }
        }
        let xl: Vec<(String, (i32, i32))> = self
            .x_levels
            .iter()
            .cloned()
            .enumerate()
            .map(|(i, s)| {
                let (px, py) = chart.backend_coord(&(i as f64 + 0.5, 0.0));
                (s, (px, py + 10))
            })
            .collect();
        draw_category_labels(
            root,
            &xl,
            &anchored(TICK_PX, HPos::Center, VPos::Top),
            cell_w as f64,
            true,
        )?;
        let yl: Vec<(String, (i32, i32))> = self
            .y_levels
            .iter()
            .cloned()
            .enumerate()
            .map(|(j, s)| {
                let (px, py) = chart.backend_coord(&(0.0, j as f64 + 0.5));
                (s, (px - 8, py))
            })
            .collect();
        draw_category_labels(
            root,
            &yl,
            &anchored(TICK_PX, HPos::Right, VPos::Center),
            cell_h as f64,
            false,
        )?;
        let top = chart.backend_coord(&(nx as f64, ny as f64));
        let bar = PxRect {
            x: (HEATMAP_SIZE.0 - HEATMAP_CB_AREA) as i32 + 12,
            y: top.1,
            w: 20,
            h: (a.1 - top.1).max(1) as u32,
        };
        draw_colorbar(root, bar, range, self.colorbar_label, TICK_PX, vector)?;
        if self.values.iter().flatten().any(|v| !v.is_finite()) {
            root.draw(&Rectangle::new(
                [(bar.x, bar.bottom() + 14), (bar.right(), bar.bottom() + 28)],
                NAN_GREY.filled(),
            ))?;
            root.draw(&Text::new(
                "n/a",
                (bar.right() + 7, bar.bottom() + 21),
                anchored(TICK_PX, HPos::Left, VPos::Center),
            ))?;
        }
        Ok(())
    }
}

/// Heat map of a two-factor sweep: `values[j][i]` is the outcome at
/// `xs[i]` (columns, left to right) and `ys[j]` (rows, bottom to top). Each
/// factor level gets an equal-sized cell labelled with its value, so
/// non-uniform (e.g. logarithmic) levels are fine. Viridis colours with a
/// colour bar titled `colorbar_label`; cells are annotated with their value
/// when there is room; NaN cells are grey. 1000×800 px. `out` is the file to
/// write (extension added if missing) or a directory (then `heatmap.<ext>`).
///
/// # Errors
/// [`PlotError::InvalidInput`] if `xs` or `ys` is empty or `values` is not
/// `ys.len()` rows of `xs.len()` values; I/O or drawing errors.
#[allow(clippy::too_many_arguments)]
pub fn heatmap_2d(
    out: &Path,
    title: &str,
    x_label: &str,
    y_label: &str,
    xs: &[f64],
    ys: &[f64],
    values: &[Vec<f64>],
    colorbar_label: &str,
    format: ImageFormat,
) -> Result<PathBuf, PlotError> {
    heatmap_2d_labelled(
        out,
        title,
        x_label,
        y_label,
        &fmt_levels(xs),
        &fmt_levels(ys),
        values,
        colorbar_label,
        format,
    )
}

/// [`heatmap_2d`] with the factor levels given as labels (e.g. a product
/// source or a delivery route) instead of numbers: `values[j][i]` is the
/// outcome at `x_levels[i]` and `y_levels[j]`.
///
/// # Errors
/// As [`heatmap_2d`].
#[allow(clippy::too_many_arguments)]
pub fn heatmap_2d_labelled(
    out: &Path,
    title: &str,
    x_label: &str,
    y_label: &str,
    x_levels: &[String],
    y_levels: &[String],
    values: &[Vec<f64>],
    colorbar_label: &str,
    format: ImageFormat,
) -> Result<PathBuf, PlotError> {
    if x_levels.is_empty() || y_levels.is_empty() {
        return Err(PlotError::InvalidInput(format!(
            "heat map “{title}” needs at least one level per factor"
        )));
    }
    if values.len() != y_levels.len() || values.iter().any(|r| r.len() != x_levels.len()) {
        return Err(PlotError::InvalidInput(format!(
            "heat map “{title}”: values must be {} rows of {} (ys × xs)",
            y_levels.len(),
            x_levels.len()
        )));
    }
    let fig = HeatmapFigure {
        title,
        x_label,
        y_label,
        x_levels,
        y_levels,
        values,
        colorbar_label,
    };
    let ext = format.extension();
    render(
        &fig,
        &resolve_output(out, &format!("heatmap.{ext}"), ext),
        format,
    )
}
