//! Dosing: place a dose of MSCs (or a cell-free depot) according to the
//! delivery route.
//!
//! The slice holds `voxel_um / wound.depth_um` of a dose. Routes:
//! topical (over the open wound, minus `topical_loss_fraction`, unanchored
//! cells risk anoikis), intralesional (Gaussian clusters around
//! `injection_sites` points in the wound), perilesional (a ring in the
//! margin), fibrin spray / hydrogel / scaffold (over the wound, held in a
//! protective carrier that releases cells with `release_half_life_h`),
//! intravenous (`homing_fraction` of the dose reaches the wound alive,
//! ≈ 0: Eggenhofer 2012).

use crate::rng::{Purpose, Stream};
use crate::scenario::treatment::Route;
use crate::scenario::Params;
use crate::sim::SimState;
use crate::tissue::{in_wound, wound_extent_um};

/// Number of agents (cells, or cell equivalents) a dose puts in the slice.
pub fn agents_per_dose(p: &Params) -> f64 {
    let s = &p.scenario;
    let tr = &s.treatment;
    let mut cells = tr.dose.dose_cells;
    if tr.dose.per_cm2 {
        cells *= s.wound.area_mm2.max(0.0).max(open_area_mm2(p)) / 100.0;
    }
    let route = match tr.delivery.route {
        Route::Topical => 1.0 - tr.delivery.topical_loss_fraction,
        Route::Intravenous => tr.delivery.homing_fraction,
        _ => 1.0,
    };
    cells * route * p.grid.dx_um / s.wound.depth_um
}

fn open_area_mm2(p: &Params) -> f64 {
    let (w, h) = wound_extent_um(&p.scenario.wound);
    let a = w * h * 1e-6;
    match p.scenario.wound.shape {
        crate::scenario::WoundShape::Square => a,
        _ => a * std::f64::consts::PI / 4.0,
    }
}

/// Apply a dose (dose index `k`) at the current step.
pub fn apply(p: &Params, st: &mut SimState, k: usize) {
    let s = &p.scenario;
    let tr = &s.treatment;
    let n = agents_per_dose(p);
    let mut rng = Stream::new(st.seed, k as u64, st.step, Purpose::Dose);
    // Whole agents; the fractional remainder is drawn (a count beyond
    // `usize` saturates and is then capped below).
    let count = (n.floor() as u64).saturating_add(u64::from(rng.chance(n.fract())));
    let count = usize::try_from(count).unwrap_or(usize::MAX);
    let count = if tr.cell_free() {
        st.deposit_room(p, count)
    } else {
        st.birth_room(p, count)
    };
    let g = p.grid;
    let (ww, wh) = wound_extent_um(&s.wound);
    let cx = s.wound.center_x_frac * g.width_um();
    let cy = s.wound.center_y_frac * g.height_um();
    let open = st.tissue.open.as_slice().expect("standard layout");
    let sites: Vec<(f64, f64)> = (0..tr.delivery.injection_sites)
        .map(|_| loop {
            let (x, y) = (
                cx + (rng.uniform() - 0.5) * ww * 0.8,
                cy + (rng.uniform() - 0.5) * wh * 0.8,
            );
            if in_wound(&s.wound, &g, x, y) {
                break (x, y);
            }
        })
        .collect();
    let anchorage = (s.msc.anchorage_h * 60.0) as f32;
    let carrier = tr.has_carrier();
    let cell_free = tr.cell_free();
    let mut placed = Vec::with_capacity(count);
    for _ in 0..count {
        let (x, y) = match tr.delivery.route {
            Route::Intralesional => {
                let (sx, sy) = sites[(rng.uniform() * sites.len() as f64) as usize % sites.len()];
                (sx + rng.normal() * 300.0, sy + rng.normal() * 300.0)
            }
            Route::Perilesional => {
                let (ux, uy) = rng.direction();
                let r = 1.0 + (200.0 + rng.normal() * 150.0) / (ww.min(wh) / 2.0);
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
                    if in_wound(&s.wound, &g, x, y) && open[v] == 1 {
                        pt = (x, y);
                        break;
                    }
                }
                pt
            }
        };
        placed.push(g.clamp(x as f32, y as f32));
    }
    if cell_free {
        let depot = st.tissue.depot.as_slice_mut().expect("standard layout");
        for (x, y) in placed {
            depot[g.index_of(x, y)] += 1.0;
        }
        st.depot_active = true;
    } else {
        let unanchored = if carrier { 0.0 } else { anchorage };
        for (x, y) in placed {
            let id = st.new_id();
            st.mscs.push(id, x, y, carrier, unanchored);
        }
    }
    st.doses_given += 1;
}

/// Decay of the cell-free depot over one field step.
pub fn decay_depot(p: &Params, st: &mut SimState) {
    if !st.depot_active {
        return;
    }
    let dt = p.steps.dt_min * p.steps.field_every as f64;
    let k = crate::math::exp(
        -(dt * std::f64::consts::LN_2 / (p.scenario.treatment.depot_half_life_h() * 60.0)),
    ) as f32;
    st.tissue
        .depot
        .par_mapv_inplace(|d| if d < 1e-6 { 0.0 } else { d * k });
}
