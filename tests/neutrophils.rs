//! Neutrophils (issue #20, item 1): their time course in an acute and a
//! diabetic wound, their killing of bacteria, and bit-identical results at
//! any thread count and across a checkpoint.

use woundsim::run::{simulate, RunOutput};
use woundsim::scenario::{Params, Scenario};
use woundsim::sim::{SimState, Workspace};

#[macro_use]
mod common;
use common::model::{
    bits, col, half_closed_wound, peak, run_steps, state_at_threads, wound_params,
};

/// A 5 mm wound in 6 mm of tissue stays open for about a week, so the
/// immune time course is not cut short by closure; rows every 6 hours.
const WOUND: [&str; 5] = small_domain_sets!(
    6000,
    6000,
    5000,
    "cohort.vary_patients=false",
    "time.output_every_h=6"
);

/// First day after the peak on which `v` falls to `share` of its peak.
fn resolved_day(t: &[f64], v: &[f64], share: f64) -> Option<f64> {
    let (day, top) = peak(t, v);
    t.iter()
        .zip(v)
        .find(|(&d, &x)| d > day && x <= share * top)
        .map(|(&d, _)| d)
}

fn macrophages(out: &RunOutput) -> Vec<f64> {
    col(out, "mac_m1")
        .iter()
        .zip(col(out, "mac_m2"))
        .map(|(a, b)| a + b)
        .collect()
}

fn params(wound_type: &str, extra: &[&str]) -> Params {
    wound_params(&WOUND, wound_type, extra)
}

#[test]
fn acute_wound_neutrophils_peak_near_day_one_before_macrophages_and_resolve() {
    let out = simulate(&params("acute", &["time.days=10"]), 1).unwrap();
    let t = col(&out, "time_d");
    let n = col(&out, "neutrophils");
    let (n_day, n_top) = peak(&t, &n);
    let (m_day, _) = peak(&t, &macrophages(&out));
    // Kim 2008: the maximum at 18 h; within a day of it.
    assert!(n_top > 50.0, "too few neutrophils to count: peak {n_top}");
    assert!(
        (n_day - 0.75).abs() <= 1.0,
        "neutrophils peak on day {n_day}, Kim 2008: 0.75"
    );
    assert!(
        m_day > n_day,
        "macrophages peak on day {m_day}, not after the neutrophils (day {n_day})"
    );
    // Lucas 2010: wound macrophages peak about days 3–5; within a day.
    assert!(
        (2.0..=6.0).contains(&m_day),
        "macrophages peak on day {m_day}, Lucas 2010: days 3–5"
    );
    // Largely gone by day 5–7.
    let d7 = n[t.iter().position(|&d| d >= 7.0).unwrap()];
    assert!(
        d7 < 0.25 * n_top,
        "day 7: {d7} neutrophils, peak {n_top} on day {n_day}"
    );
    assert_eq!(out.summary.neutrophil_peak_day, Some(n_day));
    // Apoptotic cells appear and are cleared.
    assert!(col(&out, "neutrophils_apoptotic").iter().any(|&a| a > 0.0));
    // The inflammation index (neutrophils + M1 per mm² of the initial
    // wound) peaks within days 1–3 and is below a third of its peak by day 7
    // (wound cytokines and infiltrate peak in the first days and are largely
    // resolved by day 7: Eming 2007).
    let infl = col(&out, "inflammation_index_per_mm2");
    let (i_day, i_top) = peak(&t, &infl);
    assert!(
        (0.5..=3.0).contains(&i_day),
        "inflammation index peaks on day {i_day}"
    );
    let i7 = infl[t.iter().position(|&d| d >= 7.0).unwrap()];
    assert!(
        i7 < i_top / 3.0,
        "day 7: inflammation index {i7}, peak {i_top} on day {i_day}"
    );
    let s = &out.summary;
    assert_eq!(s.inflammation_peak_day, Some(i_day));
    assert_eq!(s.inflammation_peak_per_mm2, i_top);
    let resolved = s.inflammation_resolution_day.expect("resolves by day 10");
    assert!(
        resolved > i_day && resolved <= 7.0,
        "resolved on day {resolved}"
    );
}

#[test]
fn diabetic_host_delays_and_prolongs_the_neutrophil_influx() {
    let days = ["time.days=10"];
    let acute = simulate(&params("acute", &days), 1).unwrap();
    let dfu = simulate(&params("diabetic_foot_ulcer", &days), 1).unwrap();
    let (ta, na) = (col(&acute, "time_d"), col(&acute, "neutrophils"));
    let (td, nd) = (col(&dfu, "time_d"), col(&dfu, "neutrophils"));
    let (da, _) = peak(&ta, &na);
    let (dd, _) = peak(&td, &nd);
    assert!(dd > da, "peak day: diabetic {dd}, acute {da}");
    let ra = resolved_day(&ta, &na, 0.25).expect("the acute influx resolves");
    let rd = resolved_day(&td, &nd, 0.25).unwrap_or(f64::INFINITY);
    assert!(
        rd > ra,
        "down to a quarter of the peak: diabetic day {rd}, acute day {ra}"
    );
    // The inflammatory phase (index down to a third of its peak) lasts
    // longer in the diabetic host.
    let (ia, id) = (
        acute
            .summary
            .inflammation_resolution_day
            .expect("the acute wound resolves"),
        dfu.summary
            .inflammation_resolution_day
            .unwrap_or(f64::INFINITY),
    );
    assert!(
        id > ia,
        "inflammation resolved: diabetic day {id}, acute day {ia}"
    );
}

#[test]
fn removing_neutrophils_raises_bioburden() {
    let days = "time.days=4";
    let with = simulate(&params("diabetic_foot_ulcer", &[days]), 2).unwrap();
    let without = simulate(
        &params(
            "diabetic_foot_ulcer",
            &[
                days,
                "neutrophil.recruit_injury_per_vessel_per_day=0",
                "neutrophil.recruit_damage_per_vessel_per_day=0",
                "neutrophil.recruit_tnf_per_vessel_per_day=0",
            ],
        ),
        2,
    )
    .unwrap();
    assert!(col(&without, "neutrophils").iter().all(|&n| n == 0.0));
    assert!(col(&with, "neutrophils").iter().any(|&n| n > 0.0));
    let (b_with, b_without) = (
        *col(&with, "bioburden").last().unwrap(),
        *col(&without, "bioburden").last().unwrap(),
    );
    assert!(
        b_without > b_with,
        "bioburden on day 4: without neutrophils {b_without}, with {b_with}"
    );
}

/// A small run of 36 h (the influx under way, some cells apoptotic).
fn short() -> Params {
    let sets: Vec<String> = small_domain_sets!(3000, 3000, 2400, "time.days=2")
        .iter()
        .map(|s| s.to_string())
        .collect();
    Params::new(Scenario::builtin(&sets).unwrap(), "short").unwrap()
}

#[test]
fn neutrophils_are_bit_identical_at_1_and_4_threads() {
    let p = short();
    let run = |threads: usize| state_at_threads(&p, 7, 144, threads);
    let (one, four) = (run(1), run(4));
    let (live, apoptotic) = one.neutrophils.counts();
    assert!(
        live > 0 && apoptotic > 0,
        "{live} live, {apoptotic} apoptotic"
    );
    assert_eq!(one.neutrophils, four.neutrophils);
    assert_eq!(
        one.neutrophils_efferocytosed,
        four.neutrophils_efferocytosed
    );
    // Whole states, bit for bit (NaN cells of the rows compare by bits).
    assert!(
        bits(&p, &one) == bits(&p, &four),
        "states differ between 1 and 4 threads"
    );
}

#[test]
fn a_run_with_neutrophils_resumes_bit_identically_from_a_checkpoint() {
    let p = short();
    let mut st = SimState::new(&p, 5, p.patient);
    let mut ws = Workspace::new(&p, &st);
    run_steps(&p, &mut st, &mut ws, 80);
    assert!(!st.neutrophils.is_empty());
    let bytes = woundsim::run::checkpoint_bytes(&p, &st).unwrap();
    let (p2, mut back) = woundsim::run::restore_bytes(&bytes, "memory").unwrap();
    assert!(bits(&p2, &back) == bits(&p, &st));
    let mut ws2 = Workspace::new(&p2, &back);
    run_steps(&p, &mut st, &mut ws, 64);
    run_steps(&p2, &mut back, &mut ws2, 64);
    assert_eq!(back.neutrophils, st.neutrophils);
    assert!(
        bits(&p2, &back) == bits(&p, &st),
        "the resumed run differs from the uninterrupted one"
    );
}

#[test]
fn the_in_wound_counts_are_the_cells_standing_on_the_initial_footprint() {
    // `neutrophils_in_wound` counts the live neutrophils inside the
    // footprint (the 2.4 mm wound in the middle of 3 mm of tissue),
    // `macrophages_in_wound` the macrophages; cells placed by hand.
    use woundsim::agents::neutrophil_state;
    use woundsim_core::series;
    let p = short();
    let mut st = SimState::new(&p, 5, p.patient);
    let (mid, edge) = (1500.0, 40.0);
    st.neutrophils = Default::default();
    st.neutrophils.push(1, mid, mid, 0.0);
    st.neutrophils.push(2, mid + 100.0, mid, 0.0);
    st.neutrophils.push(3, edge, edge, 0.0);
    st.neutrophils
        .push_row(4, mid, mid + 50.0, 0.0, neutrophil_state::APOPTOTIC, 0.0);
    st.macs = Default::default();
    st.macs.push(5, mid, mid, 0.0, 0.2);
    st.macs.push(6, edge, mid, 0.0, 0.8);
    st.macs.push(7, mid, edge, 0.0, 0.5);
    let row = woundsim::observe::observe(&p, &st);
    let cols = series::columns(&p);
    let at = |name: &str| row.values[cols.iter().position(|c| c == name).unwrap()];
    assert_eq!(at("neutrophils"), 3.0);
    assert_eq!(at("neutrophils_in_wound"), 2.0, "two live cells inside");
    assert_eq!(at("macrophages_in_wound"), 1.0, "one macrophage inside");
}

#[test]
fn the_tissue_under_the_bed_brings_the_infiltrate_into_the_wound() {
    // Neutrophils and macrophages extravasate from the perfused tissue the
    // bed lies on, beneath the whole footprint, as well as from the
    // margin's vessels: on day 1 most of them stand inside the wound.
    // Without that tissue (`wound_base_vessel_frac = 0`) only the bed's
    // residual vessels and the margin recruit, and most cells stay in
    // the intact ring around the wound.
    let day = ["time.days=1"];
    let share = |out: &RunOutput, kind: &str| {
        let (all, inside) = match kind {
            "neutrophils" => (col(out, "neutrophils"), col(out, "neutrophils_in_wound")),
            _ => (macrophages(out), col(out, "macrophages_in_wound")),
        };
        let (a, i) = (*all.last().unwrap(), *inside.last().unwrap());
        assert!(a > 20.0, "{kind}: only {a} cells on day 1");
        i / a
    };
    let with = simulate(&params("acute", &day), 1).unwrap();
    let bare = [day[0], "tissue.wound_base_vessel_frac=0"];
    let without = simulate(&params("acute", &bare), 1).unwrap();
    for kind in ["neutrophils", "macrophages"] {
        let (w, wo) = (share(&with, kind), share(&without, kind));
        assert!(w > 0.6, "{kind} inside the wound on day 1: {w}");
        assert!(wo < 0.5, "{kind} inside without the base: {wo}");
    }
    // The base adds recruitment sites, so it adds cells.
    let n = |o: &RunOutput| *col(o, "neutrophils").last().unwrap();
    assert!(
        n(&with) > 1.5 * n(&without),
        "{} vs {}",
        n(&with),
        n(&without)
    );
}

#[test]
fn the_bed_supplies_immune_cells_only_where_it_is_still_open() {
    // Half the wound closed by hand (closure frozen): the tissue under the
    // closed half no longer sends cells up into it, while the open half's
    // does. Counted inside the footprint, over the first two days (before
    // cells walk far). Expected about 0.1 of the open half's neutrophils
    // and 0.05 of its macrophages under the closed half (walkers from the
    // margin and the midline); with the whole wound's open share instead,
    // 0.6 and 0.45.
    let (p, mut st) = half_closed_wound(2.0, 5);
    let g = p.grid;
    let mut ws = Workspace::new(&p, &st);
    run_steps(&p, &mut st, &mut ws, p.steps.total);
    let half = g.width_um() as f32 / 2.0;
    let count = |xs: &[f32], ys: &[f32]| {
        let (mut closed, mut open) = (0u32, 0u32);
        for (&x, &y) in xs.iter().zip(ys) {
            let (ix, iy) = g.voxel_of(x, y);
            if st.tissue.footprint[[iy, ix]] == 1 {
                // A cell's side, 100 µm clear of the midline.
                if x < half - 100.0 {
                    closed += 1;
                } else if x > half + 100.0 {
                    open += 1;
                }
            }
        }
        (closed as f64, open as f64)
    };
    let (nc, no) = count(&st.neutrophils.x, &st.neutrophils.y);
    let (mc, mo) = count(&st.macs.x, &st.macs.y);
    assert!(
        no > 200.0 && mo > 20.0,
        "open half: {no} neutrophils, {mo} macrophages"
    );
    assert!(
        nc < 0.2 * no,
        "neutrophils: {nc} under the closed half, {no} open"
    );
    assert!(
        mc < 0.2 * mo,
        "macrophages: {mc} under the closed half, {mo} open"
    );
}
