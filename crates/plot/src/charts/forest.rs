//! Forest plots of ratios with intervals.

use super::*;

pub(super) struct ForestFigure<'a> {
    pub(super) title: &'a str,
    pub(super) value_label: &'a str,
    /// (label, estimate, lo, hi), already log10.
    pub(super) rows: Vec<(String, f64, f64, f64)>,
    pub(super) size: (u32, u32),
}

impl Figure for ForestFigure<'_> {
    fn size(&self) -> (u32, u32) {
        self.size
    }

    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        _vector: bool,
    ) -> Result<(), PlotError> {
        let n = self.rows.len();
        let values = self
            .rows
            .iter()
            .flat_map(|(_, m, l, h)| [*m, *l, *h])
            .chain([0.0]);
        let (x0, x1) = padded_range(finite_range(values), 0.08);
        let style = anchored(TICK_PX, HPos::Right, VPos::Center);
        let mut label_w = 0;
        for (label, ..) in &self.rows {
            label_w = label_w.max(root.estimate_text_size(label, &style)?.0);
        }
        let label_area = (label_w + 20).clamp(60, self.size.0 * 45 / 100);
        let mut chart = ChartBuilder::on(root)
            .caption(self.title, text_style(TITLE_PX))
            .margin(16)
            .x_label_area_size(56)
            .y_label_area_size(label_area)
            .build_cartesian_2d(x0..x1, 0.0..n as f64)?;
        let fmt = |v: &f64| fmt_num(10f64.powf(*v));
        {
            let mut mesh = chart.configure_mesh();
            style_mesh(&mut mesh, self.value_label, "");
            mesh.disable_y_mesh()
                .y_labels(0)
                .x_label_formatter(&fmt)
                .draw()?;
        }
        let row_px = {
            let (_, a) = chart.backend_coord(&(x0, 0.0));
            let (_, b) = chart.backend_coord(&(x0, 1.0));
            (a - b).abs() as f64
        };
        let cap = (row_px * 0.15).clamp(2.0, 8.0) as i32;
        let whisker = BLACK.stroke_width(2);
        for (row, (_, m, lo, hi)) in self.rows.iter().enumerate() {
            let c = (n - 1 - row) as f64 + 0.5;
            if lo.is_finite() && hi.is_finite() {
                let (l, h) = (lo.max(x0), hi.min(x1));
                chart.draw_series(std::iter::once(PathElement::new(
                    vec![(l, c), (h, c)],
                    whisker,
                )))?;
                for end in [l, h] {
                    chart.draw_series(std::iter::once(
                        EmptyElement::at((end, c))
                            + PathElement::new(vec![(0, -cap), (0, cap)], whisker),
                    ))?;
                }
            }
            if m.is_finite() {
                let s = (row_px * 0.18).clamp(3.0, 9.0) as i32;
                chart.draw_series(std::iter::once(
                    EmptyElement::at((*m, c))
                        + Rectangle::new([(-s, -s), (s, s)], OI_BLUE.filled()),
                ))?;
            }
        }
        chart.draw_series(std::iter::once(PathElement::new(
            vec![(0.0, 0.0), (0.0, n as f64)],
            BLACK.mix(0.7).stroke_width(1),
        )))?;
        let (bx, by) = root.get_base_pixel();
        let labels: Vec<(String, (i32, i32))> = self
            .rows
            .iter()
            .enumerate()
            .map(|(k, (label, ..))| {
                let (x, y) = chart.backend_coord(&(x0, (n - 1 - k) as f64 + 0.5));
                (label.clone(), (x - 8 - bx, y - by))
            })
            .collect();
        draw_category_labels(root, &labels, &style, row_px, false)
    }
}

/// Forest plot: one row per `(label, ratio, lo, hi)` (top to bottom in the
/// given order), a square at the ratio and a whisker over its interval, on
/// a logarithmic axis with a vertical line at 1 (no difference). Values
/// that are not finite and positive skip the square or whisker; whiskers
/// are cut at the axis range. 1000 px wide, growing with the rows. `out`
/// is the file to write (extension added if missing) or a directory (then
/// `forest.<ext>` in it).
///
/// # Errors
/// [`PlotError::InvalidInput`] if `rows` is empty; I/O or drawing errors.
pub fn forest_plot(
    out: &Path,
    title: &str,
    value_label: &str,
    rows: &[(String, f64, f64, f64)],
    format: ImageFormat,
) -> Result<PathBuf, PlotError> {
    if rows.is_empty() {
        return Err(PlotError::InvalidInput(format!("no rows for “{title}”")));
    }
    let lg = |v: f64| if v > 0.0 { v.log10() } else { f64::NAN };
    let rows: Vec<_> = rows
        .iter()
        .map(|(l, m, lo, hi)| (l.clone(), lg(*m), lg(*lo), lg(*hi)))
        .collect();
    let height = (150 + 40 * rows.len() as u32).clamp(320, 4000);
    let fig = ForestFigure {
        title,
        value_label,
        rows,
        size: (1000, height),
    };
    let ext = format.extension();
    render(
        &fig,
        &resolve_output(out, &format!("forest.{ext}"), ext),
        format,
    )
}
