use std::collections::{BTreeMap, BTreeSet};

use k8s_openapi::api::core::v1::{ConfigMap, Namespace};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use proptest::prelude::*;

use super::*;

fn cm(ns: &str, name: &str, app: Option<&str>, rv: u32) -> Arc<ConfigMap> {
    Arc::new(ConfigMap {
        metadata: ObjectMeta {
            name: Some(name.to_owned()),
            namespace: Some(ns.to_owned()),
            resource_version: Some(rv.to_string()),
            labels: app.map(|a| [("app".to_owned(), a.to_owned())].into()),
            ..Default::default()
        },
        ..Default::default()
    })
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

fn names(objs: Vec<Arc<ConfigMap>>) -> Vec<String> {
    sorted(
        objs.iter()
            .map(|o| meta_namespace_key(&**o).unwrap())
            .collect(),
    )
}

#[test]
fn add_get_update_delete_share_objects() {
    let store = Indexer::new();
    let a = cm("ns1", "a", Some("web"), 1);
    store.add(a.clone()).unwrap();
    let got = store.get_by_key("ns1/a").unwrap();
    assert!(Arc::ptr_eq(&got, &a), "readers share the stored object");
    assert!(Arc::ptr_eq(&store.get(&a).unwrap().unwrap(), &a));
    store.update(cm("ns1", "a", Some("db"), 2)).unwrap();
    assert_eq!(
        store
            .get_by_key("ns1/a")
            .unwrap()
            .metadata
            .resource_version
            .as_deref(),
        Some("2")
    );
    assert_eq!(store.len(), 1);
    store.delete(&a).unwrap();
    assert!(store.is_empty());
    assert!(store.get_by_key("ns1/a").is_none());
    assert_eq!(store.delete_by_key("ns1/a"), None);
    assert_eq!(
        store.add(Arc::new(ConfigMap::default())),
        Err(KeyError::MissingName)
    );
}

#[test]
fn cluster_scoped_objects_are_keyed_by_name_and_indexed_under_empty_namespace() {
    let store = Indexer::<Namespace>::new();
    let ns = Namespace {
        metadata: ObjectMeta {
            name: Some("kube-system".into()),
            ..Default::default()
        },
        ..Default::default()
    };
    store.add(Arc::new(ns)).unwrap();
    assert!(store.get_by_key("kube-system").is_some());
    assert_eq!(
        store.index_keys(NAMESPACE_INDEX, "").unwrap(),
        ["kube-system"]
    );
}

#[test]
fn namespace_and_label_indices() {
    let store = Indexer::new();
    store
        .add_indexers([("app", label_index_func::<ConfigMap>("app"))])
        .unwrap();
    for (ns, n, app) in [
        ("ns1", "a", Some("web")),
        ("ns1", "b", Some("db")),
        ("ns2", "c", Some("web")),
        ("ns2", "d", None),
    ] {
        store.add(cm(ns, n, app, 1)).unwrap();
    }
    assert_eq!(
        names(store.by_index(NAMESPACE_INDEX, "ns1").unwrap()),
        ["ns1/a", "ns1/b"]
    );
    assert_eq!(
        names(store.by_index("app", "web").unwrap()),
        ["ns1/a", "ns2/c"]
    );
    assert_eq!(sorted(store.index_keys("app", "db").unwrap()), ["ns1/b"]);
    assert_eq!(
        sorted(store.list_index_func_values("app").unwrap()),
        ["db", "web"]
    );
    assert_eq!(
        names(store.index("app", &cm("x", "y", Some("web"), 1)).unwrap()),
        ["ns1/a", "ns2/c"]
    );
    // Moving an object between index values.
    store.update(cm("ns1", "a", Some("db"), 2)).unwrap();
    assert_eq!(names(store.by_index("app", "web").unwrap()), ["ns2/c"]);
    assert_eq!(
        names(store.by_index("app", "db").unwrap()),
        ["ns1/a", "ns1/b"]
    );
    // Values with no objects left disappear.
    store.delete_by_key("ns2/c");
    assert_eq!(sorted(store.list_index_func_values("app").unwrap()), ["db"]);
    assert!(store.by_index("app", "nope").unwrap().is_empty());

    assert_eq!(
        store.by_index("missing", "x").unwrap_err(),
        IndexError::UnknownIndex("missing".into())
    );
    assert!(store.list_index_func_values("missing").is_err());
    assert_eq!(
        store
            .add_indexers([("app", label_index_func::<ConfigMap>("app"))])
            .unwrap_err(),
        IndexError::IndexExists("app".into())
    );
}

#[test]
fn indexers_added_later_index_existing_objects_and_replace_rebuilds() {
    let store = Indexer::new();
    store.add(cm("ns1", "a", Some("web"), 1)).unwrap();
    store
        .add_indexers([("app", label_index_func::<ConfigMap>("app"))])
        .unwrap();
    assert_eq!(names(store.by_index("app", "web").unwrap()), ["ns1/a"]);
    store
        .replace(vec![
            cm("ns3", "z", Some("web"), 5),
            cm("ns3", "y", None, 5),
        ])
        .unwrap();
    assert_eq!(sorted(store.list_keys()), ["ns3/y", "ns3/z"]);
    assert_eq!(names(store.by_index("app", "web").unwrap()), ["ns3/z"]);
    assert!(store.by_index(NAMESPACE_INDEX, "ns1").unwrap().is_empty());
    // A bad item leaves the store untouched.
    assert!(store.replace(vec![Arc::new(ConfigMap::default())]).is_err());
    assert_eq!(store.len(), 2);
    let many_values: IndexFunc<ConfigMap> =
        Arc::new(|o: &ConfigMap| vec!["x".into(), o.metadata.name.clone().unwrap_or_default()]);
    store.add_indexers([("multi", many_values)]).unwrap();
    assert_eq!(
        names(store.index("multi", &cm("q", "z", None, 1)).unwrap()),
        ["ns3/y", "ns3/z"]
    );
}

#[test]
fn concurrent_readers_and_writers() {
    let store = Indexer::new();
    std::thread::scope(|s| {
        for t in 0..4 {
            let store = store.clone();
            s.spawn(move || {
                for i in 0..200 {
                    store
                        .add(cm(&format!("ns{t}"), &format!("o{i}"), Some("a"), i))
                        .unwrap();
                    let _ = store.by_index("namespace", "ns0").unwrap();
                }
            });
        }
    });
    assert_eq!(store.len(), 800);
    assert_eq!(store.index_keys(NAMESPACE_INDEX, "ns3").unwrap().len(), 200);
}

#[derive(Clone, Debug)]
enum Op {
    Add(u8, u8, Option<u8>),
    Delete(u8, u8),
    Replace(Vec<(u8, u8, Option<u8>)>),
}

fn op() -> impl Strategy<Value = Op> {
    let obj = (0..3u8, 0..6u8, proptest::option::of(0..3u8));
    prop_oneof![
        4 => obj.clone().prop_map(|(n, m, a)| Op::Add(n, m, a)),
        2 => (0..3u8, 0..6u8).prop_map(|(n, m)| Op::Delete(n, m)),
        1 => proptest::collection::vec(obj, 0..6).prop_map(Op::Replace),
    ]
}

proptest! {
    /// The indexer against a model: a map from key to (namespace, app label).
    #[test]
    fn indexer_matches_model(ops in proptest::collection::vec(op(), 0..60)) {
        let store = Indexer::new();
        store.add_indexers([("app", label_index_func::<ConfigMap>("app"))]).unwrap();
        let mut model: BTreeMap<String, (String, Option<String>)> = BTreeMap::new();
        let obj = |n: u8, m: u8, a: Option<u8>| {
            let ns = format!("ns{n}");
            let app = a.map(|a| format!("app{a}"));
            (cm(&ns, &format!("o{m}"), app.as_deref(), 1), format!("ns{n}/o{m}"), ns, app)
        };
        for op in ops {
            match op {
                Op::Add(n, m, a) => {
                    let (o, key, ns, app) = obj(n, m, a);
                    store.add(o).unwrap();
                    model.insert(key, (ns, app));
                }
                Op::Delete(n, m) => {
                    store.delete_by_key(&format!("ns{n}/o{m}"));
                    model.remove(&format!("ns{n}/o{m}"));
                }
                Op::Replace(items) => {
                    let mut objs = Vec::new();
                    model.clear();
                    for (n, m, a) in items {
                        let (o, key, ns, app) = obj(n, m, a);
                        objs.push(o);
                        model.insert(key, (ns, app));
                    }
                    store.replace(objs).unwrap();
                }
            }
            let keys: BTreeSet<String> = store.list_keys().into_iter().collect();
            prop_assert_eq!(&keys, &model.keys().cloned().collect::<BTreeSet<_>>());
            for n in 0..3 {
                let ns = format!("ns{n}");
                let want: BTreeSet<String> =
                    model.iter().filter(|(_, v)| v.0 == ns).map(|(k, _)| k.clone()).collect();
                let got: BTreeSet<String> =
                    store.index_keys(NAMESPACE_INDEX, &ns).unwrap().into_iter().collect();
                prop_assert_eq!(got, want);
            }
            let values: BTreeSet<String> =
                store.list_index_func_values("app").unwrap().into_iter().collect();
            let want_values: BTreeSet<String> =
                model.values().filter_map(|v| v.1.clone()).collect();
            prop_assert_eq!(values, want_values);
            for value in model.values().filter_map(|v| v.1.clone()) {
                let want: BTreeSet<String> = model
                    .iter()
                    .filter(|(_, v)| v.1.as_deref() == Some(value.as_str()))
                    .map(|(k, _)| k.clone())
                    .collect();
                let got: BTreeSet<String> =
                    store.index_keys("app", &value).unwrap().into_iter().collect();
                prop_assert_eq!(got, want);
            }
        }
    }
}
