//! What an Event is about: client-go's `tools/reference.GetReference`, built from any kclient
//! object whose group/version/kind is known.

use k8s_openapi::api::core::v1::ObjectReference;
use kclient_core::{GroupVersionKind, Object, Resource, Unstructured};

use super::EventError;

/// A reference to the object an Event is about (`involvedObject` in core/v1, `regarding` in
/// events.k8s.io/v1): its apiVersion, kind, namespace, name, uid and resourceVersion, and
/// optionally the field path of a part of it (`spec.containers{web}`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct ObjectRef {
    /// `apiVersion` of the object (`v1`, `apps/v1`).
    pub api_version: String,
    /// Its kind (`Pod`).
    pub kind: String,
    /// Its namespace; empty for cluster-scoped objects (their Events go to `default`).
    pub namespace: String,
    /// Its name.
    pub name: String,
    /// Its uid.
    pub uid: String,
    /// The resourceVersion the reporter saw.
    pub resource_version: String,
    /// The part of the object the Event is about; empty for the whole object.
    pub field_path: String,
}

impl ObjectRef {
    /// The reference to a typed object.
    pub fn of<K: Resource>(obj: &K) -> Self {
        Self::with_gvk(obj, &K::gvk())
    }

    /// The reference to an object of kind `K` held in another form (the cache's `Compact<K>`,
    /// `PartialObjectMetadata`).
    pub fn of_kind<K: Resource>(obj: &impl Object) -> Self {
        Self::with_gvk(obj, &K::gvk())
    }

    /// The reference to any object whose group/version/kind the caller knows.
    pub fn with_gvk(obj: &(impl Object + ?Sized), gvk: &GroupVersionKind) -> Self {
        let s = |v: Option<&str>| v.unwrap_or_default().to_string();
        ObjectRef {
            api_version: gvk.api_version(),
            kind: gvk.kind.clone(),
            namespace: s(obj.namespace()),
            name: s(obj.name()),
            uid: s(obj.uid()),
            resource_version: s(obj.resource_version()),
            field_path: String::new(),
        }
    }

    /// The reference to an [`Unstructured`] object, from its own `apiVersion` and `kind`;
    /// an object missing either has no reference (client-go's `GetReference` fails too).
    pub fn from_unstructured(obj: &Unstructured) -> Result<Self, EventError> {
        let api_version = obj.api_version().filter(|v| !v.is_empty());
        let kind = obj.kind().filter(|k| !k.is_empty());
        let (Some(api_version), Some(kind)) = (api_version, kind) else {
            return Err(EventError::NoKind);
        };
        let mut reference = Self::with_gvk(obj, &GroupVersionKind::gvk("", "", ""));
        reference.api_version = api_version.to_string();
        reference.kind = kind.to_string();
        Ok(reference)
    }

    /// The same reference to a part of the object (`spec.containers{web}`).
    pub fn field_path(mut self, path: impl Into<String>) -> Self {
        self.field_path = path.into();
        self
    }

    /// The namespace the object's Events are written to: its own, or `default` for
    /// cluster-scoped objects, as client-go does.
    pub fn event_namespace(&self) -> &str {
        if self.namespace.is_empty() {
            "default"
        } else {
            &self.namespace
        }
    }

    /// The API form.
    pub(crate) fn to_api(&self) -> ObjectReference {
        let opt = |s: &str| (!s.is_empty()).then(|| s.to_string());
        ObjectReference {
            api_version: opt(&self.api_version),
            kind: opt(&self.kind),
            namespace: opt(&self.namespace),
            name: opt(&self.name),
            uid: opt(&self.uid),
            resource_version: opt(&self.resource_version),
            field_path: opt(&self.field_path),
        }
    }
}

/// Anything [`EventRecorder::event`](super::EventRecorder::event) can report on: every typed
/// [`Resource`] and an [`ObjectRef`] (build one for `Unstructured`, `Compact` and
/// metadata-only objects with [`ObjectRef::from_unstructured`] or [`ObjectRef::of_kind`]).
pub trait Regarding {
    /// The reference Events about `self` carry.
    fn object_ref(&self) -> ObjectRef;
}

impl<K: Resource> Regarding for K {
    fn object_ref(&self) -> ObjectRef {
        ObjectRef::of(self)
    }
}

impl Regarding for ObjectRef {
    fn object_ref(&self) -> ObjectRef {
        self.clone()
    }
}

#[cfg(test)]
mod tests {
    use k8s_openapi::api::apps::v1::Deployment;
    use k8s_openapi::api::core::v1::Node;
    use kclient_core::PartialObjectMetadata;
    use serde_json::json;

    use super::*;

    #[test]
    fn typed_objects_give_their_type_and_metadata() {
        let mut d = Deployment::default();
        d.metadata.name = Some("web".into());
        d.metadata.namespace = Some("prod".into());
        d.metadata.uid = Some("u1".into());
        d.metadata.resource_version = Some("42".into());
        let r = d.object_ref();
        assert_eq!(
            r,
            ObjectRef {
                api_version: "apps/v1".into(),
                kind: "Deployment".into(),
                namespace: "prod".into(),
                name: "web".into(),
                uid: "u1".into(),
                resource_version: "42".into(),
                field_path: String::new(),
            }
        );
        assert_eq!(r.event_namespace(), "prod");
        let api = r.field_path("spec.template").to_api();
        assert_eq!(api.field_path.as_deref(), Some("spec.template"));
        assert_eq!(api.api_version.as_deref(), Some("apps/v1"));
    }

    #[test]
    fn cluster_scoped_objects_report_to_default() {
        let mut n = Node::default();
        n.metadata.name = Some("n1".into());
        let r = n.object_ref();
        assert_eq!(r.event_namespace(), "default");
        assert_eq!(r.to_api().namespace, None);
    }

    #[test]
    fn unstructured_needs_its_kind() {
        let u: Unstructured = serde_json::from_value(json!({
            "apiVersion": "example.com/v1", "kind": "Widget",
            "metadata": {"name": "w", "namespace": "ns", "uid": "x"}
        }))
        .expect("unstructured");
        let r = ObjectRef::from_unstructured(&u).expect("reference");
        assert_eq!(
            (r.api_version.as_str(), r.kind.as_str()),
            ("example.com/v1", "Widget")
        );
        assert_eq!((r.namespace.as_str(), r.uid.as_str()), ("ns", "x"));
        let bare: Unstructured =
            serde_json::from_value(json!({"metadata": {"name": "w"}})).expect("unstructured");
        assert!(matches!(
            ObjectRef::from_unstructured(&bare),
            Err(EventError::NoKind)
        ));
        let mut meta = PartialObjectMetadata::default();
        meta.metadata.name = Some("p".into());
        let r = ObjectRef::of_kind::<Deployment>(&meta);
        assert_eq!((r.kind.as_str(), r.name.as_str()), ("Deployment", "p"));
    }
}
