//! Map drawing, shared with the animation: fields, the wound margin, vessels, agents, scale bar and legend.

use super::*;

// ---------------------------------------------------------------------------
// Map drawing (shared with the animation)
// ---------------------------------------------------------------------------

/// Light grey of unperfused sprouts (no blood yet): visible on every part
/// of the colour map and unlike any agent colour.
pub(crate) const SPROUT_GREY: RGBColor = RGBColor(225, 225, 225);

/// Colour of a vessel class: 1 unperfused sprout (light grey), 2 perfused
/// new (orange), 3 leaky new (blue), 4 mature pre-existing (black). None of
/// them is an agent colour (see [`agent_color`]).
pub(crate) fn vessel_color(code: u8) -> Option<RGBColor> {
    match code {
        1 => Some(SPROUT_GREY),
        2 => Some(OI_ORANGE),
        3 => Some(OI_BLUE),
        4 => Some(BLACK),
        _ => None,
    }
}

/// Fill colour of an agent marker: Okabe–Ito sky blue for MSCs (live,
/// carrier and the ring of senescent ones), vermillion for M1 and reddish
/// purple for M2 macrophages, yellow for tip cells, grey for dead MSCs: all
/// light or warm enough to stand out on the dark and the green parts of the
/// viridis colour map; bluish green for neutrophils (live, and the outline
/// of apoptotic ones), set apart by their plus-sign shape and black edge
/// (orange is the perfused vessels'). Each kind also has its own shape (circle, square,
/// diamond, triangle, plus sign), and markers of radius 3 or more have a
/// black edge.
pub(crate) fn agent_color(kind: AgentKind) -> RGBColor {
    match kind {
        AgentKind::Msc | AgentKind::MscSenescent => OI_SKY_BLUE,
        AgentKind::MscDead => NEUTRAL_GREY,
        AgentKind::M1 => OI_VERMILLION,
        AgentKind::M2 => OI_REDDISH_PURPLE,
        AgentKind::Tip => OI_YELLOW,
        AgentKind::Neutrophil | AgentKind::NeutrophilApoptotic => OI_BLUISH_GREEN,
    }
}

/// Marker radius in pixels on a map of `map` pixels showing `nx` voxels
/// across and `n_agents` agents: about one voxel (a cell is about one voxel
/// across) but 2 to 5 pixels, and smaller (down to 1) where there are so
/// many agents that their markers would cover more than about 15 % of the
/// map, so that the field stays visible between the markers.
pub(crate) fn marker_radius(map: (u32, u32), nx: usize, n_agents: usize) -> i32 {
    let px_per_voxel = map.0 as f64 / nx.max(1) as f64;
    let area = map.0 as f64 * map.1 as f64;
    let crowded = (0.15 * area / (std::f64::consts::PI * n_agents.max(1) as f64)).sqrt();
    let r = px_per_voxel.round().clamp(2.0, 5.0).min(crowded.round());
    r.max(1.0) as i32
}

/// Heat-map side lengths in pixels fitting `max_w`×`max_h` with the domain's
/// aspect ratio.
pub(crate) fn fit_map(extent_um: (f64, f64), max_w: u32, max_h: u32) -> (u32, u32) {
    let (w, h) = extent_um;
    let s = (max_w as f64 / w).min(max_h as f64 / h);
    (
        ((w * s).round() as u32).clamp(20, max_w),
        ((h * s).round() as u32).clamp(20, max_h),
    )
}

/// What [`draw_map`] shows.
pub(crate) struct MapView<'a> {
    /// Block-reduced field, or `None` for "no data".
    pub field: Option<&'a Array2<f32>>,
    pub range: (f64, f64),
    pub layers: &'a Layers,
    pub extent_um: (f64, f64),
    pub day: f64,
    pub marker_r: i32,
    pub font_px: f64,
    /// Stamp the day in the map's corner (off where the figure title says it).
    pub day_stamp: bool,
}

/// Draws one map in `rect`: field heat map, vessels, wound margin, agents,
/// scale bar, day stamp and a frame. `y` increases upwards.
pub(crate) fn draw_map<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    rect: PxRect,
    view: &MapView<'_>,
    vector: bool,
) -> Result<(), PlotError> {
    let layers = view.layers;
    let (gh, gw) = view
        .field
        .map(|a| a.dim())
        .or(layers.wound.as_ref().map(|a| a.dim()))
        .or(layers.vessels.as_ref().map(|a| a.dim()))
        .unwrap_or((1, 1));
    let (rw, rh) = if vector {
        (gw, gh)
    } else {
        (rect.w as usize, rect.h as usize)
    };
    let cols: Vec<usize> = (0..rw).map(|x| ((x * gw) / rw).min(gw - 1)).collect();
    let rows: Vec<usize> = (0..rh)
        .map(|y| gh - 1 - ((y * gh) / rh).min(gh - 1))
        .collect();
    let mut raster = Raster::new(rw, rh);
    for (y, &j) in rows.iter().enumerate() {
        for (x, &i) in cols.iter().enumerate() {
            let mut c = match view.field {
                Some(f) => {
                    let t = normalise(f[[j, i]] as f64, view.range);
                    let t = if vector {
                        (t * (SVG_LEVELS - 1.0)).round() / (SVG_LEVELS - 1.0)
                    } else {
                        t
                    };
                    colormap_rgb(t)
                }
                None => rgb(NAN_GREY),
            };
            if let Some(v) = layers
                .vessels
                .as_ref()
                .and_then(|v| vessel_color(v[[j, i]]))
            {
                c = rgb(v);
            }
            raster.set(x, y, c);
        }
    }
    draw_raster(root, rect, &raster, vector)?;
    if view.field.is_none() {
        root.draw(&Text::new(
            "no data",
            (rect.x + rect.w as i32 / 2, rect.y + rect.h as i32 / 2),
            anchored(LABEL_PX, HPos::Center, VPos::Center),
        ))?;
    }

    if let Some(w) = &layers.wound {
        draw_margin(root, rect, w)?;
    }

    let (ex, ey) = view.extent_um;
    let (agents, _) = layers.thinned(MAX_MARKERS);
    for a in &agents {
        let (fx, fy) = (a.x_um / ex, a.y_um / ey);
        if !(0.0..=1.0).contains(&fx) || !(0.0..=1.0).contains(&fy) {
            continue;
        }
        let p = (
            rect.x + (fx * rect.w as f64).round() as i32,
            rect.bottom() - (fy * rect.h as f64).round() as i32,
        );
        draw_marker(root, a.kind, p, view.marker_r)?;
    }

    let inset = (view.font_px * 0.5) as i32;
    if view.day_stamp {
        draw_text_box(
            root,
            &format!("day {}", fmt_day(view.day)),
            (rect.x + inset, rect.y + inset),
            view.font_px,
        )?;
    }
    draw_scale_bar(root, rect, ex, view.font_px)?;
    root.draw(&Rectangle::new(
        [(rect.x, rect.y), (rect.right(), rect.bottom())],
        BLACK.stroke_width(1),
    ))?;
    Ok(())
}

/// Outlines the boundary between open wound (1) and closed tissue: a white
/// line with black edges, visible on any colour.
pub(super) fn draw_margin<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    rect: PxRect,
    w: &Array2<u8>,
) -> Result<(), PlotError> {
    let (gh, gw) = w.dim();
    let px = |i: usize| rect.x + ((i * rect.w as usize) as f64 / gw as f64).round() as i32;
    let py = |j: usize| rect.bottom() - ((j * rect.h as usize) as f64 / gh as f64).round() as i32;
    let open = |j: usize, i: usize| w[[j, i]] == 1;
    let mut segs: Vec<[(i32, i32); 2]> = Vec::new();
    // Vertical edges between columns i-1 and i, merged along j.
    for i in 1..gw {
        let mut start: Option<usize> = None;
        for j in 0..=gh {
            let edge = j < gh && open(j, i - 1) != open(j, i);
            match (edge, start) {
                (true, None) => start = Some(j),
                (false, Some(j0)) => {
                    segs.push([(px(i), py(j0)), (px(i), py(j))]);
                    start = None;
                }
                _ => {}
            }
        }
    }
    // Horizontal edges between rows j-1 and j, merged along i.
    for j in 1..gh {
        let mut start: Option<usize> = None;
        for i in 0..=gw {
            let edge = i < gw && open(j - 1, i) != open(j, i);
            match (edge, start) {
                (true, None) => start = Some(i),
                (false, Some(i0)) => {
                    segs.push([(px(i0), py(j)), (px(i), py(j))]);
                    start = None;
                }
                _ => {}
            }
        }
    }
    for (style, grow) in [(BLACK.stroke_width(4), 1), (WHITE.stroke_width(2), 0)] {
        for [a, b] in &segs {
            // Extend each piece so that corners join without gaps.
            let (a, b) = if a.0 == b.0 {
                ((a.0, a.1 + grow), (b.0, b.1 - grow))
            } else {
                ((a.0 - grow, a.1), (b.0 + grow, b.1))
            };
            root.draw(&PathElement::new(vec![a, b], style))?;
        }
    }
    Ok(())
}

/// Draws one agent marker centred at `p` (pixels) with radius `r` in its
/// [`agent_color`]: MSCs as circles (senescent and dead ones hollow), M1
/// macrophages as squares, M2 as diamonds, tip cells as triangles,
/// neutrophils as plus signs (apoptotic ones hollow). Markers of radius 3
/// or more get a black edge.
pub(crate) fn draw_marker<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    kind: AgentKind,
    p: (i32, i32),
    r: i32,
) -> Result<(), PlotError> {
    let (x, y) = p;
    let edged = r >= 3;
    let edge = BLACK.stroke_width(1);
    let color = agent_color(kind);
    let shape = |pts: Vec<(i32, i32)>| -> Result<(), PlotError> {
        root.draw(&Polygon::new(pts.clone(), color.filled()))?;
        if edged {
            let mut closed = pts;
            closed.push(closed[0]);
            root.draw(&PathElement::new(closed, edge))?;
        }
        Ok(())
    };
    match kind {
        AgentKind::Msc => {
            root.draw(&Circle::new(p, r, color.filled()))?;
            if edged {
                root.draw(&Circle::new(p, r, edge))?;
            }
        }
        AgentKind::MscSenescent | AgentKind::MscDead => {
            if edged {
                root.draw(&Circle::new(p, r + 1, edge))?;
            }
            root.draw(&Circle::new(p, r, color.stroke_width(2)))?;
        }
        AgentKind::M1 => {
            let q = r - (r + 2) / 5;
            shape(vec![
                (x - q, y - q),
                (x + q, y - q),
                (x + q, y + q),
                (x - q, y + q),
            ])?;
        }
        AgentKind::M2 => {
            let q = r + 1;
            shape(vec![(x, y - q), (x + q, y), (x, y + q), (x - q, y)])?;
        }
        AgentKind::Tip => {
            shape(vec![(x, y - r - 1), (x - r - 1, y + r), (x + r + 1, y + r)])?;
        }
        AgentKind::Neutrophil | AgentKind::NeutrophilApoptotic => {
            let q = r + 1;
            let w = (q / 3).max(1);
            let plus = vec![
                (x - w, y - q),
                (x + w, y - q),
                (x + w, y - w),
                (x + q, y - w),
                (x + q, y + w),
                (x + w, y + w),
                (x + w, y + q),
                (x - w, y + q),
                (x - w, y + w),
                (x - q, y + w),
                (x - q, y - w),
                (x - w, y - w),
            ];
            if kind == AgentKind::Neutrophil {
                shape(plus)?;
            } else {
                let mut closed = plus;
                closed.push(closed[0]);
                root.draw(&PathElement::new(closed, color.stroke_width(2)))?;
            }
        }
    }
    Ok(())
}

/// A scale bar of a round length (about a quarter of the width) in the
/// bottom-left corner of the map.
pub(super) fn draw_scale_bar<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    rect: PxRect,
    width_um: f64,
    px: f64,
) -> Result<(), PlotError> {
    const LENGTHS_UM: [f64; 14] = [
        1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0, 200.0, 500.0, 1000.0, 2000.0, 5000.0, 10000.0,
        20000.0,
    ];
    let len = LENGTHS_UM
        .iter()
        .copied()
        .rfind(|l| *l <= 0.3 * width_um)
        .unwrap_or(LENGTHS_UM[0]);
    let bar_px = ((len / width_um) * rect.w as f64).round().max(1.0) as i32;
    let label = if len >= 1000.0 {
        format!("{} mm", fmt_num(len / 1000.0))
    } else {
        format!("{} µm", fmt_num(len))
    };
    let style = anchored(px, HPos::Center, VPos::Center);
    let (tw, _) = root.estimate_text_size(&label, &style)?;
    let pad = (px * 0.4) as i32;
    let bw = bar_px.max(tw as i32) + 2 * pad;
    let bh = (px * 1.3) as i32 + 6 + 2 * pad;
    let x0 = rect.x + pad;
    let y1 = rect.bottom() - pad;
    let y0 = y1 - bh;
    root.draw(&Rectangle::new([(x0, y0), (x0 + bw, y1)], WHITE.filled()))?;
    root.draw(&Rectangle::new(
        [(x0, y0), (x0 + bw, y1)],
        BLACK.mix(0.6).stroke_width(1),
    ))?;
    let bx = x0 + (bw - bar_px) / 2;
    root.draw(&Rectangle::new(
        [(bx, y1 - pad - 5), (bx + bar_px, y1 - pad)],
        BLACK.filled(),
    ))?;
    root.draw(&Text::new(
        label,
        (x0 + bw / 2, y0 + pad + (px * 0.65) as i32),
        style,
    ))?;
    Ok(())
}

/// Symbol of one legend entry.
#[derive(Clone, Copy)]
pub(super) enum Glyph {
    Agent(AgentKind),
    Vessel(u8),
    Margin,
}

/// Legend entries: symbol, long label, short label.
pub(super) const LEGEND: [(Glyph, &str, &str); 13] = [
    (Glyph::Agent(AgentKind::Msc), "living MSC", "MSC"),
    (
        Glyph::Agent(AgentKind::MscSenescent),
        "senescent MSC",
        "senesc.",
    ),
    (Glyph::Agent(AgentKind::MscDead), "dead MSC", "dead"),
    (
        Glyph::Agent(AgentKind::M1),
        "inflammatory M1 macrophage",
        "M1",
    ),
    (Glyph::Agent(AgentKind::M2), "repair M2 macrophage", "M2"),
    (Glyph::Agent(AgentKind::Tip), "tip of a new vessel", "tip"),
    (Glyph::Agent(AgentKind::Neutrophil), "neutrophil", "neutr."),
    (
        Glyph::Agent(AgentKind::NeutrophilApoptotic),
        "apoptotic neutrophil",
        "apopt.",
    ),
    (Glyph::Margin, "wound edge", "edge"),
    (Glyph::Vessel(2), "new vessel, blood flows", "perfused"),
    (Glyph::Vessel(3), "new leaky vessel", "leaky"),
    (Glyph::Vessel(1), "sprout, no flow yet", "sprout"),
    (Glyph::Vessel(4), "original vessel", "original"),
];

/// Draws the marker/vessel/margin legend as centred rows inside `rect`.
pub(crate) fn draw_overlay_legend<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    rect: PxRect,
    px: f64,
    marker_r: i32,
    short: bool,
) -> Result<(), PlotError> {
    let style = anchored(px, HPos::Left, VPos::Center);
    let glyph_w = (px * 1.5) as i32;
    let gap = (px * 0.4) as i32;
    let sep = (px * 1.2) as i32;
    let mut rows: Vec<Vec<(Glyph, String, i32)>> = vec![Vec::new()];
    let mut row_w = 0;
    for (g, long, brief) in LEGEND {
        let label = if short { brief } else { long }.to_string();
        let (tw, _) = root.estimate_text_size(&label, &style)?;
        let w = glyph_w + gap + tw as i32;
        let last = rows.last_mut().expect("rows is never empty");
        if !last.is_empty() && row_w + sep + w > rect.w as i32 {
            rows.push(Vec::new());
            row_w = 0;
        }
        let last = rows.last_mut().expect("rows is never empty");
        row_w += if last.is_empty() { w } else { sep + w };
        last.push((g, label, w));
    }
    let row_h = (px * 1.5) as i32;
    let top = rect.y + (rect.h as i32 - row_h * rows.len() as i32) / 2;
    for (k, row) in rows.iter().enumerate() {
        let total: i32 = row.iter().map(|e| e.2).sum::<i32>() + sep * (row.len() as i32 - 1);
        let mut x = rect.x + (rect.w as i32 - total) / 2;
        let y = top + k as i32 * row_h + row_h / 2;
        for (g, label, w) in row {
            let cx = x + glyph_w / 2;
            match *g {
                Glyph::Agent(kind) => draw_marker(root, kind, (cx, y), marker_r)?,
                Glyph::Vessel(code) => {
                    // A dark outline keeps light vessel colours visible on white.
                    let c = vessel_color(code).unwrap_or(BLACK);
                    root.draw(&PathElement::new(
                        vec![(x, y), (x + glyph_w, y)],
                        BLACK.mix(0.7).stroke_width(5),
                    ))?;
                    root.draw(&PathElement::new(
                        vec![(x + 1, y), (x + glyph_w - 1, y)],
                        c.stroke_width(3),
                    ))?;
                }
                Glyph::Margin => {
                    root.draw(&PathElement::new(
                        vec![(x, y), (x + glyph_w, y)],
                        BLACK.stroke_width(4),
                    ))?;
                    root.draw(&PathElement::new(
                        vec![(x + 1, y), (x + glyph_w - 1, y)],
                        WHITE.stroke_width(2),
                    ))?;
                }
            }
            root.draw(&Text::new(
                label.clone(),
                (x + glyph_w + gap, y),
                style.clone(),
            ))?;
            x += w + sep;
        }
    }
    Ok(())
}
