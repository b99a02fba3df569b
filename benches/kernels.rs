//! Criterion benches of the hot kernels: one field step of the LOD solver on
//! 500×500 and 1000×1000 grids with 1, 4 and 10 fields and in 3D on a
//! 100×100×100 cube and a wound-shaped 500×500×40 grid (dz = 50 µm, a gel
//! layer on top) with 4 fields (reported as voxel-field updates per
//! second), and a whole simulation step of the default scenario.

// `criterion_group!` generates an undocumented public function.
#![allow(missing_docs)]

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use woundsim::bench::{default_params, warm_state, SolverCase};
use woundsim::sim;

fn solver(c: &mut Criterion) {
    let mut g = c.benchmark_group("field_step");
    g.sample_size(10);
    for n in [500usize, 1000] {
        for nf in [1usize, 4, 10] {
            let mut case = SolverCase::new(n, nf);
            g.throughput(Throughput::Elements(case.work() as u64));
            g.bench_with_input(BenchmarkId::new(format!("{n}x{n}"), nf), &nf, |b, _| {
                b.iter(|| case.step())
            });
        }
    }
    g.finish();
}

fn solver_3d(c: &mut Criterion) {
    let mut g = c.benchmark_group("field_step_3d");
    g.sample_size(10);
    for (nx, ny, nz, dz, gel) in [(100, 100, 100, 20.0, 0), (500, 500, 40, 50.0, 4)] {
        let mut case = SolverCase::new_3d(nx, ny, nz, dz, 4, gel);
        g.throughput(Throughput::Elements(case.work() as u64));
        g.bench_with_input(
            BenchmarkId::new(format!("{nx}x{ny}x{nz}"), 4),
            &4,
            |b, _| b.iter(|| case.step()),
        );
    }
    g.finish();
}

fn whole_step(c: &mut Criterion) {
    let p = default_params(&[]).unwrap();
    let (mut st, mut ws) = warm_state(&p, 1, 96).unwrap();
    let mut g = c.benchmark_group("default_scenario");
    g.sample_size(10);
    g.bench_function("step", |b| {
        b.iter(|| sim::step(&p, &mut st, &mut ws).unwrap())
    });
    g.finish();
}

criterion_group!(benches, solver, solver_3d, whole_step);
criterion_main!(benches);
