//! MSC migration without gradients is an unbiased random walk: each cell
//! step moves a cell `L = speed × dt` in a uniformly random direction, so
//! after `n` steps the mean squared displacement is `n L² = 4 D t` in 2D with
//! `D = L² / (4 dt)`. Checked on thousands of cells within a stated number of
//! standard errors (the squared displacement of a 2D walk has a standard
//! deviation equal to its mean, so the standard error is `n L² / √K`).

use woundsim::scenario::{Params, Scenario};
use woundsim::sim::{systems, SimState, Workspace};

const CELLS: usize = 4000;
const STEPS: u64 = 200;

fn params() -> Params {
    let sets: Vec<String> = [
        "domain.width_um=4000",
        "domain.height_um=4000",
        "wound.diameter_um=3000",
        "time.days=3",
        "msc.base_death_per_day=0",
        "msc.hypoxia_death_per_day=0",
        "msc.tnf_death_per_day=0",
        "msc.ros_death_per_day=0",
        "msc.anoikis_death_per_day=0",
        "msc.senescence_per_day=0",
        "msc.proliferation_per_day=0",
        "msc.chemotaxis_bias=0",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let s = Scenario::builtin(&sets).unwrap();
    Params::new(s, "walk test").unwrap()
}

#[test]
fn msc_random_walk_has_the_analytic_mean_squared_displacement() {
    let p = params();
    let mut st = SimState::new(&p, 7, p.patient);
    st.mscs = Default::default();
    let (cx, cy) = (2000.0f32, 2000.0f32);
    for _ in 0..CELLS {
        let id = st.new_id();
        st.mscs
            .push(id, cx, cy, p.grid.z_center(0) as f32, false, 0.0);
    }
    let mut ws = Workspace::new(&p, &st);
    let dt = p.steps.dt_min * p.steps.cell_every as f64;
    let step_um = p.scenario.msc.speed_um_per_min * p.product.motility * dt;
    assert!(step_um > 0.0);
    for _ in 0..STEPS {
        systems::msc_fate(&p, &mut st, &mut ws);
        st.step += p.steps.cell_every;
    }
    assert_eq!(st.mscs.len(), CELLS, "no cell may die or divide here");
    let k = CELLS as f64;
    let (mut sx, mut sy, mut sxx, mut syy) = (0.0, 0.0, 0.0, 0.0);
    for i in 0..CELLS {
        let (dx, dy) = ((st.mscs.x[i] - cx) as f64, (st.mscs.y[i] - cy) as f64);
        sx += dx;
        sy += dy;
        sxx += dx * dx;
        syy += dy * dy;
    }
    let expected = STEPS as f64 * step_um * step_um;
    let msd = (sxx + syy) / k;
    let se = expected / k.sqrt();
    assert!(
        (msd - expected).abs() < 5.0 * se,
        "MSD {msd:.1} µm² vs 4Dt = {expected:.1} µm² (5 SE = {:.1})",
        5.0 * se
    );
    // Isotropic: each axis holds half of it (per-axis squared displacement
    // of a Gaussian has SD √2 × its mean).
    for (axis, s) in [("x", sxx / k), ("y", syy / k)] {
        let se_axis = expected / 2.0 * (2.0 / k).sqrt();
        assert!(
            (s - expected / 2.0).abs() < 5.0 * se_axis,
            "<d{axis}²> = {s:.1} µm² vs {:.1}",
            expected / 2.0
        );
    }
    // Unbiased: the mean displacement is zero within 5 SE.
    let se_mean = (expected / 2.0 / k).sqrt();
    assert!((sx / k).abs() < 5.0 * se_mean && (sy / k).abs() < 5.0 * se_mean);
}

/// MSC fate's efferocytosis events are this step's only: with no MSC left,
/// the list is empty (a stale list was applied again to macrophages whose
/// indices had changed, and the 12-week default run panicked).
#[test]
fn efferocytosis_events_do_not_outlive_their_step() {
    let p = params();
    let mut st = SimState::new(&p, 7, p.patient);
    st.mscs = Default::default();
    let mut ws = Workspace::new(&p, &st);
    ws.efferocytosis.push(u32::MAX);
    systems::msc_fate(&p, &mut st, &mut ws);
    assert!(ws.efferocytosis.is_empty());
}
