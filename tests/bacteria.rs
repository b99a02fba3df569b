//! Bacteria and biofilm (issue #20, item 4): killing by neutrophils,
//! debridement, antibiotics against planktonic and biofilm bacteria, the
//! bounds of the maps, chronic against acute wounds, the patient's biofilm
//! draw, and bit-identical results at any thread count.

use woundsim::run::{simulate, RunOutput};
use woundsim::scenario::{Params, Scenario};
use woundsim::sim::{SimState, Workspace};

#[macro_use]
mod common;
use common::model::{bits, col, run_steps, state_at_threads, wound_params};

/// A 5 mm wound in 6 mm of tissue (open for more than a week in a diabetic
/// host); rows every 12 hours.
const WOUND: [&str; 5] = small_domain_sets!(
    6000,
    6000,
    5000,
    "cohort.vary_patients=false",
    "time.output_every_h=12"
);

/// No neutrophil is ever recruited.
const NO_NEUTROPHILS: [&str; 3] = [
    "neutrophil.recruit_injury_per_vessel_per_day=0",
    "neutrophil.recruit_damage_per_vessel_per_day=0",
    "neutrophil.recruit_tnf_per_vessel_per_day=0",
];

fn last(out: &RunOutput, name: &str) -> f64 {
    *col(out, name).last().unwrap()
}

fn mean(v: &[f64]) -> f64 {
    v.iter().sum::<f64>() / v.len() as f64
}

fn params(wound_type: &str, extra: &[&str]) -> Params {
    wound_params(&WOUND, wound_type, extra)
}

#[test]
fn removing_neutrophils_raises_bacterial_burden() {
    let days = "time.days=7";
    let with = simulate(&params("diabetic_foot_ulcer", &[days]), 2).unwrap();
    let mut extra = vec![days];
    extra.extend(NO_NEUTROPHILS);
    let without = simulate(&params("diabetic_foot_ulcer", &extra), 2).unwrap();
    assert!(col(&without, "neutrophils").iter().all(|&n| n == 0.0));
    assert!(col(&with, "neutrophils").iter().any(|&n| n > 0.0));
    let (b_with, b_without) = (
        last(&with, "bacterial_burden"),
        last(&without, "bacterial_burden"),
    );
    assert!(
        b_without > b_with * 1.02,
        "bacterial burden on day 7: without neutrophils {b_without}, with {b_with}"
    );
    // The planktonic bacteria, which neutrophils reach, differ most.
    let (p_with, p_without) = (
        last(&with, "planktonic_burden"),
        last(&without, "planktonic_burden"),
    );
    assert!(
        p_without > p_with,
        "planktonic burden on day 7: without neutrophils {p_without}, with {p_with}"
    );
    // The wound-level number is the mean of the maps.
    assert_eq!(col(&with, "bioburden"), col(&with, "bacterial_burden"));
}

#[test]
fn debridement_lowers_biofilm() {
    let days = "time.days=10";
    let plain = simulate(&params("diabetic_foot_ulcer", &[days]), 3).unwrap();
    let debrided = simulate(
        &params(
            "diabetic_foot_ulcer",
            &[days, "treatment.standard_care.debridement_every_days=7"],
        ),
        3,
    )
    .unwrap();
    let (bp, bd) = (
        col(&plain, "biofilm_burden"),
        col(&debrided, "biofilm_burden"),
    );
    // Debridement at the start and on day 7.
    assert!(
        bd[0] < 0.5 * bp[0],
        "day 0 biofilm: debrided {}, not {}",
        bd[0],
        bp[0]
    );
    assert!(
        mean(&bd) < mean(&bp),
        "biofilm over 10 days: debrided {}, not {}",
        mean(&bd),
        mean(&bp)
    );
    assert!(
        bd.last().unwrap() < bp.last().unwrap(),
        "day 10 biofilm: debrided {}, not {}",
        bd.last().unwrap(),
        bp.last().unwrap()
    );
    assert!(last(&debrided, "biofilm_fraction") <= last(&plain, "biofilm_fraction"));
}

#[test]
fn antibiotics_lower_planktonic_bacteria_more_than_biofilm() {
    let days = "time.days=5";
    let plain = simulate(&params("diabetic_foot_ulcer", &[days]), 4).unwrap();
    let treated = simulate(
        &params(
            "diabetic_foot_ulcer",
            &[days, "treatment.standard_care.antibiotics=true"],
        ),
        4,
    )
    .unwrap();
    let plank = last(&treated, "planktonic_burden") / last(&plain, "planktonic_burden");
    let film = last(&treated, "biofilm_burden") / last(&plain, "biofilm_burden");
    assert!(
        plank < 0.5,
        "antibiotics leave {plank} of the planktonic bacteria"
    );
    assert!(
        plank < film,
        "planktonic bacteria fall to {plank} of untreated, biofilm to {film}: biofilm is not the more tolerant"
    );
}

fn check_bounds(p: &Params, st: &SimState, what: &str) {
    if let Err(e) = st.validate(p) {
        panic!("{what}: the state does not validate: {e}");
    }
    let t = &st.tissue;
    for ((&p, &b), &o) in t.planktonic.iter().zip(&t.biofilm).zip(&t.open) {
        assert!(
            (0.0..=1.0).contains(&p) && (0.0..=1.0).contains(&b),
            "{what}: planktonic {p}, biofilm {b} outside 0–1 on step {}",
            st.step
        );
        assert!(
            p + b <= 1.0 + 1e-5,
            "{what}: planktonic {p} + biofilm {b} above the capacity on step {}",
            st.step
        );
        if o == 0 {
            assert!(p == 0.0 && b == 0.0, "{what}: bacteria off the open wound");
        }
    }
    assert!(
        (0.0..=1.0).contains(&t.bioburden),
        "{what}: mean {}",
        t.bioburden
    );
}

#[test]
fn burden_stays_within_capacity_and_off_closed_tissue() {
    // Defaults, then fast growth with wide spreading, then heavy killing:
    // the maps stay in [0, 1], their sum within capacity, zero where the
    // wound is closed.
    let cases: [(&str, &[&str]); 3] = [
        ("defaults", &[]),
        (
            "fast growth, wide spreading",
            &[
                "bacteria.doubling_time_h=0.1",
                "bacteria.spreading_um2_per_min=1000",
                "bacteria.attachment_per_day=50",
                "bacteria.host_clearance_per_day=0",
                "patient.bioburden=1",
            ],
        ),
        (
            "heavy killing",
            &[
                "treatment.standard_care.antibiotics=true",
                "treatment.standard_care.antibiotic_kill_per_day=1e6",
                "treatment.standard_care.infection_control=true",
                "bacteria.host_clearance_per_day=1e6",
            ],
        ),
    ];
    for (what, extra) in cases {
        let mut sets: Vec<String> = small_domain_sets!(3000, 3000, 2400, "time.days=3")
            .iter()
            .map(|s| s.to_string())
            .collect();
        sets.extend(extra.iter().map(|s| s.to_string()));
        let p = Params::new(Scenario::builtin(&sets).unwrap(), "bounds").unwrap();
        let mut st = SimState::new(&p, 9, p.patient);
        let mut ws = Workspace::new(&p, &st);
        check_bounds(&p, &st, what);
        for _ in 0..p.steps.total / 4 {
            run_steps(&p, &mut st, &mut ws, 4);
            check_bounds(&p, &st, what);
        }
        let bytes = woundsim::run::checkpoint_bytes(&p, &st).unwrap();
        woundsim::run::restore_bytes(&bytes, "memory").expect("the state validates");
        if what == "fast growth, wide spreading" {
            assert!(
                st.tissue.bioburden > 0.9,
                "{what}: the bed fills, mean {}",
                st.tissue.bioburden
            );
        }
        if what == "heavy killing" {
            assert!(
                st.tissue.bioburden < 1e-6,
                "{what}: mean {}",
                st.tissue.bioburden
            );
        }
    }
}

#[test]
fn a_chronic_wound_keeps_more_biofilm_than_an_acute_one() {
    let days = "time.days=14";
    let dfu = simulate(&params("diabetic_foot_ulcer", &[days]), 1).unwrap();
    let acute = simulate(&params("acute", &[days]), 1).unwrap();
    // James 2008: biofilm in 60 % of chronic and 6 % of acute wounds, so
    // the nominal DFU starts with one and the nominal acute wound without.
    let (fd, fa) = (
        col(&dfu, "biofilm_fraction"),
        col(&acute, "biofilm_fraction"),
    );
    assert!(
        fd[0] > 0.9 && fa[0] == 0.0,
        "day 0: DFU {}, acute {}",
        fd[0],
        fa[0]
    );
    let t = col(&dfu, "time_d");
    let d14 = t.iter().position(|&d| d >= 14.0).unwrap();
    assert!(
        fd[d14] > 0.5 && fd[d14] > fa[d14] + 0.3,
        "day 14 biofilm fraction: DFU {}, acute {}",
        fd[d14],
        fa[d14]
    );
    // The acute wound clears its contamination; the DFU stays colonised.
    let (bd, ba) = (
        col(&dfu, "bacterial_burden"),
        col(&acute, "bacterial_burden"),
    );
    assert!(
        ba[d14] < ba[0],
        "acute burden {} on day 0, {} on day 14",
        ba[0],
        ba[d14]
    );
    assert!(
        bd[d14] > ba[d14],
        "day 14: DFU {}, acute {}",
        bd[d14],
        ba[d14]
    );
    assert_eq!(dfu.summary.biofilm_fraction_d28, None);
}

#[test]
fn cohort_patients_draw_their_biofilm_at_the_preset_probability() {
    let p = params("diabetic_foot_ulcer", &["cohort.vary_patients=true"]);
    let n = 400;
    let with = (0..n)
        .filter(|&s| woundsim::cohort::patient_for(&p, s).biofilm)
        .count() as f64
        / n as f64;
    // 0.6 ± 4.9 standard errors (0.0245).
    assert!(
        (with - 0.6).abs() < 0.12,
        "{with} of {n} DFU patients with biofilm"
    );
    let a = params("acute", &["cohort.vary_patients=true"]);
    let acute = (0..n)
        .filter(|&s| woundsim::cohort::patient_for(&a, s).biofilm)
        .count() as f64
        / n as f64;
    assert!(acute < 0.15, "{acute} of {n} acute patients with biofilm");
    // The nominal patients: the likelier outcome.
    assert!(params("diabetic_foot_ulcer", &[]).patient.biofilm);
    assert!(!params("acute", &[]).patient.biofilm);
}

#[test]
fn bacteria_are_bit_identical_at_1_and_4_threads() {
    // The default DFU with its MSC dose: every kill term is active.
    let sets: Vec<String> = small_domain_sets!(3000, 3000, 2400, "time.days=3")
        .iter()
        .map(|s| s.to_string())
        .collect();
    let p = Params::new(Scenario::builtin(&sets).unwrap(), "threads").unwrap();
    let run = |threads: usize| state_at_threads(&p, 7, p.steps.total, threads);
    let (one, four) = (run(1), run(4));
    assert!(one.tissue.bioburden > 0.0 && !one.mscs.is_empty());
    assert_eq!(one.tissue.planktonic, four.tissue.planktonic);
    assert_eq!(one.tissue.biofilm, four.tissue.biofilm);
    assert!(
        bits(&p, &one) == bits(&p, &four),
        "states differ between 1 and 4 threads"
    );
}
