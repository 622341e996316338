//! Load check (ignored by default; run with `cargo test -p kclient-testserver --release --test
//! load -- --ignored --nocapture`): 50,000 ConfigMaps written while 100 watchers follow, then
//! full and paginated lists. It asserts behaviour (nothing lost, server responsive, slow
//! watchers cut instead of blocking writers), and prints timings without asserting them.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use common::{Api, CM};
use http::Method;
use kclient_testserver::TestServer;

const OBJECTS: usize = 50_000;
const WATCHERS: usize = 100;
const WRITERS: usize = 8;

#[tokio::test(flavor = "current_thread")]
#[ignore = "load test: minutes in debug builds; run explicitly"]
async fn fifty_thousand_configmaps_and_a_hundred_watchers() {
    let server = TestServer::start().await.unwrap();
    let api = Api::new(&server);
    let delivered = Arc::new(AtomicU64::new(0));
    let closed = Arc::new(AtomicU64::new(0));
    let mut watchers = Vec::new();
    for i in 0..WATCHERS {
        let mut w = if i % 2 == 0 {
            api.watch(&format!("{CM}?watch=true")).await
        } else {
            api.watch(&format!("{CM}?watch=true&labelSelector=shard%3D{}", i % 10))
                .await
        };
        let delivered = delivered.clone();
        let closed = closed.clone();
        watchers.push(tokio::spawn(async move {
            while let Ok(Some(_)) = w.next_within(std::time::Duration::from_secs(600)).await {
                delivered.fetch_add(1, Ordering::Relaxed);
            }
            closed.fetch_add(1, Ordering::Relaxed);
        }));
    }
    let started = Instant::now();
    let mut writers = Vec::new();
    for wi in 0..WRITERS {
        let api = api.clone();
        writers.push(tokio::spawn(async move {
            let mut conn = api.connect().await;
            let mut i = wi;
            while i < OBJECTS {
                let body = format!(
                    r#"{{"apiVersion":"v1","kind":"ConfigMap","metadata":{{"name":"cm-{i:05}","labels":{{"shard":"{}"}}}},"data":{{"k":"v"}}}}"#,
                    i % 10
                );
                let r = conn.send(Method::POST, CM, body).await;
                assert_eq!(r.status, 201, "{}", r.text());
                i += WRITERS;
            }
        }));
    }
    for w in writers {
        w.await.unwrap();
    }
    let write_time = started.elapsed();

    let started = Instant::now();
    let list = api.get(CM).await.expect(200);
    let list_time = started.elapsed();
    assert_eq!(list["items"].as_array().unwrap().len(), OBJECTS);

    let started = Instant::now();
    let mut conn = api.connect().await;
    let mut pages = 0;
    let mut seen = 0;
    let mut token = String::new();
    loop {
        let path = if token.is_empty() {
            format!("{CM}?limit=500")
        } else {
            format!("{CM}?limit=500&continue={token}")
        };
        let page = conn.send(Method::GET, &path, "").await.expect(200);
        pages += 1;
        seen += page["items"].as_array().unwrap().len();
        match page["metadata"]["continue"].as_str() {
            Some(t) => token = t.to_string(),
            None => break,
        }
    }
    let paged_time = started.elapsed();
    assert_eq!(seen, OBJECTS);

    let selected = api
        .get(&format!("{CM}?labelSelector=shard%3D3"))
        .await
        .expect(200);
    assert_eq!(selected["items"].as_array().unwrap().len(), OBJECTS / 10);
    println!(
        "writes: {write_time:?} ({:.0}/s); full list: {list_time:?}; {pages} pages: {paged_time:?}; \
         events delivered: {}; watchers closed (slow): {}",
        OBJECTS as f64 / write_time.as_secs_f64(),
        delivered.load(Ordering::Relaxed),
        closed.load(Ordering::Relaxed),
    );
    server.shutdown().await;
    for w in watchers {
        let _ = w.await;
    }
}
