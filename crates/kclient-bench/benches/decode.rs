//! Criterion: decoding the 10,000-Pod list (~131 MB) into typed Pods, kclient vs kube-rs
//! (freeing the decoded list is kept out of the measurement).
//!
//! `cargo bench -p kclient-bench --features kube-rs --bench decode`. Criterion measures each
//! client's samples as one block, one client after the other, so the report binary's
//! alternating rounds are the place to compare the two under drift.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use kclient_bench::data::pod_list_json;
use kclient_bench::decode;

fn decode_pod_list(c: &mut Criterion) {
    let body = pod_list_json().expect("bundled Pod template");
    let mut group = c.benchmark_group("decode_10k_pods");
    group.sample_size(10);
    group.throughput(Throughput::Bytes(body.len() as u64));
    group.bench_function("kclient", |b| {
        b.iter_with_large_drop(|| decode::kclient(&body).expect("decodes"))
    });
    group.bench_function("kube-rs", |b| {
        b.iter_with_large_drop(|| decode::kube(&body).expect("decodes"))
    });
    group.finish();
}

criterion_group!(benches, decode_pod_list);
criterion_main!(benches);
