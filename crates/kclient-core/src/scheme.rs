//! [`Scheme`]: a registry between Rust types and group/version/kinds, like apimachinery's
//! `runtime.Scheme`.
//!
//! It answers "which kind is this type", "is this kind known", and turns bytes or
//! [`Unstructured`] objects whose type is only known at run time into typed objects behind the
//! object-safe [`SchemeObject`] trait. [`Scheme::with_builtins`] knows every k8s-openapi type of
//! the pinned Kubernetes version that has `ObjectMeta`.
//!
//! ```
//! use kclient_core::k8s_openapi::api::core::v1::Pod;
//! use kclient_core::scheme::Scheme;
//!
//! let scheme = Scheme::builtin();
//! let (gvk, obj) = scheme
//!     .decode(br#"{"apiVersion":"v1","kind":"Pod","metadata":{"name":"web"}}"#)
//!     .unwrap();
//! assert_eq!(gvk.kind, "Pod");
//! assert_eq!(obj.meta().name.as_deref(), Some("web"));
//! assert!(obj.downcast_ref::<Pod>().is_some());
//! ```

use std::any::{Any, TypeId};
use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::sync::OnceLock;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde::Deserialize;
use serde_json::{Map, Value};

use crate::dynamic::{DynamicError, Unstructured};
use crate::gvk::{GroupVersion, GroupVersionKind, ParseGroupVersionError};
use crate::resource::{Resource, Scope};

mod builtins;

/// Errors from registering, decoding or converting with a [`Scheme`].
#[derive(Debug, thiserror::Error)]
pub enum SchemeError {
    /// No type is registered for this kind.
    #[error("no kind \"{}\" is registered for version \"{}\" in the scheme", .0.kind, .0.api_version())]
    NotRegistered(GroupVersionKind),
    /// Two different types claim the same kind.
    #[error("{gvk} is already registered to {existing}, cannot register {new}")]
    Conflict {
        /// The contested kind.
        gvk: GroupVersionKind,
        /// The type registered first.
        existing: &'static str,
        /// The type that was refused.
        new: &'static str,
    },
    /// The object lacks `apiVersion` or `kind`.
    #[error("object has no {0} field")]
    MissingField(&'static str),
    /// The object's `apiVersion` is not a valid group/version.
    #[error(transparent)]
    InvalidApiVersion(#[from] ParseGroupVersionError),
    /// The bytes are not a JSON object.
    #[error("malformed object: {0}")]
    Malformed(#[source] serde_json::Error),
    /// The object does not fit its registered type.
    #[error("cannot decode {gvk}: {source}")]
    Decode {
        /// The kind being decoded.
        gvk: GroupVersionKind,
        /// The underlying serde error.
        #[source]
        source: serde_json::Error,
    },
}

/// A typed API object whose type is only known at run time.
///
/// The scheme hands these out boxed; [`boxed_object`] boxes any registrable value. The methods
/// cover what generic code needs; [`as_any`](Self::as_any) and the `downcast_*` helpers on
/// `dyn SchemeObject` are the escape hatch to the concrete type.
pub trait SchemeObject: fmt::Debug + Send + Sync + 'static {
    /// The group/version/kind of the object's type.
    fn gvk(&self) -> GroupVersionKind;
    /// Standard object metadata.
    fn meta(&self) -> &ObjectMeta;
    /// Standard object metadata, mutably.
    fn meta_mut(&mut self) -> &mut ObjectMeta;
    /// The object as an [`Unstructured`] (with `apiVersion` and `kind` set).
    fn to_unstructured(&self) -> Result<Unstructured, DynamicError>;
    /// The object as JSON bytes, always including `apiVersion` and `kind`.
    fn to_json(&self) -> Result<Vec<u8>, DynamicError>;
    /// A boxed copy of the object.
    fn clone_object(&self) -> Box<dyn SchemeObject>;
    /// The concrete object, for downcasting.
    fn as_any(&self) -> &dyn Any;
    /// The concrete object, mutably, for downcasting.
    fn as_any_mut(&mut self) -> &mut dyn Any;
    /// The concrete object, by value, for downcasting with `Box::<dyn Any>::downcast`.
    fn into_any(self: Box<Self>) -> Box<dyn Any + Send + Sync>;
}

/// Boxes a typed object as a [`SchemeObject`].
pub fn boxed_object<T: SchemeType>(obj: T) -> Box<dyn SchemeObject> {
    Box::new(Typed(obj))
}

/// The one implementation of [`SchemeObject`]. A wrapper rather than a blanket impl on every
/// resource type, so `Pod::gvk()` and `pod.meta()` stay unambiguous for users who import both
/// traits.
#[derive(Clone)]
struct Typed<T>(T);

impl<T: fmt::Debug> fmt::Debug for Typed<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl<T: SchemeType> SchemeObject for Typed<T> {
    fn gvk(&self) -> GroupVersionKind {
        T::gvk()
    }

    fn meta(&self) -> &ObjectMeta {
        self.0.meta()
    }

    fn meta_mut(&mut self) -> &mut ObjectMeta {
        self.0.meta_mut()
    }

    fn to_unstructured(&self) -> Result<Unstructured, DynamicError> {
        Unstructured::from_typed(&self.0)
    }

    fn to_json(&self) -> Result<Vec<u8>, DynamicError> {
        // Through Unstructured so hand-written types that do not serialize their
        // apiVersion/kind still produce a decodable document.
        let u = self.to_unstructured()?;
        serde_json::to_vec(&u).map_err(|source| DynamicError::Serde {
            kind: T::KIND.to_owned(),
            source,
        })
    }

    fn clone_object(&self) -> Box<dyn SchemeObject> {
        Box::new(self.clone())
    }

    fn as_any(&self) -> &dyn Any {
        &self.0
    }

    fn as_any_mut(&mut self) -> &mut dyn Any {
        &mut self.0
    }

    fn into_any(self: Box<Self>) -> Box<dyn Any + Send + Sync> {
        Box::new(self.0)
    }
}

impl dyn SchemeObject {
    /// True when the object is a `T`.
    pub fn is<T: 'static>(&self) -> bool {
        self.as_any().is::<T>()
    }

    /// The object as a `T`, if it is one.
    pub fn downcast_ref<T: 'static>(&self) -> Option<&T> {
        self.as_any().downcast_ref()
    }

    /// The object as a mutable `T`, if it is one.
    pub fn downcast_mut<T: 'static>(&mut self) -> Option<&mut T> {
        self.as_any_mut().downcast_mut()
    }
}

impl Clone for Box<dyn SchemeObject> {
    fn clone(&self) -> Self {
        self.clone_object()
    }
}

/// The bounds a type needs to be registered in a [`Scheme`].
pub trait SchemeType: Resource + Default + Clone + fmt::Debug {}

impl<T: Resource + Default + Clone + fmt::Debug> SchemeType for T {}

type DecodeFn = fn(&[u8]) -> Result<Box<dyn SchemeObject>, serde_json::Error>;
type ConvertFn = fn(&Map<String, Value>) -> Result<Box<dyn SchemeObject>, serde_json::Error>;

/// What the scheme knows about one registered type: monomorphized constructors, so no
/// downcasting is needed to build objects.
#[derive(Clone, Copy)]
struct Registration {
    type_id: TypeId,
    type_name: &'static str,
    plural: &'static str,
    scope: Scope,
    new_default: fn() -> Box<dyn SchemeObject>,
    decode: DecodeFn,
    convert: ConvertFn,
}

impl Registration {
    fn of<T: SchemeType>() -> Self {
        Self {
            type_id: TypeId::of::<T>(),
            type_name: std::any::type_name::<T>(),
            plural: T::PLURAL,
            scope: T::scope(),
            new_default: || boxed_object(T::default()),
            decode: |bytes| Ok(boxed_object(serde_json::from_slice::<T>(bytes)?)),
            convert: |map| Ok(boxed_object(T::deserialize(map)?)),
        }
    }
}

/// A registry between Rust types and group/version/kinds.
#[derive(Clone, Default)]
pub struct Scheme {
    by_gvk: BTreeMap<GroupVersionKind, Registration>,
    by_type: HashMap<TypeId, GroupVersionKind>,
}

impl fmt::Debug for Scheme {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Scheme")
            .field("kinds", &self.by_gvk.len())
            .finish_non_exhaustive()
    }
}

impl Scheme {
    /// An empty scheme.
    pub fn new() -> Self {
        Self::default()
    }

    /// A scheme with every built-in k8s-openapi type of the pinned Kubernetes version.
    pub fn with_builtins() -> Self {
        let mut scheme = Self::new();
        builtins::register_all(&mut scheme);
        scheme
    }

    /// A shared, lazily built [`Scheme::with_builtins`].
    pub fn builtin() -> &'static Scheme {
        static BUILTIN: OnceLock<Scheme> = OnceLock::new();
        BUILTIN.get_or_init(Self::with_builtins)
    }

    /// Registers `T` under its kind. Registering the same type again is a no-op; another type
    /// already holding the kind is a [`SchemeError::Conflict`].
    pub fn register<T: SchemeType>(&mut self) -> Result<&mut Self, SchemeError> {
        let gvk = T::gvk();
        if let Some(existing) = self.by_gvk.get(&gvk) {
            if existing.type_id != TypeId::of::<T>() {
                return Err(SchemeError::Conflict {
                    gvk,
                    existing: existing.type_name,
                    new: std::any::type_name::<T>(),
                });
            }
            return Ok(self);
        }
        self.insert::<T>();
        Ok(self)
    }

    /// Registers without the conflict check, for the static built-in table whose kinds are
    /// distinct by construction (a test asserts it).
    fn insert<T: SchemeType>(&mut self) {
        let gvk = T::gvk();
        self.by_type.insert(TypeId::of::<T>(), gvk.clone());
        self.by_gvk.insert(gvk, Registration::of::<T>());
    }

    /// The kind `T` is registered under, if it is registered.
    pub fn gvk_of<T: 'static>(&self) -> Option<GroupVersionKind> {
        self.by_type.get(&TypeId::of::<T>()).cloned()
    }

    /// True when a type is registered for the kind.
    pub fn recognizes(&self, gvk: &GroupVersionKind) -> bool {
        self.by_gvk.contains_key(gvk)
    }

    /// The Rust type name registered for the kind (for diagnostics).
    pub fn type_name(&self, gvk: &GroupVersionKind) -> Option<&'static str> {
        self.by_gvk.get(gvk).map(|r| r.type_name)
    }

    /// Every registered kind with its resource (plural) name and scope, sorted by group,
    /// version, kind: what a static RESTMapper is built from.
    pub fn resources(&self) -> impl Iterator<Item = (&GroupVersionKind, &'static str, Scope)> {
        self.by_gvk.iter().map(|(gvk, r)| (gvk, r.plural, r.scope))
    }

    /// Every registered kind, sorted by group, version, kind.
    pub fn known_kinds(&self) -> impl Iterator<Item = &GroupVersionKind> {
        self.by_gvk.keys()
    }

    /// The registered kinds of one group version, like apimachinery's `KnownTypes(gv)`.
    pub fn kinds_for_group_version<'a>(
        &'a self,
        gv: &'a GroupVersion,
    ) -> impl Iterator<Item = &'a GroupVersionKind> + 'a {
        self.by_gvk
            .keys()
            .filter(move |gvk| gvk.group == gv.group && gvk.version == gv.version)
    }

    /// Number of registered kinds.
    pub fn len(&self) -> usize {
        self.by_gvk.len()
    }

    /// True when nothing is registered.
    pub fn is_empty(&self) -> bool {
        self.by_gvk.is_empty()
    }

    fn registration(&self, gvk: &GroupVersionKind) -> Result<&Registration, SchemeError> {
        self.by_gvk
            .get(gvk)
            .ok_or_else(|| SchemeError::NotRegistered(gvk.clone()))
    }

    /// A default (empty) object of the kind's registered type.
    pub fn new_object(&self, gvk: &GroupVersionKind) -> Result<Box<dyn SchemeObject>, SchemeError> {
        Ok((self.registration(gvk)?.new_default)())
    }

    /// Decodes a JSON object into its registered type, chosen by its `apiVersion` and `kind`.
    pub fn decode(
        &self,
        bytes: &[u8],
    ) -> Result<(GroupVersionKind, Box<dyn SchemeObject>), SchemeError> {
        let meta: TypeMeta<'_> = serde_json::from_slice(bytes).map_err(SchemeError::Malformed)?;
        let gvk = gvk_from_type_meta(meta.api_version.as_deref(), meta.kind.as_deref())?;
        let obj =
            (self.registration(&gvk)?.decode)(bytes).map_err(|source| SchemeError::Decode {
                gvk: gvk.clone(),
                source,
            })?;
        Ok((gvk, obj))
    }

    /// Converts an untyped object into its registered type, chosen by its `apiVersion` and
    /// `kind`.
    pub fn convert_unstructured(
        &self,
        obj: &Unstructured,
    ) -> Result<Box<dyn SchemeObject>, SchemeError> {
        let gvk = gvk_from_type_meta(obj.api_version(), obj.kind())?;
        (self.registration(&gvk)?.convert)(&obj.object)
            .map_err(|source| SchemeError::Decode { gvk, source })
    }
}

/// Just the type fields of an object; everything else is skipped while parsing.
#[derive(Deserialize)]
struct TypeMeta<'a> {
    #[serde(rename = "apiVersion", borrow, default)]
    api_version: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    kind: Option<Cow<'a, str>>,
}

fn gvk_from_type_meta(
    api_version: Option<&str>,
    kind: Option<&str>,
) -> Result<GroupVersionKind, SchemeError> {
    let api_version = api_version
        .filter(|v| !v.is_empty())
        .ok_or(SchemeError::MissingField("apiVersion"))?;
    let kind = kind
        .filter(|k| !k.is_empty())
        .ok_or(SchemeError::MissingField("kind"))?;
    Ok(GroupVersionKind::from_api_version_kind(api_version, kind)?)
}

#[cfg(test)]
mod tests;
