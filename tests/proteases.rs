//! Proteases (issue #20, item 3): MMPs and TIMPs as slow fields, TIMP's
//! tight-binding inhibition, and what free active MMP degrades. Each test
//! compares what the mechanisms produce in two conditions.

use woundsim::run::{simulate, RunOutput};
use woundsim::scenario::{Params, Scenario};
use woundsim::sim::{self, systems, SimState, Workspace};

#[macro_use]
mod common;
use common::model::{col, wound_params};

/// A 5 mm wound in 6 mm of tissue, one nominal patient, rows every 12 h.
const WOUND: [&str; 5] = small_domain_sets!(
    6000,
    6000,
    5000,
    "cohort.vary_patients=false",
    "time.output_every_h=12"
);

/// Mean of column `name` over the rows of days `from..=to`.
fn mean_over(out: &RunOutput, name: &str, from: f64, to: f64) -> f64 {
    let (t, v) = (col(out, "time_d"), col(out, name));
    let x: Vec<f64> = t
        .iter()
        .zip(&v)
        .filter(|(&d, _)| d >= from && d <= to)
        .map(|(_, &x)| x)
        .collect();
    assert!(!x.is_empty(), "no rows on days {from}–{to}");
    x.iter().sum::<f64>() / x.len() as f64
}

fn params(wound_type: &str, extra: &[&str]) -> Params {
    wound_params(&WOUND, wound_type, extra)
}

#[test]
fn a_diabetic_host_has_more_free_active_mmp_and_a_higher_mmp_timp_ratio() {
    let days = ["time.days=14"];
    let acute = simulate(&params("acute", &days), 1).unwrap();
    let dfu = simulate(&params("diabetic_foot_ulcer", &days), 1).unwrap();
    // Days 7–14: the acute wound's inflammation resolves, the diabetic
    // wound's persists (Lobmann 2002; Liu 2009).
    for name in ["mmp_active_mean_nM", "mmp_timp_molar_ratio"] {
        let (a, d) = (
            mean_over(&acute, name, 7.0, 14.0),
            mean_over(&dfu, name, 7.0, 14.0),
        );
        assert!(
            a.is_finite() && d.is_finite(),
            "{name}: acute {a}, diabetic {d}"
        );
        assert!(d > 1.2 * a, "{name}, days 7–14: diabetic {d}, acute {a}");
    }
    // MMP is the inflammatory cells' early on: the acute wound's MMP/TIMP
    // ratio falls as fibroblasts (TIMP) arrive and neutrophils leave.
    let r = col(&acute, "mmp_timp_molar_ratio");
    let t = col(&acute, "time_d");
    let at = |day: f64| r[t.iter().position(|&d| d >= day).unwrap()];
    assert!(
        at(1.0) > 4.0 * at(10.0),
        "ratio day 1 {} vs day 10 {}",
        at(1.0),
        at(10.0)
    );
}

#[test]
fn the_diabetic_hosts_lower_timp_secretion_frees_more_mmp() {
    // The DFU preset halves the host cells' TIMP (Lobmann 2002); the same
    // patient with normal TIMP secretion is the control.
    let days = "time.days=14";
    let low = simulate(&params("diabetic_foot_ulcer", &[days]), 2).unwrap();
    let normal = simulate(
        &params(
            "diabetic_foot_ulcer",
            &[days, "patient.timp_secretion_mult=1"],
        ),
        2,
    )
    .unwrap();
    let m = |o: &RunOutput, name: &str| mean_over(o, name, 7.0, 14.0);
    let timp = "timp_mean_ng_per_ml";
    assert!(
        m(&low, timp) < 0.8 * m(&normal, timp),
        "TIMP, days 7–14: halved secretion {}, normal {}",
        m(&low, timp),
        m(&normal, timp)
    );
    for name in ["mmp_active_mean_nM", "mmp_timp_molar_ratio"] {
        assert!(
            m(&low, name) > m(&normal, name),
            "{name}, days 7–14: halved TIMP {}, normal {}",
            m(&low, name),
            m(&normal, name)
        );
    }
    // More free active MMP degrades more VEGF.
    let vegf = "vegf_mean_ng_per_ml";
    assert!(
        m(&low, vegf) < m(&normal, vegf),
        "VEGF, days 7–14: halved TIMP {}, normal {}",
        m(&low, vegf),
        m(&normal, vegf)
    );
}

#[test]
fn inhibiting_mmp_keeps_more_vegf_and_more_provisional_matrix() {
    let days = "time.days=10";
    let base = simulate(&params("diabetic_foot_ulcer", &[days]), 3).unwrap();
    let blocked = simulate(
        &params(
            "diabetic_foot_ulcer",
            &[days, "protease.inhibition_fraction=0.95"],
        ),
        3,
    )
    .unwrap();
    let active = |o: &RunOutput| mean_over(o, "mmp_active_mean_nM", 3.0, 10.0);
    assert!(
        active(&blocked) < 0.1 * active(&base),
        "free active MMP: blocked {}, base {}",
        active(&blocked),
        active(&base)
    );
    for name in ["vegf_mean_ng_per_ml", "provisional_matrix_mean"] {
        let (b, x) = (
            mean_over(&base, name, 3.0, 10.0),
            mean_over(&blocked, name, 3.0, 10.0),
        );
        assert!(x > b, "{name}, days 3–10: inhibited {x}, base {b}");
    }
}

/// A small state after `steps` base steps of the built-in scenario.
fn run_small(extra: &[&str], steps: u64) -> (Params, SimState, Workspace) {
    let mut sets: Vec<String> = small_domain_sets!(3000, 3000, 2400, "time.days=3")
        .iter()
        .map(|s| s.to_string())
        .collect();
    sets.extend(extra.iter().map(|s| s.to_string()));
    let p = Params::new(Scenario::builtin(&sets).unwrap(), "small").unwrap();
    let mut st = SimState::new(&p, 4, p.patient);
    let mut ws = Workspace::new(&p, &st);
    for _ in 0..steps {
        sim::step(&p, &mut st, &mut ws).unwrap();
    }
    (p, st, ws)
}

#[test]
fn mmp_cleavage_is_an_uptake_of_vegf_proportional_to_free_active_mmp() {
    // After a day the wound holds MMP; the cleavage the sources phase adds
    // to VEGF's uptake is k × the free active MMP, voxel by voxel, and a
    // 90 % inhibitor cuts it to a tenth: VEGF's effective half-life
    // ln 2 / (λ + k·a) is longer where MMP is inhibited.
    let steps = 96;
    let (p, st, mut ws) = run_small(&[], steps);
    let (_, st_i, mut ws_i) = run_small(&["protease.inhibition_fraction=0.9"], steps);
    let k = p.scenario.protease.vegf_cleavage_per_nm_per_min as f32;
    let vegf = p.ids.vegf;
    let uptake = |st: &SimState, ws: &mut Workspace| {
        ws.sources.clear();
        systems::protease_cleavage(&p, st, ws);
        ws.sources.uptake(vegf).clone()
    };
    let u = uptake(&st, &mut ws);
    let top = ws.protease_active.iter().fold(0.0f32, |m, &a| m.max(a));
    assert!(top > 1e-3, "no free active MMP after a day: {top}");
    for (i, (&u, &a)) in u.iter().zip(&ws.protease_active).enumerate() {
        assert!(
            (u - k * a).abs() <= 1e-6 * (k * a).max(1e-9),
            "voxel {i}: {u} vs {}",
            k * a
        );
    }
    let u_i = uptake(&st_i, &mut ws_i);
    let (sum, sum_i) = (u.sum() as f64, u_i.sum() as f64);
    assert!(sum_i < 0.2 * sum, "inhibited cleavage {sum_i} vs {sum}");
    let lambda = std::f64::consts::LN_2
        / p.fields
            .iter()
            .find(|(n, _)| n == "vegf")
            .unwrap()
            .1
            .half_life_min;
    let n = u.len() as f64;
    let half = |s: f64| std::f64::consts::LN_2 / (lambda + s / n);
    assert!(
        half(sum_i) > half(sum),
        "half-life {} vs {}",
        half(sum_i),
        half(sum)
    );
}

#[test]
fn slow_protease_fields_change_only_at_their_own_step() {
    // mmp and timp are solved every 60 min (4 field steps of 15 min): in
    // between they hold their values exactly while VEGF changes.
    let (p, mut st, mut ws) = run_small(&[], 40);
    let mmp = p.ids.mmp.unwrap();
    let every = p.fields[mmp].1.step_min / p.scenario.time.field_step_min;
    assert_eq!(every, 4.0);
    assert_eq!(st.step % 4, 0);
    let mut last = st.fields.slice(mmp).to_vec();
    for k in 1..=8u64 {
        sim::step(&p, &mut st, &mut ws).unwrap();
        let now = st.fields.slice(mmp).to_vec();
        // The solve at base step 40 + k − 1 is due when that step is a
        // multiple of 4.
        let solved = (40 + k - 1) % 4 == 0;
        let same = now
            .iter()
            .zip(&last)
            .all(|(a, b)| a.to_bits() == b.to_bits());
        assert_eq!(
            !same,
            solved,
            "after base step {}: changed {}",
            40 + k - 1,
            !same
        );
        last = now;
    }
}

#[test]
fn a_field_step_that_is_not_a_multiple_of_the_field_step_is_refused() {
    let text = "name='t'\n[fields.mmp]\nstep_min = 50\n";
    let err = Scenario::from_toml_str(text, "bad.toml", &[])
        .map_err(|e| e.to_string())
        .and_then(|s| Params::new(s, "bad.toml").map_err(|e| e.to_string()))
        .unwrap_err();
    assert!(
        err.contains("fields.mmp.step_min") && err.contains("50") && err.contains("15"),
        "{err}"
    );
}

#[test]
fn without_protease_fields_the_columns_are_undefined_and_the_run_goes_on() {
    let (p, st, _) = run_small(
        &["fields.mmp.enabled=false", "fields.timp.enabled=false"],
        8,
    );
    assert!(p.ids.mmp.is_none() && p.ids.timp.is_none());
    let cols = woundsim::observe::columns(&p);
    let row = st.rows.last().unwrap();
    for name in ["mmp_active_mean_nM", "mmp_timp_molar_ratio"] {
        let c = cols.iter().position(|c| c == name).unwrap();
        assert!(row.values[c].is_nan(), "{name}: {}", row.values[c]);
    }
}

#[test]
fn the_keratinocyte_front_secretes_mmp_only_where_closed_tissue_borders_the_open_wound() {
    // At wounding the front is the intact skin around the 2.4 mm wound:
    // the closed voxels with an open 4-neighbour along a digital circle of
    // radius r number about 2πr/dx × the mean of max(|cos θ|, |sin θ|),
    // 4√2·r/dx (Saarialho-Kere 1993: only the keratinocytes bordering
    // re-epithelialisation make MMP-1).
    let (p, mut st, mut ws) = run_small(&[], 0);
    let mmp = p.ids.mmp.unwrap();
    let k = ws.rates.proteases.front_mmp_ng_per_ml_per_min;
    assert!(k > 0.0);
    ws.sources.clear();
    systems::keratinocyte_mmp(&p, &st, &mut ws);
    let (ny, nx) = st.tissue.open.dim();
    let open = &st.tissue.open;
    let src = ws.sources.src(mmp);
    let mut front = 0usize;
    for iy in 0..ny {
        for ix in 0..nx {
            // Closed, with an open voxel among its four neighbours.
            let open_at = |jx: usize, jy: usize| open[(jy, jx)] == 1;
            let borders = (ix > 0 && open_at(ix - 1, iy))
                || (ix + 1 < nx && open_at(ix + 1, iy))
                || (iy > 0 && open_at(ix, iy - 1))
                || (iy + 1 < ny && open_at(ix, iy + 1));
            let on_front = open[(iy, ix)] == 0 && borders;
            let s = src[(iy, ix)];
            if on_front {
                assert_eq!(s, k, "front voxel ({ix}, {iy})");
                front += 1;
            } else {
                assert_eq!(s, 0.0, "voxel ({ix}, {iy}) is not on the front");
            }
        }
    }
    let expected = 4.0 * 2f64.sqrt() * 1200.0 / p.grid.dx_um;
    assert!(
        (front as f64 - expected).abs() < 0.05 * expected,
        "{front} front voxels, about {expected} expected"
    );
    // Not at a step where the mmp field is not solved (4 field steps of
    // 15 min per 60-min mmp step).
    ws.sources.clear();
    st.step = 1;
    systems::keratinocyte_mmp(&p, &st, &mut ws);
    assert_eq!(ws.sources.src(mmp).sum(), 0.0);
    // A closed wound has no front, and no keratinocyte MMP.
    st.step = 0;
    st.tissue.open.fill(0);
    systems::keratinocyte_mmp(&p, &st, &mut ws);
    assert_eq!(ws.sources.src(mmp).sum(), 0.0);
    // Switched off, nothing either.
    let (p0, st0, mut ws0) = run_small(&["protease.keratinocyte_mmp_fg_per_um_per_day=0"], 0);
    ws0.sources.clear();
    systems::keratinocyte_mmp(&p0, &st0, &mut ws0);
    assert_eq!(ws0.sources.src(mmp).sum(), 0.0);
}

#[test]
fn live_neutrophils_elastase_removes_timp_around_them_and_apoptotic_ones_do_not() {
    // One live and one apoptotic neutrophil, then a live one in the
    // domain's corner: a live cell adds its clearance (mL/day over the
    // volume of its box of about 100 µm) to TIMP's uptake in every voxel of
    // that box, clipped at the domain's edge with the same total; the
    // apoptotic cell adds nothing (Okada 1988; Jackson 2010). Only at the
    // steps where TIMP is solved.
    use woundsim::agents::neutrophil_state;
    let uptake = |extra: &[&str], cells: &[(f32, f32, u8)], step: u64| {
        let (p, mut st, mut ws) = run_small(extra, 0);
        let timp = p.ids.timp.unwrap();
        st.neutrophils = Default::default();
        for (i, &(x, y, state)) in cells.iter().enumerate() {
            st.neutrophils.push_row(i as u64 + 1, x, y, 0.0, state, 0.0);
        }
        st.step = step;
        ws.sources.clear();
        systems::neutrophil_secretion(&p, &st, &mut ws);
        let u = ws.sources.uptake(timp).clone();
        (p, ws.rates.neutrophils.timp_inactivation_reach, u)
    };
    let live = neutrophil_state::LIVE;
    let two = [
        (1000.0, 1500.0, live),
        (2000.0, 1500.0, neutrophil_state::APOPTOTIC),
    ];
    let (p, reach, u) = uptake(&[], &two, 0);
    assert_eq!(reach, 2, "a 5-voxel (100 µm) box at 20 µm voxels");
    let (_, _, u0) = uptake(
        &["neutrophil.timp_inactivation_ml_per_cell_per_day=0"],
        &two,
        0,
    );
    assert_eq!(u0.sum(), 0.0, "no inactivation when switched off");
    let (_, _, u1) = uptake(&[], &two, 1);
    assert_eq!(u1.sum(), 0.0, "nothing at a step where TIMP is not solved");
    let clearance = p.scenario.neutrophil.timp_inactivation_ml_per_cell_per_day;
    let k_cell = clearance / p.grid.voxel_volume_ml() / 1440.0;
    let close = |a: f64, b: f64| (a - b).abs() <= 1e-4 * b.abs();
    assert!(
        close(u.sum() as f64, k_cell),
        "summed over the box {} vs {k_cell}",
        u.sum()
    );
    let dx = p.grid.dx_um as f32;
    let (cx, cy) = ((1000.0 / dx) as usize, (1500.0 / dx) as usize);
    let n = (2 * reach + 1) as f64;
    for ((iy, ix), &v) in u.indexed_iter() {
        if ix.abs_diff(cx) <= reach && iy.abs_diff(cy) <= reach {
            assert!(close(v as f64, k_cell / (n * n)), "({ix}, {iy}): {v}");
        } else {
            assert_eq!(v, 0.0, "({ix}, {iy}) is outside the live cell's box");
        }
    }
    // In the corner voxel the box keeps 3 × 3 voxels, each with a ninth.
    let (_, _, uc) = uptake(&[], &[(1.0, 1.0, live)], 0);
    assert!(
        close(uc.sum() as f64, k_cell),
        "clipped box total {}",
        uc.sum()
    );
    for ((iy, ix), &v) in uc.indexed_iter() {
        if ix <= reach && iy <= reach {
            assert!(close(v as f64, k_cell / 9.0), "({ix}, {iy}): {v}");
        } else {
            assert_eq!(v, 0.0);
        }
    }
}

#[test]
fn free_active_mmp_degrades_a_hydrogel_so_it_releases_its_cells_sooner() {
    // The release hazard is the route's × (1 + g·a): checked draw by draw
    // against the formula, then in a diabetic wound (Amer & Bryant 2016:
    // MMP-cleavable gels degrade under MMPs; size assumption).
    use woundsim::mechanisms::msc_fate::release_hit;
    let gel = ["treatment.delivery.route=hydrogel"];
    let (_, _, ws0) = run_small(&gel, 0);
    let r = &ws0.rates.msc_fate;
    assert!(r.release_per_min.is_finite() && r.release_gain_per_nm == 1.0);
    let dt = r.dt_min as f64;
    for a in [0.0, 0.3, 2.0] {
        let p_hit = 1.0 - (-(r.release_per_min * (1.0 + a)) * dt).exp();
        for k in 0..200 {
            let u = k as f64 / 200.0;
            if (u - p_hit).abs() > 1e-9 {
                assert_eq!(release_hit(r, a, u), u < p_hit, "a = {a} nM, u = {u}");
            }
        }
    }
    // Three days after a gel dose: fewer cells still in the gel where MMP
    // degrades it than with a carrier MMPs do not touch (same draws).
    let in_gel = |extra: &[&str]| {
        let mut sets = gel.to_vec();
        sets.extend_from_slice(extra);
        let (_, st, ws) = run_small(&sets, 3 * 96);
        let active = ws.protease_active.iter().map(|&a| a as f64).sum::<f64>()
            / ws.protease_active.len().max(1) as f64;
        (st.mscs.in_carrier.iter().filter(|&&c| c).count(), active)
    };
    let (with_mmp, active) = in_gel(&[]);
    let (inert, _) = in_gel(&["protease.carrier_degradation_per_nm=0"]);
    assert!(active > 0.01, "free active MMP {active} nM");
    assert!(inert > 100, "{inert} cells in an inert gel after 3 days");
    eprintln!("in the gel after 3 days: {with_mmp} with MMP, {inert} without; mean free active MMP {active:.3} nM");
    assert!(
        with_mmp < inert,
        "{with_mmp} cells left in the gel with MMP, {inert} without"
    );
}
