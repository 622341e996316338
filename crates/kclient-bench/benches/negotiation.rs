//! Criterion: the 10,000-Pod list (the bundled 13 KB Pod, `kclient_bench::data`) decoded
//! through kclient's client paths when it travels as JSON and as protobuf: the typed client's
//! (`Response::object`, as `Api::list` decodes) and the informer's (`RestListerWatcher::list`
//! over an in-process service answering the canned body: JSON cut into items as it arrives,
//! protobuf read whole and cut by length prefixes, both decoded in parallel batches), into
//! typed Pods and into `Compact<Pod>`.
//!
//! `cargo bench -p kclient-bench --bench negotiation`

use std::num::NonZeroUsize;

use bytes::Bytes;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use http::{HeaderMap, HeaderValue, StatusCode};
use k8s_openapi::List;
use k8s_openapi::api::core::v1::Pod;
use kclient::cache::{Compact, ListerWatcher, RestListerWatcher};
use kclient::core::{ListOptions, ObjectList};
use kclient::rest::transport::Body;
use kclient::rest::{Error, Response, RestClient};
use kclient_bench::data::{PODS, pod_list_json};

const PB: &str = "application/vnd.kubernetes.protobuf";

fn headers(content_type: &'static str) -> HeaderMap {
    let mut headers = HeaderMap::new();
    headers.insert(
        http::header::CONTENT_TYPE,
        HeaderValue::from_static(content_type),
    );
    headers
}

/// A client whose every list answers `body` with `content_type`.
fn client(content_type: &'static str, body: Bytes) -> RestClient {
    let service = tower::service_fn(move |_req: http::Request<Bytes>| {
        let body = body.clone();
        async move {
            Ok::<_, Error>(
                http::Response::builder()
                    .header("content-type", content_type)
                    .body(Body::from(body))
                    .expect("response"),
            )
        }
    });
    RestClient::builder(kclient::Config::new(
        "http://bench.test".parse().expect("uri"),
    ))
    .without_rate_limit()
    .build_with_service(service)
    .expect("client")
}

fn negotiation(c: &mut Criterion) {
    let json = Bytes::from(pod_list_json().expect("the bench Pod parses"));
    let list: List<Pod> = serde_json::from_slice(&json).expect("the list decodes");
    let proto = Bytes::from(kclient_protobuf::encode_object(&list).expect("encodes"));
    drop(list);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");

    let mut group = c.benchmark_group(format!(
        "podlist_10k_json_{}MB_protobuf_{}MB",
        json.len() >> 20,
        proto.len() >> 20
    ));
    group.sample_size(10);
    group.throughput(Throughput::Elements(PODS as u64));
    for (name, content_type, body) in [
        ("json", "application/json", &json),
        ("protobuf", PB, &proto),
    ] {
        let response = Response::from_parts(StatusCode::OK, headers(content_type), body.clone());
        group.bench_function(format!("typed_client_{name}"), |b| {
            b.iter(|| {
                let list: ObjectList<Pod> = response.object().expect("decodes");
                assert_eq!(list.items.len(), PODS);
            })
        });
        for parallelism in [1, 2] {
            let parallelism = NonZeroUsize::new(parallelism).expect("non-zero");
            let typed = RestListerWatcher::<Pod>::new(client(content_type, body.clone()));
            let id = format!("informer_list_{name}_parallelism_{parallelism}");
            bench_list(
                &mut group,
                &runtime,
                &id,
                typed.decode_parallelism(parallelism),
            );
            let compact =
                RestListerWatcher::<Compact<Pod>>::compact(client(content_type, body.clone()));
            let id = format!("compact_informer_list_{name}_parallelism_{parallelism}");
            bench_list(
                &mut group,
                &runtime,
                &id,
                compact.decode_parallelism(parallelism),
            );
        }
    }
    group.finish();
}

/// One full list through an informer's lister-watcher.
fn bench_list<K: Send + 'static>(
    group: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    runtime: &tokio::runtime::Runtime,
    id: &str,
    lw: impl ListerWatcher<K>,
) {
    group.bench_function(id, |b| {
        b.iter(|| {
            let page = runtime
                .block_on(lw.list(&ListOptions::default()))
                .expect("lists");
            assert_eq!(page.items.len(), PODS);
        })
    });
}

criterion_group!(benches, negotiation);
criterion_main!(benches);
