//! The implicit LOD diffusion–decay solver against analytic solutions.
//!
//! Run with `--nocapture` to see the measured errors.

use woundsim::fields::solver::Solver;
use woundsim::fields::{Fields, Sources};
use woundsim::grid::Grid;
use woundsim::scenario::{Boundary, FieldSpec};

/// A half-life long enough that decay is negligible (λ ≈ 7e-13 /min).
const NO_DECAY: f64 = 1e12;

fn spec(
    d: f64,
    half_life_min: f64,
    far: f64,
    bx: (Boundary, Boundary),
    by: (Boundary, Boundary),
) -> FieldSpec {
    FieldSpec {
        diffusion_um2_per_min: d,
        half_life_min,
        far_field: far,
        initial: 0.0,
        boundary_x_min: bx.0,
        boundary_x_max: bx.1,
        boundary_y_min: by.0,
        boundary_y_max: by.1,
        ..FieldSpec::default()
    }
}

fn setup(
    grid: &Grid,
    s: FieldSpec,
    dt: f64,
) -> (Vec<(String, FieldSpec)>, Fields, Sources, Solver) {
    let specs = vec![("c".to_string(), s)];
    let fields = Fields::new(grid, &specs);
    let sources = Sources::new(grid, 1);
    let solver = Solver::new(grid, &specs, dt);
    (specs, fields, sources, solver)
}

fn mass(f: &Fields) -> f64 {
    f.data[0].iter().map(|&v| v as f64).sum()
}

/// Small deterministic generator (no external randomness in tests).
struct Lcg(u64);
impl Lcg {
    fn next_f32(&mut self) -> f32 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((self.0 >> 40) as f32) / (1u64 << 24) as f32
    }
}

// ---------------------------------------------------------------------------
// 1. Gaussian point source in 2D.
// ---------------------------------------------------------------------------

#[test]
fn gaussian_point_source_matches_heat_kernel() {
    let n = 161; // odd: the peak sits on the centre of the middle voxel
    let dx = 10.0; // µm
    let d = 1000.0; // µm²/min
    let grid = Grid {
        nx: n,
        ny: n,
        nz: 1,
        dx_um: dx,
        dz_um: dx,
    };
    // Dirichlet 0 on the x sides, no-flux on the y sides; all ≥ 7σ away.
    let s = spec(
        d,
        NO_DECAY,
        0.0,
        (Boundary::Dirichlet, Boundary::Dirichlet),
        (Boundary::NoFlux, Boundary::NoFlux),
    );
    let dt = 0.01; // min; r = D dt / dx² = 0.1
    let (_, mut f, mut src, solver) = setup(&grid, s, dt);
    let sigma0 = 4.0 * dx; // initial σ per axis
    let t0 = sigma0 * sigma0 / (2.0 * d);
    let m = 4.0 * std::f64::consts::PI * d * t0; // peak 1 at t0
    let c0 = (n / 2) as f64 * dx + 0.5 * dx;
    let exact = |t: f64, ix: usize, iy: usize| {
        let (x, y) = grid.center(ix, iy);
        let r2 = (x - c0).powi(2) + (y - c0).powi(2);
        m / (4.0 * std::f64::consts::PI * d * t) * (-r2 / (4.0 * d * t)).exp()
    };
    for iy in 0..n {
        for ix in 0..n {
            f.data[0][[iy, ix]] = exact(t0, ix, iy) as f32;
        }
    }
    let mass0 = mass(&f) * dx * dx;
    eprintln!(
        "gaussian: discrete initial mass {mass0:.6e} vs M {m:.6e} (rel {:.2e})",
        (mass0 - m).abs() / m
    );
    let mut step = 0u64;
    let mut worst = 0.0f64;
    // Compare when σ has grown to 6, 9 and 12 voxels.
    for sigma_vox in [6.0f64, 9.0, 12.0] {
        let t_target = (sigma_vox * dx).powi(2) / (2.0 * d);
        let steps_target = ((t_target - t0) / dt).round() as u64;
        while step < steps_target {
            assert!(solver.step(&mut f, &mut src), "solver reported a bad value");
            step += 1;
        }
        let t = t0 + step as f64 * dt;
        let peak = m / (4.0 * std::f64::consts::PI * d * t);
        let mut max_err = 0.0f64;
        for iy in 0..n {
            for ix in 0..n {
                let e = (f.data[0][[iy, ix]] as f64 - exact(t, ix, iy)).abs();
                max_err = max_err.max(e);
            }
        }
        let rel = max_err / peak;
        worst = worst.max(rel);
        eprintln!(
            "gaussian: t = {t:.4} min (σ = {sigma_vox} voxels, {step} steps): max |error| = {:.3} % of the peak {peak:.4}",
            100.0 * rel
        );
        assert!(
            rel < 0.02,
            "Gaussian error {:.3} % of peak at σ = {sigma_vox} voxels exceeds 2 %",
            100.0 * rel
        );
    }
    eprintln!("gaussian: worst error {:.3} % of peak", 100.0 * worst);
}

// ---------------------------------------------------------------------------
// 2. Steady 1D decay profile c_b·exp(−x/L), L = √(D/λ).
// ---------------------------------------------------------------------------

/// Run the 1D decay problem (Dirichlet c_b at x = 0, no flux elsewhere) to
/// steady state. Returns the profile along the middle row.
fn decay_profile(
    nx: usize,
    dx: f64,
    d: f64,
    lambda: f64,
    cb: f64,
    dt: f64,
    steps: usize,
) -> Vec<f64> {
    let grid = Grid {
        nx,
        ny: 3,
        nz: 1,
        dx_um: dx,
        dz_um: dx,
    };
    let s = spec(
        d,
        std::f64::consts::LN_2 / lambda,
        cb,
        (Boundary::Dirichlet, Boundary::NoFlux),
        (Boundary::NoFlux, Boundary::NoFlux),
    );
    let (_, mut f, mut src, solver) = setup(&grid, s, dt);
    let mut last = vec![0.0f64; nx];
    for k in 0..steps {
        assert!(solver.step(&mut f, &mut src), "solver reported a bad value");
        if k + 1 == steps {
            last = (0..nx).map(|i| f.data[0][[1, i]] as f64).collect();
        }
    }
    // Rows must agree (the problem is uniform in y) up to f32 round-off,
    // which many tiny steps accumulate to ~1e-7 / (D·dt/dx²).
    let mut row_diff = 0.0f64;
    for (i, &mid) in last.iter().enumerate() {
        for j in [0, 2] {
            row_diff = row_diff.max((f.data[0][[j, i]] as f64 - mid).abs() / cb);
        }
    }
    eprintln!("decay 1D: nx = {nx}: max difference between rows {row_diff:.2e} of c_b");
    assert!(row_diff <= 1e-3, "rows differ by {row_diff:.2e} of c_b");
    last
}

/// max_i |c_i − c_b exp(−x_i/L)| / c_b over voxel centres x_i = (i + ½)dx.
fn decay_error(c: &[f64], dx: f64, l: f64, cb: f64) -> f64 {
    c.iter()
        .enumerate()
        .map(|(i, &v)| (v - cb * (-(i as f64 + 0.5) * dx / l).exp()).abs() / cb)
        .fold(0.0, f64::max)
}

#[test]
fn steady_decay_profile_matches_exponential() {
    let (nx, dx) = (400usize, 10.0);
    let d = 3000.0;
    let l = 200.0; // decay length, 20 voxels; domain is 20 L
    let lambda = d / (l * l);
    let cb = 5.0;
    // dt·λ = 0.01 keeps the first-order time (splitting) error ≤ 0.5 % of
    // c_b; 3000 steps = 30 decay times, so the start-up transient is gone.
    let dt = 0.01 / lambda;
    let c = decay_profile(nx, dx, d, lambda, cb, dt, 3000);
    let err = decay_error(&c, dx, l, cb);
    let err_near = decay_error(&c[..(5.0 * l / dx) as usize], dx, l, cb);
    eprintln!(
        "decay 1D: L = {l} µm, dx = {dx} µm, dt·λ = 0.01: max error {:.3} % of c_b (first 5 L: {:.3} %)",
        100.0 * err,
        100.0 * err_near
    );
    assert!(
        err < 0.01,
        "steady decay profile off by {:.3} % of c_b",
        100.0 * err
    );
    // Far from the boundary the profile has decayed to nothing.
    assert!(c[nx - 1] < 1e-6 * cb, "far end {}", c[nx - 1]);
    // Monotone decreasing.
    assert!(c.windows(2).all(|w| w[1] <= w[0]), "profile not monotone");
}

/// The steady decay profile at a large step (dt·λ = 2). With reactions and
/// diffusion applied one after the other, the fixed point solves
/// D c'' = λ/(1 + dtλ) · c, i.e. a decay length √(1 + dtλ) too long, so this
/// fails (≈ 20 % of c_b) until the solver uses a steady-state-exact scheme
/// (e.g. Peaceman–Rachford ADI). Run with `--ignored` to measure.
#[test]
#[ignore = "known limitation: reaction–diffusion splitting makes the steady profile depend on dt (see report)"]
fn steady_decay_profile_at_large_dt() {
    let (nx, dx) = (400usize, 10.0);
    let d = 3000.0;
    let l = 200.0;
    let lambda = d / (l * l);
    let cb = 5.0;
    let dt = 2.0 / lambda; // dt·λ = 2, like ROS at the default 15-min field step
    let c = decay_profile(nx, dx, d, lambda, cb, dt, 200);
    let err = decay_error(&c, dx, l, cb);
    eprintln!("decay 1D: dt·λ = 2: max error {:.3} % of c_b", 100.0 * err);
    assert!(
        err < 0.01,
        "steady decay profile off by {:.3} % of c_b at dt·λ = 2",
        100.0 * err
    );
}

#[test]
fn steady_decay_converges_second_order_in_space() {
    // Same physical problem at dx, dx/2, dx/4 (dx/L = 0.4, 0.2, 0.1).
    let d = 3000.0;
    let l = 100.0;
    let lambda = d / (l * l);
    let cb = 1.0;
    let width = 2000.0; // 20 L
                        // dt·λ = 1e-3: the time error (≲ 5e-4 of c_b) stays below the spatial
                        // error at the finest grid (≈ 1.2e-3), while the steps stay few enough
                        // that f32 round-off does not pile up. Starts from zero; 15 000 steps =
                        // 15 decay times, so the start-up transient is gone (e^-15).
    let dt = 1e-3 / lambda;
    let steps = 15_000;
    let mut errs = Vec::new();
    for dx in [40.0, 20.0, 10.0] {
        let nx = (width / dx) as usize;
        let c = decay_profile(nx, dx, d, lambda, cb, dt, steps);
        let e = decay_error(&c, dx, l, cb);
        eprintln!(
            "decay order: dx = {dx} µm (dx/L = {}): max error {e:.4e} of c_b",
            dx / l
        );
        errs.push(e);
    }
    for w in errs.windows(2) {
        let order = (w[0] / w[1]).log2();
        eprintln!(
            "decay order: error ratio {:.3}, observed order {order:.3}",
            w[0] / w[1]
        );
        assert!(
            (1.7..=2.3).contains(&order),
            "observed order {order:.3} (errors {errs:?})"
        );
    }
}

// ---------------------------------------------------------------------------
// 3. Exact mass conservation.
// ---------------------------------------------------------------------------

#[test]
fn no_flux_without_decay_conserves_mass() {
    // Dimensions not multiples of the 8-row blocks or the 32-column bands.
    let grid = Grid {
        nx: 67,
        ny: 45,
        nz: 1,
        dx_um: 20.0,
        dz_um: 20.0,
    };
    let all = (Boundary::NoFlux, Boundary::NoFlux);
    let dt = 10.0; // r = 3000·10/400 = 75: strongly implicit
    let (_, mut f, mut src, solver) = setup(&grid, spec(3000.0, NO_DECAY, 0.0, all, all), dt);
    let mut rng = Lcg(42);
    for v in f.data[0].iter_mut() {
        *v = rng.next_f32() * 10.0;
    }
    let m0 = mass(&f);
    let var0 = f.data[0]
        .iter()
        .map(|&v| (v as f64 - m0 / grid.len() as f64).powi(2))
        .sum::<f64>();
    for _ in 0..100 {
        assert!(solver.step(&mut f, &mut src));
    }
    let m1 = mass(&f);
    let var1 = f.data[0]
        .iter()
        .map(|&v| (v as f64 - m1 / grid.len() as f64).powi(2))
        .sum::<f64>();
    let rel = (m1 - m0).abs() / m0;
    eprintln!("mass: initial {m0:.6}, after 100 steps {m1:.6}, relative change {rel:.2e}; variance {var0:.3e} -> {var1:.3e}");
    assert!(rel < 1e-5, "mass changed by {rel:.2e} (relative)");
    // It did diffuse: the variance fell by orders of magnitude.
    assert!(var1 < 1e-3 * var0, "field did not smooth: {var0} -> {var1}");
}

// ---------------------------------------------------------------------------
// 4. A secreting voxel: total mass → S/λ.
// ---------------------------------------------------------------------------

/// Run a constant source `s_rate` in the centre voxel of a no-flux grid with
/// decay `lambda` and step `dt` for `steps` steps; return sum(c).
fn secreting_voxel_mass(lambda: f64, s_rate: f32, dt: f64, steps: usize) -> f64 {
    let grid = Grid {
        nx: 81,
        ny: 81,
        nz: 1,
        dx_um: 20.0,
        dz_um: 20.0,
    };
    let all = (Boundary::NoFlux, Boundary::NoFlux);
    let (_, mut f, mut src, solver) = setup(
        &grid,
        spec(2000.0, std::f64::consts::LN_2 / lambda, 0.0, all, all),
        dt,
    );
    let centre = grid.idx(40, 40);
    for _ in 0..steps {
        src.add(0, centre, s_rate);
        assert!(solver.step(&mut f, &mut src));
        assert_eq!(src.src(0).sum(), 0.0, "solver must zero the sources");
    }
    // The source spreads over the domain (it is not stuck in one voxel).
    assert!(f.data[0][[40, 40]] < 0.5 * mass(&f) as f32);
    mass(&f)
}

#[test]
fn secreting_voxel_reaches_source_decay_balance() {
    let lambda = std::f64::consts::LN_2 / 60.0; // 1 h half-life
    let s_rate = 2.5f32; // unit/min in one voxel
    let expected = s_rate as f64 / lambda;
    // dt·λ = 1e-3; 12 000 steps = 12 decay times.
    let dt = 1e-3 / lambda;
    let m = secreting_voxel_mass(lambda, s_rate, dt, 12_000);
    let rel = (m - expected).abs() / expected;
    eprintln!("secreting voxel: dt·λ = 1e-3: sum(c) = {m:.5} vs S/λ = {expected:.5}, relative error {rel:.2e}");
    assert!(
        rel < 1e-3,
        "steady mass {m} vs S/λ {expected}: relative error {rel:.2e}"
    );
}

/// The steady state of a source–decay balance must not depend on the time
/// step: with no-flux sides the total mass converges to S/λ however large
/// dt·λ is (here 2.08, like ROS at the default 15-min field step). A solver
/// that splits the decay into the sweeps gives S/(λ(1 + dtλ/4)), a third low.
#[test]
fn secreting_voxel_steady_state_at_large_dt() {
    let lambda = std::f64::consts::LN_2 / 5.0;
    let s_rate = 2.5f32;
    let expected = s_rate as f64 / lambda;
    let dt = 15.0;
    let m = secreting_voxel_mass(lambda, s_rate, dt, 200);
    let rel = (m - expected).abs() / expected;
    eprintln!("secreting voxel: dt·λ = {:.2}: sum(c) = {m:.5} vs S/λ = {expected:.5}, relative error {rel:.2e}", dt * lambda);
    assert!(
        rel < 1e-3,
        "steady mass {m} vs S/λ {expected}: relative error {rel:.3e} at dt·λ = {:.2}",
        dt * lambda
    );
}

// ---------------------------------------------------------------------------
// 5. Positivity.
// ---------------------------------------------------------------------------

#[test]
fn huge_uptake_never_drives_negative() {
    let grid = Grid {
        nx: 50,
        ny: 37,
        nz: 1,
        dx_um: 20.0,
        dz_um: 20.0,
    };
    let all = (Boundary::NoFlux, Boundary::NoFlux);
    let (_, mut f, mut src, solver) = setup(&grid, spec(3000.0, 60.0, 0.0, all, all), 15.0);
    let mut rng = Lcg(7);
    for v in f.data[0].iter_mut() {
        *v = 1.0 + 100.0 * rng.next_f32();
    }
    for k in 0..20 {
        // Huge uptake on a checkerboard, plus a few sources.
        for ((iy, ix), u) in src.uptake_mut(0).indexed_iter_mut() {
            if (ix + iy + k) % 2 == 0 {
                *u = 1e20;
            }
        }
        src.add(0, grid.idx(10, 10), 5.0);
        let ok = solver.step(&mut f, &mut src);
        let lo = f.data[0].iter().copied().fold(f32::INFINITY, f32::min);
        assert!(ok, "solver flagged a bad value at step {k} (min {lo})");
        assert!(
            lo >= 0.0 && f.data[0].iter().all(|v| v.is_finite()),
            "negative or non-finite value {lo} at step {k}"
        );
        assert!(src.uptake(0).iter().all(|&u| u == 0.0), "uptake not reset");
    }
    // Uptake everywhere removes (almost) everything in one step.
    src.uptake_mut(0).fill(1e20);
    assert!(solver.step(&mut f, &mut src));
    let hi = f.data[0].iter().copied().fold(0.0f32, f32::max);
    let lo = f.data[0].iter().copied().fold(f32::INFINITY, f32::min);
    eprintln!("uptake: after full-domain uptake min {lo:e}, max {hi:e}");
    assert!(lo >= 0.0 && hi < 1e-12, "min {lo}, max {hi}");
}

#[test]
fn positive_data_stays_nonnegative() {
    // Sparse spikes next to zeros with a Dirichlet-0 boundary and a huge
    // step: any sign error in the Thomas sweeps would show up here.
    let grid = Grid {
        nx: 41,
        ny: 29,
        nz: 1,
        dx_um: 20.0,
        dz_um: 20.0,
    };
    let dir = (Boundary::Dirichlet, Boundary::Dirichlet);
    for dt in [0.01, 1.0, 1e4] {
        let (_, mut f, mut src, solver) = setup(&grid, spec(3000.0, 20.0, 0.0, dir, dir), dt);
        let mut rng = Lcg(99);
        for v in f.data[0].iter_mut() {
            let u = rng.next_f32();
            *v = if u > 0.9 { 1e3 * u } else { 0.0 };
        }
        let m0 = mass(&f);
        for _ in 0..10 {
            assert!(solver.step(&mut f, &mut src));
            assert!(
                f.data[0].iter().all(|&v| v >= 0.0 && v.is_finite()),
                "negative value at dt = {dt}"
            );
        }
        // Decay and outflow only ever remove mass.
        assert!(mass(&f) <= m0 * (1.0 + 1e-6), "mass grew at dt = {dt}");
    }
}
