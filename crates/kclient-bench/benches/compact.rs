//! Criterion: `Compact<Pod>` backed by the server's JSON against backed by its protobuf —
//! what 1,000 cached Pods hold (counted by the allocator, printed before the timings), what
//! building one from a list item costs (the metadata decode on arrival), and what reading one
//! back costs (`decode`, the decode on read; `json`, the JSON text). The bundled 13 KB Pod.
//! Also printed: the heap of one typed Pod decoded from JSON and from protobuf.
//!
//! `cargo bench -p kclient-bench --bench compact`

use std::alloc::System;
use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use k8s_openapi::List;
use k8s_openapi::api::core::v1::Pod;
use kclient::cache::Compact;
use stats_alloc::{INSTRUMENTED_SYSTEM, Region, StatsAlloc};

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

const COPIES: usize = 1_000;

fn pod_list() -> List<Pod> {
    let template: Pod = serde_json::from_str(kclient_bench::data::POD_TEMPLATE).unwrap();
    let items = (0..COPIES)
        .map(|i| {
            let mut pod = template.clone();
            pod.metadata.name = Some(format!("bench-{i:06}"));
            pod
        })
        .collect();
    List {
        items,
        metadata: Default::default(),
    }
}

/// Live heap bytes and allocations per object of what `build` returns.
fn held<T>(build: impl FnOnce() -> Vec<T>) -> (Vec<T>, usize, usize) {
    let region = Region::new(GLOBAL);
    let objects = build();
    let change = region.change();
    let bytes = (change.bytes_allocated - change.bytes_deallocated) / COPIES;
    let allocs = (change.allocations - change.deallocations) / COPIES;
    (objects, bytes, allocs)
}

fn compact(c: &mut Criterion) {
    let list = pod_list();
    let json_items: Vec<String> = list
        .items
        .iter()
        .map(|pod| serde_json::to_string(pod).unwrap())
        .collect();
    let encoded = kclient_protobuf::encode_object(&list).unwrap();
    let parts = kclient_protobuf::split_list(&encoded).unwrap();

    let (from_json, json_bytes, json_allocs) = held(|| {
        json_items
            .iter()
            .map(|text| Compact::<Pod>::from_json(text).unwrap())
            .collect()
    });
    let (from_proto, proto_bytes, proto_allocs) = held(|| {
        parts
            .items
            .iter()
            .map(|item| Compact::<Pod>::from_protobuf_item(item).unwrap())
            .collect()
    });
    let (typed, typed_bytes, typed_allocs) = held(|| {
        json_items
            .iter()
            .map(|text| kclient::core::json::from_slice::<Pod>(text.as_bytes()).unwrap())
            .collect()
    });
    let pods = kclient_protobuf::ObjectType::of::<Pod>().unwrap();
    let (typed_proto, typed_proto_bytes, typed_proto_allocs) = held(|| {
        parts
            .items
            .iter()
            .map(|item| pods.decode::<Pod>(item).unwrap())
            .collect()
    });
    assert!(typed_proto.iter().eq(typed.iter()));
    println!(
        "decoded Pod, per Pod: from JSON (kclient json::from_slice) {typed_bytes} heap bytes in \
         {typed_allocs} allocations; from protobuf {typed_proto_bytes} heap bytes in \
         {typed_proto_allocs} allocations"
    );
    drop(typed_proto);
    println!(
        "{COPIES} cached Pods, per Pod: Compact from JSON {json_bytes} heap bytes in {json_allocs} allocations \
         (JSON body {} bytes); Compact from protobuf {proto_bytes} heap bytes in {proto_allocs} allocations \
         (protobuf body {} bytes)",
        from_json[0].body_len(),
        from_proto[0].body_len(),
    );
    drop(typed);

    let mut group = c.benchmark_group("compact_pod");
    group.bench_function("from_item/json", |b| {
        b.iter(|| Compact::<Pod>::from_json(black_box(&json_items[0])).unwrap())
    });
    group.bench_function("from_item/protobuf", |b| {
        b.iter(|| Compact::<Pod>::from_protobuf_item(black_box(parts.items[0])).unwrap())
    });
    group.bench_function("decode/json", |b| {
        b.iter(|| black_box(&from_json[0]).decode().unwrap())
    });
    group.bench_function("decode/protobuf", |b| {
        b.iter(|| black_box(&from_proto[0]).decode().unwrap())
    });
    group.bench_function("json/json", |b| {
        b.iter(|| black_box(&from_json[0]).json().unwrap().len())
    });
    group.bench_function("json/protobuf", |b| {
        b.iter(|| black_box(&from_proto[0]).json().unwrap().len())
    });
    group.finish();
}

criterion_group!(benches, compact);
criterion_main!(benches);
