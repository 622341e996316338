//! client-go's `MetaNamespaceKeyFunc` and `SplitMetaNamespaceKey`, over any
//! [`Object`]: the keys the FIFO, the indexer and listers use.

use kclient_core::Object;

use crate::error::KeyError;

/// client-go's `MetaNamespaceKeyFunc`: `namespace/name` for namespaced objects, `name` for
/// cluster-scoped ones.
pub fn meta_namespace_key<K: Object + ?Sized>(obj: &K) -> Result<String, KeyError> {
    let name = obj
        .name()
        .filter(|n| !n.is_empty())
        .ok_or(KeyError::MissingName)?;
    Ok(match obj.namespace().filter(|ns| !ns.is_empty()) {
        Some(ns) => {
            let mut key = String::with_capacity(ns.len() + 1 + name.len());
            key.push_str(ns);
            key.push('/');
            key.push_str(name);
            key
        }
        None => name.to_owned(),
    })
}

/// `K`'s type name without module paths, generic arguments included (`Compact<Pod>`), for
/// logs and errors.
pub(crate) fn short_type_name<K: ?Sized>() -> String {
    fn push_last_segment(out: &mut String, path: &str) {
        out.push_str(path.rsplit("::").next().unwrap_or(path));
    }
    let full = std::any::type_name::<K>();
    let mut out = String::with_capacity(full.len());
    let mut start = 0;
    for (i, c) in full.char_indices() {
        if matches!(c, '<' | '>' | ',' | ' ' | '&' | '(' | ')' | '[' | ']' | ';') {
            push_last_segment(&mut out, &full[start..i]);
            out.push(c);
            start = i + c.len_utf8();
        }
    }
    push_last_segment(&mut out, &full[start..]);
    out
}

#[cfg(test)]
#[test]
fn short_type_names_drop_module_paths() {
    assert_eq!(
        short_type_name::<kclient_core::Unstructured>(),
        "Unstructured"
    );
    assert_eq!(
        short_type_name::<crate::Compact<k8s_openapi::api::core::v1::Pod>>(),
        "Compact<Pod>"
    );
    assert_eq!(
        short_type_name::<(u8, std::vec::Vec<String>)>(),
        "(u8, Vec<String>)"
    );
}

/// client-go's `SplitMetaNamespaceKey`: `(namespace, name)`; the namespace is `None` for a
/// cluster-scoped key.
pub fn split_meta_namespace_key(key: &str) -> Result<(Option<&str>, &str), KeyError> {
    let mut parts = key.split('/');
    match (parts.next(), parts.next(), parts.next()) {
        (Some(name), None, None) if !name.is_empty() => Ok((None, name)),
        (Some(ns), Some(name), None) if !name.is_empty() => {
            Ok(((!ns.is_empty()).then_some(ns), name))
        }
        _ => Err(KeyError::InvalidKey(key.to_owned())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::api::core::v1::{Namespace, Pod};
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
    use kclient_core::Unstructured;
    use serde_json::json;

    #[test]
    fn keys_follow_meta_namespace_key_func() {
        let pod = Pod {
            metadata: ObjectMeta {
                name: Some("web".into()),
                namespace: Some("default".into()),
                ..Default::default()
            },
            ..Default::default()
        };
        assert_eq!(meta_namespace_key(&pod).unwrap(), "default/web");
        let ns = Namespace {
            metadata: ObjectMeta {
                name: Some("kube-system".into()),
                ..Default::default()
            },
            ..Default::default()
        };
        assert_eq!(meta_namespace_key(&ns).unwrap(), "kube-system");
        assert_eq!(
            meta_namespace_key(&Pod::default()),
            Err(KeyError::MissingName)
        );
        assert!(Object::labels(&pod).is_empty());
    }

    #[test]
    fn unstructured_objects_have_keys_and_labels() {
        let u: Unstructured = serde_json::from_value(json!({
            "apiVersion": "example.com/v1", "kind": "Widget",
            "metadata": {"name": "w", "namespace": "ns", "resourceVersion": "7",
                         "labels": {"app": "x"}}
        }))
        .unwrap();
        assert_eq!(meta_namespace_key(&u).unwrap(), "ns/w");
        assert_eq!(Object::resource_version(&u), Some("7"));
        assert_eq!(Object::labels(&u).get("app").map(String::as_str), Some("x"));
    }

    #[test]
    fn split_keys() {
        assert_eq!(split_meta_namespace_key("a/b").unwrap(), (Some("a"), "b"));
        assert_eq!(split_meta_namespace_key("b").unwrap(), (None, "b"));
        assert_eq!(split_meta_namespace_key("/b").unwrap(), (None, "b"));
        for bad in ["", "a/", "a/b/c"] {
            assert!(split_meta_namespace_key(bad).is_err(), "{bad}");
        }
    }
}
