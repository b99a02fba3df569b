//! Spheroids (MSC aggregates) as multicellular agents (issue #21, item 4):
//! a hypoxic core above the derived radius and none below it in
//! well-oxygenated tissue; higher survival and more VEGF per cell than the
//! same number of single cells (Bhang 2011, Bhang 2012); necrosis above the
//! anoxic radius; shedding that conserves the cell count; bit-identical
//! results at 1 and 4 threads; the cell-count column validated.

use woundsim::mechanisms::spheroid;
use woundsim::scenario::{Params, Scenario};
use woundsim::sim::{self, systems, SimState, Workspace};

#[macro_use]
mod common;
use common::model::state_at_threads;

const SMALL: [&str; 4] = small_domain_sets!(3000, 3000, 2400, "cohort.vary_patients=false");

fn params(extra: &[&str]) -> Params {
    let sets: Vec<String> = SMALL.iter().chain(extra).map(|s| s.to_string()).collect();
    Params::new(Scenario::builtin(&sets).unwrap(), "test").unwrap()
}

/// A state holding only MSC agents at the domain centre, one per entry of
/// `agents` (cells each), in a uniform environment of `o2` mmHg and `tnf`
/// ng/mL (no field is solved). Single cells start unanchored for
/// `unanchored_min`, as a topical dose's do.
fn state(
    p: &Params,
    o2: f32,
    tnf: f32,
    agents: &[u32],
    unanchored_min: f32,
) -> (SimState, Workspace) {
    let mut st = SimState::new(p, 1, p.patient);
    st.mscs = Default::default();
    st.macs = Default::default();
    st.neutrophils = Default::default();
    st.tips = Default::default();
    st.fibroblasts = Default::default();
    let (cx, cy) = (
        p.grid.width_um() as f32 / 2.0,
        p.grid.height_um() as f32 / 2.0,
    );
    let z = p.grid.z_center(0) as f32;
    for (k, &n) in agents.iter().enumerate() {
        let id = st.new_id();
        let un = if n == 1 { unanchored_min } else { 0.0 };
        let x = cx + (k % 500) as f32 * 0.5;
        st.mscs.push_aggregate(id, x, cy, z, false, un, [0.0; 3], n);
    }
    let ids = p.ids;
    st.fields.data[ids.oxygen].fill(o2);
    st.fields.data[ids.tnf].fill(tnf);
    if let Some(r) = ids.ros {
        st.fields.data[r].fill(0.0);
    }
    let ws = Workspace::new(p, &st);
    (st, ws)
}

/// State and fate for `steps` cell steps in the fixed environment.
fn evolve(p: &Params, st: &mut SimState, ws: &mut Workspace, steps: usize) {
    for _ in 0..steps {
        systems::msc_state(p, st, ws);
        systems::msc_fate(p, st, ws);
        st.step += p.steps.cell_every;
    }
}

/// VEGF secreted by the MSCs in one field step (ng/mL/min, summed).
fn vegf(p: &Params, st: &SimState, ws: &mut Workspace) -> f64 {
    ws.sources.clear();
    systems::secretion(p, st, ws);
    ws.sources.src(p.ids.vegf).iter().map(|&v| v as f64).sum()
}

/// k = Q/(6D) and the HIF onset of `p`.
fn core(p: &Params, ws: &Workspace) -> (f64, f64, f64) {
    let a = &ws.rates.msc_state.aggregate;
    let _ = p;
    (
        a.q_over_6d_mmhg_per_um2,
        a.hypoxia.onset_mmhg as f64,
        a.volume_per_cell_um3,
    )
}

#[test]
fn the_derived_radii_follow_from_consumption_and_diffusion() {
    let p = params(&[]);
    let (_, ws) = state(&p, 38.0, 0.0, &[], 0.0);
    let (k, onset, v) = core(&p, &ws);
    let rh = spheroid::hypoxic_radius_um(38.0, onset, k);
    let r0 = spheroid::anoxic_radius_um(38.0, k);
    println!(
        "Q = {:.1} mmHg/min; at 38 mmHg: R_h = {rh:.1} µm ({:.0} cells), R_0 = {r0:.1} µm ({:.0} cells); default aggregate {} cells, R = {:.1} µm",
        ws.rates.msc_state.aggregate.consumption_mmhg_per_min,
        spheroid::cells_for_radius(rh, v),
        spheroid::cells_for_radius(r0, v),
        p.scenario.msc.aggregate_cells,
        spheroid::radius_um(p.scenario.msc.aggregate_cells as u32, v)
    );
    assert!(rh > 100.0 && rh < r0 && r0 < 200.0, "{rh} {r0}");
    // A more hypoxic surface shrinks both.
    assert!(spheroid::anoxic_radius_um(10.0, k) < 0.6 * r0);
    // Halving the consumption widens both by √2.
    let p2 = params(&["msc.o2_consumption_fmol_per_cell_per_h=49"]);
    let (_, ws2) = state(&p2, 38.0, 0.0, &[], 0.0);
    let r02 = spheroid::anoxic_radius_um(38.0, core(&p2, &ws2).0);
    assert!((r02 / r0 - 2f64.sqrt()).abs() < 1e-9, "{r02} {r0}");
}

#[test]
fn a_spheroid_above_the_hypoxic_radius_has_a_hypoxic_core_and_one_below_it_does_not() {
    let p = params(&[]);
    let (_, ws) = state(&p, 38.0, 0.0, &[], 0.0);
    let (k, onset, v) = core(&p, &ws);
    let rh = spheroid::hypoxic_radius_um(38.0, onset, k);
    let r0 = spheroid::anoxic_radius_um(38.0, k);
    let big = spheroid::cells_for_radius(0.98 * r0, v) as u32;
    let above = spheroid::cells_for_radius(1.1 * rh, v) as u32;
    let small = spheroid::cells_for_radius(0.95 * rh, v) as u32;
    let (mut st, ws) = state(&p, 38.0, 0.0, &[big, above, small, 1], 0.0);
    for _ in 0..200 {
        systems::msc_state(&p, &mut st, &ws);
    }
    let h = &st.mscs.hif;
    println!(
        "HIF-1α after 50 h at 38 mmHg: {big} cells {:.3}, {above} cells {:.3}, {small} cells {:.3}, single {:.3}",
        h[0], h[1], h[2], h[3]
    );
    assert!(
        h[0] > 0.1,
        "the large aggregate's core is not hypoxic: {}",
        h[0]
    );
    assert!(h[1] > 0.0 && h[1] < h[0], "{} {}", h[1], h[0]);
    assert_eq!(h[2], 0.0, "an aggregate below R_h is hypoxic");
    assert_eq!(h[3], 0.0, "a single cell is hypoxic at 38 mmHg");
}

/// Live cells and VEGF per live cell of one aggregate of `n` cells (and the
/// cells it shed) against `n` single cells after `steps` cell steps at
/// `o2`, TNF-α 0.3 ng/mL.
fn aggregate_vs_single(p: &Params, o2: f32, n: u32, steps: usize) -> [(f64, f64); 2] {
    let anchorage = (p.scenario.msc.anchorage_h * 60.0) as f32;
    let mut out = [(0.0, 0.0); 2];
    for (j, agents) in [vec![n], vec![1u32; n as usize]].iter().enumerate() {
        let (mut st, mut ws) = state(p, o2, 0.3, agents, anchorage);
        evolve(p, &mut st, &mut ws, steps);
        let live = st.mscs.live_cells() as f64;
        out[j] = (live / n as f64, vegf(p, &st, &mut ws) / live.max(1.0));
    }
    out
}

#[test]
fn aggregated_cells_survive_better_and_make_more_vegf_per_cell_than_single_cells() {
    // Well-oxygenated tissue; an aggregate of 10 000 cells (above R_h,
    // below R_0).
    let p = params(&[]);
    let n = 10_000;
    for days in [1usize, 3] {
        let [(sa, va), (ss, vs)] = aggregate_vs_single(&p, 38.0, n, days * 96);
        println!(
            "day {days}: survival aggregate {sa:.4} vs single {ss:.4}; VEGF per live cell {va:.3e} vs {vs:.3e} ({:.2}×)",
            va / vs
        );
        assert!(sa > ss, "day {days}: survival {sa} vs {ss}");
        assert!(va > 1.02 * vs, "day {days}: VEGF per cell {va} vs {vs}");
    }
}

#[test]
fn an_aggregate_above_the_anoxic_radius_loses_its_core_cells() {
    let p = params(&["msc.aggregate_shedding_per_day=0"]);
    let (_, ws) = state(&p, 38.0, 0.0, &[], 0.0);
    let (k, _, v) = core(&p, &ws);
    let r0 = spheroid::anoxic_radius_um(38.0, k);
    let big = spheroid::cells_for_radius(1.5 * r0, v) as u32;
    let small = spheroid::cells_for_radius(0.9 * r0, v) as u32;
    let share = spheroid::anoxic_fraction(38.0, k, 1.5 * r0);
    let (mut st, mut ws) = state(&p, 38.0, 0.0, &[big, small], 0.0);
    evolve(&p, &mut st, &mut ws, 96);
    let lost = |st: &SimState, i: usize, n: u32| 1.0 - st.mscs.cells[i] as f64 / n as f64;
    let (lb, ls) = (lost(&st, 0, big), lost(&st, 1, small));
    // The same aggregate without necrosis (its other deaths only).
    let q = params(&[
        "msc.aggregate_shedding_per_day=0",
        "msc.aggregate_necrosis_per_day=0",
    ]);
    let (mut st0, mut ws0) = state(&q, 38.0, 0.0, &[big], 0.0);
    evolve(&q, &mut st0, &mut ws0, 96);
    let lb0 = lost(&st0, 0, big);
    // Each step the anoxic share of the cells dies at the necrosis rate
    // (the core stays anoxic while R > R_0): dN/dt = −rate·f(N)·N, with f
    // falling from its start as the aggregate shrinks, so the day's loss
    // lies between 1 − e^(−rate·f_end) and 1 − e^(−rate·f_start).
    let rate = p.scenario.msc.aggregate_necrosis_per_day;
    let expected = 1.0 - (-rate * share).exp();
    let f_end = spheroid::anoxic_fraction(38.0, k, spheroid::radius_um(st.mscs.cells[0], v));
    let least = 1.0 - (-rate * f_end).exp();
    println!(
        "a day at 38 mmHg: {big} cells (anoxic share {share:.3}) lost {lb:.4}, {lb0:.4} without necrosis (necrosis {:.4}, expected {least:.4}–{expected:.4}); {small} cells (below R_0) lost {ls:.4}",
        lb - lb0
    );
    assert!(share > 0.1, "{share}");
    let necrotic = lb - lb0;
    assert!(
        necrotic > 0.9 * least && necrotic < 1.05 * expected,
        "{necrotic} vs {least}–{expected}"
    );
    assert!(lb > 5.0 * ls, "big {lb} small {ls}");
    // The dead cells are counted and became debris.
    assert!(st.msc_deaths as f64 >= lb * big as f64);
    assert!(st.tissue.debris.iter().any(|&d| d > 0.0));
}

#[test]
fn shedding_makes_single_cells_and_conserves_the_cell_count() {
    // Only the anoxic core kills (every single-cell hazard off), so shed
    // cells stay alive and every death is the aggregate's.
    let p = params(&[
        "msc.aggregate_shedding_per_day=1",
        "msc.base_death_per_day=0",
        "msc.hypoxia_death_per_day=0",
        "msc.tnf_death_per_day=0",
        "msc.ros_death_per_day=0",
        "msc.anoikis_death_per_day=0",
        "msc.senescence_per_day=0",
    ]);
    let n = 20_000u32;
    let (mut st, mut ws) = state(&p, 38.0, 0.0, &[n], 0.0);
    let id0 = st.mscs.id[0];
    let next0 = st.next_id;
    evolve(&p, &mut st, &mut ws, 192);
    let remaining = st.mscs.cells[0] as u64;
    assert_eq!(st.mscs.id[0], id0);
    let shed = st.next_id - next0;
    let dead = st.msc_deaths;
    println!("two days: {n} cells → {remaining} remaining, {shed} shed, {dead} dead");
    assert!(shed > 1000, "{shed}");
    assert!(dead > 0, "{dead}");
    assert_eq!(shed + dead + remaining, n as u64);
    // Every shed cell is a single live cell near the aggregate.
    let r = spheroid::radius_um(n, p.scenario.msc.aggregate_volume_per_cell_um3) as f32;
    assert_eq!(st.mscs.len() as u64, shed + 1);
    for i in 1..st.mscs.len() {
        assert_eq!(st.mscs.cells[i], 1);
        let d =
            ((st.mscs.x[i] - st.mscs.x[0]).powi(2) + (st.mscs.y[i] - st.mscs.y[0]).powi(2)).sqrt();
        assert!(d < r + 2.0 * 0.2 * 15.0 * 192.0, "shed cell {d} µm away");
    }
    assert_eq!(st.mscs.live_cells(), remaining + shed);
    st.validate(&p).unwrap();
}

#[test]
fn shed_cells_beyond_the_agent_cap_stay_in_their_aggregate() {
    let p = params(&[
        "msc.aggregate_shedding_per_day=5",
        "msc.aggregate_necrosis_per_day=0",
        "msc.base_death_per_day=0",
        "msc.hypoxia_death_per_day=0",
        "msc.tnf_death_per_day=0",
        "msc.ros_death_per_day=0",
        "limits.max_agents=50",
    ]);
    let n = 5_000u32;
    let (mut st, mut ws) = state(&p, 38.0, 0.0, &[n], 0.0);
    evolve(&p, &mut st, &mut ws, 96);
    assert_eq!(st.mscs.len(), 50);
    assert!(st.agent_cap_hit_step.is_some());
    assert_eq!(st.mscs.cells[0] as u64 + 49, n as u64);
}

#[test]
fn a_run_with_aggregates_is_bit_identical_at_1_and_4_threads() {
    let p = params(&[
        "time.days=2",
        "treatment.product.form=aggregates",
        "msc.aggregate_cells=2000",
    ]);
    let run = |threads: usize| state_at_threads(&p, 7, 144, threads);
    let (one, four) = (run(1), run(4));
    assert!(one.mscs.cells.iter().any(|&c| c > 1), "no aggregate");
    assert!(
        one.mscs.cells.iter().filter(|&&c| c == 1).count() > 0,
        "nothing shed"
    );
    assert_eq!(one.mscs, four.mscs);
    assert!(
        woundsim::run::checkpoint_bytes(&p, &one).unwrap()
            == woundsim::run::checkpoint_bytes(&p, &four).unwrap(),
        "states differ between 1 and 4 threads"
    );
}

#[test]
fn a_dose_of_aggregates_places_fewer_agents_carrying_the_same_cells() {
    let cells = params(&["treatment.product.form=cells"]);
    let agg = params(&["treatment.product.form=aggregates"]);
    let (a, b) = (
        Workspace::new(&cells, &SimState::new(&cells, 1, cells.patient)),
        Workspace::new(&agg, &SimState::new(&agg, 1, agg.patient)),
    );
    let n = agg.scenario.msc.aggregate_cells;
    assert_eq!(b.rates.dosing.cells_per_agent as f64, n);
    let per_agent = b.rates.dosing.agents_per_dose * n;
    assert!((per_agent - a.rates.dosing.agents_per_dose).abs() < 1e-9 * per_agent);
}

#[test]
fn a_checkpoint_with_an_empty_agent_is_refused() {
    let p = params(&[
        "time.days=1",
        "treatment.product.form=aggregates",
        "msc.aggregate_cells=2000",
    ]);
    let mut st = SimState::new(&p, 5, p.patient);
    let mut ws = Workspace::new(&p, &st);
    for _ in 0..2 {
        sim::step(&p, &mut st, &mut ws).unwrap();
    }
    assert!(!st.mscs.is_empty());
    st.validate(&p).unwrap();
    st.mscs.cells[0] = 0;
    let bytes = woundsim::run::checkpoint_bytes(&p, &st).unwrap();
    let err = woundsim::run::restore_bytes(&bytes, "memory")
        .unwrap_err()
        .to_string();
    assert!(err.contains("0 cells"), "{err}");
}

#[test]
fn an_aggregate_cell_count_out_of_range_is_a_clear_error() {
    for bad in ["0", "2.5", "1e7"] {
        let sets = common::sets(&[&format!("msc.aggregate_cells={bad}")]);
        let err = Scenario::builtin(&sets)
            .and_then(|s| Params::new(s, "test").map(|_| ()))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("msc.aggregate_cells") && err.contains("1 to 1e6"),
            "{bad}: {err}"
        );
    }
}

/// The shipped `dfu-aggregates` scenario on a small domain, in aggregate
/// form and as single cells: the share of the dosed cells alive and the VEGF
/// secreted per live cell at days 1, 3 and 7.
#[test]
fn in_the_dfu_aggregates_scenario_aggregates_outlive_single_cells_and_make_more_vegf_per_cell() {
    let text = include_str!("../scenarios/dfu-aggregates.toml");
    let run = |form: &str| {
        let mut sets = common::sets(&SMALL);
        sets.push("time.days=7".into());
        sets.push(format!("treatment.product.form={form}"));
        let p = Params::new(
            Scenario::from_toml_str(text, "dfu-aggregates", &sets).unwrap(),
            "t",
        )
        .unwrap();
        let mut st = SimState::new(&p, 3, p.patient);
        let mut ws = Workspace::new(&p, &st);
        sim::step(&p, &mut st, &mut ws).unwrap();
        let dosed = (st.mscs.live_cells() + st.msc_deaths) as f64;
        let per_day = 1440 / p.steps.dt_min as u64;
        let mut out = Vec::new();
        for day in [1u64, 3, 7] {
            while st.step < day * per_day {
                sim::step(&p, &mut st, &mut ws).unwrap();
            }
            let live = st.mscs.live_cells() as f64;
            let v = vegf(&p, &st, &mut ws) / live.max(1.0);
            let agents = st.mscs.cells.iter().filter(|&&c| c > 1).count();
            out.push((day, live / dosed, v, agents, dosed));
        }
        out
    };
    let (agg, single) = (run("aggregates"), run("cells"));
    for (a, s) in agg.iter().zip(&single) {
        println!(
            "day {}: alive aggregates {:.3} vs cells {:.3}; VEGF per live cell {:.3e} vs {:.3e} ({:.2}×); {} aggregates left; dosed {:.0} vs {:.0} cells",
            a.0, a.1, s.1, a.2, s.2, a.2 / s.2, a.3, a.4, s.4
        );
    }
    for (a, s) in agg.iter().zip(&single) {
        assert!(a.1 > s.1, "day {}: survival {} vs {}", a.0, a.1, s.1);
    }
    assert!(
        agg[0].2 > single[0].2,
        "day 1 VEGF per cell {} vs {}",
        agg[0].2,
        single[0].2
    );
}
