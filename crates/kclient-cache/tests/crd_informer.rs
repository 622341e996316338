//! A CRD deleted under a running dynamic informer, and created again (an operator upgrade
//! does exactly that): by default the informer keeps retrying with backoff, says the
//! resource is not served meanwhile (status, health, callback; the cached client answers
//! 404), and lists and watches it again once it is back; a factory built to stop on it
//! stops visibly, with a cache that no longer claims to be synced.

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::{client, eventually, keys, serve_widgets, wait_served, widgets_crd, widgets_gvr};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use kclient_cache::{
    CachedClient, CachedClientError, HandlerFuncs, InformerId, InformerState, Phase, ServedChange,
    SharedInformerFactory,
};
use kclient_client::{ApiError, ClientSet, DynamicResource, Unstructured};
use kclient_core::resource::NamespaceScope;
use kclient_core::{CreateOptions, DeleteOptions, GroupVersionResource, LabelSelector, Resource};
use kclient_rest::RestClient;
use kclient_testserver::TestServer;
use serde::{Deserialize, Serialize};
use serde_json::json;

/// What the factory's served-change callback was told.
#[derive(Clone, Default)]
struct ServedLog(Arc<Mutex<Vec<(InformerId, ServedChange)>>>);

impl ServedLog {
    fn callback(&self) -> impl Fn(&InformerId, &ServedChange) + Send + Sync + 'static {
        let log = self.0.clone();
        move |id, change| log.lock().unwrap().push((id.clone(), change.clone()))
    }

    fn kinds(&self) -> Vec<&'static str> {
        self.0
            .lock()
            .unwrap()
            .iter()
            .map(|(id, change)| {
                assert_eq!(id.resource, widgets_gvr());
                match change {
                    ServedChange::NotServed(err) => {
                        assert!(err.is_not_found(), "{err}");
                        "not served"
                    }
                    ServedChange::Served => "served",
                    _ => "other",
                }
            })
            .collect()
    }
}

fn widget(name: &str) -> Unstructured {
    serde_json::from_value(json!({
        "apiVersion": "example.com/v1", "kind": "Widget",
        "metadata": {"name": name, "namespace": "default", "labels": {"color": "blue"}},
        "spec": {"size": 1}
    }))
    .unwrap()
}

/// A server with the widgets CRD served and one widget, `default/w1`.
async fn widgets_with_w1() -> (TestServer, RestClient, ClientSet, DynamicResource) {
    let server = TestServer::start().await.unwrap();
    let rc = client(&server);
    let cs = ClientSet::from_client(rc.clone());
    let widgets = serve_widgets(&cs).await;
    widgets
        .create(&widget("w1"), &CreateOptions::default())
        .await
        .unwrap();
    (server, rc, cs, widgets)
}

/// Creates the widgets CRD again and, once it is served, a widget `default/w2`.
async fn re_create_with_w2(cs: &ClientSet, widgets: &DynamicResource) {
    cs.apiextensions_v1()
        .custom_resource_definitions()
        .create(&widgets_crd(), &CreateOptions::default())
        .await
        .unwrap();
    wait_served(widgets).await;
    widgets
        .create(&widget("w2"), &CreateOptions::default())
        .await
        .unwrap();
}

#[tokio::test]
async fn opted_in_a_deleted_crd_stops_its_dynamic_informer_for_good() {
    let (_server, rc, cs, widgets) = widgets_with_w1().await;
    let crds = cs.apiextensions_v1().custom_resource_definitions();
    let gvr = widgets_gvr();

    let changes = ServedLog::default();
    let factory = SharedInformerFactory::builder(rc)
        .stop_when_not_served(true)
        .on_served_change(changes.callback())
        .build();
    let dynamic = factory.dynamic();
    let lister = dynamic.for_resource(&gvr).lister();
    let informer = dynamic.for_resource(&gvr).informer();
    // A typed informer next to it keeps running whatever happens to the CRD.
    let cms = factory.core_v1().config_maps().lister();
    dynamic.start().unwrap();
    assert!(dynamic.wait_for_cache_sync().await.all_synced());
    assert_eq!(
        keys(&lister.list(&LabelSelector::parse("color=blue").unwrap())),
        ["default/w1"]
    );

    crds.delete("widgets.example.com", &DeleteOptions::default())
        .await
        .unwrap();
    eventually("the widget informer to stop", || {
        factory
            .status(&gvr)
            .is_some_and(|s| s.state.error().is_some())
    })
    .await;

    let status = factory.status(&gvr).unwrap();
    assert!(!status.state.is_running(), "{status:?}");
    let err = status.state.error().unwrap();
    let kclient_cache::InformerError::Reflector(reflector_err) = err.as_ref() else {
        panic!("unexpected stop reason: {err}");
    };
    assert!(reflector_err.is_not_found(), "{reflector_err}");
    let health = status.health.clone().expect("health");
    assert_eq!(health.phase, Phase::Stopped);
    assert!(health.last_error.unwrap().is_not_found());
    assert!(
        lister.list(&LabelSelector::everything()).is_empty(),
        "the deletes arrived first"
    );
    assert!(informer.health().unwrap().borrow().phase == Phase::Stopped);
    // Stopped, and saying so: no claim of a synced cache, and the callback was told.
    assert!(!status.synced && !informer.has_synced(), "{status:?}");
    assert!(health.not_served);
    assert_eq!(changes.kinds(), ["not served"]);

    // Not restarted, not retried: the request counts stay put.
    let (lists, watches) = (status.lists, status.watches);
    assert_eq!(factory.start().unwrap(), 0);
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let later = factory.status(&gvr).unwrap();
    assert!(later.state.error().is_some());
    assert_eq!((later.lists, later.watches), (lists, watches));
    let cm_gvr = GroupVersionResource::gvr("", "v1", "configmaps");
    assert!(factory.status(&cm_gvr).unwrap().state.is_running());
    assert!(cms.list(&LabelSelector::everything()).is_empty());

    // Once forgotten, a re-created CRD gets a fresh informer.
    let forgotten = factory.forget_stopped();
    assert_eq!(forgotten.len(), 1);
    assert_eq!(forgotten[0].resource, gvr);
    re_create_with_w2(&cs, &widgets).await;
    let fresh = dynamic.for_resource(&gvr).lister();
    assert_eq!(dynamic.start().unwrap(), 1);
    assert!(dynamic.wait_for_cache_sync().await.all_synced());
    assert_eq!(
        keys(&fresh.list(&LabelSelector::everything())),
        ["default/w2"]
    );
    dynamic.shutdown().await;
}

#[tokio::test]
async fn a_dynamic_informer_lists_and_watches_its_crd_again_once_re_created() {
    let (_server, rc, cs, widgets) = widgets_with_w1().await;
    let crds = cs.apiextensions_v1().custom_resource_definitions();
    let gvr = widgets_gvr();

    let changes = ServedLog::default();
    let factory = SharedInformerFactory::builder(rc)
        .namespace("default")
        .on_served_change(changes.callback())
        .build();
    let dynamic = factory.dynamic();
    let informer = dynamic.for_resource(&gvr).informer();
    let lister = dynamic.for_resource(&gvr).lister();
    let events = Arc::new(Mutex::new(Vec::<String>::new()));
    let (a, d) = (events.clone(), events.clone());
    informer
        .add_event_handler(
            HandlerFuncs::new()
                .on_add(move |o: &Arc<Unstructured>, _| {
                    a.lock().unwrap().push(format!("add {}", o.name().unwrap()));
                })
                .on_delete(move |o| {
                    let name = o.object().name().unwrap_or_default().to_owned();
                    d.lock().unwrap().push(format!("delete {name}"));
                }),
        )
        .unwrap();
    dynamic.start().unwrap();
    assert!(dynamic.wait_for_cache_sync().await.all_synced());
    assert_eq!(
        keys(&lister.list(&LabelSelector::everything())),
        ["default/w1"]
    );

    crds.delete("widgets.example.com", &DeleteOptions::default())
        .await
        .unwrap();
    eventually("the widget informer to see its resource go", || {
        factory
            .status(&gvr)
            .is_some_and(|s| s.state.is_not_served())
    })
    .await;
    let status = factory.status(&gvr).unwrap();
    let InformerState::NotServed(err) = &status.state else {
        panic!("{status:?}");
    };
    assert!(err.is_not_found(), "{err}");
    assert!(status.state.is_running() && status.state.error().is_none());
    let health = status.health.clone().expect("health");
    assert!(health.not_served && !health.is_healthy(), "{health:?}");
    assert_ne!(health.phase, Phase::Stopped);
    // client-go's HasSynced: the initial state was delivered, and the informer still
    // follows the server (the deletes the server sent are in the cache).
    assert!(status.synced && informer.has_synced());
    assert!(lister.list(&LabelSelector::everything()).is_empty());
    assert_eq!(changes.kinds(), ["not served"]);

    re_create_with_w2(&cs, &widgets).await;
    eventually("the re-created widgets in the cache", || {
        keys(&lister.list(&LabelSelector::everything())) == ["default/w2"]
    })
    .await;
    eventually("the informer to run normally again", || {
        factory
            .status(&gvr)
            .is_some_and(|s| matches!(s.state, InformerState::Running))
    })
    .await;
    let status = factory.status(&gvr).unwrap();
    let health = status.health.clone().expect("health");
    assert!(!health.not_served && health.is_healthy(), "{health:?}");
    assert!(status.synced && health.lists >= 2, "{status:?}");
    assert_eq!(changes.kinds(), ["not served", "served"]);
    eventually("handlers told of the whole story", || {
        *events.lock().unwrap() == ["add w1", "delete w1", "add w2"]
    })
    .await;
    dynamic.shutdown().await;
}

/// A hand-written custom resource type over the same CRD, for the cached client.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Widget {
    #[serde(default)]
    api_version: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    metadata: ObjectMeta,
}

impl Resource for Widget {
    const GROUP: &'static str = "example.com";
    const VERSION: &'static str = "v1";
    const KIND: &'static str = "Widget";
    const PLURAL: &'static str = "widgets";
    const API_VERSION: &'static str = "example.com/v1";
    type Scope = NamespaceScope;

    fn meta(&self) -> &ObjectMeta {
        &self.metadata
    }

    fn meta_mut(&mut self) -> &mut ObjectMeta {
        &mut self.metadata
    }
}

fn unavailable_404(result: Result<Arc<Widget>, CachedClientError>) {
    let err = result.unwrap_err();
    assert!(
        matches!(err, CachedClientError::CacheUnavailable { .. }) && err.is_not_found(),
        "{err:?}"
    );
}

/// The cached client reads a custom resource's cache only while it is served: before its
/// CRD exists and after it is deleted, a read answers the server's 404 at once instead of
/// waiting for a sync or serving what the cache held; once the CRD is back, reads work.
#[tokio::test]
async fn cached_reads_of_a_custom_resource_answer_404_while_it_is_not_served() {
    let server = TestServer::start().await.unwrap();
    let rc = client(&server);
    let cs = ClientSet::from_client(rc.clone());
    let crds = cs.apiextensions_v1().custom_resource_definitions();
    let cached = CachedClient::new(rc);

    unavailable_404(cached.get::<Widget>("default", "w1").await);
    let widgets = serve_widgets(&cs).await;
    widgets
        .create(&widget("w1"), &CreateOptions::default())
        .await
        .unwrap();
    let mut found = None;
    for _ in 0..600 {
        if let Ok(w) = cached.get::<Widget>("default", "w1").await {
            found = Some(w);
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let w1 = found.expect("the widget is read from the cache once its CRD is served");
    assert_eq!(w1.metadata.name.as_deref(), Some("w1"));

    crds.delete("widgets.example.com", &DeleteOptions::default())
        .await
        .unwrap();
    let factory = cached.factory().clone();
    eventually("the informer to see its resource go", || {
        factory
            .status(&widgets_gvr())
            .is_some_and(|s| s.state.is_not_served())
    })
    .await;
    unavailable_404(cached.get::<Widget>("default", "w1").await);
    factory.shutdown().await;
}
