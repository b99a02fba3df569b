//! Dosing: place a dose of MSCs (or a cell-free depot) according to the
//! delivery route.
//!
//! The domain holds its share of a dose: `voxel_um / wound.depth_um` in
//! 2D, the share of the whole wound's volume inside the domain in 3D.
//! Routes:
//! topical (over the open wound, minus `topical_loss_fraction`, unanchored
//! cells risk anoikis), intralesional (Gaussian clusters around
//! `injection_sites` points in the wound), perilesional (a ring in the
//! margin), fibrin spray / hydrogel / scaffold (over the wound, held in a
//! protective carrier that releases cells with `release_half_life_h`),
//! intravenous (`homing_fraction` of the dose passes the lungs and reaches
//! the vessels near the wound, ≈ 0: Eggenhofer 2012; see below). A dose in aggregate form places agents of
//! `msc.aggregate_cells` cells each (`mechanisms::spheroid`), so the same
//! cells are fewer agents.
//!
//! In 3D a route also sets the depth: topical cells lie on the bed
//! surface (in the bed layer), carrier routes spread them through the
//! carrier layer on the bed, intralesional clusters sit
//! `injection_depth_um` below the bed surface, perilesional injections as
//! deep below the skin surface in the intact dermis around the margin. In
//! 2D every cell sits at the slice centre.
//!
//! Intravenous cells arrive from the blood, in 2D and 3D alike: each cell
//! of the homing fraction passes one perfused vessel voxel near the wound
//! (drawn uniformly from the vessel list, the same sites macrophages leave
//! the blood by) and adheres there with probability
//! `perfusion · T/(T + homing_tnf_half_ng_per_ml)`, T the TNF-α in the
//! bed layer at that voxel: MSCs roll on and adhere to endothelium through
//! P-selectin and VCAM-1, more when TNF-α has activated it (Rüster 2006).
//! A cell that does not adhere passes on and is lost; without perfused
//! vessels or inflammation none arrives. Adherent cells sit in the bed
//! layer at their vessel voxel.

use super::sat;
use crate::agents::Mscs;
use crate::engine::Births;
use crate::grid::Grid;
use crate::math;
use crate::rng::{Purpose, Stream};
use crate::scenario::depth::{
    strip_ring_arc, PERILESIONAL_RING_OFFSET_UM, PERILESIONAL_RING_SD_UM,
};
use crate::scenario::rates::{DosingRates, Placement};
use crate::scenario::treatment::Route;
use crate::tissue::{in_wound, Tissue};

/// What a dose reads and writes.
pub struct Dose<'a> {
    /// Parameters.
    pub rates: &'a DosingRates,
    /// Grid geometry.
    pub grid: &'a Grid,
    /// Run seed (the random stream's key).
    pub seed: u64,
    /// Base step.
    pub step: u64,
    /// Index of the dose in the schedule.
    pub dose: usize,
    /// Tissue (read: the open wound; written: the cell-free depot).
    pub tissue: &'a mut Tissue,
    /// Perfused vessel voxels near the wound (read: where intravenous
    /// cells arrive).
    pub vessel_list: &'a [u32],
    /// TNF-α in the bed layer, one value per tissue voxel (read: the
    /// endothelial activation intravenous cells adhere to).
    pub tnf_bed: &'a [f32],
    /// MSCs (written: a cell dose).
    pub mscs: &'a mut Mscs,
    /// New ids and the agent cap.
    pub births: Births<'a>,
    /// Set once a cell-free dose was given (written).
    pub depot_active: &'a mut bool,
    /// Doses given so far (written).
    pub doses_given: &'a mut u64,
}

/// Apply a dose at the current step.
pub fn apply(v: Dose<'_>) {
    let Dose {
        rates: r,
        grid,
        seed,
        step,
        dose: k,
        tissue,
        vessel_list,
        tnf_bed,
        mscs,
        mut births,
        depot_active,
        doses_given,
    } = v;
    let n = r.agents_per_dose;
    let mut rng = Stream::new(seed, k as u64, step, Purpose::Dose);
    // Whole agents; the fractional remainder is drawn (a count beyond
    // `usize` saturates and is then capped below).
    let count = (n.floor() as u64).saturating_add(u64::from(rng.chance(n.fract())));
    let count = usize::try_from(count).unwrap_or(usize::MAX);
    let count = if r.cell_free {
        births.deposit_room(count)
    } else {
        births.room(mscs.len(), count)
    };
    let g = *grid;
    let (ww, wh) = r.wound_extent_um;
    let (cx, cy) = r.wound_center_um;
    let open = tissue.open.as_slice().expect("standard layout");
    let pl = r.placement;
    // A 3D strip cuts the wound with its y faces (symmetry planes): doses
    // land in the part of the wound inside the domain, and a cluster
    // spreading past a face is mirrored back.
    let h = g.height_um();
    let strip = wh > h;
    let (cy, wh) = if strip {
        let (lo, hi) = ((cy - wh / 2.0).max(0.0), (cy + wh / 2.0).min(h));
        ((lo + hi) / 2.0, hi - lo)
    } else {
        (cy, wh)
    };
    let mirror = |y: f64| {
        if strip {
            let m = y.rem_euclid(2.0 * h);
            if m > h {
                2.0 * h - m
            } else {
                m
            }
        } else {
            y
        }
    };
    let sites: Vec<(f64, f64)> = (0..r.injection_sites)
        .map(|_| loop {
            let (x, y) = (
                cx + (rng.uniform() - 0.5) * ww * 0.8,
                cy + (rng.uniform() - 0.5) * wh * 0.8,
            );
            if in_wound(&r.wound, &g, x, y) {
                break (x, y);
            }
        })
        .collect();
    let anchorage = r.anchorage_min;
    let carrier = r.carrier;
    let cell_free = r.cell_free;
    let mut placed = Vec::with_capacity(count);
    for _ in 0..count {
        if r.route == Route::Intravenous {
            if let Some(at) = arrival(r, &g, vessel_list, tnf_bed, &mut rng) {
                placed.push(at);
            }
            continue;
        }
        let (x, y) = match r.route {
            Route::Intralesional => {
                let (sx, sy) = sites[(rng.uniform() * sites.len() as f64) as usize % sites.len()];
                (sx + rng.normal() * 300.0, mirror(sy + rng.normal() * 300.0))
            }
            Route::Perilesional if strip => {
                // The ring crosses the strip near its x ends only: a
                // direction drawn uniformly among those whose point lies in
                // the strip (the dose share is the ring's share in it).
                let (_, wh0) = r.wound_extent_um;
                let cy0 = r.wound_center_um.1;
                let f = 1.0
                    + (PERILESIONAL_RING_OFFSET_UM + rng.normal() * PERILESIONAL_RING_SD_UM)
                        / (ww.min(wh0) / 2.0);
                let (lo, hi) = strip_ring_arc(cy0, wh0 / 2.0 * f, h);
                let theta = lo + rng.uniform() * (hi - lo);
                let ux = if rng.chance(0.5) { -1.0 } else { 1.0 } * math::cos(theta);
                let uy = math::sin(theta);
                let y = (cy0 + uy * wh0 / 2.0 * f).clamp(0.0, h);
                (cx + ux * ww / 2.0 * f, y)
            }
            Route::Perilesional => {
                let (ux, uy) = rng.direction();
                let r = 1.0
                    + (PERILESIONAL_RING_OFFSET_UM + rng.normal() * PERILESIONAL_RING_SD_UM)
                        / (ww.min(wh) / 2.0);
                (cx + ux * ww / 2.0 * r, cy + uy * wh / 2.0 * r)
            }
            _ => {
                // Uniform over the open wound (rejection sampling, bounded).
                let mut pt = (cx, cy);
                for _ in 0..64 {
                    let (x, y) = (
                        cx + (rng.uniform() - 0.5) * ww,
                        cy + (rng.uniform() - 0.5) * wh,
                    );
                    let v = g.index_of(x as f32, y as f32);
                    if in_wound(&r.wound, &g, x, y) && open[v] == 1 {
                        pt = (x, y);
                        break;
                    }
                }
                pt
            }
        };
        let (x, y) = g.clamp(x as f32, y as f32);
        let z = if pl.three_d {
            depth_of(r.route, &pl, &mut rng)
        } else {
            pl.bed_z_um
        };
        placed.push((x, y, z));
    }
    if cell_free {
        let depot = tissue.depot.as_slice_mut().expect("standard layout");
        for (x, y, _) in placed {
            depot[g.index_of(x, y)] += 1.0;
        }
        *depot_active = true;
    } else {
        let unanchored = if carrier { 0.0 } else { anchorage };
        for (x, y, z) in placed {
            let id = births.new_id();
            mscs.push_aggregate(
                id,
                x,
                y,
                z,
                carrier,
                unanchored,
                r.initial_state,
                r.cells_per_agent,
            );
        }
    }
    *doses_given += 1;
}

/// Where one intravenous cell of the homing fraction adheres, if it does:
/// a vessel voxel drawn uniformly from `vessel_list`, kept with
/// probability `perfusion · T/(T + K)` at its bed-layer TNF-α T.
fn arrival(
    r: &DosingRates,
    g: &Grid,
    vessel_list: &[u32],
    tnf_bed: &[f32],
    rng: &mut Stream,
) -> Option<(f32, f32, f32)> {
    if vessel_list.is_empty() {
        return None;
    }
    let pick = (rng.uniform() * vessel_list.len() as f64) as usize;
    let v = vessel_list[pick.min(vessel_list.len() - 1)] as usize;
    let adhere = r.homing_perfusion * sat(tnf_bed[v], r.homing_tnf_half_ng_per_ml);
    if !rng.chance(adhere as f64) {
        return None;
    }
    // Anywhere inside the voxel (0.9 of its width, so that f32 rounding
    // never puts the cell on a neighbour's face).
    let (cx, cy) = g.center(v % g.nx, v / g.nx);
    let jx = (rng.uniform() - 0.5) * 0.9 * g.dx_um;
    let jy = (rng.uniform() - 0.5) * 0.9 * g.dx_um;
    let (x, y) = g.clamp((cx + jx) as f32, (cy + jy) as f32);
    Some((x, y, r.placement.bed_z_um))
}

/// The height (µm) at which a 3D dose by `route` places one cell.
fn depth_of(route: Route, pl: &Placement, rng: &mut Stream) -> f32 {
    let z = match route {
        Route::Intralesional => {
            // Clusters at the stated depth, spread over a layer.
            pl.bed_surface_um - pl.injection_depth_um + (rng.uniform() as f32 - 0.5) * pl.dz_um
        }
        Route::Perilesional => {
            pl.surface_um - pl.injection_depth_um + (rng.uniform() as f32 - 0.5) * pl.dz_um
        }
        Route::FibrinSpray | Route::Hydrogel | Route::Scaffold => {
            let (lo, hi) = pl.carrier_um;
            lo + rng.uniform() as f32 * (hi - lo)
        }
        // On the bed surface: the upper quarter of the bed layer.
        _ => pl.bed_surface_um - 0.25 * pl.dz_um * rng.uniform() as f32,
    };
    z.clamp(0.5, pl.surface_um - 1e-3)
}

/// Decay of the cell-free depot over one field step (`depot_active`: a
/// cell-free dose was given).
pub fn decay_depot(r: &DosingRates, depot_active: bool, tissue: &mut Tissue) {
    if !depot_active {
        return;
    }
    let k = r.depot_decay_per_field_step;
    tissue
        .depot
        .par_mapv_inplace(|d| if d < 1e-6 { 0.0 } else { d * k });
}
