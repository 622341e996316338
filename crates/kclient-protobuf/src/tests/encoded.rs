//! Objects handed over undecoded ([`crate::ENCODED_OBJECT`]) and lists decoded item by item
//! ([`crate::ItemDecoder`]).

use k8s_openapi::List;
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::Pod;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::WatchEvent;
use serde::Deserialize;
use serde::de::{Deserializer, SeqAccess, Visitor};

use crate::{ENCODED_OBJECT, EncodedObject, ObjectType};

/// What a cache of server bytes would keep: the kind and the message, or the JSON value.
#[derive(Debug, PartialEq)]
enum Kept {
    Message(ObjectType, Vec<u8>),
    Json(serde_json::Value),
}

impl<'de> Deserialize<'de> for Kept {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Kept;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an object")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Kept, A::Error> {
                let enc = EncodedObject::from_seq(seq)?;
                Ok(Kept::Message(enc.ty, enc.message.to_vec()))
            }
            fn visit_newtype_struct<D: Deserializer<'de>>(self, d: D) -> Result<Kept, D::Error> {
                serde_json::Value::deserialize(d).map(Kept::Json)
            }
        }
        d.deserialize_newtype_struct(ENCODED_OBJECT, V)
    }
}

fn pod(name: &str) -> Pod {
    let mut pod: Pod = serde_json::from_slice(include_bytes!(
        "../../../kclient-core/testdata/pod-13kb.json"
    ))
    .unwrap();
    pod.metadata.name = Some(name.into());
    pod
}

#[test]
fn list_items_are_handed_over_as_their_messages_with_the_item_kind() {
    let list = List {
        items: vec![pod("a"), pod("b")],
        metadata: Default::default(),
    };
    let bytes = crate::encode_object(&list).unwrap();
    #[derive(Deserialize)]
    struct Items {
        items: Vec<Kept>,
    }
    let kept: Items = crate::decode_object(&bytes).unwrap_or_else(|e| panic!("{e}"));
    let parts = crate::split_list(&bytes).unwrap();
    assert_eq!(kept.items.len(), 2);
    for ((kept, item), pod) in kept.items.iter().zip(&parts.items).zip(&list.items) {
        // Not `{kept:?}`: a Pod's JSON is pages long.
        let Kept::Message(ty, message) = kept else {
            panic!("a list item was not handed over as its message")
        };
        assert_eq!((ty.api_version(), ty.kind()), ("v1", "Pod"));
        assert_eq!(message.as_slice(), *item);
        let back: Pod = ty.decode(message).unwrap();
        assert!(
            &back == pod,
            "{:?} decodes to another Pod",
            pod.metadata.name
        );
    }
}

#[test]
fn a_watch_events_object_is_handed_over_with_the_envelopes_kind() {
    let mut deployment = Deployment::default();
    deployment.metadata.name = Some("web".into());
    let frame = crate::encode_watch_event(&WatchEvent::Added(deployment.clone())).unwrap();
    let event: WatchEvent<Kept> = crate::decode_watch_event(&frame[4..]).unwrap();
    let WatchEvent::Added(Kept::Message(ty, message)) = event else {
        panic!("the watch event's object was not handed over as its message")
    };
    assert_eq!((ty.api_version(), ty.kind()), ("apps/v1", "Deployment"));
    assert_eq!(ty.decode::<Deployment>(&message).unwrap(), deployment);
}

#[test]
fn other_deserializers_see_an_ordinary_newtype() {
    let kept: Kept = serde_json::from_str(r#"{"kind":"Pod","metadata":{"name":"a"}}"#).unwrap();
    assert_eq!(
        kept,
        Kept::Json(serde_json::json!({"kind": "Pod", "metadata": {"name": "a"}}))
    );
}

#[test]
fn messages_that_are_not_objects_are_decoded_as_usual() {
    // A Time is no kind's message: a type asking it for its bytes gets its JSON value.
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Meta {
        creation_timestamp: Kept,
    }
    #[derive(Deserialize)]
    struct Head {
        metadata: Meta,
    }
    let bytes = crate::encode_object(&pod("a")).unwrap();
    let head: Head = crate::decode_object(&bytes).unwrap();
    assert_eq!(
        head.metadata.creation_timestamp,
        Kept::Json(serde_json::json!("2026-11-22T06:14:01Z"))
    );
}

#[test]
fn items_decoded_one_by_one_are_the_whole_lists_items() {
    let list = List {
        items: vec![pod("a"), pod("b"), pod("c")],
        metadata: k8s_openapi::apimachinery::pkg::apis::meta::v1::ListMeta {
            resource_version: Some("42".into()),
            ..Default::default()
        },
    };
    let bytes = crate::encode_object(&list).unwrap();
    let whole: List<Pod> = crate::decode_list(&bytes).unwrap();
    let parts = crate::split_list(&bytes).unwrap();
    let decoder = parts.item_decoder();
    let items: Vec<Pod> = parts
        .items
        .iter()
        .map(|item| decoder.decode(item).unwrap())
        .collect();
    assert!(items == whole.items, "item-by-item decode differs");
    let values: Vec<serde_json::Value> = parts
        .items
        .iter()
        .map(|item| decoder.decode(item).unwrap())
        .collect();
    let whole_value: serde_json::Value = crate::decode_object(&bytes).unwrap();
    assert_eq!(serde_json::Value::Array(values), whole_value["items"]);
    assert_eq!(parts.list_meta().unwrap(), list.metadata);
    assert!(decoder.decode::<Pod>(b"\x0a\xff").is_err());
}
