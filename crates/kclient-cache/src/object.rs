//! [`CacheObject`]: the little the cache needs to know about an object (name, namespace,
//! resourceVersion, labels), and client-go's `MetaNamespaceKeyFunc` built on it.
//!
//! The trait is implemented for [`Unstructured`] and, through a macro table, for every
//! built-in k8s-openapi type with `ObjectMeta`. A blanket impl over
//! [`kclient_core::Resource`] is impossible next to the `Unstructured` impl (coherence: the
//! upstream crate could implement `Resource` for `Unstructured` later), so custom resource
//! types opt in with [`impl_cache_object!`](crate::impl_cache_object).

use std::borrow::Cow;
use std::collections::BTreeMap;

use kclient_core::Unstructured;

use crate::error::KeyError;

/// Read access to the object metadata the cache indexes on.
pub trait CacheObject: Send + Sync + 'static {
    /// `metadata.name`.
    fn name(&self) -> Option<&str>;
    /// `metadata.namespace`; `None` or empty for cluster-scoped objects.
    fn namespace(&self) -> Option<&str>;
    /// `metadata.resourceVersion`.
    fn resource_version(&self) -> Option<&str>;
    /// `metadata.labels`, borrowed when the object holds them as a map already.
    fn labels(&self) -> Cow<'_, BTreeMap<String, String>>;
}

/// client-go's `MetaNamespaceKeyFunc`: `namespace/name` for namespaced objects, `name` for
/// cluster-scoped ones.
pub fn meta_namespace_key<K: CacheObject + ?Sized>(obj: &K) -> Result<String, KeyError> {
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
    assert_eq!(short_type_name::<Unstructured>(), "Unstructured");
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

impl CacheObject for Unstructured {
    fn name(&self) -> Option<&str> {
        Unstructured::name(self)
    }

    fn namespace(&self) -> Option<&str> {
        Unstructured::namespace(self)
    }

    fn resource_version(&self) -> Option<&str> {
        Unstructured::resource_version(self)
    }

    fn labels(&self) -> Cow<'_, BTreeMap<String, String>> {
        Cow::Owned(Unstructured::labels(self))
    }
}

#[doc(hidden)]
pub mod __private {
    pub use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
    pub use kclient_core::Resource;

    /// An empty label map to borrow when an object has no labels.
    pub static NO_LABELS: std::collections::BTreeMap<String, String> =
        std::collections::BTreeMap::new();
}

/// Implements [`CacheObject`] for types that implement [`kclient_core::Resource`] (custom
/// resources), reading their `ObjectMeta`.
///
/// ```
/// # use kclient_cache::impl_cache_object;
/// # use kclient_core::k8s_openapi::api::core::v1::ConfigMap as MyCustomType;
/// // For a hand-written `impl Resource for MyCustomType`:
/// // impl_cache_object!(MyCustomType);
/// ```
#[macro_export]
macro_rules! impl_cache_object {
    ($($ty:ty),+ $(,)?) => {$(
        impl $crate::CacheObject for $ty {
            fn name(&self) -> Option<&str> {
                $crate::object::__private::Resource::meta(self).name.as_deref()
            }
            fn namespace(&self) -> Option<&str> {
                $crate::object::__private::Resource::meta(self).namespace.as_deref()
            }
            fn resource_version(&self) -> Option<&str> {
                $crate::object::__private::Resource::meta(self).resource_version.as_deref()
            }
            fn labels(&self) -> ::std::borrow::Cow<'_, ::std::collections::BTreeMap<String, String>> {
                match &$crate::object::__private::Resource::meta(self).labels {
                    Some(labels) => ::std::borrow::Cow::Borrowed(labels),
                    None => ::std::borrow::Cow::Borrowed(&$crate::object::__private::NO_LABELS),
                }
            }
        }
    )+};
}

/// Implements [`CacheObject`] for the listable kinds of the built-in table (review and
/// subresource bodies are left out: nothing caches them).
macro_rules! builtin_cache_objects {
    ($(
        $method:ident => $client:ident, $informers:ident ($($module:ident)::+) {
            namespaced: [$($nname:ident : $nty:ident),* $(,)?],
            cluster: [$($cname:ident : $cty:ident),* $(,)?],
            $($rest:tt)*
        }
    ),+ $(,)?) => {
        $(const _: () = {
            // Unused for the groups that serve no listable kind (authentication, authorization).
            #[allow(unused_imports)]
            use k8s_openapi::$($module)::+ as group;
            $($crate::impl_cache_object!(group::$nty);)*
            $($crate::impl_cache_object!(group::$cty);)*
        };)+
    };
}

kclient_core::builtin_group_versions!(builtin_cache_objects);

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::api::core::v1::{Namespace, Pod};
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
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
        assert!(CacheObject::labels(&pod).is_empty());
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
        assert_eq!(CacheObject::resource_version(&u), Some("7"));
        assert_eq!(
            CacheObject::labels(&u).get("app").map(String::as_str),
            Some("x")
        );
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
