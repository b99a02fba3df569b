//! Line panels (time series, outcome curves).

use super::*;

// ---------------------------------------------------------------------------
// Line panels (time series, outcome curves)
// ---------------------------------------------------------------------------

/// One curve of a [`LinePanel`].
pub(crate) struct Line<'a> {
    pub name: String,
    pub x: &'a [f64],
    pub y: &'a [f64],
    /// Lower and upper band limits, same length as `x`.
    pub band: Option<(&'a [f64], &'a [f64])>,
    pub color: RGBColor,
    /// Plotted against the right axis (drawn dashed).
    pub secondary: bool,
}

/// A titled line chart with optional right axis and reference line.
pub(crate) struct LinePanel<'a> {
    pub title: String,
    /// How x positions are scaled and labelled; the `x` of every line is
    /// already a position on this axis (log₁₀ of the value for
    /// [`XAxis::Log10`], the level index for [`XAxis::Levels`]).
    pub x_axis: XAxis,
    pub x_label: String,
    pub y_label: String,
    pub y2_label: String,
    pub lines: Vec<Line<'a>>,
    /// Range the left axis covers at least.
    pub y_range: Option<(f64, f64)>,
    /// Range the right axis covers at least.
    pub y2_range: Option<(f64, f64)>,
    /// A dashed grey horizontal reference line on the left axis, with its
    /// legend name.
    pub hline: Option<(f64, String)>,
    /// The left axis is logarithmic: the `y` of every primary line (and the
    /// `hline` value) is already log₁₀ of the value, and ticks are labelled
    /// with the values themselves.
    pub y_log: bool,
}

pub(super) fn finite_points<'a>(line: &'a Line<'a>) -> impl Iterator<Item = (f64, f64)> + 'a {
    line.x
        .iter()
        .zip(line.y)
        .map(|(x, y)| (*x, *y))
        .filter(|(x, y)| x.is_finite() && y.is_finite())
}

/// Runs of consecutive finite points (NaN breaks a line).
pub(super) fn segments(x: &[f64], y: &[f64]) -> Vec<Vec<(f64, f64)>> {
    let mut out = Vec::new();
    let mut cur = Vec::new();
    for (a, b) in x.iter().zip(y) {
        if a.is_finite() && b.is_finite() {
            cur.push((*a, *b));
        } else if !cur.is_empty() {
            out.push(std::mem::take(&mut cur));
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// Axis range covering `base` (if any) and the data; only the ends set by the
/// data are padded, so a base of `(0, 0)` means "start exactly at zero".
pub(super) fn axis_range(base: Option<(f64, f64)>, data: Option<(f64, f64)>) -> (f64, f64) {
    let Some((b0, b1)) = base else {
        return padded_range(data, 0.06);
    };
    let (d0, d1) = data.unwrap_or((b0, b1));
    let (lo, hi) = widen(b0.min(d0), b1.max(d1));
    let pad = (hi - lo) * 0.05;
    (
        if lo < b0 { lo - pad } else { lo },
        if hi > b1 { hi + pad } else { hi },
    )
}

/// Draws a [`LinePanel`] filling `area`.
pub(crate) fn draw_line_panel<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    p: &LinePanel<'_>,
) -> Result<(), PlotError> {
    let xr = finite_range(
        p.lines
            .iter()
            .flat_map(|l| finite_points(l).map(|(x, _)| x)),
    );
    let Some((xa, xb)) = xr else {
        return draw_empty_panel(area, &p.title, "no data");
    };
    let (x0, x1) = match &p.x_axis {
        XAxis::Linear => widen(xa, xb),
        XAxis::Log10 => padded_range(Some((xa, xb)), 0.04),
        XAxis::Levels(levels) => (-0.5, levels.len().max(1) as f64 - 0.5),
    };
    let side_values = |secondary: bool| {
        let mut v: Vec<f64> = Vec::new();
        for l in p.lines.iter().filter(|l| l.secondary == secondary) {
            v.extend(finite_points(l).map(|(_, y)| y));
            if let Some((lo, hi)) = l.band {
                v.extend(lo.iter().chain(hi.iter()).copied());
            }
        }
        finite_range(v)
    };
    let mut prim_data = side_values(false);
    if let Some((v, _)) = &p.hline {
        prim_data = finite_range(prim_data.into_iter().flat_map(|(a, b)| [a, b]).chain([*v]));
    }
    let (y0, y1) = axis_range(p.y_range, prim_data);
    let has_sec = p.lines.iter().any(|l| l.secondary);
    let (s0, s1) = axis_range(p.y2_range, side_values(true));

    let mut chart = ChartBuilder::on(area)
        .caption(&p.title, text_style(TITLE_PX))
        .margin(10)
        .x_label_area_size(50)
        .y_label_area_size(74)
        .right_y_label_area_size(if has_sec { 74 } else { 0 })
        .build_cartesian_2d(x0..x1, y0..y1)?
        .set_secondary_coord(x0..x1, s0..s1);
    let fx = |v: &f64| match &p.x_axis {
        XAxis::Linear => fmt_axis(*v, x1 - x0),
        XAxis::Log10 => fmt_num(10f64.powf(*v)),
        XAxis::Levels(levels) => {
            let k = v.round();
            if (v - k).abs() < 1e-6 && k >= 0.0 {
                levels.get(k as usize).cloned().unwrap_or_default()
            } else {
                String::new()
            }
        }
    };
    let fy = |v: &f64| {
        if p.y_log {
            fmt_num(10f64.powf(*v))
        } else {
            fmt_axis(*v, y1 - y0)
        }
    };
    let fs = |v: &f64| fmt_axis(*v, s1 - s0);
    {
        let mut mesh = chart.configure_mesh();
        style_mesh(&mut mesh, &p.x_label, &p.y_label);
        match &p.x_axis {
            XAxis::Levels(levels) => {
                mesh.x_labels(levels.len().clamp(1, 12) + 1);
            }
            // About two ticks per decade: 1e5, 3.2e5, 1e6, ...
            XAxis::Log10 => {
                mesh.x_labels((2 * (x1 - x0).ceil() as usize + 1).clamp(3, 12));
            }
            XAxis::Linear => {}
        }
        mesh.x_label_formatter(&fx).y_label_formatter(&fy).draw()?;
    }
    if has_sec {
        chart
            .configure_secondary_axes()
            .y_label_formatter(&fs)
            .y_desc(p.y2_label.as_str())
            .axis_desc_style(text_style(LABEL_PX))
            .label_style(text_style(TICK_PX))
            .axis_style(BLACK.mix(0.8))
            .draw()?;
    }

    // Legend placement from all points in normalised coordinates.
    let mut norm_pts = Vec::new();
    for l in &p.lines {
        let r = if l.secondary { (s0, s1) } else { (y0, y1) };
        norm_pts.extend(finite_points(l).map(|(x, y)| (normalise(x, (x0, x1)), normalise(y, r))));
    }

    if let Some((v, name)) = &p.hline {
        let style = NEUTRAL_GREY.stroke_width(2);
        chart
            .draw_series(DashedLineSeries::new(vec![(x0, *v), (x1, *v)], 6, 5, style))?
            .label(name.as_str())
            .legend(move |(x, y)| DashedPathElement::new(vec![(x, y), (x + 22, y)], 4, 3, style));
    }

    for l in &p.lines {
        let Some((lo, hi)) = l.band else { continue };
        let fill = l.color.mix(0.2).filled();
        let mut run: Vec<(f64, f64, f64)> = Vec::new();
        let n = l.x.len().min(lo.len()).min(hi.len());
        for i in 0..=n {
            let ok = i < n && l.x[i].is_finite() && lo[i].is_finite() && hi[i].is_finite();
            if ok {
                run.push((l.x[i], lo[i], hi[i]));
                continue;
            }
            if run.len() >= 2 {
                let mut poly: Vec<(f64, f64)> = run.iter().map(|(x, _, h)| (*x, *h)).collect();
                poly.extend(run.iter().rev().map(|(x, l, _)| (*x, *l)));
                let elem = Polygon::new(poly, fill);
                if l.secondary {
                    chart.draw_secondary_series(std::iter::once(elem))?;
                } else {
                    chart.draw_series(std::iter::once(elem))?;
                }
            }
            run.clear();
        }
    }

    for l in &p.lines {
        let style = l.color.stroke_width(2);
        let segs = segments(l.x, l.y);
        let few = finite_points(l).count() <= 30;
        let name = if l.secondary {
            format!("{} (right axis)", l.name)
        } else {
            l.name.clone()
        };
        for (k, seg) in segs.into_iter().enumerate() {
            let markers: Vec<Circle<(f64, f64), i32>> = if few {
                seg.iter()
                    .map(|p| Circle::new(*p, 3, l.color.filled()))
                    .collect()
            } else {
                Vec::new()
            };
            let anno = if l.secondary {
                chart.draw_secondary_series(markers)?;
                chart.draw_secondary_series(DashedLineSeries::new(seg, 8, 5, style))?
            } else {
                chart.draw_series(markers)?;
                chart.draw_series(LineSeries::new(seg, style))?
            };
            if k == 0 {
                if l.secondary {
                    anno.label(name.as_str()).legend(move |(x, y)| {
                        DashedPathElement::new(vec![(x, y), (x + 22, y)], 6, 4, style)
                    });
                } else {
                    anno.label(name.as_str())
                        .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 22, y)], style));
                }
            }
        }
    }

    let n_labels = p.lines.len() + usize::from(p.hline.is_some());
    if n_labels > 1 || has_sec {
        draw_series_legend(&mut chart, legend_position(&norm_pts), 30)?;
    }
    Ok(())
}
