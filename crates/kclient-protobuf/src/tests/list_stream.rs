//! [`ListSplitter`]: a list cut while it arrives gives what [`split_list`] gives for the whole
//! body, in any chunking; a body cut short is an error after the items that did arrive.

use k8s_openapi::List;
use k8s_openapi::api::core::v1::ConfigMap;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ListMeta, ObjectMeta};
use proptest::prelude::*;

use crate::{Error, ListSplitter, encode_object, split_list};

fn list(n: usize) -> List<ConfigMap> {
    List {
        items: (0..n)
            .map(|i| ConfigMap {
                metadata: ObjectMeta {
                    name: Some(format!("cm-{i}")),
                    ..ObjectMeta::default()
                },
                data: Some([("k".to_owned(), "v".repeat(i * 37))].into()),
                ..ConfigMap::default()
            })
            .collect(),
        metadata: ListMeta {
            resource_version: Some("77".into()),
            continue_: Some("token".into()),
            ..ListMeta::default()
        },
    }
}

/// The list as kube-apiserver lays it out: metadata (field 1) before the items (field 2).
fn kube_body(list: &List<ConfigMap>) -> Vec<u8> {
    let encoded: Vec<Vec<u8>> = list
        .items
        .iter()
        .map(|cm| encode_object(cm).unwrap())
        .collect();
    let raws: Vec<&[u8]> = encoded
        .iter()
        .map(|e| crate::Envelope::parse(e).unwrap().raw)
        .collect();
    crate::encode_list_of_encoded("v1", "ConfigMapList", &list.metadata, &raws).unwrap()
}

/// Every item taken from `body` pushed in `chunk`-sized pieces, and the end's verdict.
fn split(body: &[u8], chunk: usize) -> (Vec<Vec<u8>>, Result<ListMeta, Error>) {
    let mut splitter = ListSplitter::new();
    let mut items = Vec::new();
    for piece in body.chunks(chunk.max(1)) {
        splitter.push(piece);
        loop {
            match splitter.next_item() {
                Ok(Some(item)) => items.push(item),
                Ok(None) => break,
                Err(e) => return (items, Err(e)),
            }
        }
    }
    (items, splitter.finish())
}

proptest! {
    #[test]
    fn any_chunking_gives_the_whole_bodys_items(n in 0usize..20, chunk in 1usize..300, kube in any::<bool>()) {
        // Either field order: kube-apiserver's, and serde's (items before metadata).
        let body = if kube { kube_body(&list(n)) } else { encode_object(&list(n)).unwrap() };
        let whole = split_list(&body).unwrap();
        let (items, meta) = split(&body, chunk);
        prop_assert_eq!(items.iter().map(Vec::as_slice).collect::<Vec<_>>(), whole.items.clone());
        prop_assert_eq!(meta.unwrap(), whole.list_meta().unwrap());
    }

    #[test]
    fn a_body_cut_short_is_an_error_after_the_items_that_arrived(n in 1usize..10, cut in 0usize..4000) {
        let body = kube_body(&list(n));
        let cut = cut % body.len();
        let whole = split_list(&body).unwrap();
        let (items, meta) = split(&body[..cut], 64);
        // Only the envelope's empty trailing fields may be missing from a whole list.
        if let Ok(meta) = meta {
            prop_assert_eq!(items.len(), whole.items.len());
            prop_assert_eq!(meta, whole.list_meta().unwrap());
            prop_assert!(body[cut..].iter().all(|&b| b == 0x1a || b == 0x22 || b == 0));
        }
        prop_assert!(items.len() <= whole.items.len());
        for (got, want) in items.iter().zip(&whole.items) {
            prop_assert_eq!(got.as_slice(), *want);
        }
    }
}

#[test]
fn the_metadata_and_decoder_are_known_before_the_first_item() {
    let body = kube_body(&list(3));
    let mut splitter = ListSplitter::new();
    let mut first = None;
    for byte in &body {
        splitter.push(std::slice::from_ref(byte));
        if let Some(item) = splitter.next_item().unwrap() {
            first = Some(item);
            break;
        }
    }
    let meta = splitter
        .list_meta()
        .expect("metadata before the items")
        .unwrap();
    assert_eq!(meta.continue_.as_deref(), Some("token"));
    let decoder = splitter.item_decoder().expect("the list's type");
    let cm: ConfigMap = decoder.decode(&first.expect("an item")).unwrap();
    assert_eq!(cm.metadata.name.as_deref(), Some("cm-0"));
}

#[test]
fn the_buffer_holds_about_a_chunk_not_the_body() {
    let body = encode_object(&list(200)).unwrap();
    let mut splitter = ListSplitter::new();
    let mut most = 0;
    for piece in body.chunks(4096) {
        splitter.push(piece);
        while splitter.next_item().unwrap().is_some() {}
        most = most.max(splitter.buffered());
    }
    assert!(body.len() > 100_000);
    assert!(
        most <= 3 * 4096 + 10_000,
        "buffered {most} bytes of {}",
        body.len()
    );
    splitter.finish().unwrap();
}

#[test]
fn not_a_list_is_an_error() {
    let mut splitter = ListSplitter::new();
    splitter.push(b"{\"kind\":\"PodList\"}");
    assert_eq!(splitter.next_item(), Err(Error::MissingPrefix));
    let cm = encode_object(&ConfigMap::default()).unwrap();
    let (_, meta) = split(&cm, 16);
    assert!(meta.is_err());
}

#[test]
fn a_body_that_ends_before_the_list_message_is_cut_not_empty() {
    let body = kube_body(&list(0));
    let envelope = crate::Envelope::parse(&body).unwrap();
    // The magic, the type, and nothing of `raw`: what a cut at that point leaves.
    let raw_at = envelope.raw.as_ptr() as usize - body.as_ptr() as usize;
    let before_raw = raw_at - 2;
    assert_eq!(body[before_raw], 0x12, "raw's key");
    let (items, meta) = split(&body[..before_raw], 5);
    assert!(items.is_empty());
    assert_eq!(meta, Err(Error::Truncated("list")));
    // The whole empty list is still a list.
    assert_eq!(
        split(&body, 5).1.unwrap().resource_version.as_deref(),
        Some("77")
    );
}
