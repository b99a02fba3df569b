//! Fibroblasts, myofibroblasts and matrix (issue #20, item 2): their time
//! course in an acute wound, TGF-β driving myofibroblasts, closure needing
//! a matrix, the matrix and agent bounds, and bit-identical results at any
//! thread count and across a checkpoint.

use woundsim::run::simulate;
use woundsim::scenario::{Params, Scenario};
use woundsim::sim::{SimState, Workspace};

#[macro_use]
mod common;
use common::model::{
    bits, col, half_closed_wound, peak, run_steps, state_at_threads, wound_params,
};

/// A 5 mm wound in 6 mm of tissue: an acute one closes in about two weeks;
/// rows every 12 hours.
const WOUND: [&str; 5] = small_domain_sets!(
    6000,
    6000,
    5000,
    "cohort.vary_patients=false",
    "time.output_every_h=12"
);

fn sum(a: &[f64], b: &[f64]) -> Vec<f64> {
    a.iter().zip(b).map(|(x, y)| x + y).collect()
}

fn at_day(t: &[f64], v: &[f64], day: f64) -> f64 {
    v[t.iter().position(|&d| d >= day).unwrap()]
}

fn params(wound_type: &str, extra: &[&str]) -> Params {
    wound_params(&WOUND, wound_type, extra)
}

#[test]
fn acute_wound_fibroblasts_follow_macrophages_lay_down_collagen_and_resolve_after_closure() {
    let out = simulate(&params("acute", &["time.days=35"]), 1).unwrap();
    let t = col(&out, "time_d");
    let fib = col(&out, "fibroblasts");
    let myo = col(&out, "myofibroblasts");
    let lineage = sum(&fib, &myo);
    let macs = sum(&col(&out, "mac_m1"), &col(&out, "mac_m2"));
    let (m_day, _) = peak(&t, &macs);
    let (f_day, f_top) = peak(&t, &lineage);
    let (my_day, my_top) = peak(&t, &myo);
    assert!(f_top > 1000.0, "too few fibroblasts to count: peak {f_top}");
    // None before the onset (day 2).
    assert_eq!(at_day(&t, &lineage, 1.5), 0.0);
    assert!(
        f_day > m_day,
        "fibroblasts peak on day {f_day}, not after the macrophages (day {m_day})"
    );
    assert!(
        my_day >= f_day,
        "myofibroblasts peak on day {my_day}, before the fibroblast lineage (day {f_day})"
    );
    // The wound closes, then the myofibroblasts go (Desmoulière 1995).
    let closure = col(&out, "closure_pct");
    let closed = t[closure
        .iter()
        .position(|&c| c >= 99.0)
        .expect("the acute wound closes")];
    assert!(closed < 30.0, "closed on day {closed}");
    let end = *myo.last().unwrap();
    assert!(
        end < 0.5 * my_top,
        "myofibroblasts: {end} at the end, peak {my_top} on day {my_day}, closed on day {closed}"
    );
    // Collagen rises over the first weeks, week after week.
    let c = col(&out, "collagen_mean");
    let weekly: Vec<f64> = [1.0, 7.0, 14.0, 21.0]
        .iter()
        .map(|&d| at_day(&t, &c, d))
        .collect();
    assert!(
        weekly.windows(2).all(|w| w[1] > w[0]),
        "collagen on days 1, 7, 14, 21: {weekly:?}"
    );
    // Matrix columns stay within 0–1.
    for name in ["provisional_matrix_mean", "collagen_mean"] {
        assert!(
            col(&out, name).iter().all(|&v| (0.0..=1.0).contains(&v)),
            "{name}"
        );
    }
}

#[test]
fn more_tgf_beta_makes_more_myofibroblasts() {
    let days = "time.days=10";
    let base = simulate(&params("acute", &[days]), 3).unwrap();
    let more = simulate(
        &params(
            "acute",
            &[days, "fibroblast.secretion_fg_per_cell_per_day.tgfb=10"],
        ),
        3,
    )
    .unwrap();
    let (a, b) = (
        col(&base, "tgfb_mean_ng_per_ml"),
        col(&more, "tgfb_mean_ng_per_ml"),
    );
    assert!(b.last() > a.last(), "TGF-β on day 10: {b:?} vs {a:?}");
    let (m0, m1) = (
        *col(&base, "myofibroblasts").last().unwrap(),
        *col(&more, "myofibroblasts").last().unwrap(),
    );
    assert!(m0 > 0.0, "no myofibroblasts by day 10");
    assert!(
        m1 > m0,
        "myofibroblasts on day 10: more TGF-β {m1}, default {m0}"
    );
}

#[test]
fn a_wound_without_matrix_does_not_close() {
    let days = "time.days=8";
    let bare = simulate(
        &params(
            "acute",
            &[
                days,
                "fibroblast.initial_provisional=0",
                "fibroblast.recruit_cells_per_voxel_per_day=0",
            ],
        ),
        1,
    )
    .unwrap();
    let usual = simulate(&params("acute", &[days]), 1).unwrap();
    assert!(col(&bare, "fibroblasts").iter().all(|&n| n == 0.0));
    assert!(col(&bare, "closure_pct").iter().all(|&c| c == 0.0));
    assert!(
        *col(&usual, "closure_pct").last().unwrap() > 10.0,
        "the usual wound does not close either"
    );
}

/// A small run of 4 days (fibroblasts from day 2).
fn short() -> Params {
    let sets: Vec<String> = small_domain_sets!(3000, 3000, 2400, "time.days=4")
        .iter()
        .map(|s| s.to_string())
        .collect();
    Params::new(Scenario::builtin(&sets).unwrap(), "short").unwrap()
}

#[test]
fn matrix_stays_bounded_and_fibroblasts_within_their_crowding_limit() {
    let p = short();
    let mut st = SimState::new(&p, 11, p.patient);
    let mut ws = Workspace::new(&p, &st);
    let f = &p.scenario.fibroblast;
    // Each agent divides at most once a step, so crowding, counted before
    // the step, bounds the cells at twice the limit over the domain.
    let bound = 2.0 * f.max_cells_per_voxel * p.grid.layer_len() as f64;
    for _ in 0..(p.steps.total / 16) {
        run_steps(&p, &mut st, &mut ws, 16);
        let t = &st.tissue;
        for (&a, &c) in t.provisional.iter().zip(&t.collagen) {
            assert!((0.0..=1.0).contains(&a) && (0.0..=1.0).contains(&c));
            assert!(a + c <= 1.0 + 1e-6, "provisional {a} + collagen {c}");
        }
        let cells = st.fibroblasts.len() as f64 * f.cells_per_agent;
        assert!(cells <= bound, "{cells} cells, bound {bound}");
    }
    assert!(!st.fibroblasts.is_empty());
}

#[test]
fn fibroblasts_are_bit_identical_at_1_and_4_threads() {
    let p = short();
    let run = |threads: usize| state_at_threads(&p, 7, p.steps.total, threads);
    let (one, four) = (run(1), run(4));
    let (fib, myo) = one.fibroblasts.counts();
    assert!(
        fib > 0 && myo > 0,
        "{fib} fibroblasts, {myo} myofibroblasts"
    );
    assert_eq!(one.fibroblasts, four.fibroblasts);
    assert_eq!(one.tissue.collagen, four.tissue.collagen);
    assert!(
        bits(&p, &one) == bits(&p, &four),
        "states differ between 1 and 4 threads"
    );
}

#[test]
fn a_run_with_fibroblasts_resumes_bit_identically_from_a_checkpoint() {
    let p = short();
    let mut st = SimState::new(&p, 5, p.patient);
    let mut ws = Workspace::new(&p, &st);
    run_steps(&p, &mut st, &mut ws, 260);
    assert!(!st.fibroblasts.is_empty());
    let bytes = woundsim::run::checkpoint_bytes(&p, &st).unwrap();
    let (p2, mut back) = woundsim::run::restore_bytes(&bytes, "memory").unwrap();
    assert!(bits(&p2, &back) == bits(&p, &st));
    let mut ws2 = Workspace::new(&p2, &back);
    run_steps(&p, &mut st, &mut ws, 64);
    run_steps(&p2, &mut back, &mut ws2, 64);
    assert_eq!(back.fibroblasts, st.fibroblasts);
    assert!(
        bits(&p2, &back) == bits(&p, &st),
        "the resumed run differs from the uninterrupted one"
    );
}

#[test]
fn granulation_resolves_where_the_epithelium_has_closed_and_stays_where_the_bed_is_open() {
    // Half the wound closed by hand (closure frozen): fibroblasts under the
    // closed half die at the resolution hazard, those in the open half at
    // the base hazard only. With the whole wound's closed share instead
    // (0.5 for every cell) both halves would lose the same share.
    let (p, mut st) = half_closed_wound(4.0, 3);
    let g = p.grid;
    let n = 300u64;
    let first = st.next_id;
    for i in 0..2 * n {
        let (x0, closed) = if i < n {
            (500.0, true)
        } else {
            (2000.0, false)
        };
        let x = x0 + (i % 20) as f32 * 20.0;
        let y = 1300.0 + ((i / 20) % 15) as f32 * 25.0;
        assert_eq!(
            st.tissue.open[[(y / 20.0) as usize, (x / 20.0) as usize]] == 0,
            closed
        );
        st.fibroblasts.push(first + i, x, y, g.z_center(0) as f32);
    }
    st.next_id = first + 2 * n;
    let mut ws = Workspace::new(&p, &st);
    run_steps(&p, &mut st, &mut ws, p.steps.total);
    let alive = |lo: u64, hi: u64| {
        st.fibroblasts
            .id
            .iter()
            .filter(|&&id| (lo..hi).contains(&id))
            .count() as f64
            / n as f64
    };
    let (closed, open) = (alive(first, first + n), alive(first + n, first + 2 * n));
    // Over 4 days: e^(−0.02·4) = 0.92 open, e^(−0.17·4) = 0.51 closed.
    assert!(open > 0.85, "open half: {open} alive");
    assert!(closed < 0.62, "closed half: {closed} alive");
}
