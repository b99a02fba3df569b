use super::*;

fn spec(d: f64, half: f64, b: Boundary, far: f64) -> FieldSpec {
    FieldSpec {
        diffusion_um2_per_min: d,
        half_life_min: half,
        far_field: far,
        boundary_x_min: b,
        boundary_x_max: b,
        boundary_y_min: b,
        boundary_y_max: b,
        ..FieldSpec::default()
    }
}

#[test]
fn line_solve_matches_dense_solve() {
    let n = 7;
    let (r, k) = (0.8, 0.05);
    let l = Line::new(n, r, k, (Boundary::Dirichlet, 2.0), (Boundary::NoFlux, 0.0));
    let rhs: Vec<f64> = (0..n).map(|i| (i as f64).sin() + 1.5).collect();
    let mut d: Vec<f32> = rhs.iter().map(|&v| v as f32).collect();
    l.solve(&mut d);
    // Residual of the tridiagonal system.
    for i in 0..n {
        let mut diag = 1.0 + 2.0 * r + k;
        if i == 0 {
            diag += r;
        }
        if i == n - 1 {
            diag -= r;
        }
        let mut lhs = diag * d[i] as f64;
        if i > 0 {
            lhs -= r * d[i - 1] as f64;
        }
        if i + 1 < n {
            lhs -= r * d[i + 1] as f64;
        }
        let b = rhs[i] + if i == 0 { 2.0 * r * 2.0 } else { 0.0 };
        assert!((lhs - b).abs() < 1e-5, "row {i}: {lhs} vs {b}");
    }
}

#[test]
fn zline_solve_matches_dense_solve_with_harmonic_faces() {
    let r = [0.8, 0.8, 0.05, 2.0, 0.0, 1.3];
    let n = r.len();
    let hm = |a: f64, b: f64| {
        if a + b > 0.0 {
            2.0 * a * b / (a + b)
        } else {
            0.0
        }
    };
    for (lo, hi) in [
        ((Boundary::Dirichlet, 2.0), (Boundary::NoFlux, 0.0)),
        ((Boundary::NoFlux, 0.0), (Boundary::Dirichlet, 0.7)),
    ] {
        let l = ZLine::new(&r, lo, hi);
        let rhs: Vec<f64> = (0..n).map(|i| (i as f64).sin() + 1.5).collect();
        let mut d: Vec<f32> = rhs.iter().map(|&v| v as f32).collect();
        l.solve(&mut d);
        for k in 0..n {
            let below = if k > 0 { hm(r[k - 1], r[k]) } else { 0.0 };
            let above = if k + 1 < n { hm(r[k], r[k + 1]) } else { 0.0 };
            let mut diag = 1.0 + below + above;
            let mut b = rhs[k];
            if k == 0 && lo.0 == Boundary::Dirichlet {
                diag += 2.0 * r[0];
                b += 2.0 * r[0] * lo.1;
            }
            if k + 1 == n && hi.0 == Boundary::Dirichlet {
                diag += 2.0 * r[n - 1];
                b += 2.0 * r[n - 1] * hi.1;
            }
            let mut lhs = diag * d[k] as f64;
            if k > 0 {
                lhs -= below * d[k - 1] as f64;
            }
            if k + 1 < n {
                lhs -= above * d[k + 1] as f64;
            }
            assert!((lhs - b).abs() < 1e-5, "layer {k}: {lhs} vs {b}");
        }
        // The band kernel gives the bits of the column solve.
        let w = 37;
        let mut cols: Vec<f32> = (0..n * w).map(|i| ((i * 31) % 23) as f32 * 0.21).collect();
        let mut want = cols.clone();
        for x in 0..w {
            let mut col: Vec<f32> = (0..n).map(|k| want[k * w + x]).collect();
            l.solve(&mut col);
            for k in 0..n {
                want[k * w + x] = col[k];
            }
        }
        let p = SharedMut(cols.as_mut_ptr());
        // SAFETY: each call borrows one distinct layer of `cols`.
        let row = |k: usize| unsafe { std::slice::from_raw_parts_mut(p.get().add(k * w), w) };
        assert!(l.band(n, row));
        let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&cols), bits(&want));
    }
}

#[test]
fn layered_rejects_bad_depth_structure() {
    let grid = Grid::new(5, 4, 3, 20.0, 40.0).unwrap();
    let specs = vec![("o".to_string(), spec(100.0, 60.0, Boundary::NoFlux, 0.0))];
    let good = FieldLayers::uniform(&grid, &specs[0].1);
    assert!(Solver::layered(&grid, &specs, std::slice::from_ref(&good), 1.0).is_ok());
    assert!(matches!(
        Solver::layered(&grid, &specs, &[], 1.0),
        Err(LayerError::FieldCount {
            given: 0,
            fields: 1
        })
    ));
    let mut short = good.clone();
    short.uptake_per_min.pop();
    let e = Solver::layered(&grid, &specs, &[short], 1.0).unwrap_err();
    assert!(
        e.to_string().contains("uptake_per_min has 2 values for 3"),
        "{e}"
    );
    let mut neg = good.clone();
    neg.diffusion_um2_per_min[2] = -1.0;
    let e = Solver::layered(&grid, &specs, &[neg], 1.0).unwrap_err();
    assert!(
        e.to_string().contains("diffusion_um2_per_min[2] = -1"),
        "{e}"
    );
    let mut nan = good;
    nan.top = (Boundary::Dirichlet, f64::NAN);
    let e = Solver::layered(&grid, &specs, &[nan], 1.0).unwrap_err();
    assert!(matches!(e, LayerError::BadValue { key: "top", .. }), "{e}");
}

#[test]
fn a_bad_source_in_3d_is_located_in_its_layer_on_every_path() {
    let grid = Grid::new(13, 9, 5, 20.0, 30.0).unwrap();
    let specs = vec![("a".to_string(), spec(300.0, 60.0, Boundary::NoFlux, 0.0))];
    let solver = Solver::new(&grid, &specs, 15.0);
    for threads in [1usize, 4] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        let mut f = Fields::new(&grid, &specs);
        f.data[0].fill(1.0);
        let mut s = Sources::new(&grid, 1);
        let at = grid.idx3(4, 6, 3);
        s.add(0, at, f32::NAN);
        let bad = pool
            .install(|| solver.step_checked(&mut f, &mut s))
            .expect_err("NaN source");
        assert_eq!(
            (bad.index, bad.stage),
            (at, Stage::Reaction),
            "{threads} threads"
        );
    }
}

#[test]
fn solve_rows_matches_solve_bitwise() {
    for n in [1usize, 2, 15, 16, 17, 31, 32, 45, 600] {
        for lines in [1usize, 8, 16, 23, 32, 41] {
            let l = Line::new(
                n,
                0.9,
                0.0,
                (Boundary::Dirichlet, 3.0),
                (Boundary::NoFlux, 0.0),
            );
            let data: Vec<f32> = (0..n * lines)
                .map(|i| match i % 11 {
                    0 => -0.0,
                    1 => 0.0,
                    k => ((i * 37) % 101) as f32 * 0.173 + k as f32,
                })
                .collect();
            let mut a = data.clone();
            l.solve_rows(&mut a, n);
            let mut b = data;
            b.chunks_exact_mut(n).for_each(|line| l.solve(line));
            let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(&a), bits(&b), "n = {n}, lines = {lines}");
        }
    }
}

#[test]
fn uptake_never_negative() {
    let grid = Grid {
        nx: 8,
        ny: 8,
        nz: 1,
        dx_um: 10.0,
        dz_um: 10.0,
    };
    let specs = vec![("o".to_string(), spec(100.0, 1e9, Boundary::NoFlux, 0.0))];
    let mut f = Fields::new(&grid, &specs);
    f.data[0].fill(1.0);
    let mut s = Sources::new(&grid, 1);
    s.uptake_mut(0).fill(1e6);
    Solver::new(&grid, &specs, 10.0).step(&mut f, &mut s);
    assert!(f.data[0].iter().all(|&v| (0.0..1e-4).contains(&v)));
}

/// A 4-field problem with sources, uptake and mixed boundaries.
fn problem(nx: usize, ny: usize) -> (Grid, Vec<(String, FieldSpec)>, Fields, Sources) {
    let grid = Grid {
        nx,
        ny,
        nz: 1,
        dx_um: 20.0,
        dz_um: 20.0,
    };
    let specs: Vec<(String, FieldSpec)> = vec![
        ("a".into(), spec(2000.0, 1e9, Boundary::Dirichlet, 40.0)),
        ("b".into(), spec(300.0, 60.0, Boundary::NoFlux, 0.0)),
        ("c".into(), spec(50.0, 600.0, Boundary::Dirichlet, 0.5)),
        ("d".into(), spec(900.0, 20.0, Boundary::NoFlux, 0.0)),
    ];
    let mut f = Fields::new(&grid, &specs);
    for (k, a) in f.data.iter_mut().enumerate() {
        for ((iy, ix), v) in a.indexed_iter_mut() {
            *v = ((ix * 7 + iy * 13 + k * 5) % 17) as f32 * 0.3;
        }
    }
    let mut s = Sources::new(&grid, specs.len());
    for ((iy, ix), v) in s.src_mut(0).indexed_iter_mut() {
        *v = ((ix + 3 * iy) % 5) as f32;
    }
    for ((iy, ix), v) in s.uptake_mut(0).indexed_iter_mut() {
        *v = ((ix * iy) % 3) as f32 * 0.1;
    }
    s.add(1, nx * (ny / 2) + nx / 2, 50.0);
    s.uptake_mut(3).fill(0.01);
    (grid, specs, f, s)
}

fn bits(f: &Fields) -> Vec<u32> {
    f.data
        .iter()
        .flat_map(|a| a.iter().map(|v| v.to_bits()))
        .collect()
}

#[test]
fn fused_and_split_paths_agree_bitwise() {
    // Odd sizes exercise partial row blocks and bands.
    let (grid, specs, mut f1, mut s1) = problem(45, 71);
    let (_, _, mut f2, mut s2) = problem(45, 71);
    let (_, _, mut f3, mut s3) = problem(45, 71);
    let solver = Solver::new(&grid, &specs, 15.0);
    let pool = |n| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .build()
            .unwrap()
    };
    let (one, three, many) = (pool(1), pool(3), pool(8));
    for _ in 0..3 {
        // 4 fields on 1 thread: all fused; on 3 threads: 3 fused and one
        // split; on 8 threads: all split.
        assert!(one.install(|| solver.step(&mut f1, &mut s1)));
        assert!(three.install(|| solver.step(&mut f3, &mut s3)));
        assert!(many.install(|| solver.step(&mut f2, &mut s2)));
    }
    assert_eq!(bits(&f1), bits(&f2));
    assert_eq!(bits(&f1), bits(&f3));
}

#[test]
fn skipping_untouched_sources_changes_nothing() {
    let (grid, specs, mut f1, mut s1) = problem(40, 40);
    let (_, _, mut f2, mut s2) = problem(40, 40);
    // Mark every buffer as written (all zero for most fields).
    for k in 0..specs.len() {
        s2.src_and_uptake_mut(k);
    }
    let solver = Solver::new(&grid, &specs, 15.0);
    solver.step(&mut f1, &mut s1);
    solver.step(&mut f2, &mut s2);
    assert_eq!(bits(&f1), bits(&f2));
    for k in 0..specs.len() {
        assert!(s1
            .src(k)
            .iter()
            .chain(s1.uptake(k).iter())
            .all(|&v| v == 0.0));
        assert!(s2
            .src(k)
            .iter()
            .chain(s2.uptake(k).iter())
            .all(|&v| v == 0.0));
    }
}

#[test]
fn zero_fields_are_skipped_only_when_the_step_is_a_no_op() {
    let grid = Grid {
        nx: 12,
        ny: 9,
        nz: 1,
        dx_um: 20.0,
        dz_um: 20.0,
    };
    let specs = vec![
        (
            "quiet".to_string(),
            spec(300.0, 60.0, Boundary::Dirichlet, 0.0),
        ),
        (
            "inflow".to_string(),
            spec(300.0, 60.0, Boundary::Dirichlet, 2.0),
        ),
        ("fed".to_string(), spec(300.0, 60.0, Boundary::NoFlux, 0.0)),
    ];
    let solver = Solver::new(&grid, &specs, 15.0);
    assert!(solver.no_inflow(0) && !solver.no_inflow(1) && solver.no_inflow(2));
    let mut f = Fields::new(&grid, &specs);
    let mut s = Sources::new(&grid, specs.len());
    s.add(2, 40, 1.0);
    assert!(solver.step(&mut f, &mut s));
    assert!(f.data[0].iter().all(|v| v.to_bits() == 0));
    assert!(f.data[1].iter().all(|&v| v > 0.0));
    assert!(f.data[2][[40 / 12, 40 % 12]] > 0.0);
    // Without sources the fed field is no longer zero, so it is still solved.
    let before = f.data[2].clone();
    assert!(solver.step(&mut f, &mut s));
    assert_ne!(before, f.data[2]);
}

#[test]
fn tiny_values_are_flushed_and_bad_values_flagged() {
    let grid = Grid {
        nx: 16,
        ny: 16,
        nz: 1,
        dx_um: 20.0,
        dz_um: 20.0,
    };
    let specs = vec![("t".to_string(), spec(10.0, 1e9, Boundary::NoFlux, 0.0))];
    let solver = Solver::new(&grid, &specs, 1.0);
    let mut s = Sources::new(&grid, 1);
    let mut f = Fields::new(&grid, &specs);
    f.data[0].fill(1e-35);
    assert!(solver.step(&mut f, &mut s));
    assert!(f.data[0].iter().all(|&v| v == 0.0));
    for bad in [f32::NAN, f32::INFINITY, -1.0] {
        f.data[0].fill(1.0);
        f.data[0][[3, 5]] = bad;
        assert!(!solver.step(&mut f, &mut s), "{bad} not flagged");
    }
}

#[test]
fn a_slow_field_is_solved_at_its_own_step_as_if_alone_at_that_step() {
    // Field 0 every solver step of 15 min; field 1 with step_min = 60, i.e.
    // every 4th step. Over 8 steps field 1 must equal a solver at dt = 60
    // run twice with the sources written at the due steps (0 and 4), and
    // the sources written at the other steps must be discarded.
    let g = Grid::new(24, 20, 1, 10.0, 10.0).unwrap();
    let fast = spec(300.0, 30.0, Boundary::NoFlux, 0.0);
    let slow = FieldSpec {
        step_min: 60.0,
        ..spec(200.0, 90.0, Boundary::Dirichlet, 0.0)
    };
    let both = vec![("a".to_string(), fast), ("b".to_string(), slow.clone())];
    let solver = Solver::new(&g, &both, 15.0);
    assert_eq!((solver.every(0), solver.every(1)), (1, 4));
    assert!(solver.due(1, 0) && !solver.due(1, 3) && solver.due(1, 8));
    let alone_spec = vec![(
        "b".to_string(),
        FieldSpec {
            step_min: 0.0,
            ..slow
        },
    )];
    let alone = Solver::new(&g, &alone_spec, 60.0);
    let mut fields = Fields::new(&g, &both);
    let mut src = Sources::new(&g, 2);
    let mut ref_fields = Fields::new(&g, &alone_spec);
    let mut ref_src = Sources::new(&g, 1);
    for k in 0..8u64 {
        // Every step writes a source to both fields; only the due steps'
        // writes may reach the slow field.
        let rate = 1.0 + k as f32;
        src.add(0, 37, rate);
        src.add(1, 101, rate);
        src.uptake_mut(1)[[3, 5]] += 0.01 * rate;
        solver.step_checked_at(&mut fields, &mut src, k).unwrap();
        if k % 4 == 0 {
            ref_src.add(0, 101, rate);
            ref_src.uptake_mut(0)[[3, 5]] += 0.01 * rate;
            alone.step_checked(&mut ref_fields, &mut ref_src).unwrap();
        }
        // Sources are zero between steps, due or not.
        for f in 0..2 {
            assert!(src.src(f).iter().all(|&v| v == 0.0), "step {k} field {f}");
            assert!(
                src.uptake(f).iter().all(|&v| v == 0.0),
                "step {k} field {f}"
            );
        }
        let same = fields
            .slice(1)
            .iter()
            .zip(ref_fields.slice(0))
            .all(|(a, b)| a.to_bits() == b.to_bits());
        assert!(
            same,
            "slow field differs from the 60-min solver after step {k}"
        );
    }
    assert!(fields.slice(1)[101] > 0.0 && fields.slice(0)[37] > 0.0);
}
