use super::*;
use crate::resource::NamespaceScope;
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::autoscaling::v1::Scale;
use k8s_openapi::api::core::v1::{ConfigMap, Pod};
use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use k8s_openapi::kube_aggregator::pkg::apis::apiregistration::v1::APIService;
use serde::Serialize;

const POD_JSON: &str = include_str!("../../testdata/pod-13kb.json");

/// A hand-written custom resource, as users of the library would define one.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
struct Widget {
    metadata: ObjectMeta,
    #[serde(default)]
    spec: Value,
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

/// A different type claiming Pod's kind.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
struct FakePod {
    metadata: ObjectMeta,
}

impl Resource for FakePod {
    const GROUP: &'static str = "";
    const VERSION: &'static str = "v1";
    const KIND: &'static str = "Pod";
    const PLURAL: &'static str = "pods";
    const API_VERSION: &'static str = "v1";
    type Scope = NamespaceScope;

    fn meta(&self) -> &ObjectMeta {
        &self.metadata
    }

    fn meta_mut(&mut self) -> &mut ObjectMeta {
        &mut self.metadata
    }
}

#[test]
fn builtins_register_every_table_entry_under_a_distinct_kind() {
    let scheme = Scheme::with_builtins();
    assert_eq!(scheme.len(), builtins::TYPE_NAMES.len());
    assert!(scheme.len() >= 90, "{}", scheme.len());
    for gvk in [
        Pod::gvk(),
        Deployment::gvk(),
        CustomResourceDefinition::gvk(),
        APIService::gvk(),
        Scale::gvk(),
        GroupVersionKind::gvk("rbac.authorization.k8s.io", "v1", "ClusterRole"),
        GroupVersionKind::gvk("events.k8s.io", "v1", "Event"),
        GroupVersionKind::gvk("", "v1", "Event"),
        GroupVersionKind::gvk("resource.k8s.io", "v1beta2", "ResourceClaim"),
    ] {
        assert!(scheme.recognizes(&gvk), "{gvk}");
    }
    assert!(!scheme.recognizes(&GroupVersionKind::gvk("", "v1", "PodList")));
    assert!(!scheme.recognizes(&Widget::gvk()));
    assert_eq!(scheme.gvk_of::<Pod>(), Some(Pod::gvk()));
    assert_eq!(scheme.gvk_of::<Unstructured>(), None);
    assert_eq!(
        scheme.type_name(&Pod::gvk()),
        Some(std::any::type_name::<Pod>())
    );
    assert!(Scheme::new().is_empty());
    assert_eq!(Scheme::builtin().len(), scheme.len());
}

#[test]
fn every_builtin_kind_constructs_encodes_and_decodes() {
    let scheme = Scheme::builtin();
    for gvk in scheme.known_kinds() {
        let obj = scheme.new_object(gvk).unwrap();
        assert_eq!(&obj.gvk(), gvk);
        let u = obj.to_unstructured().unwrap();
        assert_eq!(&u.gvk().unwrap(), gvk);
        let (decoded_gvk, decoded) = scheme.decode(&obj.to_json().unwrap()).unwrap();
        assert_eq!(&decoded_gvk, gvk);
        assert_eq!(&decoded.gvk(), gvk);
        assert_eq!(&scheme.convert_unstructured(&u).unwrap().gvk(), gvk);
    }
}

#[test]
fn known_kinds_are_sorted_and_grouped() {
    let scheme = Scheme::builtin();
    let kinds: Vec<_> = scheme.known_kinds().cloned().collect();
    let mut sorted = kinds.clone();
    sorted.sort();
    assert_eq!(kinds, sorted);
    let apps = GroupVersion::new("apps", "v1");
    let names: Vec<_> = scheme
        .kinds_for_group_version(&apps)
        .map(|gvk| gvk.kind.as_str())
        .collect();
    assert_eq!(
        names,
        [
            "ControllerRevision",
            "DaemonSet",
            "Deployment",
            "ReplicaSet",
            "StatefulSet"
        ]
    );
}

#[test]
fn decode_real_pod() {
    let (gvk, obj) = Scheme::builtin().decode(POD_JSON.as_bytes()).unwrap();
    assert_eq!(gvk, Pod::gvk());
    let expected: Pod = serde_json::from_str(POD_JSON).unwrap();
    assert_eq!(obj.downcast_ref::<Pod>(), Some(&expected));
    assert!(obj.is::<Pod>());
    assert!(obj.downcast_ref::<Deployment>().is_none());
    assert_eq!(obj.meta().name.as_deref(), Some("bench-000001"));
    let typed = obj.into_any().downcast::<Pod>().unwrap();
    assert_eq!(*typed, expected);
}

#[test]
fn convert_unstructured_pod() {
    let u: Unstructured = serde_json::from_str(POD_JSON).unwrap();
    let mut obj = Scheme::builtin().convert_unstructured(&u).unwrap();
    let expected: Pod = serde_json::from_str(POD_JSON).unwrap();
    assert_eq!(obj.downcast_ref::<Pod>(), Some(&expected));
    obj.meta_mut().name = Some("renamed".into());
    assert_eq!(
        obj.downcast_mut::<Pod>()
            .and_then(|p| p.metadata.name.clone()),
        Some("renamed".to_owned())
    );
    let copy = obj.clone();
    assert_eq!(copy.downcast_ref::<Pod>(), obj.downcast_ref::<Pod>());
    assert_eq!(copy.to_unstructured().unwrap().name(), Some("renamed"));
}

#[test]
fn decode_errors_are_typed() {
    let scheme = Scheme::builtin();
    let err = scheme
        .decode(br#"{"apiVersion":"example.com/v1","kind":"Widget"}"#)
        .unwrap_err();
    assert!(
        matches!(&err, SchemeError::NotRegistered(gvk) if *gvk == Widget::gvk()),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        r#"no kind "Widget" is registered for version "example.com/v1" in the scheme"#
    );
    assert!(matches!(
        scheme.decode(br#"{"kind":"Pod"}"#),
        Err(SchemeError::MissingField("apiVersion"))
    ));
    assert!(matches!(
        scheme.decode(br#"{"apiVersion":"v1","kind":""}"#),
        Err(SchemeError::MissingField("kind"))
    ));
    assert!(matches!(
        scheme.decode(br#"{"apiVersion":"a/b/c","kind":"Pod"}"#),
        Err(SchemeError::InvalidApiVersion(_))
    ));
    assert!(matches!(
        scheme.decode(b"[1,2]"),
        Err(SchemeError::Malformed(_))
    ));
    assert!(matches!(
        scheme.decode(b"{\"apiVersion\":\"v1\""),
        Err(SchemeError::Malformed(_))
    ));
    let err = scheme
        .decode(br#"{"apiVersion":"v1","kind":"Pod","spec":"nope"}"#)
        .unwrap_err();
    assert!(
        matches!(&err, SchemeError::Decode { gvk, .. } if *gvk == Pod::gvk()),
        "{err:?}"
    );
    assert!(matches!(
        scheme.new_object(&Widget::gvk()),
        Err(SchemeError::NotRegistered(_))
    ));
    let no_kind = Unstructured::default();
    assert!(matches!(
        scheme.convert_unstructured(&no_kind),
        Err(SchemeError::MissingField("apiVersion"))
    ));
}

#[test]
fn custom_resources_register_and_round_trip() {
    let mut scheme = Scheme::with_builtins();
    scheme
        .register::<Widget>()
        .unwrap()
        .register::<Widget>()
        .unwrap();
    assert!(scheme.recognizes(&Widget::gvk()));
    assert_eq!(scheme.gvk_of::<Widget>(), Some(Widget::gvk()));

    let widget = Widget {
        metadata: ObjectMeta {
            name: Some("w".into()),
            ..ObjectMeta::default()
        },
        spec: serde_json::json!({"size": 3}),
    };
    let bytes = boxed_object(widget.clone()).to_json().unwrap();
    let (gvk, obj) = scheme.decode(&bytes).unwrap();
    assert_eq!(gvk, Widget::gvk());
    assert_eq!(obj.downcast_ref::<Widget>(), Some(&widget));
    let fresh = scheme.new_object(&gvk).unwrap();
    assert_eq!(fresh.downcast_ref::<Widget>(), Some(&Widget::default()));
}

#[test]
fn conflicting_registration_is_refused() {
    let mut scheme = Scheme::with_builtins();
    let err = scheme.register::<FakePod>().unwrap_err();
    assert!(matches!(err, SchemeError::Conflict { .. }), "{err:?}");
    assert!(err.to_string().contains("/v1, Kind=Pod"), "{err}");
    // The original registration is untouched.
    assert_eq!(scheme.gvk_of::<FakePod>(), None);
    let (_, obj) = scheme.decode(POD_JSON.as_bytes()).unwrap();
    assert!(obj.is::<Pod>());
    let mut empty = Scheme::new();
    empty.register::<ConfigMap>().unwrap();
    assert_eq!(empty.len(), 1);
    assert!(format!("{empty:?}").contains("kinds: 1"));
}
