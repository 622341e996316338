//! Decoding the 10,000-Pod list (the bundled 13 KB Pod, names `bench-000000`…, label `shard`
//! = index mod 16) into k8s-openapi's `List<Pod>`: from protobuf against from JSON (serde_json's
//! `from_slice` and kclient's `json::from_slice`).
//!
//! `cargo bench -p kclient-protobuf --bench decode`

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use k8s_openapi::List;
use k8s_openapi::api::core::v1::Pod;

const POD_JSON: &str = include_str!("../../kclient-core/testdata/pod-13kb.json");

fn pod_list(n: usize) -> List<Pod> {
    let template: Pod = serde_json::from_str(POD_JSON).expect("the bench Pod parses");
    let items = (0..n)
        .map(|i| {
            let mut pod = template.clone();
            pod.metadata.name = Some(format!("bench-{i:06}"));
            pod.metadata
                .labels
                .get_or_insert_with(Default::default)
                .insert("shard".into(), (i % 16).to_string());
            pod
        })
        .collect();
    List {
        items,
        metadata: Default::default(),
    }
}

fn decode(c: &mut Criterion) {
    let list = pod_list(10_000);
    let json = serde_json::to_vec(&list).unwrap();
    let proto = kclient_protobuf::encode_object(&list).unwrap();
    let mut group = c.benchmark_group("podlist_10k");
    group.sample_size(10);
    group.throughput(Throughput::Elements(10_000));
    group.bench_function(format!("json_{}MB", json.len() >> 20), |b| {
        b.iter(|| serde_json::from_slice::<List<Pod>>(&json).unwrap())
    });
    // kclient's own JSON path (bulk UTF-8 check, exact `Vec` capacities): what a JSON
    // informer decodes with, and what protobuf has to beat.
    group.bench_function("json_kclient", |b| {
        b.iter(|| kclient_core::json::from_slice::<List<Pod>>(&json).unwrap())
    });
    group.bench_function(format!("protobuf_{}MB", proto.len() >> 20), |b| {
        b.iter(|| kclient_protobuf::decode_list::<Pod>(&proto).unwrap())
    });
    group.bench_function("protobuf_encode", |b| {
        b.iter(|| kclient_protobuf::encode_object(&list).unwrap())
    });
    group.finish();

    // One Pod decoded and dropped again and again: the allocator reuses the same memory, so
    // this is the formats' own cost without the page faults of building a 1.2 GB heap.
    let pod = list.items.into_iter().next().expect("one Pod");
    println!(
        "one Pod: {} bytes of JSON, {} of protobuf",
        serde_json::to_vec(&pod).unwrap().len(),
        kclient_protobuf::encode_object(&pod).unwrap().len()
    );
    let json = serde_json::to_vec(&pod).unwrap();
    let proto = kclient_protobuf::encode_object(&pod).unwrap();
    let mut group = c.benchmark_group("pod_1");
    group.throughput(Throughput::Elements(1));
    group.bench_function("json_kclient", |b| {
        b.iter(|| kclient_core::json::from_slice::<Pod>(&json).unwrap())
    });
    group.bench_function("protobuf", |b| {
        b.iter(|| kclient_protobuf::decode_object::<Pod>(&proto).unwrap())
    });

    // The same Pod without managedFields: k8s-openapi holds them as a `serde_json::Value`
    // tree (Go holds raw bytes), whose building is the same work from either format.
    let mut slim = pod.clone();
    slim.metadata.managed_fields = None;
    let json = serde_json::to_vec(&slim).unwrap();
    let proto = kclient_protobuf::encode_object(&slim).unwrap();
    group.bench_function("json_kclient_no_managed_fields", |b| {
        b.iter(|| kclient_core::json::from_slice::<Pod>(&json).unwrap())
    });
    group.bench_function("protobuf_no_managed_fields", |b| {
        b.iter(|| kclient_protobuf::decode_object::<Pod>(&proto).unwrap())
    });
    group.finish();
}

criterion_group!(benches, decode);
criterion_main!(benches);
