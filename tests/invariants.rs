//! Physical invariants hold and are checked at run time: tissue pO₂ never
//! exceeds the highest supplying pO₂ (the O₂ exchange cannot push it there,
//! and a state forced above it stops the run with a typed error), and no
//! 100 µm bin holds more perfused capillaries than the cap.

use woundsim::error::Error;
use woundsim::fields::solver::Solver;
use woundsim::mechanisms::{angiogenesis, tissue_sources};
use woundsim::run::simulate;
use woundsim::scenario::{Params, Scenario};
use woundsim::sim::{self, SimState, Workspace};
use woundsim::tissue::vessel;

fn params(sets: &[&str]) -> Params {
    let sets: Vec<String> = sets.iter().map(|s| s.to_string()).collect();
    Params::new(Scenario::builtin(&sets).unwrap(), "test").unwrap()
}

/// A 2 mm slice after a few healthy steps.
fn running_sim(extra: &[&str]) -> (Params, SimState, Workspace) {
    let mut sets = vec![
        "domain.width_um=2000",
        "domain.height_um=2000",
        "wound.diameter_um=1500",
        "time.days=1",
    ];
    sets.extend_from_slice(extra);
    let p = params(&sets);
    let mut st = SimState::new(&p, 3, woundsim::cohort::patient_for(&p, 3));
    let mut ws = Workspace::new(&p, &st);
    for _ in 0..8 {
        sim::step(&p, &mut st, &mut ws).expect("a healthy step");
    }
    (p, st, ws)
}

/// Relax the oxygen field under the tissue sources alone for `steps` field
/// steps, with the exchange map `k` (1/min) everywhere, on a solver without
/// the run-time bound; returns the highest pO₂ reached.
fn relax_o2(p: &Params, k: f32, steps: usize) -> f32 {
    let st = SimState::new(p, 1, woundsim::cohort::patient_for(p, 1));
    let mut ws = Workspace::new(p, &st);
    let mut st = st;
    let solver = Solver::new(
        &p.grid,
        &p.fields,
        p.steps.dt_min * p.steps.field_every as f64,
    );
    ws.o2_exchange.fill(k);
    let o2 = p.ids.oxygen;
    let mut high = 0.0f32;
    for _ in 0..steps {
        sim::systems::tissue_sources(p, &st, &mut ws);
        assert!(solver.step(&mut st.fields, &mut ws.sources));
        high = st.fields.data[o2].iter().fold(high, |m, &v| m.max(v));
    }
    high
}

#[test]
fn o2_exchange_cannot_push_tissue_above_the_supplying_po2() {
    // Twice normal perfusion, dense perfused vessels (k = 5/min everywhere)
    // and almost no consumption: the tissue must approach the arterial pO₂
    // of 95 mmHg, not 95 × perfusion.
    let base = [
        "domain.width_um=600",
        "domain.height_um=600",
        "wound.diameter_um=400",
        "cohort.vary_patients=false",
        "patient.wound_type=acute",
        "patient.perfusion=2.0",
        "fields.oxygen.half_life_min=1e6",
    ];
    let p = params(&base);
    assert_eq!(p.patient.perfusion, 2.0);
    let high = relax_o2(&p, 5.0, 200);
    let blood = p.scenario.tissue.blood_po2_mmhg as f32;
    assert!(high <= blood * (1.0 + 1e-5), "{high} mmHg above {blood}");
    assert!(
        high > 0.99 * blood,
        "{high}: dense vessels bring tissue near arterial pO₂"
    );
    // Oxygen therapy at 300 mmHg on the open wound is a supply of its own:
    // the bound rises to it, and the tissue stays below it.
    let mut with = base.to_vec();
    with.push("treatment.standard_care.oxygen_therapy_mmhg=300");
    let p = params(&with);
    assert_eq!(tissue_sources::o2_supply_max_mmhg(&p), 300.0);
    let high = relax_o2(&p, 5.0, 200);
    assert!(high <= 300.0 * (1.0 + 1e-5), "{high} mmHg above 300");
    assert!(
        high > blood,
        "{high}: therapy raises the open wound above blood"
    );
}

#[test]
fn o2_above_the_supply_stops_the_run_with_field_voxel_step_value_and_bound() {
    let (ix, iy) = (11usize, 13usize);
    let (p, mut st, mut ws) = running_sim(&[]);
    let o2 = p.ids.oxygen;
    // Control: the same state steps without error.
    let mut control = st.clone();
    sim::step(&p, &mut control, &mut ws).expect("control step");
    let mut ws = Workspace::new(&p, &st);
    let step = st.step;
    // Far above the bound (one reaction step divides by about 2.6 here).
    st.fields.data[o2][[iy, ix]] = 1.0e4;
    let e = sim::step(&p, &mut st, &mut ws).expect_err("O₂ above the supply must stop the step");
    let bound = sim::o2_bound_mmhg(&p);
    assert!((bound - 95.0 * (1.0 + sim::O2_BOUND_REL_TOL)).abs() < 1e-9);
    match &e {
        Error::Invariant {
            quantity,
            ix: ex,
            iy: ey,
            step: es,
            value,
            bound: eb,
            unit,
            ..
        } => {
            assert!(quantity.contains("oxygen"), "{e}");
            assert_eq!((*ex, *ey), (ix, iy), "{e}");
            assert_eq!(*es, step, "{e}");
            assert!(*value > bound, "{e}");
            assert!((eb - bound).abs() < 1e-4, "{e}");
            assert_eq!(*unit, "mmHg");
        }
        other => panic!("expected an invariant error, got {other}"),
    }
    assert!(!e.is_input(), "an internal failure: exit status 1");
    let msg = e.to_string();
    for needle in [
        "invariant violated",
        &format!("ix={ix}, iy={iy}"),
        &format!("step {step}"),
        "tissue.blood_po2_mmhg",
    ] {
        assert!(msg.contains(needle), "'{needle}' missing from: {msg}");
    }
}

#[test]
fn a_bin_overfilled_with_new_capillaries_stops_the_run() {
    // Hourly output steps, where the cap is checked.
    let (p, mut st, mut ws) = running_sim(&["time.output_every_h=1"]);
    // The bin at the wound centre, filled with new (not mature) perfused vessels.
    let (cx, cy) = (p.grid.nx / 2, p.grid.ny / 2);
    let b = ws.voxel_bin(p.grid.idx(cx, cy));
    let cap = angiogenesis::capillary_cap(&p, &ws.tip_bins);
    assert!(cap < 20.0, "cap {cap} voxels");
    let mut filled = 0;
    for i in 0..p.grid.nx * p.grid.ny {
        if ws.voxel_bin(i) == b {
            st.tissue.vessel.as_slice_mut().unwrap()[i] = vessel::PERFUSED;
            filled += 1;
        }
    }
    assert!(
        filled as f32 > cap + 5.0,
        "{filled} voxels in a bin, cap {cap}"
    );
    assert_eq!(
        angiogenesis::check_capillary_cap(&p, &st.tissue, &ws.tip_bins).map(|v| v.2),
        Some(cap.ceil() as u32)
    );
    ws.refresh_vessel_list(&st.tissue);
    let mut err = None;
    for _ in 0..4 {
        if let Err(e) = sim::step(&p, &mut st, &mut ws) {
            err = Some(e);
            break;
        }
    }
    let e = err.expect("an overfilled bin must stop the run at the next output step");
    match &e {
        Error::Invariant {
            quantity,
            ix,
            iy,
            value,
            bound,
            ..
        } => {
            assert!(quantity.contains("vessel"), "{e}");
            assert_eq!(ws.voxel_bin(p.grid.idx(*ix, *iy)), b, "{e}");
            assert!(*value > *bound, "{e}");
            assert_eq!(*bound, cap.ceil() as f64, "{e}");
        }
        other => panic!("expected an invariant error, got {other}"),
    }
    assert!(e.to_string().contains("max_vessel_density_rel"), "{e}");
}

#[test]
fn tour_acute_wound_stays_below_arterial_po2_and_within_the_cap() {
    // The tour's first chapter, acute wound: the built-in scenario on its
    // 6 mm slice with a 4 mm wound. Its seed-1 patient has more than normal
    // perfusion, which used to lift tissue pO₂ to about 107 mmHg by day 21
    // (above 95 from day 8 on). The run-time invariants (O₂ bound, capillary
    // cap) stop a run that breaks them, so the run must also succeed.
    let p = params(&[
        "domain.width_um=6000",
        "domain.height_um=6000",
        "wound.diameter_um=4000",
        "patient.wound_type=acute",
        "time.days=12",
    ]);
    assert!(woundsim::cohort::patient_for(&p, 1).perfusion > 1.2);
    let out = simulate(&p, 1).expect("the tour's acute wound runs within its invariants");
    let c = out.columns.iter().position(|c| c == "o2_max_mmHg").unwrap();
    let m = out
        .columns
        .iter()
        .position(|c| c == "o2_mean_mmHg")
        .unwrap();
    let blood = p.scenario.tissue.blood_po2_mmhg;
    assert_eq!(out.rows.len(), 13);
    for r in &out.rows {
        assert!(
            r.values[c] <= blood,
            "day {}: max {} mmHg",
            r.values[0],
            r.values[c]
        );
        assert!(r.values[m] <= r.values[c] + 1e-9);
    }
    // Vessels still grow and oxygenate the healing wound.
    let last = out.rows.last().unwrap();
    assert!(last.values[m] > 50.0, "mean O₂ {}", last.values[m]);
}
