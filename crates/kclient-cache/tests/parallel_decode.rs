//! Decoding on several threads changes nothing a caller sees: against the test server, lists
//! and watch-list streams decoded with `decode_parallelism` 1 and 4 give the same objects in
//! the same order, across many decode batches.

mod common;

use std::num::NonZeroUsize;

use common::*;
use futures::StreamExt;
use k8s_openapi::api::core::v1::ConfigMap;
use kclient_cache::{ListerWatcher, RestListerWatcher};
use kclient_core::WatchEvent;
use kclient_core::params::{ListOptions, ResourceVersionMatch};
use kclient_testserver::TestServer;

/// 120 ConfigMaps of about 8 KB: several 256 KB decode batches per list.
async fn loaded_server() -> (TestServer, kclient_rest::RestClient) {
    let server = TestServer::start().await.expect("server");
    let client = client(&server);
    for i in 0..120 {
        let value = format!("{i:03}-{}", "v".repeat(8_000));
        create(&client, &cm(&format!("cm-{i:03}"), &value, &[("app", "a")])).await;
    }
    (server, client)
}

fn lister(client: &kclient_rest::RestClient, parallelism: usize) -> RestListerWatcher<ConfigMap> {
    RestListerWatcher::<ConfigMap>::new(client.clone())
        .namespace(NS)
        .decode_parallelism(NonZeroUsize::new(parallelism).expect("non-zero"))
}

fn names(objects: &[ConfigMap]) -> Vec<String> {
    objects.iter().map(|o| summary(o).0).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lists_are_the_same_decoded_serially_or_in_parallel() {
    let (_server, client) = loaded_server().await;
    for limit in [None, Some(50u32)] {
        let mut options = ListOptions::default();
        if let Some(limit) = limit {
            options = options.limit(limit);
        }
        let expect = limit.map_or(120, |l| l as usize);
        let serial = lister(&client, 1)
            .list(&options)
            .await
            .expect("serial list");
        let parallel = lister(&client, 4)
            .list(&options)
            .await
            .expect("parallel list");
        assert_eq!(serial, parallel, "limit {limit:?}");
        assert_eq!(serial.items.len(), expect);
        let expected: Vec<String> = (0..expect).map(|i| format!("{NS}/cm-{i:03}")).collect();
        assert_eq!(names(&parallel.items), expected);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watch_list_initial_events_are_the_same_decoded_serially_or_in_parallel() {
    let (_server, client) = loaded_server().await;
    let options = ListOptions::default()
        .resource_version_match(ResourceVersionMatch::NotOlderThan)
        .send_initial_events(true)
        .bookmarks(true);
    let mut streams = Vec::new();
    for parallelism in [1, 4] {
        let mut stream = lister(&client, parallelism)
            .watch(&options)
            .await
            .expect("watch");
        let mut seen = Vec::new();
        // Everything up to the bookmark that closes the initial events.
        while let Some(event) = stream.next().await {
            match event.expect("event") {
                WatchEvent::Added(o) => seen.push(o),
                WatchEvent::Bookmark(_) => break,
                other => panic!("unexpected {other:?}"),
            }
        }
        streams.push(seen);
    }
    assert_eq!(streams[0].len(), 120);
    assert_eq!(streams[0], streams[1]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_taken_transform_runs_on_every_listed_and_watched_object() {
    let (_server, client) = loaded_server().await;
    let mark: kclient_cache::Transform<ConfigMap> = std::sync::Arc::new(|mut o: ConfigMap| {
        o.data = None;
        o.metadata
            .annotations
            .get_or_insert_with(Default::default)
            .insert("transformed".into(), "yes".into());
        o
    });
    let marked = |o: &ConfigMap| {
        o.data.is_none()
            && o.metadata
                .annotations
                .as_ref()
                .is_some_and(|a| a.get("transformed").map(String::as_str) == Some("yes"))
    };
    for parallelism in [1, 4] {
        let mut lw = lister(&client, parallelism);
        assert!(
            lw.apply_transform(&mark),
            "RestListerWatcher takes transforms"
        );
        let page = lw.list(&ListOptions::default()).await.expect("list");
        assert_eq!(page.items.len(), 120);
        assert!(page.items.iter().all(marked), "parallelism {parallelism}");

        let options = ListOptions::default()
            .resource_version_match(ResourceVersionMatch::NotOlderThan)
            .send_initial_events(true)
            .bookmarks(true);
        let mut stream = lw.watch(&options).await.expect("watch");
        let mut seen = 0;
        while let Some(event) = stream.next().await {
            match event.expect("event") {
                WatchEvent::Added(o) => {
                    assert!(marked(&o), "parallelism {parallelism}");
                    seen += 1;
                }
                WatchEvent::Bookmark(_) => break,
                other => panic!("unexpected {other:?}"),
            }
        }
        assert_eq!(seen, 120);
    }
}

/// Every page of a paginated list, through one lister-watcher (which prefetches the next).
async fn all_pages(
    lw: &RestListerWatcher<ConfigMap>,
    limit: u32,
) -> (Vec<String>, Vec<Option<String>>) {
    let mut options = ListOptions::default().limit(limit);
    let mut names = Vec::new();
    let mut tokens = Vec::new();
    loop {
        let page = lw.list(&options).await.expect("page");
        assert!(page.items.len() <= limit as usize);
        names.extend(page.items.iter().map(|o| summary(o).0));
        let token = page.continue_token().map(str::to_owned);
        tokens.push(token.clone());
        match token {
            Some(token) => options.continue_token = Some(token),
            None => return (names, tokens),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prefetched_pages_are_the_pages_asked_for() {
    let (_server, client) = loaded_server().await;
    let full: Vec<String> = names(
        &lister(&client, 1)
            .list(&ListOptions::default())
            .await
            .expect("full list")
            .items,
    );
    for parallelism in [1, 4] {
        let lw = lister(&client, parallelism);
        let (paged, tokens) = all_pages(&lw, 7).await;
        assert_eq!(paged, full, "parallelism {parallelism}");
        assert_eq!(tokens.len(), 120usize.div_ceil(7));
        // The same lister-watcher again, and then a different page size: a prefetched page
        // never answers a request it was not made for.
        assert_eq!(all_pages(&lw, 7).await, (paged.clone(), tokens));
        let first = lw
            .list(&ListOptions::default().limit(7))
            .await
            .expect("page");
        assert!(first.continue_token().is_some());
        let (other, _) = all_pages(&lw, 50).await;
        assert_eq!(other, full);
    }
}

/// A compact list (decoded on the batch threads) holds exactly the typed list's objects.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn compact_lists_decode_to_the_typed_objects() {
    use kclient_cache::Compact;
    let (_server, client) = loaded_server().await;
    let options = ListOptions::default().limit(70);
    let typed = lister(&client, 1).list(&options).await.expect("typed list");
    let compact = RestListerWatcher::<Compact<ConfigMap>>::compact(client.clone())
        .namespace(NS)
        .decode_parallelism(NonZeroUsize::new(4).expect("non-zero"))
        .list(&options)
        .await
        .expect("compact list");
    assert_eq!(compact.items.len(), 70);
    assert_eq!(compact.resource_version(), typed.resource_version());
    assert_eq!(compact.continue_token(), typed.continue_token());
    let decoded: Vec<ConfigMap> = compact
        .items
        .iter()
        .map(|c| c.decode().expect("decode"))
        .collect();
    assert_eq!(decoded, typed.items);
}
