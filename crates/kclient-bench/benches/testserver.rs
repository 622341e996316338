//! Criterion: list and watch throughput on the embedded test server (50,000 ConfigMaps,
//! 100 watchers), kclient vs kube-rs against the same server in the same run.
//!
//! `cargo bench -p kclient-bench --features kube-rs --bench testserver`. Criterion measures each
//! client's samples as one block, one client after the other, so the report binary's
//! alternating rounds are the place to compare the two under drift.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use kclient_bench::fixture::{Fixture, FixtureSize};
use kclient_bench::list;
use kclient_bench::watch::{self, FanOut};

fn testserver(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    let size = FixtureSize::default();
    let fixture = runtime
        .block_on(Fixture::start(size))
        .expect("test server loaded");
    let n = size.configmaps;

    let mut group = c.benchmark_group("list_50k_configmaps");
    group.sample_size(10);
    group.throughput(Throughput::Elements(n as u64));
    group.bench_function("full/kclient", |b| {
        b.iter(|| {
            runtime
                .block_on(list::kclient_full(fixture.kclient()))
                .expect("list")
        })
    });
    group.bench_function("full/kube-rs", |b| {
        b.iter(|| {
            runtime
                .block_on(list::kube_full(fixture.kube()))
                .expect("list")
        })
    });
    group.bench_function("paginated/kclient", |b| {
        b.iter(|| {
            runtime
                .block_on(list::kclient_paginated(fixture.kclient()))
                .expect("list")
        })
    });
    group.bench_function("paginated/kube-rs", |b| {
        b.iter(|| {
            runtime
                .block_on(list::kube_paginated(fixture.kube()))
                .expect("list")
        })
    });
    group.finish();

    let run = FanOut {
        watchers: 100,
        events: size.fanout_events,
        from: fixture.fanout_from().to_owned(),
    };
    let mut group = c.benchmark_group("watch_fanout_100");
    group.sample_size(10);
    group.throughput(Throughput::Elements(run.delivered()));
    group.bench_function("kclient", |b| {
        b.iter(|| {
            runtime
                .block_on(watch::kclient(fixture.kclient(), &run))
                .expect("watch")
        })
    });
    group.bench_function("kube-rs", |b| {
        b.iter(|| {
            runtime
                .block_on(watch::kube(fixture.kube(), &run))
                .expect("watch")
        })
    });
    group.finish();
    runtime.block_on(fixture.shutdown());
}

criterion_group!(benches, testserver);
criterion_main!(benches);
