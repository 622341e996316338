//! What discovery costs against the in-memory test server over HTTPS on loopback: a full
//! fetch with aggregated discovery vs the legacy one-request-per-group-version fallback,
//! answers from the memory and the disk cache, and RESTMapper lookups.
//!
//! `cargo bench -p kclient-discovery --bench discovery`

use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use kclient_discovery::{
    DEFAULT_TTL, Discovery, DiscoveryClient, DiscoveryRestMapper, DiskCachedDiscovery,
    MemCacheClient,
};
use kclient_rest::RestClient;
use kclient_testserver::{TestServer, TestServerBuilder};

fn client(server: &TestServer) -> DiscoveryClient {
    let rest = RestClient::builder(server.config())
        .without_rate_limit()
        .build()
        .expect("client");
    DiscoveryClient::new(rest)
}

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let aggregated = rt.block_on(TestServer::start()).expect("server");
    let legacy = rt
        .block_on(
            TestServerBuilder::default()
                .aggregated_discovery(false)
                .build(),
        )
        .expect("server");

    let mut group = c.benchmark_group("server_groups_and_resources");
    group
        .sample_size(20)
        .measurement_time(Duration::from_secs(5));
    let d = client(&aggregated);
    group.bench_function("aggregated", |b| {
        b.iter(|| {
            rt.block_on(d.server_groups_and_resources())
                .expect("discovery")
        })
    });
    let d = client(&legacy);
    group.bench_function("legacy_per_group_version", |b| {
        b.iter(|| {
            rt.block_on(d.server_groups_and_resources())
                .expect("discovery")
        })
    });
    let mem = MemCacheClient::new(client(&aggregated));
    rt.block_on(mem.server_groups_and_resources())
        .expect("warm");
    group.bench_function("memory_cache_hit", |b| {
        b.iter(|| {
            rt.block_on(mem.server_groups_and_resources())
                .expect("discovery")
        })
    });
    let dir = tempfile::tempdir().expect("tempdir");
    rt.block_on(
        DiskCachedDiscovery::new(
            MemCacheClient::new(client(&aggregated)),
            dir.path(),
            DEFAULT_TTL,
        )
        .server_groups_and_resources(),
    )
    .expect("warm files");
    group.bench_function("disk_cache_hit_new_process", |b| {
        b.iter(|| {
            // A new cache each time, as a new kubectl process: everything is read from files.
            let disk = DiskCachedDiscovery::new(
                MemCacheClient::new(client(&aggregated)),
                dir.path(),
                DEFAULT_TTL,
            );
            rt.block_on(disk.server_groups_and_resources())
                .expect("discovery")
        })
    });
    group.finish();

    let mut group = c.benchmark_group("restmapper");
    group
        .sample_size(20)
        .measurement_time(Duration::from_secs(3));
    let mapper = DiscoveryRestMapper::new(MemCacheClient::new(client(&aggregated)));
    rt.block_on(mapper.mapping_for("deploy")).expect("load");
    for arg in ["deploy", "deployments.v1.apps", "Deployment"] {
        group.bench_function(format!("mapping_for/{arg}"), |b| {
            b.iter(|| rt.block_on(mapper.mapping_for(arg)).expect("mapping"))
        });
    }
    group.bench_function("reset_and_reload_from_server", |b| {
        b.iter(|| {
            mapper.reset();
            rt.block_on(mapper.mapping_for("deploy")).expect("mapping")
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
