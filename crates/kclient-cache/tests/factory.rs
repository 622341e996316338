//! SharedInformerFactory against kclient-testserver: one informer (one list/watch) per
//! resource however many ask, typed and dynamic; listers by namespace and selector; factory
//! namespace and tweak options (a CRD deleted under a running informer: `crd_informer.rs`).

mod common;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use common::{client, eventually, keys};
use k8s_openapi::api::core::v1::{ConfigMap, Namespace};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use kclient_cache::{HandlerFuncs, InformerState, SharedInformerFactory, meta_namespace_key};
use kclient_client::ClientSet;
use kclient_core::{CreateOptions, DeleteOptions, GroupVersionResource, LabelSelector};
use kclient_testserver::TestServer;

fn meta(ns: &str, name: &str, labels: &[(&str, &str)]) -> ObjectMeta {
    ObjectMeta {
        name: Some(name.to_owned()),
        namespace: Some(ns.to_owned()).filter(|n| !n.is_empty()),
        labels: Some(
            labels
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect::<BTreeMap<_, _>>(),
        ),
        ..Default::default()
    }
}

async fn namespace(cs: &ClientSet, name: &str) {
    let ns = Namespace {
        metadata: meta("", name, &[]),
        ..Default::default()
    };
    cs.core_v1()
        .namespaces()
        .create(&ns, &CreateOptions::default())
        .await
        .expect("namespace");
}

async fn config_map(cs: &ClientSet, ns: &str, name: &str, labels: &[(&str, &str)]) {
    let cm = ConfigMap {
        metadata: meta(ns, name, labels),
        ..Default::default()
    };
    cs.core_v1()
        .config_maps(ns)
        .create(&cm, &CreateOptions::default())
        .await
        .expect("configmap");
}

#[tokio::test]
async fn one_informer_and_one_list_watch_per_resource() {
    let server = TestServer::start().await.unwrap();
    let rc = client(&server);
    let cs = ClientSet::from_client(rc.clone());
    config_map(&cs, "default", "a", &[("app", "web")]).await;

    let factory = SharedInformerFactory::new(rc);
    let dynamic = factory.dynamic();
    let cm_gvr = GroupVersionResource::gvr("", "v1", "configmaps");
    // Five typed and three dynamic requests for the same resource.
    let informers = [
        factory.core_v1().config_maps().informer(),
        factory.core_v1().config_maps().informer(),
        factory.resource::<ConfigMap>().informer(),
    ];
    let typed_lister = factory.core_v1().config_maps().lister();
    let typed_lister2 = factory.resource::<ConfigMap>().lister();
    let dyn_lister = dynamic.for_resource(&cm_gvr).lister();
    let dyn_informer = dynamic.for_resource(&cm_gvr).informer();
    let dyn_lister2 = dynamic.for_resource(&cm_gvr).lister();

    let adds = Arc::new(AtomicUsize::new(0));
    for informer in &informers {
        let adds = adds.clone();
        informer
            .add_event_handler(HandlerFuncs::new().on_add(move |_, _| {
                adds.fetch_add(1, Ordering::SeqCst);
            }))
            .unwrap();
    }

    assert_eq!(
        factory.start().unwrap(),
        2,
        "one typed and one dynamic informer"
    );
    assert_eq!(
        factory.start().unwrap(),
        0,
        "started informers are not started again"
    );
    let synced = factory.wait_for_cache_sync().await;
    assert_eq!(synced.len(), 2);
    assert!(synced.all_synced(), "{synced:?}");
    assert_eq!(synced.get(&cm_gvr), Some(true));
    assert!(dyn_informer.has_synced());

    // Every handle reads the same cache: the very same Arc.
    let a1 = typed_lister.config_maps("default").get("a").unwrap();
    let a2 = typed_lister2.namespace("default").get("a").unwrap();
    assert!(Arc::ptr_eq(&a1, &a2));
    assert!(Arc::ptr_eq(
        &a1,
        &informers[0].indexer().get_by_key("default/a").unwrap()
    ));
    let u1 = dyn_lister.namespace("default").get("a").unwrap();
    let u2 = dyn_lister2.namespace("default").get("a").unwrap();
    assert!(Arc::ptr_eq(&u1, &u2));

    config_map(&cs, "default", "b", &[]).await;
    eventually("b in both caches", || {
        typed_lister.list(&LabelSelector::everything()).len() == 2
            && dyn_lister.list(&LabelSelector::everything()).len() == 2
    })
    .await;
    eventually("three handlers told of two objects", || {
        adds.load(Ordering::SeqCst) == 6
    })
    .await;

    // The server saw one initial read and one watch per informer.
    let statuses = factory.statuses();
    assert_eq!(statuses.len(), 2, "{statuses:?}");
    for s in &statuses {
        assert_eq!(s.id.resource, cm_gvr);
        assert!(s.state.is_running(), "{s:?}");
        assert!(s.synced);
        assert_eq!(
            s.lists + s.watches,
            1,
            "one watch-list request serves list and watch: {s:?}"
        );
    }

    // Asked for after start: registered but idle until the next start.
    let secrets = factory.core_v1().secrets().lister();
    let secret_gvr = GroupVersionResource::gvr("", "v1", "secrets");
    assert!(matches!(
        factory.status(&secret_gvr).unwrap().state,
        InformerState::NotStarted
    ));
    assert_eq!(factory.start().unwrap(), 1);
    assert!(factory.wait_for_cache_sync().await.all_synced());
    assert!(secrets.list(&LabelSelector::everything()).is_empty());

    factory.shutdown().await;
    for s in factory.statuses() {
        assert!(matches!(s.state, InformerState::ShutDown), "{s:?}");
    }
    assert!(
        factory.start().is_err(),
        "a shut-down factory starts nothing"
    );
    drop(server);
}

#[tokio::test]
async fn listers_by_namespace_selector_and_factory_options() {
    let server = TestServer::start().await.unwrap();
    let rc = client(&server);
    let cs = ClientSet::from_client(rc.clone());
    for ns in ["team-a", "team-b"] {
        namespace(&cs, ns).await;
        config_map(&cs, ns, "web", &[("tier", "web"), ("app", "shop")]).await;
        config_map(&cs, ns, "db", &[("tier", "db"), ("app", "shop")]).await;
        config_map(&cs, ns, "misc", &[]).await;
    }

    let all = SharedInformerFactory::new(rc.clone());
    let lister = all.core_v1().config_maps().lister();
    let namespaces = all.core_v1().namespaces().lister();
    // Only team-a, only tier in (web, db), resynced every minute.
    let scoped = SharedInformerFactory::builder(rc.clone())
        .namespace("team-a")
        .tweak_list_options(|o| o.label_selector = Some("tier in (web,db)".into()))
        .default_resync(Duration::from_secs(60))
        .build();
    let scoped_lister = scoped.core_v1().config_maps().lister();
    all.start().unwrap();
    scoped.start().unwrap();
    assert!(all.wait_for_cache_sync().await.all_synced());
    assert!(scoped.wait_for_cache_sync().await.all_synced());

    let sel = |s: &str| LabelSelector::parse(s).unwrap();
    assert_eq!(
        keys(&lister.list(&sel("tier=web"))),
        ["team-a/web", "team-b/web"]
    );
    assert_eq!(
        keys(
            &lister
                .config_maps("team-b")
                .list(&sel("app=shop,tier!=web"))
        ),
        ["team-b/db"]
    );
    assert_eq!(
        keys(
            &lister
                .namespace("team-a")
                .list(&LabelSelector::everything())
        ),
        ["team-a/db", "team-a/misc", "team-a/web"]
    );
    assert_eq!(
        keys(&lister.namespace("team-a").list(&sel("!tier"))),
        ["team-a/misc"]
    );
    assert!(
        lister
            .namespace("team-c")
            .list(&LabelSelector::everything())
            .is_empty()
    );
    assert!(lister.config_maps("team-a").get("web").is_some());
    assert!(lister.config_maps("team-a").get("nope").is_none());
    assert!(
        namespaces.get("team-a").is_some(),
        "cluster-scoped get by name"
    );

    assert_eq!(
        keys(&scoped_lister.list(&LabelSelector::everything())),
        ["team-a/db", "team-a/web"]
    );
    assert!(scoped_lister.namespace("team-b").get("web").is_none());

    // Changes reach both; the scoped one only within its namespace and selector.
    config_map(&cs, "team-a", "api", &[("tier", "web")]).await;
    config_map(&cs, "team-b", "api", &[("tier", "web")]).await;
    config_map(&cs, "team-a", "cache", &[("tier", "cache")]).await;
    eventually("new objects cached", || {
        lister.list(&sel("tier=web")).len() == 4
            && scoped_lister.list(&LabelSelector::everything()).len() == 3
    })
    .await;
    assert_eq!(
        keys(&scoped_lister.list(&sel("tier=web"))),
        ["team-a/api", "team-a/web"]
    );
    all.shutdown().await;
    scoped.shutdown().await;
}

#[tokio::test]
async fn dropping_the_factory_stops_its_informers() {
    let server = TestServer::start().await.unwrap();
    let factory = SharedInformerFactory::new(client(&server));
    let informer = factory.core_v1().secrets().informer();
    factory.start().unwrap();
    assert!(factory.wait_for_cache_sync().await.all_synced());
    let mut health = informer.health().expect("running");
    drop(factory);
    // The reflector owns the health sender: the channel closes once its task is gone.
    let closed = tokio::time::timeout(Duration::from_secs(10), async {
        while health.changed().await.is_ok() {}
    })
    .await;
    assert!(
        closed.is_ok(),
        "the informer kept running after the factory was dropped"
    );
}

#[tokio::test]
async fn shutdown_before_sync_reports_unsynced_instead_of_hanging() {
    let server = TestServer::start().await.unwrap();
    // The informer's reads never succeed, so it never syncs.
    server.faults().fail_path_prefix("/api/v1/configmaps", 503);
    let factory = SharedInformerFactory::new(client(&server));
    let informer = factory.core_v1().config_maps().informer();
    factory.start().unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(!informer.has_synced());
    factory.shutdown().await;
    let results = tokio::time::timeout(Duration::from_secs(10), factory.wait_for_cache_sync())
        .await
        .expect("wait_for_cache_sync must not hang on a shut-down informer");
    assert_eq!(results.len(), 1);
    assert!(!results.all_synced());
    let cm_gvr = GroupVersionResource::gvr("", "v1", "configmaps");
    assert_eq!(results.get(&cm_gvr), Some(false));
    assert!(matches!(
        factory.status(&cm_gvr).unwrap().state,
        InformerState::ShutDown
    ));
}

#[tokio::test]
async fn custom_resync_overrides_the_default_for_one_type_only() {
    use k8s_openapi::api::core::v1::Secret;
    let server = TestServer::start().await.unwrap();
    let rc = client(&server);
    let cs = ClientSet::from_client(rc.clone());
    namespace(&cs, "team-a").await;
    config_map(&cs, "team-a", "web", &[]).await;
    cs.core_v1()
        .secrets("team-a")
        .create(
            &Secret {
                metadata: meta("team-a", "token", &[]),
                ..Secret::default()
            },
            &CreateOptions::default(),
        )
        .await
        .unwrap();
    // ConfigMaps resync every second; Secrets would every hour, but their custom period of
    // zero turns resync off for them.
    let factory = SharedInformerFactory::builder(rc)
        .default_resync(Duration::from_secs(3600))
        .custom_resync::<ConfigMap>(Duration::from_secs(1))
        .custom_resync::<Secret>(Duration::ZERO)
        .build();
    fn updates<K: kclient_core::Resource>(
        informer: &kclient_cache::FactoryInformer<K>,
    ) -> Arc<AtomicUsize> {
        let count = Arc::new(AtomicUsize::new(0));
        let seen = count.clone();
        informer
            .add_event_handler(HandlerFuncs::new().on_update(move |_, _| {
                seen.fetch_add(1, Ordering::SeqCst);
            }))
            .unwrap();
        count
    }
    let config_maps = updates(&factory.core_v1().config_maps().informer());
    let secrets = updates(&factory.core_v1().secrets().informer());
    factory.start().unwrap();
    assert!(factory.wait_for_cache_sync().await.all_synced());
    eventually("two ConfigMap resyncs", || {
        config_maps.load(Ordering::SeqCst) >= 2
    })
    .await;
    assert_eq!(secrets.load(Ordering::SeqCst), 0, "Secrets never resync");
    factory.shutdown().await;
}

#[tokio::test]
async fn compact_informers_keep_json_and_decode_on_read() {
    use kclient_cache::{Compact, Indexer, Reflector, ReflectorConfig, RestListerWatcher};
    use std::sync::Mutex;

    let server = TestServer::start().await.unwrap();
    let rc = client(&server);
    let cs = ClientSet::from_client(rc.clone());
    namespace(&cs, "shop").await;
    for (name, app) in [("a", "web"), ("b", "web"), ("c", "db")] {
        let mut cm = ConfigMap {
            metadata: meta("shop", name, &[("app", app)]),
            ..Default::default()
        };
        cm.data = Some(BTreeMap::from([("k".to_owned(), format!("{name}-1"))]));
        cs.core_v1()
            .config_maps("shop")
            .create(&cm, &CreateOptions::default())
            .await
            .unwrap();
    }

    let factory = SharedInformerFactory::new(rc.clone());
    let compact = factory.compact::<ConfigMap>();
    let typed = factory.core_v1().config_maps().lister();
    let events = Arc::new(Mutex::new(Vec::<String>::new()));
    let log = |what: &'static str, events: &Arc<Mutex<Vec<String>>>| {
        let events = events.clone();
        move |obj: &Compact<ConfigMap>| {
            let data = obj.decode().unwrap().data.unwrap_or_default();
            let line = format!("{what} {}", meta_namespace_key(obj).unwrap());
            events.lock().unwrap().push(format!("{line} {}", data["k"]));
        }
    };
    let (add, update, delete) = (
        log("ADD", &events),
        log("UPDATE", &events),
        log("DELETE", &events),
    );
    compact
        .informer()
        .add_event_handler(
            HandlerFuncs::new()
                .on_add(move |o, _| add(o))
                .on_update(move |_, n| update(n))
                .on_delete(move |d| delete(d.object())),
        )
        .unwrap();
    assert_eq!(
        factory.start().unwrap(),
        2,
        "the compact informer is its own"
    );
    assert!(factory.wait_for_cache_sync().await.all_synced());

    let lister = compact.lister();
    let web = lister.list(&LabelSelector::parse("app=web").unwrap());
    assert_eq!(keys(&web), ["shop/a", "shop/b"]);
    let a = lister.namespace("shop").get("a").unwrap();
    assert!(a.meta().managed_fields.is_none());
    let full = a.decode().unwrap();
    assert_eq!(&full, typed.config_maps("shop").get("a").unwrap().as_ref());
    assert!(
        full.metadata.managed_fields.is_some(),
        "managedFields are kept in the JSON"
    );

    let mut b = (*typed.config_maps("shop").get("b").unwrap()).clone();
    b.data = Some(BTreeMap::from([("k".to_owned(), "b-2".to_owned())]));
    cs.core_v1()
        .config_maps("shop")
        .update(&b, &Default::default())
        .await
        .unwrap();
    cs.core_v1()
        .config_maps("shop")
        .delete("c", &DeleteOptions::default())
        .await
        .unwrap();
    eventually("the update and the delete", || {
        events.lock().unwrap().len() == 5
    })
    .await;
    let mut seen = events.lock().unwrap().clone();
    seen[..3].sort();
    assert_eq!(
        seen,
        [
            "ADD shop/a a-1",
            "ADD shop/b b-1",
            "ADD shop/c c-1",
            "UPDATE shop/b b-2",
            "DELETE shop/c c-1"
        ]
    );
    let b = lister.namespace("shop").get("b").unwrap().decode().unwrap();
    assert_eq!(b.data.unwrap()["k"], "b-2");
    factory.shutdown().await;

    // Paged list+watch, the path that cuts list bodies into items, gives the same objects.
    let store = Indexer::<Compact<ConfigMap>>::new();
    let config = ReflectorConfig {
        page_size: 1,
        use_watch_list: false,
        ..ReflectorConfig::for_type::<Compact<ConfigMap>>()
    };
    let reflector = Reflector::with_config(
        RestListerWatcher::<Compact<ConfigMap>>::compact(rc).namespace("shop"),
        store.clone(),
        config,
    );
    let mut health = reflector.health();
    let run = tokio::spawn(reflector.run());
    health.wait_for(|h| h.synced).await.unwrap();
    assert_eq!(keys(&store.list()), ["shop/a", "shop/b"]);
    // The same object, though not the same text: kube-apiserver sends list items without
    // `kind`/`apiVersion` and watch events with them (see `Compact::json`).
    let listed = store.get_by_key("shop/b").unwrap();
    let watched = lister.namespace("shop").get("b").unwrap();
    assert_eq!(listed.decode().unwrap(), watched.decode().unwrap());
    assert_eq!(listed.meta(), watched.meta());
    let without_type_meta = |json: &str| {
        let mut v: serde_json::Value = serde_json::from_str(json).unwrap();
        let m = v.as_object_mut().unwrap();
        m.remove("kind");
        m.remove("apiVersion");
        v
    };
    assert_eq!(
        without_type_meta(&listed.json().unwrap()),
        without_type_meta(&watched.json().unwrap())
    );
    run.abort();
}
