//! The pager: more objects than one page holds, page streams, and the full-list fallback
//! when a continue token expires mid-way (410 Expired after history compaction).

mod common;

use common::start;
use futures::StreamExt;
use k8s_openapi::api::core::v1::ConfigMap;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use kclient_client::Api;
use kclient_client::ApiError;
use kclient_core::{CreateOptions, ListOptions};

async fn fill(api: &Api<ConfigMap>, n: usize) {
    for i in 0..n {
        let cm = ConfigMap {
            metadata: ObjectMeta {
                name: Some(format!("cm-{i:03}")),
                ..ObjectMeta::default()
            },
            ..ConfigMap::default()
        };
        api.create(&cm, &CreateOptions::default()).await.unwrap();
    }
}

fn names(list: &kclient_client::ObjectList<ConfigMap>) -> Vec<String> {
    list.iter()
        .filter_map(|c| c.metadata.name.clone())
        .collect()
}

#[tokio::test]
async fn pages_follow_continue_tokens() {
    let (_server, cs) = start().await;
    let cms = cs.core_v1().config_maps("default");
    fill(&cms, 23).await;

    let pages: Vec<_> = cms
        .pager()
        .page_size(5)
        .pages(&ListOptions::default())
        .collect()
        .await;
    let sizes: Vec<usize> = pages
        .iter()
        .map(|p| p.as_ref().unwrap().list.items.len())
        .collect();
    assert_eq!(sizes, vec![5, 5, 5, 5, 3]);
    assert!(pages.iter().all(|p| !p.as_ref().unwrap().restarted));

    let all = cms
        .pager()
        .page_size(5)
        .list(&ListOptions::default())
        .await
        .unwrap();
    let got = names(&all);
    let want: Vec<String> = (0..23).map(|i| format!("cm-{i:03}")).collect();
    assert_eq!(got, want);
    assert_eq!(all.continue_token(), None);
    assert!(all.resource_version().is_some());

    // An explicit limit in the options wins over the page size.
    let first = cms
        .pager()
        .page_size(5)
        .pages(&ListOptions::default().limit(20))
        .next()
        .await
        .unwrap()
        .unwrap();
    assert_eq!(first.list.items.len(), 20);

    // list_all uses the default page size: one page here, still everything.
    assert_eq!(
        names(&cms.list_all(&ListOptions::default()).await.unwrap()),
        want
    );

    // Selectors apply to every page.
    let filtered = cms
        .pager()
        .page_size(2)
        .list(&ListOptions::default().fields("metadata.name!=cm-000"))
        .await
        .unwrap();
    assert_eq!(filtered.items.len(), 22);
}

#[tokio::test]
async fn expired_continue_falls_back_to_a_full_list() {
    let (server, cs) = start().await;
    let cms = cs.core_v1().config_maps("default");
    fill(&cms, 12).await;

    let mut pages = cms.pager().page_size(5).pages(&ListOptions::default());
    let first = pages.next().await.unwrap().unwrap();
    assert_eq!(first.list.items.len(), 5);
    assert!(!first.restarted);
    // The snapshot the continue token points into is compacted away...
    cms.create(
        &ConfigMap {
            metadata: ObjectMeta {
                name: Some("late".to_owned()),
                ..ObjectMeta::default()
            },
            ..ConfigMap::default()
        },
        &CreateOptions::default(),
    )
    .await
    .unwrap();
    server.faults().compact_history();
    // ... so the next page is a full, fresh list that replaces what came before.
    let second = pages.next().await.unwrap().unwrap();
    assert!(second.restarted);
    assert_eq!(second.list.items.len(), 13);
    assert!(pages.next().await.is_none());

    // Without the fallback the 410 reaches the caller.
    let mut strict = cms
        .pager()
        .page_size(5)
        .full_list_if_expired(false)
        .pages(&ListOptions::default());
    strict.next().await.unwrap().unwrap();
    cms.delete("late", &kclient_core::DeleteOptions::default())
        .await
        .unwrap();
    server.faults().compact_history();
    let err = strict.next().await.unwrap().unwrap_err();
    assert!(err.is_resource_expired() && err.is_gone(), "{err}");
    assert!(strict.next().await.is_none());

    // `list` merges the fallback correctly too: no duplicates.
    let all = cms
        .pager()
        .page_size(5)
        .list(&ListOptions::default())
        .await
        .unwrap();
    assert_eq!(all.items.len(), 12);
}

#[tokio::test]
async fn prefetching_yields_the_same_pages() {
    let (_server, cs) = start().await;
    let cms = cs.core_v1().config_maps("default");
    fill(&cms, 17).await;
    let plain: Vec<Vec<String>> = cms
        .pager()
        .page_size(4)
        .pages(&ListOptions::default())
        .map(|p| names(&p.unwrap().list))
        .collect()
        .await;
    let ahead = cms.pager().page_size(4).prefetch(true);
    let prefetched: Vec<Vec<String>> = ahead
        .pages(&ListOptions::default())
        .map(|p| names(&p.unwrap().list))
        .collect()
        .await;
    assert_eq!(plain, prefetched);
    assert_eq!(plain.len(), 5);
    assert_eq!(
        ahead
            .list(&ListOptions::default())
            .await
            .unwrap()
            .items
            .len(),
        17
    );

    // Dropping the stream with a page in flight cancels it; the client stays usable.
    let mut pages = ahead.pages(&ListOptions::default());
    pages.next().await.unwrap().unwrap();
    drop(pages);
    assert_eq!(
        cms.list(&ListOptions::default()).await.unwrap().items.len(),
        17
    );
}
