//! A watcher the store cuts for falling behind: it gets the events it was sent and then
//! its stream ends, never a bookmark claiming resourceVersions it did not receive (the
//! way kube-apiserver's cacher closes a watcher whose buffer is full).

use std::sync::Arc;
use std::time::Duration;

use http::HeaderMap;
use http_body_util::BodyExt;
use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;

use super::super::write::Managed;
use super::super::{CreateOptions, Ctx, create_object};
use super::watch;
use crate::faults::{Faults, FaultsHandle};
use crate::query::Query;
use crate::registry::Registry;
use crate::requests::RequestLog;
use crate::router::{ResourceRequest, Verb};
use crate::state::State;
use crate::store::{Store, StoreConfig};

const BUFFER: usize = 2;

fn state() -> Arc<State> {
    Arc::new(State {
        store: Arc::new(Store::new(StoreConfig {
            history_size: 100,
            watcher_buffer: BUFFER,
        })),
        registry: Registry::without(&[]),
        faults: FaultsHandle::new(Faults::default()),
        requests: RequestLog::default(),
        tokens: crate::authn::Tokens::default(),
        anonymous_auth: true,
        bookmark_interval: Duration::from_secs(1),
        default_watch_timeout: Duration::from_secs(1800),
        address: "127.0.0.1:0".into(),
        aggregated_discovery: true,
        openapi_v2: false,
        shutdown: CancellationToken::new(),
        gc: crate::controllers::GarbageCollector::default(),
    })
}

fn create(state: &State, resource: &str, obj: Value) {
    let served = state.registry.lookup("", "v1", resource).unwrap();
    let options = CreateOptions {
        manager: "test",
        managed: Managed::Record,
        dry_run: false,
    };
    create_object(state, &served, obj, &options).unwrap();
}

/// Which branch of the stream's `select!` wins is random, so several rounds make sure
/// the bookmark timer firing with events queued (and the channel closed) is covered.
#[tokio::test(start_paused = true)]
async fn a_cut_watcher_ends_without_a_bookmark_past_what_it_missed() {
    for _ in 0..24 {
        let state = state();
        create(
            &state,
            "namespaces",
            json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "default"}}),
        );
        let from = state.store.current_rv();
        let ctx = Ctx {
            user: Arc::new(crate::authn::UserInfo::authenticated(
                "admin",
                "",
                &["system:masters".to_string()],
            )),
            state: state.clone(),
            served: state.registry.lookup("", "v1", "configmaps").unwrap(),
            req: ResourceRequest {
                group: String::new(),
                version: "v1".into(),
                namespace: Some("default".into()),
                resource: "configmaps".into(),
                name: None,
                subresource: None,
                verb: Verb::Watch,
                legacy_watch: false,
            },
            query: Query::parse(Some(&format!(
                "watch=true&allowWatchBookmarks=true&resourceVersion={from}"
            )))
            .unwrap(),
            headers: HeaderMap::new(),
        };
        let response = watch(&ctx).unwrap();
        // Nobody reads while five events arrive: the third overflows the buffer.
        for i in 0..5 {
            create(
                &state,
                "configmaps",
                json!({"apiVersion": "v1", "kind": "ConfigMap",
                    "metadata": {"name": format!("cm{i}"), "namespace": "default"}}),
            );
        }
        tokio::time::advance(Duration::from_secs(2)).await;
        let body = response.into_body().collect().await.unwrap().to_bytes();
        let events: Vec<Value> = body
            .split(|b| *b == b'\n')
            .filter(|l| !l.is_empty())
            .map(|l| serde_json::from_slice(l).unwrap())
            .collect();
        let types: Vec<&str> = events.iter().map(|e| e["type"].as_str().unwrap()).collect();
        assert_eq!(types, ["ADDED"; BUFFER], "{events:?}");
    }
}
