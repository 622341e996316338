//! The benchmark data set: `/work/shared/bench`'s 13 KB Pod, copied 10,000 times as
//! `bench-000000`…`bench-009999` with label `shard` = index mod 16 in one namespace, and the
//! ConfigMaps loaded into the test server.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::ConfigMap;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde_json::Value;

use crate::error::BenchError;

/// One Pod exactly as a kube-apiserver 1.24 returned it (managedFields and status kept).
pub const POD_TEMPLATE: &str = include_str!("../data/pod-13kb.json");
/// Pods in the decode data set.
pub const PODS: usize = 10_000;
/// The `shard` label takes values `0..SHARDS`.
pub const SHARDS: usize = 16;
/// The namespace every generated object lives in.
pub const NAMESPACE: &str = "bench";

/// The name of Pod `index`: `bench-000042`.
pub fn pod_name(index: usize) -> String {
    format!("bench-{index:06}")
}

/// The name of ConfigMap `index`: `cm-00042`.
pub fn configmap_name(index: usize) -> String {
    format!("cm-{index:05}")
}

/// A fixed, distinct uid per index, so no two items share a uid.
fn uid(index: usize) -> String {
    format!("00000000-0000-4000-8000-{index:012}")
}

/// The fields that differ between copies, in the order they appear in the compact JSON.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Slot {
    Name,
    Uid,
    Shard,
    ResourceVersion,
}

impl Slot {
    const ALL: [Slot; 4] = [Slot::Name, Slot::Uid, Slot::Shard, Slot::ResourceVersion];

    fn marker(self) -> &'static str {
        match self {
            Slot::Name => "\u{1}kclient-bench-name\u{1}",
            Slot::Uid => "\u{1}kclient-bench-uid\u{1}",
            Slot::Shard => "\u{1}kclient-bench-shard\u{1}",
            Slot::ResourceVersion => "\u{1}kclient-bench-rv\u{1}",
        }
    }
}

/// The Pod template as compact JSON split around the fields each copy rewrites: copies are
/// then a handful of `memcpy`s, which keeps the generator cheap even in debug-mode tests.
#[derive(Debug)]
pub struct PodTemplate {
    /// `literals.len() == slots.len() + 1`; copy = literal0 slot0 literal1 slot1 …
    literals: Vec<String>,
    slots: Vec<Slot>,
}

impl PodTemplate {
    /// Parses [`POD_TEMPLATE`] and marks the fields copies rewrite.
    pub fn bundled() -> Result<Self, BenchError> {
        Self::parse(POD_TEMPLATE)
    }

    /// Parses a Pod as JSON and marks `metadata.{name,uid,resourceVersion,labels.shard}`.
    pub fn parse(pod_json: &str) -> Result<Self, BenchError> {
        let mut pod: Value = serde_json::from_str(pod_json)?;
        let meta = pod
            .get_mut("metadata")
            .and_then(Value::as_object_mut)
            .ok_or_else(|| BenchError::Template("no metadata object".into()))?;
        meta.insert("name".into(), Slot::Name.marker().into());
        meta.insert("uid".into(), Slot::Uid.marker().into());
        meta.insert(
            "resourceVersion".into(),
            Slot::ResourceVersion.marker().into(),
        );
        meta.insert("namespace".into(), NAMESPACE.into());
        let labels = meta
            .entry("labels")
            .or_insert_with(|| Value::Object(Default::default()))
            .as_object_mut()
            .ok_or_else(|| BenchError::Template("metadata.labels is not an object".into()))?;
        labels.insert("shard".into(), Slot::Shard.marker().into());
        let compact = serde_json::to_string(&pod)?;
        // Markers serialize with their control characters escaped.
        let escaped: Vec<(Slot, String)> = Slot::ALL
            .iter()
            .map(|&slot| Ok((slot, serde_json::to_string(slot.marker())?)))
            .collect::<Result<_, BenchError>>()?;
        let mut found: Vec<(usize, Slot, usize)> = Vec::new();
        for (slot, quoted) in &escaped {
            let mut matches = compact.match_indices(quoted.as_str());
            let Some((at, _)) = matches.next() else {
                return Err(BenchError::Template(format!("{slot:?} marker lost")));
            };
            if matches.next().is_some() {
                return Err(BenchError::Template(format!("{slot:?} marker repeated")));
            }
            found.push((at, *slot, quoted.len()));
        }
        found.sort_unstable_by_key(|&(at, _, _)| at);
        let mut literals = Vec::with_capacity(found.len() + 1);
        let mut slots = Vec::with_capacity(found.len());
        let mut start = 0;
        for (at, slot, len) in found {
            literals.push(compact[start..at].to_owned());
            slots.push(slot);
            start = at + len;
        }
        literals.push(compact[start..].to_owned());
        Ok(Self { literals, slots })
    }

    /// Appends copy `index` (name, uid, shard label, resourceVersion rewritten) to `out`.
    pub fn write_pod(&self, index: usize, out: &mut Vec<u8>) {
        for (literal, slot) in self.literals.iter().zip(&self.slots) {
            out.extend_from_slice(literal.as_bytes());
            // Every value is plain ASCII without quotes or backslashes: no escaping needed.
            let value = match slot {
                Slot::Name => pod_name(index),
                Slot::Uid => uid(index),
                Slot::Shard => (index % SHARDS).to_string(),
                Slot::ResourceVersion => (1_000 + index).to_string(),
            };
            out.push(b'"');
            out.extend_from_slice(value.as_bytes());
            out.push(b'"');
        }
        if let Some(last) = self.literals.last() {
            out.extend_from_slice(last.as_bytes());
        }
    }

    /// A `v1` `PodList` of `count` copies, as kube-apiserver sends it.
    pub fn pod_list_json(&self, count: usize) -> Vec<u8> {
        let per_pod = self.literals.iter().map(String::len).sum::<usize>() + 64;
        let mut out = Vec::with_capacity(per_pod * count + 128);
        out.extend_from_slice(
            format!(
                r#"{{"kind":"PodList","apiVersion":"v1","metadata":{{"resourceVersion":"{}"}},"items":["#,
                1_000 + count
            )
            .as_bytes(),
        );
        for index in 0..count {
            if index > 0 {
                out.push(b',');
            }
            self.write_pod(index, &mut out);
        }
        out.extend_from_slice(b"]}");
        out
    }
}

/// Pod `index` as a create body: the template copy without the fields the server assigns.
pub fn pod_for_create(
    template: &PodTemplate,
    index: usize,
) -> Result<Value, crate::error::BenchError> {
    let mut bytes = Vec::new();
    template.write_pod(index, &mut bytes);
    let mut pod: Value = serde_json::from_slice(&bytes)?;
    if let Some(meta) = pod.get_mut("metadata").and_then(Value::as_object_mut) {
        meta.remove("resourceVersion");
        meta.remove("uid");
    }
    Ok(pod)
}

/// The decode data set: [`PODS`] copies of the bundled Pod as one `PodList` (~131 MB).
pub fn pod_list_json() -> Result<Vec<u8>, BenchError> {
    Ok(PodTemplate::bundled()?.pod_list_json(PODS))
}

/// ConfigMap `index` for the test-server scenarios: ~1 KB of data in four keys, labels
/// `app=bench` and `shard` = index mod 16.
pub fn configmap(index: usize) -> ConfigMap {
    let labels = BTreeMap::from([
        ("app".to_owned(), "bench".to_owned()),
        ("shard".to_owned(), (index % SHARDS).to_string()),
    ]);
    let data = (0..4)
        .map(|key| {
            (
                format!("key-{key}"),
                format!("{index:08}-{key}-").repeat(24),
            )
        })
        .collect();
    ConfigMap {
        metadata: ObjectMeta {
            name: Some(configmap_name(index)),
            labels: Some(labels),
            ..ObjectMeta::default()
        },
        data: Some(data),
        ..ConfigMap::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    /// Just the fields the data set promises, so the 131 MB check stays cheap in debug builds.
    #[derive(Deserialize)]
    struct Names {
        items: Vec<Item>,
    }
    #[derive(Deserialize)]
    struct Item {
        metadata: Meta,
    }
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Meta {
        name: String,
        namespace: String,
        uid: String,
        labels: BTreeMap<String, String>,
    }

    #[test]
    fn full_list_has_ten_thousand_named_and_sharded_pods() {
        let bytes = pod_list_json().unwrap();
        // The figure the performance targets were measured on: 131 MB of JSON.
        assert!(
            (125_000_000..140_000_000).contains(&bytes.len()),
            "{} bytes",
            bytes.len()
        );
        let list: Names = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(list.items.len(), PODS);
        let mut uids = std::collections::HashSet::new();
        for (index, item) in list.items.iter().enumerate() {
            let meta = &item.metadata;
            assert_eq!(meta.name, pod_name(index));
            assert_eq!(meta.namespace, NAMESPACE);
            assert_eq!(meta.labels["shard"], (index % SHARDS).to_string());
            assert_eq!(meta.labels["app"], "bench", "template labels kept");
            assert!(uids.insert(meta.uid.clone()), "uid {} repeated", meta.uid);
        }
        assert_eq!(list.items[9_999].metadata.name, "bench-009999");
    }

    #[test]
    fn copies_decode_as_typed_pods_with_managed_fields() {
        let template = PodTemplate::bundled().unwrap();
        let bytes = template.pod_list_json(3);
        let list: k8s_openapi::List<k8s_openapi::api::core::v1::Pod> =
            serde_json::from_slice(&bytes).unwrap();
        assert_eq!(list.items.len(), 3);
        assert_eq!(list.metadata.resource_version.as_deref(), Some("1003"));
        let pod = &list.items[2];
        assert_eq!(pod.metadata.name.as_deref(), Some("bench-000002"));
        assert_eq!(pod.metadata.resource_version.as_deref(), Some("1002"));
        assert!(!pod.metadata.managed_fields.as_ref().unwrap().is_empty());
        let spec = pod.spec.as_ref().unwrap();
        assert_eq!(spec.containers.len(), 2);
        assert_eq!(spec.containers[0].env.as_ref().unwrap().len(), 26);
        // Same bytes, same objects through kube-rs's list type.
        #[cfg(feature = "kube-rs")]
        {
            let kube_list: kube::core::ObjectList<k8s_openapi::api::core::v1::Pod> =
                serde_json::from_slice(&bytes).unwrap();
            assert_eq!(kube_list.items, list.items);
        }
    }

    #[test]
    fn template_without_metadata_is_a_typed_error() {
        let err = PodTemplate::parse(r#"{"kind":"Pod"}"#).unwrap_err();
        assert!(matches!(err, BenchError::Template(_)), "{err}");
        assert!(PodTemplate::parse("not json").is_err());
    }

    #[test]
    fn configmaps_are_about_a_kilobyte_and_sharded() {
        let cm = configmap(17);
        assert_eq!(cm.metadata.name.as_deref(), Some("cm-00017"));
        assert_eq!(cm.metadata.labels.as_ref().unwrap()["shard"], "1");
        let size = serde_json::to_vec(&cm).unwrap().len();
        assert!((800..1_400).contains(&size), "{size} bytes");
    }
}
