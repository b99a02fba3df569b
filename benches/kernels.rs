//! Criterion benches of the hot kernels: one field step of the LOD solver on
//! 500×500 and 1000×1000 grids with 1, 4 and 10 fields (reported as
//! voxel-field updates per second), and a whole simulation step of the
//! default scenario.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use woundsim::fields::solver::Solver;
use woundsim::fields::{Fields, Sources};
use woundsim::grid::Grid;
use woundsim::scenario::{default_fields, FieldSpec, Params, Scenario};
use woundsim::sim::{self, SimState, Workspace};

fn solver(c: &mut Criterion) {
    let mut g = c.benchmark_group("field_step");
    g.sample_size(10);
    for n in [500usize, 1000] {
        for nf in [1usize, 4, 10] {
            let grid = Grid {
                nx: n,
                ny: n,
                dx_um: 20.0,
            };
            let base = default_fields();
            let specs: Vec<(String, FieldSpec)> = (0..nf)
                .map(|i| (format!("f{i}"), base["vegf"].clone()))
                .collect();
            let mut fields = Fields::new(&grid, &specs);
            let mut src = Sources::new(&grid, nf);
            let s = Solver::new(&grid, &specs, 15.0);
            g.throughput(Throughput::Elements((n * n * nf) as u64));
            g.bench_with_input(BenchmarkId::new(format!("{n}x{n}"), nf), &nf, |b, _| {
                b.iter(|| s.step(&mut fields, &mut src))
            });
        }
    }
    g.finish();
}

fn whole_step(c: &mut Criterion) {
    let s = Scenario::builtin(&["time.days=84".into()]).unwrap();
    let p = Params::new(s, "bench").unwrap();
    let mut st = SimState::new(&p, 1, p.patient);
    let mut ws = Workspace::new(&p, &st);
    for _ in 0..96 {
        sim::step(&p, &mut st, &mut ws).unwrap();
    }
    let mut g = c.benchmark_group("default_scenario");
    g.sample_size(10);
    g.bench_function("step", |b| {
        b.iter(|| sim::step(&p, &mut st, &mut ws).unwrap())
    });
    g.finish();
}

criterion_group!(benches, solver, whole_step);
criterion_main!(benches);
