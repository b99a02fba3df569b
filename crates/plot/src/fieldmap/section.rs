//! Cross-sections of a 3D run: each field in the vertical (x, z) plane
//! through the wound's centre, with the layers named and the agents near
//! the plane drawn at their height.

use super::*;

/// Largest cross-section map in pixels (width, height).
const SECTION_BUDGET_PX: (u32, u32) = (720, 240);
const SECTION_AXIS_LEFT: u32 = 66;
/// Room right of the map for the layer names, the colour bar and its label.
const SECTION_RIGHT: u32 = 190;
const SECTION_PANEL_TOP: u32 = 30;
const SECTION_AXIS_BOTTOM: u32 = 52;
const SECTION_HEADER_H: u32 = 50;
const SECTION_FOOTER_H: u32 = 62;
const SECTION_OUTER: u32 = 10;
/// Agents within this distance of the section plane (µm) are drawn.
const NEAR_PLANE_UM: f64 = 100.0;

/// One contiguous run of layers of one kind (bottom first).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct LayerBand {
    pub kind: String,
    /// First layer and one past the last.
    pub from: usize,
    pub to: usize,
}

/// Groups consecutive layers of the same kind, bottom first.
pub(crate) fn layer_bands(kinds: &[String]) -> Vec<LayerBand> {
    let mut out: Vec<LayerBand> = Vec::new();
    for (i, k) in kinds.iter().enumerate() {
        match out.last_mut() {
            Some(b) if &b.kind == k => b.to = i + 1,
            _ => out.push(LayerBand {
                kind: k.clone(),
                from: i,
                to: i + 1,
            }),
        }
    }
    out
}

/// One panel of a cross-section figure.
struct Panel {
    field: String,
    units: String,
    /// The `(nz, nx)` section, `None` when the snapshot lacks the field.
    values: Option<Array2<f32>>,
    range: (f64, f64),
}

struct SectionFigure<'a> {
    day: f64,
    /// Distance of the section plane from the domain's y = 0 face (µm).
    y_um: f64,
    panels: Vec<Panel>,
    bands: &'a [LayerBand],
    dz_um: f64,
    extent_um: (f64, f64),
    map: (u32, u32),
    agents: Vec<Agent>,
}

impl SectionFigure<'_> {
    fn cell_h(&self) -> u32 {
        SECTION_PANEL_TOP + self.map.1 + SECTION_AXIS_BOTTOM
    }

    fn map_rect(&self, k: usize) -> PxRect {
        PxRect {
            x: (SECTION_OUTER + SECTION_AXIS_LEFT) as i32,
            y: (SECTION_HEADER_H + k as u32 * self.cell_h() + SECTION_PANEL_TOP) as i32,
            w: self.map.0,
            h: self.map.1,
        }
    }
}

impl Figure for SectionFigure<'_> {
    fn size(&self) -> (u32, u32) {
        (
            2 * SECTION_OUTER + SECTION_AXIS_LEFT + self.map.0 + SECTION_RIGHT,
            SECTION_HEADER_H + self.panels.len() as u32 * self.cell_h() + SECTION_FOOTER_H,
        )
    }

    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        vector: bool,
    ) -> Result<(), PlotError> {
        draw_figure_title(
            root,
            &format!(
                "Day {}: cross-section through the wound centre (y = {} mm)",
                fmt_day(self.day),
                fmt_num(self.y_um / 1000.0)
            ),
            SECTION_HEADER_H,
        )?;
        let (ex, ez) = self.extent_um;
        let marker_r = 2;
        for (k, panel) in self.panels.iter().enumerate() {
            let (name, units, field, range) =
                (&panel.field, &panel.units, &panel.values, &panel.range);
            let rect = self.map_rect(k);
            root.draw(&Text::new(
                format!("{} ({units})", field_display_name(name)),
                (
                    rect.x + rect.w as i32 / 2,
                    rect.y - (SECTION_PANEL_TOP / 2) as i32,
                ),
                anchored(TITLE_PX - 2.0, HPos::Center, VPos::Center),
            ))?;
            // The heat map: raster row 0 is the top layer.
            let (rw, rh) = (rect.w as usize, rect.h as usize);
            let mut raster = Raster::new(rw, rh);
            match field {
                Some(f) => {
                    let (nz, nx) = f.dim();
                    for y in 0..rh {
                        let iz = nz - 1 - ((y * nz) / rh).min(nz - 1);
                        for x in 0..rw {
                            let ix = ((x * nx) / rw).min(nx - 1);
                            let mut t = normalise(f[[iz, ix]] as f64, *range);
                            if vector {
                                t = (t * (SVG_LEVELS - 1.0)).round() / (SVG_LEVELS - 1.0);
                            }
                            raster.set(x, y, colormap_rgb(t));
                        }
                    }
                }
                None => {
                    for y in 0..rh {
                        for x in 0..rw {
                            raster.set(x, y, rgb(NAN_GREY));
                        }
                    }
                }
            }
            draw_raster(root, rect, &raster, vector)?;
            // Layer boundaries (white over black) and names at the right.
            let z_px = |z_um: f64| rect.bottom() - ((z_um / ez) * rect.h as f64).round() as i32;
            for b in self.bands {
                let top = z_px(b.to as f64 * self.dz_um);
                if b.to < self.bands.last().map_or(0, |l| l.to) {
                    root.draw(&PathElement::new(
                        vec![(rect.x, top), (rect.right(), top)],
                        BLACK.stroke_width(3),
                    ))?;
                    root.draw(&PathElement::new(
                        vec![(rect.x, top), (rect.right(), top)],
                        WHITE.stroke_width(1),
                    ))?;
                }
                let mid = (z_px(b.from as f64 * self.dz_um) + top) / 2;
                root.draw(&Text::new(
                    b.kind.clone(),
                    (rect.right() + 6, mid),
                    anchored(SMALL_PX, HPos::Left, VPos::Center),
                ))?;
            }
            for a in &self.agents {
                let (fx, fz) = (a.x_um / ex, a.z_um / ez);
                if !(0.0..=1.0).contains(&fx) || !(0.0..=1.0).contains(&fz) {
                    continue;
                }
                let p = (
                    rect.x + (fx * rect.w as f64).round() as i32,
                    rect.bottom() - (fz * rect.h as f64).round() as i32,
                );
                draw_marker(root, a.kind, p, marker_r)?;
            }
            root.draw(&Rectangle::new(
                [(rect.x, rect.y), (rect.right(), rect.bottom())],
                BLACK.stroke_width(1),
            ))?;
            draw_section_axes(root, rect, self.extent_um)?;
            let bar = PxRect {
                x: rect.right() + 78,
                y: rect.y,
                w: CB_W,
                h: rect.h,
            };
            draw_colorbar(root, bar, *range, units, TICK_PX, vector)?;
        }
        let (w, h) = self.size();
        let legend = PxRect {
            x: SECTION_OUTER as i32,
            y: (h - SECTION_FOOTER_H) as i32,
            w: w - 2 * SECTION_OUTER,
            h: SECTION_FOOTER_H,
        };
        draw_overlay_legend(root, legend, SMALL_PX + 1.0, 5, false)?;
        Ok(())
    }
}

/// Millimetre axes of a cross-section: x along the bottom, z (height above
/// the subdermal plexus) along the left.
fn draw_section_axes<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    rect: PxRect,
    extent_um: (f64, f64),
) -> Result<(), PlotError> {
    let area = root.clone().shrink(
        (rect.x - SECTION_AXIS_LEFT as i32, rect.y),
        (rect.w + SECTION_AXIS_LEFT, rect.h + SECTION_AXIS_BOTTOM),
    );
    let mut chart = ChartBuilder::on(&area)
        .x_label_area_size(SECTION_AXIS_BOTTOM)
        .y_label_area_size(SECTION_AXIS_LEFT)
        .build_cartesian_2d(0.0..extent_um.0 / 1000.0, 0.0..extent_um.1 / 1000.0)?;
    let fx = |v: &f64| fmt_axis(*v, extent_um.0 / 1000.0);
    let fz = |v: &f64| fmt_axis(*v, extent_um.1 / 1000.0);
    let mut mesh = chart.configure_mesh();
    style_mesh(&mut mesh, "x (mm)", "z (mm)");
    mesh.disable_mesh()
        .x_labels(8)
        .y_labels(4)
        .x_label_formatter(&fx)
        .y_label_formatter(&fz)
        .draw()?;
    Ok(())
}

/// For a 3D run, one figure per chosen snapshot with a cross-section of
/// each of `fields` (1 to 4) in the vertical plane through the wound's
/// centre (the grid row with the most open wound at the first snapshot),
/// z up: the dressing, the cavity
/// (and a carrier), the bed and the dermis named at the right and their
/// boundaries drawn, each field on the colour scale it has over all the
/// chosen snapshots (as on the top-view maps), and the agents within 100 µm
/// of the plane at their height. Written to
/// `out_dir/section_<tag>.<ext>`; a 2D run writes nothing and returns an
/// empty list.
///
/// # Errors
/// As [`plot_fieldmaps_of`].
pub fn plot_sections(
    run_dir: &Path,
    out_dir: &Path,
    days: Option<&[f64]>,
    fields: &[&str],
    format: ImageFormat,
) -> Result<Vec<PathBuf>, PlotError> {
    check_field_count("cross-sections", fields)?;
    let run = Run::open(run_dir)?;
    let ix = &run.index;
    if ix.nz <= 1 {
        return Ok(Vec::new());
    }
    run.require_snapshots()?;
    let dz_um = ix
        .dz_um
        .filter(|d| d.is_finite() && *d > 0.0)
        .ok_or_else(|| PlotError::Data {
            path: run.dir.join("index.json"),
            message: format!("a 3D index ({} layers) needs dz_um > 0", ix.nz),
        })?;
    let kinds: Vec<String> = if ix.layers.len() == ix.nz {
        ix.layers.clone()
    } else {
        vec!["tissue".to_string(); ix.nz]
    };
    let bands = layer_bands(&kinds);
    let chosen = select_snapshots(ix, days)?;
    // The row through the wound's centre: the one with the most open
    // voxels at the first snapshot (nearest the middle on a tie).
    let iy = match &ix.snapshots[0].wound {
        Some(file) => {
            let w = run.read_mask(file)?;
            let mid = ix.ny as i64 / 2;
            (0..ix.ny)
                .max_by_key(|&j| {
                    let open = w.row(j).iter().filter(|v| **v == 1).count();
                    (open, -(j as i64 - mid).abs())
                })
                .unwrap_or(ix.ny / 2)
        }
        None => ix.ny / 2,
    };
    let y_um = (iy as f64 + 0.5) * ix.dx_um;
    let extent_um = (ix.nx as f64 * ix.dx_um, ix.nz as f64 * dz_um);
    let map = fit_map(extent_um, SECTION_BUDGET_PX.0, SECTION_BUDGET_PX.1);
    let ranges = fields
        .iter()
        .map(|f| run.range_over(&chosen, |m| run.read_section(m, f, iy)))
        .collect::<Result<Vec<_>, _>>()?;
    create_dir(out_dir)?;
    let mut written = Vec::with_capacity(chosen.len());
    for k in chosen {
        let meta = &ix.snapshots[k];
        let mut panels = Vec::with_capacity(fields.len());
        for (f, range) in fields.iter().zip(&ranges) {
            panels.push(Panel {
                field: f.to_string(),
                units: meta.units_of(f),
                values: run.read_section(meta, f, iy)?,
                range: *range,
            });
        }
        let mut layers = Layers::default();
        if let Some(file) = &meta.agents {
            layers.agents = read_agents(&run.dir.join(file))?
                .into_iter()
                .filter(|a| (a.y_um - y_um).abs() <= NEAR_PLANE_UM)
                .collect();
            layers.agents.sort_by_key(|a| a.order);
        }
        let fig = SectionFigure {
            day: meta.day,
            y_um,
            panels,
            bands: &bands,
            dz_um,
            extent_um,
            map,
            agents: layers.thinned(MAX_MARKERS).0,
        };
        let name = format!("section_{}.{}", safe_tag(&meta.tag), format.extension());
        written.push(render(&fig, &out_dir.join(name), format)?);
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layers_of_one_kind_form_one_band() {
        let kinds: Vec<String> = [
            "dermis", "dermis", "bed", "cavity", "cavity", "cavity", "dressing",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let bands = layer_bands(&kinds);
        let got: Vec<(&str, usize, usize)> = bands
            .iter()
            .map(|b| (b.kind.as_str(), b.from, b.to))
            .collect();
        assert_eq!(
            got,
            [
                ("dermis", 0, 2),
                ("bed", 2, 3),
                ("cavity", 3, 6),
                ("dressing", 6, 7)
            ]
        );
        assert!(layer_bands(&[]).is_empty());
    }
}
