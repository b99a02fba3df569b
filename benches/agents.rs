//! Criterion benches of the agent phases of the registry, one group per
//! phase (MSC fate, macrophages, angiogenesis tip cells), each on a warmed default
//! scenario holding 1e4 and 1e5 agents of that kind (reported as agent
//! updates per second). The state is copied before every call, outside the
//! timing, so every call sees the same agents.
//!
//! `cargo bench --bench agents -- msc/100000`

// `criterion_group!` generates an undocumented public function.
#![allow(missing_docs)]

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use std::time::Duration;
use woundsim::bench::{
    add_agents, agent_count, agents_for, default_params, time_phase, warm_state,
};
use woundsim::phase::Phase;

fn agents(c: &mut Criterion) {
    let p = default_params(&[]).unwrap();
    let (base, mut ws) = warm_state(&p, 1, 16).unwrap();
    for phase in Phase::ALL {
        if agents_for(phase, 1).is_none() {
            continue;
        }
        let mut g = c.benchmark_group(phase.name());
        g.sample_size(20);
        for n in [10_000usize, 100_000] {
            let mut st = base.clone();
            add_agents(&p, &mut st, agents_for(phase, n).unwrap());
            g.throughput(Throughput::Elements(agent_count(&st) as u64));
            g.bench_with_input(BenchmarkId::from_parameter(n), &n, |b, _| {
                b.iter_custom(|iters| {
                    (0..iters)
                        .map(|_| time_phase(&p, &st, &mut ws, phase).unwrap())
                        .sum::<Duration>()
                })
            });
        }
        g.finish();
    }
}

criterion_group!(benches, agents);
criterion_main!(benches);
