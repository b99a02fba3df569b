//! Criterion benches of the source phase of a field step: tissue sources and
//! uptake over the default grid (voxel updates per second), and secretion by
//! 1e4 and 1e5 agents, half MSCs and half macrophages (agent updates per
//! second).
//!
//! `cargo bench --bench sources`

// `criterion_group!` generates an undocumented public function.
#![allow(missing_docs)]

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use std::time::Duration;
use woundsim::bench::{
    add_agents, default_params, secretion_agents, time_secretion, time_tissue_sources, warm_state,
};

fn sources(c: &mut Criterion) {
    let p = default_params(&[]).unwrap();
    let (base, mut ws) = warm_state(&p, 1, 16).unwrap();
    let mut g = c.benchmark_group("sources");
    g.sample_size(20);
    g.throughput(Throughput::Elements(p.grid.len() as u64));
    g.bench_function("tissue", |b| {
        b.iter_custom(|iters| {
            (0..iters)
                .map(|_| time_tissue_sources(&p, &base, &mut ws))
                .sum::<Duration>()
        })
    });
    for n in [10_000usize, 100_000] {
        let mut st = base.clone();
        add_agents(&p, &mut st, secretion_agents(n));
        g.throughput(Throughput::Elements((st.mscs.len() + st.macs.len()) as u64));
        g.bench_with_input(BenchmarkId::new("secretion", n), &n, |b, _| {
            b.iter_custom(|iters| {
                (0..iters)
                    .map(|_| time_secretion(&p, &st, &mut ws))
                    .sum::<Duration>()
            })
        });
    }
    g.finish();
}

criterion_group!(benches, sources);
criterion_main!(benches);
