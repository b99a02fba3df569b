//! A new agent kind needs only a store declaration, a mechanism and its
//! registration in a step loop, all through the public engine API
//! (`agent_store!`, `engine::{outcomes, outcomes_in_order, apply, Births}`,
//! counter-based streams); nothing else in the crate changes.
//!
//! The test kind, `Markers`, random-walks, dies after a fixed number of
//! steps and now and then buds a new marker; its runs are bit-identical at
//! 1 and 4 threads.

use woundsim_core::agents::Bins;
use woundsim_core::engine::{self, Births, Fate};
use woundsim_core::grid::Grid;
use woundsim_core::rng::{Purpose, Stream};

// 1. The store declaration: its columns, listed once.
woundsim_core::agent_store! {
    /// Test markers.
    pub struct Markers {
        /// Steps lived.
        age_steps: u32,
        /// Distance walked (µm).
        walked_um: f32,
    }
}

/// Steps a marker lives.
const LIFESPAN_STEPS: u32 = 40;
/// Step length of the walk (µm).
const STEP_UM: f32 = 7.5;
/// Chance per step that a marker buds a new one.
const BUD_CHANCE: f64 = 0.04;

// 2. The mechanism: what it reads and writes, as a view.
struct MarkerStep<'a> {
    grid: &'a Grid,
    seed: u64,
    step: u64,
    bins: &'a Bins,
    markers: &'a mut Markers,
    births: Births<'a>,
    out: &'a mut Vec<Outcome>,
}

#[derive(Debug, Clone, Copy, Default)]
struct Outcome {
    x: f32,
    y: f32,
    dies: bool,
    buds: bool,
}

fn update(v: MarkerStep<'_>) {
    let MarkerStep {
        grid,
        seed,
        step,
        bins,
        markers,
        mut births,
        out,
    } = v;
    let m = &*markers;
    // Outcomes in parallel from read-only state, visited bin by bin.
    engine::outcomes_in_order(&bins.items, out, |i| {
        let mut rng = Stream::new(seed, m.id[i], step, Purpose::MscMove);
        let (ux, uy) = rng.direction();
        let (x, y) = grid.clamp(m.x[i] + ux as f32 * STEP_UM, m.y[i] + uy as f32 * STEP_UM);
        Outcome {
            x,
            y,
            dies: m.age_steps[i] + 1 >= LIFESPAN_STEPS,
            buds: rng.chance(BUD_CHANCE),
        }
    });
    // Deaths, moves and buds applied in id order.
    let mut buds = Vec::new();
    engine::apply(markers, out, |m, i, o| {
        if o.dies {
            return Fate::Leaves;
        }
        m.walked_um[i] += ((o.x - m.x[i]).powi(2) + (o.y - m.y[i]).powi(2)).sqrt();
        m.x[i] = o.x;
        m.y[i] = o.y;
        m.age_steps[i] += 1;
        if o.buds {
            buds.push((o.x, o.y));
        }
        Fate::Stays
    });
    births.admit(markers, &buds, |m, id, (x, y)| {
        m.push_row(id, x, y, 10.0, 0, 0.0)
    });
}

// 3. The registration.

/// A run of `steps` steps of the marker kind on its own; the step loop of
/// a simulation calls the mechanism the same way.
fn run(threads: usize, steps: u64) -> (Markers, u64, Option<u64>) {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap();
    pool.install(|| {
        let grid = Grid {
            nx: 50,
            ny: 50,
            nz: 1,
            dx_um: 20.0,
            dz_um: 20.0,
        };
        let mut markers = Markers::default();
        let mut next_id = 1u64;
        let mut cap_hit = None;
        for k in 0..300u64 {
            let (x, y) = grid.center((k % 50) as usize, (k * 7 % 50) as usize);
            markers.push_row(next_id, x as f32, y as f32, 10.0, (k % 30) as u32, 0.0);
            next_id += 1;
        }
        let mut bins = Bins::new(grid.width_um(), grid.height_um(), 100.0);
        let mut out = Vec::new();
        for step in 0..steps {
            bins.rebuild(&markers.x, &markers.y);
            update(MarkerStep {
                grid: &grid,
                seed: 7,
                step,
                bins: &bins,
                markers: &mut markers,
                births: Births {
                    next_id: &mut next_id,
                    cap_hit_step: &mut cap_hit,
                    step,
                    max_agents: 400,
                    others: 0,
                },
                out: &mut out,
            });
        }
        (markers, next_id, cap_hit)
    })
}

fn bits(m: &Markers) -> Vec<u64> {
    let mut v: Vec<u64> = m.id.clone();
    v.extend(
        m.x.iter()
            .chain(&m.y)
            .chain(&m.walked_um)
            .map(|x| x.to_bits() as u64),
    );
    v.extend(m.age_steps.iter().map(|&a| a as u64));
    v
}

#[test]
fn a_test_only_agent_kind_runs_through_the_engine_bit_identically_at_1_and_4_threads() {
    let (one, next1, cap1) = run(1, 120);
    let (four, next4, cap4) = run(4, 120);
    assert_eq!(bits(&one), bits(&four));
    assert_eq!((next1, cap1), (next4, cap4));
    // The kind did what it says: the first markers died of age, buds were
    // born with fresh, increasing ids, and every marker walked.
    assert!(!one.is_empty());
    assert!(
        one.id.iter().all(|&id| id > 300),
        "the initial markers all die by step 40"
    );
    assert!(one.id.windows(2).all(|w| w[0] < w[1]), "ids stay sorted");
    assert!(one.age_steps.iter().all(|&a| a < LIFESPAN_STEPS));
    assert!(one.len() <= 400, "the agent cap holds");
    let walked_ok = one
        .walked_um
        .iter()
        .zip(&one.age_steps)
        .all(|(&w, &a)| w <= a as f32 * STEP_UM * 1.0001);
    assert!(walked_ok, "each step moves at most one step length");
}

#[test]
fn the_generated_store_keeps_its_columns_in_step() {
    use woundsim_core::agents::Store;
    let mut m = Markers::default();
    for i in 0..5 {
        m.push_row(i + 1, i as f32, 0.0, 10.0, i as u32, 0.5);
    }
    m.retain(&[true, false, true, false, true]);
    assert_eq!(m.id, [1, 3, 5]);
    assert_eq!(m.age_steps, [0, 2, 4]);
    m.swap_remove(0);
    assert_eq!(m.id, [5, 3]);
    assert_eq!(m.x, [4.0, 2.0]);
    // x, y, z, then the kind's two columns.
    assert_eq!(Store::column_lens(&m), vec![2, 2, 2, 2, 2]);
    // Checkpointable: the columns serialize by name and read back equal.
    let text = toml::to_string(&m).unwrap();
    assert!(
        text.contains("age_steps") && text.contains("walked_um"),
        "{text}"
    );
    let back: Markers = toml::from_str(&text).unwrap();
    assert_eq!(back, m);
}
