//! The per-request context shared by the verb handlers.

use std::borrow::Cow;
use std::sync::Arc;

use bytes::Bytes;
use http::{HeaderMap, header};
use serde_json::Value;

use crate::authn::UserInfo;
use crate::error::{ApiResult, ErrorResponse};
use crate::query::Query;
use crate::registry::Served;
use crate::respond::{Output, header_str};
use crate::router::ResourceRequest;
use crate::state::State;
use crate::store::{Obj, ResourceStore, Undecodable, object_key};

/// One resource request, resolved.
pub(crate) struct Ctx {
    pub state: Arc<State>,
    pub served: Arc<Served>,
    pub req: ResourceRequest,
    pub query: Query,
    pub headers: HeaderMap,
    /// Who asked (the authenticated or anonymous user).
    pub user: Arc<UserInfo>,
}

impl Ctx {
    pub fn group(&self) -> &str {
        &self.served.info.group
    }

    pub fn plural(&self) -> &str {
        &self.served.info.plural
    }

    pub fn kind(&self) -> &str {
        &self.served.info.kind
    }

    /// The request's namespace ("" for cluster-scoped resources and all-namespace lists).
    pub fn namespace(&self) -> &str {
        self.req.namespace.as_deref().unwrap_or("")
    }

    pub fn store(&self) -> Arc<ResourceStore> {
        self.state.store.ensure(&self.served.storage)
    }

    /// The name from the URL (routing guarantees it for object verbs).
    pub fn name(&self) -> ApiResult<&str> {
        self.req.name.as_deref().ok_or_else(ErrorResponse::no_route)
    }

    pub fn key(&self, name: &str) -> String {
        object_key(self.namespace(), name)
    }

    /// RBAC escalation prevention for a role or binding this request creates (`old` is
    /// `None`) or updates from `old`.
    pub fn check_escalation(&self, obj: &Value, old: Option<&Value>) -> ApiResult<()> {
        crate::rbac::escalation::check(
            &self.state,
            &self.user,
            self.group(),
            self.plural(),
            self.namespace(),
            obj,
            old,
        )
    }

    pub fn not_found(&self, name: &str) -> ErrorResponse {
        ErrorResponse::not_found(self.group(), self.plural(), name)
    }

    /// The field manager of a write: `fieldManager`, else the User-Agent's program name.
    pub fn manager(&self) -> String {
        if let Some(m) = self
            .query
            .field_manager
            .as_deref()
            .filter(|m| !m.is_empty())
        {
            return m.to_string();
        }
        let ua = header_str(&self.headers, header::USER_AGENT);
        let prefix = ua.split('/').next().unwrap_or("").trim();
        if prefix.is_empty() {
            "unknown".to_string()
        } else {
            prefix.chars().take(128).collect()
        }
    }

    pub fn accept(&self) -> &str {
        header_str(&self.headers, header::ACCEPT)
    }

    /// The response format Accept negotiates at this endpoint (406 when nothing fits).
    pub fn output(&self) -> ApiResult<Output> {
        crate::negotiate::negotiate(self.accept(), super::protobuf::endpoint(self))
    }

    /// The apiVersion objects are served in at this endpoint.
    pub fn api_version(&self) -> String {
        self.served.api_version()
    }

    /// The stored object as this endpoint's version serves it.
    pub fn object_value(&self, obj: &Obj) -> ApiResult<Value> {
        let mut value = value_in_version(obj, &self.api_version())?;
        crate::crd_schema::default_on_read(&self.served, &mut value);
        Ok(value)
    }

    /// [`Ctx::object_value`] serialized.
    pub fn object_json(&self, obj: &Obj) -> ApiResult<Bytes> {
        if crate::crd_schema::has_defaults(&self.served) {
            let value = self.object_value(obj)?;
            return Ok(Bytes::from(serde_json::to_vec(&value).unwrap_or_default()));
        }
        Ok(json_in_version(obj, &self.api_version())?)
    }
}

/// A stored object as served at `api_version`. Versions of one resource share storage;
/// like a CRD with conversion strategy None, only apiVersion changes, except between the
/// two Event APIs, whose fields are renamed.
pub(crate) fn value_in_version(obj: &Obj, api_version: &str) -> Result<Value, Undecodable> {
    let mut v = obj.value()?;
    if obj.api_version() != api_version
        && let Some(m) = v.as_object_mut()
    {
        crate::convert::convert(m, api_version);
        m.insert("apiVersion".into(), Value::String(api_version.to_string()));
    }
    Ok(v)
}

/// The metadata of a stored object as served at `api_version` (a v1
/// HorizontalPodAutoscaler's shows the round-trip annotations): the stored bytes, not
/// parsed, unless the conversion changes them.
pub(crate) fn metadata_in_version<'a>(
    obj: &'a Obj,
    api_version: &str,
) -> Result<Cow<'a, [u8]>, Undecodable> {
    if !crate::convert::changes_metadata(obj.api_version(), api_version) {
        return Ok(Cow::Borrowed(obj.metadata_json()?));
    }
    let v = value_in_version(obj, api_version)?;
    let metadata = v
        .get("metadata")
        .cloned()
        .unwrap_or_else(|| Value::Object(Default::default()));
    Ok(Cow::Owned(
        serde_json::to_vec(&metadata).unwrap_or_default(),
    ))
}

/// [`value_in_version`] serialized: the stored bytes, not parsed, when nothing changes.
pub(crate) fn json_in_version(obj: &Obj, api_version: &str) -> Result<Bytes, Undecodable> {
    if obj.api_version() == api_version {
        return Ok(obj.json.clone());
    }
    let v = value_in_version(obj, api_version)?;
    Ok(Bytes::from(serde_json::to_vec(&v).unwrap_or_default()))
}
