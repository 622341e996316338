//! Content negotiation per client kind, over an in-process fake API server that answers
//! Kubernetes protobuf when asked (bodies written by kclient-protobuf): typed clients of
//! built-in kinds ask protobuf first and decode it into the k8s-openapi types; custom
//! resources, dynamic and metadata clients ask JSON; `Config::json_only` is the one switch
//! that turns protobuf off; `Config::protobuf_bodies` sends typed bodies in protobuf.

use std::sync::{Arc, Mutex};

use bytes::Bytes;
use http::{HeaderMap, Method};
use k8s_openapi::List;
use k8s_openapi::api::core::v1::ConfigMap;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, Status};
use kclient_client::{Api, ApiError, DynamicClient, MetadataClient};
use kclient_config::Config;
use kclient_core::resource::NamespaceScope;
use kclient_core::{
    CreateOptions, DeleteOptions, GetOptions, GroupVersionResource, ListOptions, Resource,
    UpdateOptions, WatchEvent,
};
use kclient_rest::transport::Body;
use kclient_rest::{Error, RestClient};
use serde::{Deserialize, Serialize};
use serde_json::json;

const PB: &str = "application/vnd.kubernetes.protobuf";
const NEGOTIATED: &str = "application/vnd.kubernetes.protobuf, application/json";
const JSON: &str = "application/json";

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Gadget {
    #[serde(default)]
    api_version: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    metadata: ObjectMeta,
}

impl Resource for Gadget {
    const GROUP: &'static str = "tools.example.com";
    const VERSION: &'static str = "v1";
    const KIND: &'static str = "Gadget";
    const PLURAL: &'static str = "gadgets";
    const API_VERSION: &'static str = "tools.example.com/v1";
    type Scope = NamespaceScope;

    fn meta(&self) -> &ObjectMeta {
        &self.metadata
    }

    fn meta_mut(&mut self) -> &mut ObjectMeta {
        &mut self.metadata
    }
}

fn config_map(name: &str) -> ConfigMap {
    ConfigMap {
        metadata: ObjectMeta {
            name: Some(name.into()),
            namespace: Some("ns".into()),
            resource_version: Some("4".into()),
            ..ObjectMeta::default()
        },
        data: Some([("k".to_owned(), "v".to_owned())].into()),
        ..ConfigMap::default()
    }
}

/// What the fake saw of one request.
#[derive(Clone, Debug)]
struct Seen {
    method: Method,
    path: String,
    query: String,
    headers: HeaderMap,
    body: Bytes,
}

impl Seen {
    fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }
}

fn reply(status: u16, content_type: &str, body: Vec<u8>) -> http::Response<Body> {
    http::Response::builder()
        .status(status)
        .header("content-type", content_type)
        .body(Body::from(Bytes::from(body)))
        .unwrap()
}

/// Answers like kube-apiserver: protobuf for built-in kinds when `Accept` names it, JSON
/// otherwise.
fn answer(seen: &Seen) -> http::Response<Body> {
    let protobuf = seen.header("accept").contains(PB);
    let encode = |value: &dyn Fn() -> (Vec<u8>, serde_json::Value)| {
        let (pb, json) = value();
        if protobuf {
            reply(200, PB, pb)
        } else {
            reply(200, JSON, serde_json::to_vec(&json).unwrap())
        }
    };
    let cm = config_map("cm");
    match (seen.method.clone(), seen.path.as_str()) {
        (_, "/api/v1/namespaces/ns/configmaps/missing") => {
            let status: Status = serde_json::from_value(json!({
                "kind": "Status", "apiVersion": "v1", "status": "Failure",
                "message": "configmaps \"missing\" not found", "reason": "NotFound",
                "details": {"name": "missing", "kind": "configmaps"}, "code": 404
            }))
            .unwrap();
            if protobuf {
                reply(404, PB, kclient_protobuf::encode_object(&status).unwrap())
            } else {
                reply(404, JSON, serde_json::to_vec(&status).unwrap())
            }
        }
        (Method::GET, "/api/v1/namespaces/ns/configmaps") if seen.query.contains("watch=true") => {
            let event = k8s_openapi::apimachinery::pkg::apis::meta::v1::WatchEvent::Added(cm);
            if protobuf {
                let frame = kclient_protobuf::encode_watch_event(&event).unwrap();
                reply(
                    200,
                    "application/vnd.kubernetes.protobuf;stream=watch",
                    frame,
                )
            } else {
                let line = json!({"type": "ADDED", "object": config_map("cm")});
                reply(200, JSON, format!("{line}\n").into_bytes())
            }
        }
        (Method::GET, "/api/v1/namespaces/ns/configmaps") => encode(&|| {
            let list = List {
                items: vec![config_map("a"), config_map("b")],
                ..List::default()
            };
            (
                kclient_protobuf::encode_object(&list).unwrap(),
                serde_json::to_value(&list).unwrap(),
            )
        }),
        (Method::DELETE, _) => encode(&|| {
            let status = Status {
                status: Some("Success".into()),
                ..Status::default()
            };
            (
                kclient_protobuf::encode_object(&status).unwrap(),
                serde_json::to_value(&status).unwrap(),
            )
        }),
        (Method::POST | Method::PUT, _) if seen.header("content-type") == PB => {
            // Echo the decoded body, as the stored object.
            let cm: ConfigMap = kclient_protobuf::decode_object(&seen.body).unwrap();
            encode(&|| {
                (
                    kclient_protobuf::encode_object(&cm).unwrap(),
                    serde_json::to_value(&cm).unwrap(),
                )
            })
        }
        (Method::POST | Method::PUT, _) => reply(200, JSON, seen.body.to_vec()),
        (_, path) if path.starts_with("/apis/tools.example.com/") => reply(
            200,
            JSON,
            serde_json::to_vec(
                &json!({"apiVersion": "tools.example.com/v1", "kind": "Gadget",
                                      "metadata": {"name": "g"}}),
            )
            .unwrap(),
        ),
        (_, path) if path.ends_with("/configmaps/cm") => encode(&|| {
            (
                kclient_protobuf::encode_object(&cm).unwrap(),
                serde_json::to_value(&cm).unwrap(),
            )
        }),
        _ => reply(404, JSON, b"{}".to_vec()),
    }
}

#[derive(Clone, Default)]
struct Fake {
    seen: Arc<Mutex<Vec<Seen>>>,
}

impl Fake {
    fn client(&self, config: Config) -> RestClient {
        let seen = self.seen.clone();
        let service = tower::service_fn(move |req: http::Request<Bytes>| {
            let seen = seen.clone();
            async move {
                let (parts, body) = req.into_parts();
                let record = Seen {
                    method: parts.method,
                    path: parts.uri.path().to_owned(),
                    query: parts.uri.query().unwrap_or_default().to_owned(),
                    headers: parts.headers,
                    body,
                };
                let response = answer(&record);
                seen.lock().unwrap().push(record);
                Ok::<_, Error>(response)
            }
        });
        RestClient::builder(config.without_rate_limit())
            .build_with_service(service)
            .unwrap()
    }

    fn take(&self) -> Vec<Seen> {
        std::mem::take(&mut *self.seen.lock().unwrap())
    }
}

fn config() -> Config {
    Config::new("http://fake.test".parse().unwrap())
}

#[tokio::test]
async fn typed_clients_of_built_in_kinds_negotiate_protobuf_and_decode_it() {
    let fake = Fake::default();
    let api: Api<ConfigMap> = Api::namespaced(fake.client(config()), "ns");

    assert_eq!(
        api.get("cm", &GetOptions::default()).await.unwrap(),
        config_map("cm")
    );
    let list = api.list(&ListOptions::default()).await.unwrap();
    assert_eq!(list.items, vec![config_map("a"), config_map("b")]);
    let mut events = api.watch(&ListOptions::default()).await.unwrap();
    use futures::StreamExt;
    assert!(matches!(
        events.next().await,
        Some(Ok(WatchEvent::Added(cm))) if cm == config_map("cm")
    ));
    let err = api
        .get("missing", &GetOptions::default())
        .await
        .unwrap_err();
    assert!(err.is_not_found(), "{err:?}");
    assert_eq!(err.to_string(), "configmaps \"missing\" not found");
    let deleted = api.delete("cm", &DeleteOptions::default()).await.unwrap();
    assert_eq!(deleted.status().unwrap().status.as_deref(), Some("Success"));
    // Bodies stay JSON unless the config says protobuf.
    let created = api
        .create(&config_map("cm"), &CreateOptions::default())
        .await
        .unwrap();
    assert_eq!(created, config_map("cm"));

    let seen = fake.take();
    assert_eq!(seen.len(), 6);
    for s in &seen {
        assert_eq!(s.header("accept"), NEGOTIATED, "{} {}", s.method, s.path);
    }
    assert_eq!(seen[5].header("content-type"), JSON);
}

#[tokio::test]
async fn protobuf_bodies_for_create_and_update_patches_stay_json() {
    let fake = Fake::default();
    let api: Api<ConfigMap> = Api::namespaced(fake.client(config().protobuf_bodies()), "ns");
    let cm = config_map("cm");
    assert_eq!(
        api.create(&cm, &CreateOptions::default()).await.unwrap(),
        cm
    );
    assert_eq!(
        api.update(&cm, &UpdateOptions::default()).await.unwrap(),
        cm
    );
    let _ = api
        .patch(
            "cm",
            &kclient_core::Patch::Merge(json!({"data": {"k": "w"}})),
            &kclient_core::PatchOptions::default(),
        )
        .await;
    let seen = fake.take();
    assert_eq!(seen[0].header("content-type"), PB);
    assert!(seen[0].body.starts_with(kclient_protobuf::MAGIC));
    assert_eq!(seen[1].header("content-type"), PB);
    assert_eq!(seen[2].method, Method::PATCH);
    assert_eq!(
        seen[2].header("content-type"),
        "application/merge-patch+json"
    );
}

#[tokio::test]
async fn json_only_is_the_one_switch() {
    let fake = Fake::default();
    let client = fake.client(config().protobuf_bodies().json_only());
    let api: Api<ConfigMap> = Api::namespaced(client, "ns");
    assert_eq!(
        api.get("cm", &GetOptions::default()).await.unwrap(),
        config_map("cm")
    );
    let cm = config_map("cm");
    assert_eq!(
        api.create(&cm, &CreateOptions::default()).await.unwrap(),
        cm
    );
    let list = api.list(&ListOptions::default()).await.unwrap();
    assert_eq!(list.items.len(), 2);
    for s in fake.take() {
        assert_eq!(s.header("accept"), JSON, "{} {}", s.method, s.path);
        if s.method == Method::POST {
            assert_eq!(s.header("content-type"), JSON);
        }
    }
}

#[tokio::test]
async fn custom_resources_dynamic_and_metadata_clients_ask_json() {
    let fake = Fake::default();
    let client = fake.client(config().protobuf_bodies());

    let gadgets: Api<Gadget> = Api::namespaced(client.clone(), "ns");
    let g = gadgets.get("g", &GetOptions::default()).await.unwrap();
    assert_eq!(g.metadata.name.as_deref(), Some("g"));
    let _ = gadgets.create(&g, &CreateOptions::default()).await;

    let gvr = GroupVersionResource::gvr("", "v1", "configmaps");
    let dynamic = DynamicClient::new(client.clone())
        .resource(&gvr)
        .namespace("ns");
    let cm = dynamic.get("cm", &GetOptions::default()).await.unwrap();
    assert_eq!(cm.name(), Some("cm"));
    let _ = dynamic.create(&cm, &CreateOptions::default()).await;

    let metadata = MetadataClient::new(client).resource(&gvr).namespace("ns");
    let _ = metadata.get("cm", &GetOptions::default()).await;

    let seen = fake.take();
    assert_eq!(seen.len(), 5);
    for s in &seen[..4] {
        assert_eq!(s.header("accept"), JSON, "{} {}", s.method, s.path);
        if s.method == Method::POST {
            assert_eq!(s.header("content-type"), JSON);
        }
    }
    assert!(
        seen[4]
            .header("accept")
            .starts_with("application/json;as=PartialObjectMetadata"),
        "{}",
        seen[4].header("accept")
    );
}
