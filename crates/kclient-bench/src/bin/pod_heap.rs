//! Where a cached Pod's memory goes: heap bytes and allocations of one decoded k8s-openapi
//! `Pod` (the bundled 13 KB Pod), whole and without managedFields. Both kclient's and
//! kube-rs's caches hold exactly this type, so this is the floor under either cache's
//! steady memory. `cargo run --release -p kclient-bench --bin pod_heap` (no kube-rs needed:
//! the type is k8s-openapi's). Decoded twice: by `serde_json::from_str` (what kube-rs's
//! decode does; its cache then holds clones) and by kclient's `json::from_slice`, whose
//! `Vec`s have exactly their length.

use std::alloc::System;

use k8s_openapi::api::core::v1::Pod;
use stats_alloc::{INSTRUMENTED_SYSTEM, Region, StatsAlloc};

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

const COPIES: usize = 1_000;

/// `COPIES` Pods decoded by `decode`, their heap bytes and allocations per Pod, and the time.
fn decode_copies(
    json: &str,
    decode: fn(&str) -> Result<Pod, serde_json::Error>,
) -> (Vec<Pod>, usize, usize, std::time::Duration) {
    let started = std::time::Instant::now();
    let region = Region::new(GLOBAL);
    let mut pods: Vec<Pod> = Vec::with_capacity(COPIES);
    for _ in 0..COPIES {
        match decode(json) {
            Ok(pod) => pods.push(pod),
            Err(err) => {
                eprintln!("pod_heap: the bundled Pod does not decode: {err}");
                std::process::exit(1);
            }
        }
    }
    let whole = region.change();
    let took = started.elapsed();
    // The Vec's own allocation holds each Pod's inline part, as an `Arc<Pod>` would.
    let live = (whole.bytes_allocated - whole.bytes_deallocated) / COPIES;
    let allocs = (whole.allocations - whole.deallocations).saturating_sub(1) / COPIES;
    (pods, live, allocs, took)
}

fn main() {
    let json = kclient_bench::data::POD_TEMPLATE;
    let (plain, plain_live, plain_allocs, plain_took) =
        decode_copies(json, |text| serde_json::from_str(text));
    drop(plain);
    let (mut pods, live, allocs, took) = decode_copies(json, |text| {
        kclient::core::json::from_slice(text.as_bytes())
    });
    let region = Region::new(GLOBAL);
    for pod in &mut pods {
        pod.metadata.managed_fields = None;
    }
    let stripped = region.change();
    let freed = (stripped.bytes_deallocated - stripped.bytes_allocated) / COPIES;
    let freed_allocs = (stripped.deallocations - stripped.allocations) / COPIES;
    let managed_json = serde_json::to_string(&pods_managed_fields(json)).map_or(0, |s| s.len());
    println!(
        "bundled Pod: {} bytes of JSON, {managed_json} of them managedFields",
        json.len()
    );
    println!(
        "decoded Pod (size_of {} bytes, counted), serde_json::from_str: {plain_live} heap bytes in {plain_allocs} allocations, {:.1} µs per Pod",
        std::mem::size_of::<Pod>(),
        plain_took.as_secs_f64() * 1e6 / COPIES as f64
    );
    println!(
        "decoded Pod, kclient json::from_slice (exact Vec capacities): {live} heap bytes in {allocs} allocations, {:.1} µs per Pod",
        took.as_secs_f64() * 1e6 / COPIES as f64
    );
    println!(
        "  managedFields: {freed} bytes in {freed_allocs} allocations ({:.0}%)",
        100.0 * freed as f64 / live as f64
    );
    println!(
        "  everything else: {} bytes in {} allocations",
        live - freed,
        allocs - freed_allocs
    );
    drop(pods);
}

fn pods_managed_fields(json: &str) -> serde_json::Value {
    serde_json::from_str::<serde_json::Value>(json)
        .ok()
        .and_then(|pod| pod.pointer("/metadata/managedFields").cloned())
        .unwrap_or_default()
}
