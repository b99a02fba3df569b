//! The LOD diffusion–decay solver in 3D (z sweep, layered media) against
//! analytic solutions, and its bitwise guarantees.
//!
//! Run with `--nocapture` to see the measured errors.

use woundsim::fields::solver::{FieldLayers, Solver};
use woundsim::fields::{Fields, Sources};
use woundsim::grid::Grid;
use woundsim::scenario::{Boundary, FieldSpec};

/// A half-life long enough that decay is negligible (λ ≈ 7e-13 /min).
const NO_DECAY: f64 = 1e12;

use Boundary::{Dirichlet, NoFlux};

fn spec(d: f64, half_life_min: f64, far: f64, bx: Boundary, by: Boundary) -> FieldSpec {
    FieldSpec {
        diffusion_um2_per_min: d,
        half_life_min,
        far_field: far,
        initial: 0.0,
        boundary_x_min: bx,
        boundary_x_max: bx,
        boundary_y_min: by,
        boundary_y_max: by,
        ..FieldSpec::default()
    }
}

/// Uniform layers with the given bottom and top faces.
fn faces(grid: &Grid, s: &FieldSpec, bottom: (Boundary, f64), top: (Boundary, f64)) -> FieldLayers {
    FieldLayers {
        bottom,
        top,
        ..FieldLayers::uniform(grid, s)
    }
}

fn one_field(grid: &Grid, s: FieldSpec, l: FieldLayers, dt: f64) -> (Fields, Sources, Solver) {
    let specs = vec![("c".to_string(), s)];
    let solver = Solver::layered(grid, &specs, &[l], dt).expect("valid layers");
    assert!(solver.is_3d());
    (Fields::new(grid, &specs), Sources::new(grid, 1), solver)
}

fn mass(f: &Fields) -> f64 {
    f.data[0].iter().map(|&v| v as f64).sum()
}

fn bits(f: &Fields) -> Vec<u32> {
    f.data
        .iter()
        .flat_map(|a| a.iter().map(|v| v.to_bits()))
        .collect()
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
// Gaussian point source in 3D, anisotropic voxels.
// ---------------------------------------------------------------------------

#[test]
fn gaussian_point_source_matches_3d_heat_kernel() {
    // dz = 1.5 dx; the peak sits on the centre of the middle voxel.
    let (n, nz, dx, dz) = (101usize, 67usize, 10.0, 15.0);
    let d = 1000.0; // µm²/min
    let grid = Grid::new(n, n, nz, dx, dz).unwrap();
    // Mixed faces, all ≥ 5σ away at the last comparison.
    let s = spec(d, NO_DECAY, 0.0, Dirichlet, NoFlux);
    let l = faces(&grid, &s, (Dirichlet, 0.0), (NoFlux, 0.0));
    let dt = 0.01; // r_x = 0.1, r_z = 0.044
    let (mut f, mut src, solver) = one_field(&grid, s, l, dt);
    let sigma0 = 45.0; // µm
    let t0 = sigma0 * sigma0 / (2.0 * d);
    let fourpi = 4.0 * std::f64::consts::PI;
    let m = (fourpi * d * t0).powf(1.5); // peak 1 at t0
    let (cx, cz) = ((n / 2) as f64 * dx + 0.5 * dx, grid.z_center(nz / 2));
    let exact = |t: f64, ix: usize, iy: usize, iz: usize| {
        let (x, y) = grid.center(ix, iy);
        let r2 = (x - cx).powi(2) + (y - cx).powi(2) + (grid.z_center(iz) - cz).powi(2);
        m * (fourpi * d * t).powf(-1.5) * (-r2 / (4.0 * d * t)).exp()
    };
    let each = |f: &mut dyn FnMut(usize, usize, usize, usize)| {
        for iz in 0..nz {
            for iy in 0..n {
                for ix in 0..n {
                    f(grid.idx3(ix, iy, iz), ix, iy, iz);
                }
            }
        }
    };
    {
        let c = f.data[0].as_slice_mut().unwrap();
        each(&mut |i, ix, iy, iz| c[i] = exact(t0, ix, iy, iz) as f32);
    }
    let mass0 = mass(&f) * dx * dx * dz;
    eprintln!(
        "gaussian 3D: discrete initial mass {mass0:.6e} vs M {m:.6e} (rel {:.2e})",
        (mass0 - m).abs() / m
    );
    let mut step = 0u64;
    for sigma in [60.0f64, 75.0, 90.0] {
        let t_target = sigma * sigma / (2.0 * d);
        let steps_target = ((t_target - t0) / dt).round() as u64;
        while step < steps_target {
            assert!(solver.step(&mut f, &mut src), "solver reported a bad value");
            step += 1;
        }
        let t = t0 + step as f64 * dt;
        let peak = m * (fourpi * d * t).powf(-1.5);
        let c = f.data[0].as_slice().unwrap();
        let mut max_err = 0.0f64;
        each(&mut |i, ix, iy, iz| {
            max_err = max_err.max((c[i] as f64 - exact(t, ix, iy, iz)).abs());
        });
        let rel = max_err / peak;
        eprintln!(
            "gaussian 3D: t = {t:.4} min (σ = {sigma} µm = {:.1} dx = {:.1} dz, {step} steps): max |error| = {:.3} % of the peak {peak:.4}",
            sigma / dx,
            sigma / dz,
            100.0 * rel
        );
        assert!(
            rel < 0.02,
            "3D Gaussian error {:.3} % of peak at σ = {sigma} µm exceeds 2 %",
            100.0 * rel
        );
    }
}

// ---------------------------------------------------------------------------
// Steady 1D decay along z.
// ---------------------------------------------------------------------------

/// Dirichlet c_b at the bottom, no flux elsewhere, run to steady state;
/// returns the profile of the middle column. dx ≠ dz on purpose.
fn z_decay_profile(
    nz: usize,
    dz: f64,
    d: f64,
    lambda: f64,
    cb: f64,
    dt: f64,
    steps: usize,
) -> Vec<f64> {
    let grid = Grid::new(3, 3, nz, 20.0, dz).unwrap();
    let s = spec(d, std::f64::consts::LN_2 / lambda, 0.0, NoFlux, NoFlux);
    let l = faces(&grid, &s, (Dirichlet, cb), (NoFlux, 0.0));
    let (mut f, mut src, solver) = one_field(&grid, s, l, dt);
    for _ in 0..steps {
        assert!(solver.step(&mut f, &mut src), "solver reported a bad value");
    }
    let c = f.data[0].as_slice().unwrap();
    // Columns must agree (the problem is uniform in x and y).
    let mut col_diff = 0.0f64;
    for iz in 0..nz {
        let mid = c[grid.idx3(1, 1, iz)];
        for (ix, iy) in [(0, 0), (2, 1), (1, 2)] {
            col_diff = col_diff.max((c[grid.idx3(ix, iy, iz)] - mid).abs() as f64 / cb);
        }
    }
    assert!(col_diff <= 1e-5, "columns differ by {col_diff:.2e} of c_b");
    (0..nz).map(|iz| c[grid.idx3(1, 1, iz)] as f64).collect()
}

#[test]
fn steady_decay_along_z_matches_exponential() {
    let (nz, dz) = (200usize, 5.0);
    let d = 1000.0;
    let l = 100.0; // decay length, 20 layers; the column is 10 L deep
    let lambda = d / (l * l);
    let cb = 5.0;
    // dt·λ = 0.01 (time error ≤ 0.5 % of c_b); 3000 steps = 30 decay times.
    let c = z_decay_profile(nz, dz, d, lambda, cb, 0.01 / lambda, 3000);
    let h = nz as f64 * dz;
    // Exact for the finite column with a no-flux top: c_b cosh((H − z)/L)/cosh(H/L).
    let err = c
        .iter()
        .enumerate()
        .map(|(k, &v)| {
            let z = (k as f64 + 0.5) * dz;
            (v - cb * ((h - z) / l).cosh() / (h / l).cosh()).abs() / cb
        })
        .fold(0.0, f64::max);
    eprintln!(
        "decay along z: L = {l} µm, dz = {dz} µm (dx = 20 µm), dt·λ = 0.01: max error {:.3} % of c_b",
        100.0 * err
    );
    assert!(
        err < 0.01,
        "z decay profile off by {:.3} % of c_b",
        100.0 * err
    );
    assert!(c.windows(2).all(|w| w[1] <= w[0]), "profile not monotone");
}

// ---------------------------------------------------------------------------
// Exact mass balance with no-flux faces, in a layered medium.
// ---------------------------------------------------------------------------

#[test]
fn no_flux_faces_conserve_mass_in_a_layered_3d_medium() {
    // Sizes that fill neither row blocks nor bands evenly.
    let grid = Grid::new(37, 29, 23, 20.0, 35.0).unwrap();
    let s = spec(3000.0, NO_DECAY, 0.0, NoFlux, NoFlux);
    let mut l = FieldLayers::uniform(&grid, &s);
    for (k, d) in l.diffusion_um2_per_min.iter_mut().enumerate() {
        *d = [3000.0, 300.0, 50.0][k % 3];
    }
    let (mut f, mut src, solver) = one_field(&grid, s, l, 15.0);
    let mut rng = Lcg(7);
    f.data[0]
        .iter_mut()
        .for_each(|v| *v = 10.0 * rng.next_f32());
    let m0 = mass(&f);
    for _ in 0..100 {
        assert!(solver.step(&mut f, &mut src));
    }
    let m1 = mass(&f);
    let rel = (m1 - m0).abs() / m0;
    eprintln!("mass 3D: initial {m0:.6}, after 100 steps {m1:.6}, relative change {rel:.2e}");
    assert!(rel < 2e-5, "mass changed by {rel:.2e}");
    // With sources the total grows by dt·ΣS per step, exactly.
    let dt = 15.0;
    let (a, b) = (grid.idx3(3, 4, 0), grid.idx3(30, 20, 22));
    for _ in 0..40 {
        src.add(0, a, 2.0);
        src.add(0, b, 0.5);
        assert!(solver.step(&mut f, &mut src));
    }
    let want = m1 + 40.0 * dt * 2.5;
    let rel = (mass(&f) - want).abs() / want;
    eprintln!(
        "mass 3D with sources: {:.6} vs {want:.6}, relative {rel:.2e}",
        mass(&f)
    );
    assert!(rel < 2e-5, "source balance off by {rel:.2e}");
}

// ---------------------------------------------------------------------------
// Observed order in space, in 3D.
// ---------------------------------------------------------------------------

#[test]
fn cosine_mode_converges_second_order_in_3d() {
    // c = 1 + A cos(πx/W) cos(πy/W) cos(πz/H) with no-flux faces is a
    // separable mode: each implicit sweep scales its amplitude by
    // 1/(1 + dt·D·k²) with the discrete eigenvalue in place of k². Against
    // the same steps with the exact k² the error is purely spatial, at any
    // dt; measured after 60 steps to t = 1/(D k²) on three grids (dz = 2 dx).
    // (Few steps keep the f32 round-off of the constant part negligible.)
    let (w, d, amp) = (480.0, 1000.0, 0.9);
    let pi = std::f64::consts::PI;
    let k1 = (pi / w).powi(2);
    let steps = 60;
    let dt = 1.0 / (d * 3.0 * k1) / steps as f64;
    let mut errs = Vec::new();
    for n in [12usize, 24, 48] {
        let (dx, dz) = (w / n as f64, 2.0 * w / n as f64);
        let grid = Grid::new(n, n, n / 2, dx, dz).unwrap();
        let s = spec(d, NO_DECAY, 0.0, NoFlux, NoFlux);
        let l = FieldLayers::uniform(&grid, &s);
        let (mut f, mut src, solver) = one_field(&grid, s, l, dt);
        let mode = |i: usize| {
            let (ix, iy, iz) = grid.coords3(i);
            let (x, y) = grid.center(ix, iy);
            (pi * x / w).cos() * (pi * y / w).cos() * (pi * grid.z_center(iz) / w).cos()
        };
        for (i, v) in f.data[0].as_slice_mut().unwrap().iter_mut().enumerate() {
            *v = (1.0 + amp * mode(i)) as f32;
        }
        for _ in 0..steps {
            assert!(solver.step(&mut f, &mut src));
        }
        // Three sweeps per step, each 1/(1 + dt·D·k1) for the exact mode.
        let decay = (1.0 + dt * d * k1).powi(-3 * steps);
        let e = f.data[0]
            .as_slice()
            .unwrap()
            .iter()
            .enumerate()
            .map(|(i, &v)| (v as f64 - (1.0 + amp * decay * mode(i))).abs())
            .fold(0.0, f64::max)
            / (amp * decay);
        eprintln!(
            "order 3D: {n}x{n}x{} (dx = {dx} µm, dz = {dz} µm): max error {e:.4e} of the mode",
            n / 2
        );
        errs.push(e);
    }
    for p in errs.windows(2) {
        let order = (p[0] / p[1]).log2();
        eprintln!(
            "order 3D: error ratio {:.3}, observed order {order:.3}",
            p[0] / p[1]
        );
        assert!(
            (1.8..=2.2).contains(&order),
            "observed order {order:.3} (errors {errs:?})"
        );
    }
}

// ---------------------------------------------------------------------------
// Two layers of different diffusivity: continuous flux at the interface.
// ---------------------------------------------------------------------------

#[test]
fn two_layer_medium_has_piecewise_linear_steady_profile_with_continuous_flux() {
    // Bottom 20 layers D1, top 20 layers D2; c = 1 at the bottom face,
    // 0 at the top face. Steady state: c linear in each layer with
    // D1·c1' = D2·c2' (the flux J = 1 / (h1/D1 + h2/D2)).
    let (nz, dz) = (40usize, 10.0);
    let (d1, d2) = (3000.0, 300.0);
    let grid = Grid::new(4, 3, nz, 20.0, dz).unwrap();
    let s = spec(d1, NO_DECAY, 0.0, NoFlux, NoFlux);
    let mut l = faces(&grid, &s, (Dirichlet, 1.0), (Dirichlet, 0.0));
    for (k, d) in l.diffusion_um2_per_min.iter_mut().enumerate() {
        *d = if k < nz / 2 { d1 } else { d2 };
    }
    // Large steps: backward Euler converges to the steady state quickly.
    let (mut f, mut src, solver) = one_field(&grid, s, l, 1e4);
    for _ in 0..400 {
        assert!(solver.step(&mut f, &mut src));
    }
    let (h1, h2) = (nz as f64 / 2.0 * dz, nz as f64 / 2.0 * dz);
    let j = 1.0 / (h1 / d1 + h2 / d2);
    let exact = |z: f64| {
        if z < h1 {
            1.0 - j * z / d1
        } else {
            j * (h1 + h2 - z) / d2
        }
    };
    let c: Vec<f64> = (0..nz)
        .map(|k| f.data[0].as_slice().unwrap()[grid.idx3(2, 1, k)] as f64)
        .collect();
    let err = c
        .iter()
        .enumerate()
        .map(|(k, &v)| (v - exact(grid.z_center(k))).abs())
        .fold(0.0, f64::max);
    // Fluxes between neighbouring voxel centres inside each layer.
    let flux = |k: usize, d: f64| -d * (c[k + 1] - c[k]) / dz;
    let (j1, j2) = (flux(5, d1), flux(nz - 6, d2));
    eprintln!(
        "two layers: max |c − exact| = {err:.2e}; flux below {j1:.5e}, above {j2:.5e}, analytic {j:.5e} (per µm·min)"
    );
    assert!(err < 1e-4, "profile off by {err:.2e}");
    assert!(
        (j1 - j).abs() / j < 1e-3 && (j2 - j).abs() / j < 1e-3,
        "fluxes {j1} {j2} vs {j}"
    );
    // The interface value: c(h1) = 1 − J h1 / D1 lies between the two
    // voxels that share the face, on both lines.
    let (below, above) = (c[nz / 2 - 1], c[nz / 2]);
    let at = exact(h1);
    assert!(below > at && at > above, "{below} > {at} > {above}");
}

// ---------------------------------------------------------------------------
// nz = 1 is the 2D model; a z-uniform 3D field evolves like the 2D field.
// ---------------------------------------------------------------------------

/// A 2-field problem on `grid`, the same in every layer.
fn planar_problem(grid: &Grid) -> (Vec<(String, FieldSpec)>, Fields) {
    let specs = vec![
        ("a".to_string(), spec(2000.0, 1e9, 40.0, Dirichlet, NoFlux)),
        ("b".to_string(), spec(300.0, 60.0, 0.0, NoFlux, Dirichlet)),
    ];
    let mut f = Fields::new(grid, &specs);
    let plane = grid.layer_len();
    for (k, a) in f.data.iter_mut().enumerate() {
        for (i, v) in a.as_slice_mut().unwrap().iter_mut().enumerate() {
            let p = i % plane;
            *v = ((p * 7 + p / grid.nx * 13 + k * 5) % 17) as f32 * 0.3;
        }
    }
    (specs, f)
}

/// Sources and uptake of [`planar_problem`], the same in every layer.
fn planar_sources(grid: &Grid) -> Sources {
    let mut s = Sources::new(grid, 2);
    let plane = grid.layer_len();
    for (i, v) in s.src_mut(1).as_slice_mut().unwrap().iter_mut().enumerate() {
        *v = ((i % plane) % 5) as f32;
    }
    for (i, v) in s
        .uptake_mut(0)
        .as_slice_mut()
        .unwrap()
        .iter_mut()
        .enumerate()
    {
        *v = ((i % plane) % 3) as f32 * 0.1;
    }
    s
}

#[test]
fn one_layer_is_the_2d_solver_and_a_z_uniform_field_stays_planar() {
    let g2 = Grid::new_2d(45, 33, 20.0).unwrap();
    let (specs, mut f2) = planar_problem(&g2);
    let planar = Solver::new(&g2, &specs, 15.0);
    assert!(!planar.is_3d(), "nz = 1 with no-flux faces has no z sweep");
    // The same grid described layer by layer is the same solver, bit for bit.
    let layers: Vec<FieldLayers> = specs
        .iter()
        .map(|(_, s)| FieldLayers::uniform(&g2, s))
        .collect();
    let layered = Solver::layered(&g2, &specs, &layers, 15.0).unwrap();
    assert!(!layered.is_3d());
    let (_, mut f2b) = planar_problem(&g2);
    // Six layers of the same plane, 30 µm apart, no-flux bottom and top.
    let g3 = Grid::new(45, 33, 6, 20.0, 30.0).unwrap();
    let (specs3, mut f3) = planar_problem(&g3);
    let deep = Solver::new(&g3, &specs3, 15.0);
    assert!(deep.is_3d());
    for _ in 0..4 {
        assert!(planar.step(&mut f2, &mut planar_sources(&g2)));
        assert!(layered.step(&mut f2b, &mut planar_sources(&g2)));
        assert!(deep.step(&mut f3, &mut planar_sources(&g3)));
    }
    assert_eq!(
        bits(&f2),
        bits(&f2b),
        "layered nz = 1 differs from the 2D solver"
    );
    let plane = g2.len();
    let mut worst = 0.0f64;
    for (a2, a3) in f2.data.iter().zip(&f3.data) {
        let (p, d) = (a2.as_slice().unwrap(), a3.as_slice().unwrap());
        for (i, &v) in d.iter().enumerate() {
            let want = p[i % plane] as f64;
            worst = worst.max((v as f64 - want).abs() / want.abs().max(1.0));
        }
    }
    eprintln!("z-uniform 3D field vs the 2D solution: max relative difference {worst:.2e}");
    assert!(
        worst < 1e-5,
        "a z-uniform 3D field drifted {worst:.2e} from the 2D solution"
    );
}

// ---------------------------------------------------------------------------
// Thread-count independence in 3D (whole-field and split paths).
// ---------------------------------------------------------------------------

/// Four layered fields with sources, uptake and mixed faces.
fn layered_problem() -> (
    Grid,
    Vec<(String, FieldSpec)>,
    Vec<FieldLayers>,
    Fields,
    Sources,
) {
    // Odd sizes exercise partial row blocks and bands.
    let grid = Grid::new(45, 37, 11, 20.0, 50.0).unwrap();
    let specs = vec![
        (
            "a".to_string(),
            spec(2000.0, 1e9, 40.0, Dirichlet, Dirichlet),
        ),
        ("b".to_string(), spec(300.0, 60.0, 0.0, NoFlux, NoFlux)),
        ("c".to_string(), spec(50.0, 600.0, 0.5, Dirichlet, NoFlux)),
        ("d".to_string(), spec(900.0, 20.0, 0.0, NoFlux, Dirichlet)),
    ];
    let layers: Vec<FieldLayers> = specs
        .iter()
        .enumerate()
        .map(|(k, (_, s))| {
            let mut l = FieldLayers::uniform(&grid, s);
            l.bottom = [(Dirichlet, 30.0), (NoFlux, 0.0)][k % 2];
            l.top = [(NoFlux, 0.0), (Dirichlet, 2.0)][(k / 2) % 2];
            for (z, (d, u)) in l
                .diffusion_um2_per_min
                .iter_mut()
                .zip(l.uptake_per_min.iter_mut())
                .enumerate()
            {
                *d *= [1.0, 0.1, 0.1, 1.0, 3.0][z % 5];
                *u = [0.0, 0.02, 0.0][z % 3];
            }
            l
        })
        .collect();
    let mut f = Fields::new(&grid, &specs);
    let mut rng = Lcg(11);
    for a in f.data.iter_mut() {
        a.iter_mut().for_each(|v| *v = 5.0 * rng.next_f32());
    }
    let mut s = Sources::new(&grid, specs.len());
    s.src_mut(0).iter_mut().for_each(|v| *v = rng.next_f32());
    s.uptake_mut(0)
        .iter_mut()
        .for_each(|v| *v = 0.3 * rng.next_f32());
    s.add(1, grid.idx3(20, 18, 5), 50.0);
    s.uptake_mut(3).fill(0.01);
    (grid, specs, layers, f, s)
}

#[test]
fn results_in_3d_do_not_depend_on_the_thread_count() {
    let mut results = Vec::new();
    // 4 fields: 1, 2 and 4 threads solve whole fields; 3 threads 3 whole
    // and one split; 8 threads split all four.
    for threads in [1usize, 2, 4, 3, 8] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        let (grid, specs, layers, mut f, mut s) = layered_problem();
        let solver = Solver::layered(&grid, &specs, &layers, 15.0).unwrap();
        for step in 0..4 {
            if step == 2 {
                s.add(2, grid.idx3(1, 2, 10), 3.0);
            }
            assert!(pool.install(|| solver.step(&mut f, &mut s)));
        }
        results.push((threads, bits(&f)));
    }
    for (threads, r) in &results[1..] {
        assert!(*r == results[0].1, "{threads} threads differ from 1 thread");
    }
}

// ---------------------------------------------------------------------------
// A factor escaping from a gel: the escape rate scales with the diffusivity.
// ---------------------------------------------------------------------------

/// Late-time escape rate (1/min) of a factor held in a slab of thickness
/// `nz·dz` with diffusivity `d`: no flux through the bottom (the bed),
/// absorbed at the top face (c = 0: the exudate and dressing take it
/// away), starting uniform. Measured from the decay of the slab's content
/// once only the slowest mode is left.
fn escape_rate(d: f64, nz: usize, dz: f64, dt: f64, steps: usize) -> f64 {
    let grid = Grid::new(3, 3, nz, 20.0, dz).unwrap();
    let s = FieldSpec {
        initial: 1.0,
        ..spec(d, NO_DECAY, 0.0, NoFlux, NoFlux)
    };
    let l = faces(&grid, &s, (NoFlux, 0.0), (Dirichlet, 0.0));
    let (mut f, mut src, solver) = one_field(&grid, s, l, dt);
    let mut m = Vec::with_capacity(steps + 1);
    m.push(mass(&f));
    for _ in 0..steps {
        assert!(solver.step(&mut f, &mut src));
        m.push(mass(&f));
    }
    // Over the last half of the run.
    let (a, b) = (steps / 2, steps);
    (m[a] / m[b]).ln() / ((b - a) as f64 * dt)
}

#[test]
fn a_gels_escape_rate_is_its_diffusivity_times_the_slowest_mode() {
    // A 500 µm gel in 50 layers of 10 µm. Slowest mode of a slab with one
    // no-flux and one absorbing face: c ∝ cos(πz/2L)·e^(−λt), λ = D(π/2L)².
    let (nz, dz) = (50usize, 10.0);
    let l = nz as f64 * dz;
    let mode = (std::f64::consts::PI / (2.0 * l)).powi(2);
    let mut rates = Vec::new();
    for d in [600.0, 200.0, 60.0] {
        // dt·λ = 0.002 in each run, the same number of e-folds (6).
        let lambda = d * mode;
        let dt = 0.002 / lambda;
        let got = escape_rate(d, nz, dz, dt, 3000);
        let rel = (got - lambda).abs() / lambda;
        println!("D = {d} µm²/min: escape rate {got:.4e} /min, analytic {lambda:.4e} ({rel:.2e})");
        assert!(rel < 5e-3, "D = {d}: {got} vs {lambda}");
        rates.push(got);
    }
    // The ratio of escape rates is the ratio of diffusivities: a gel with a
    // third (a tenth) of the diffusivity holds a factor three (ten) times
    // longer.
    for (k, dk) in [(1, 200.0), (2, 60.0)] {
        let ratio = rates[0] / rates[k];
        let want = 600.0 / dk;
        assert!((ratio / want - 1.0).abs() < 1e-3, "ratio {ratio} vs {want}");
    }
}
