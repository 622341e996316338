//! POST: create an object (also used by server-side apply of a missing object and for
//! the namespaces that exist at start).

use std::sync::Arc;

use bytes::Bytes;
use http::{Response, StatusCode};
use serde_json::{Value, json};

use super::Ctx;
use super::write::{
    Managed, check_namespace, check_namespace_lifecycle, check_schema, check_type_meta, respond,
    validate,
};
use crate::controllers;
use crate::defaults;
use crate::error::{ApiResult, ErrorResponse};
use crate::field_validation::Source;
use crate::meta;
use crate::patching::record_update;
use crate::pod_admission;
use crate::registry::Served;
use crate::respond::decode_object;
use crate::state::State;
use crate::store::{Change, CommitError, Expect, Obj, object_key};
use crate::strategy;

/// How [`create_object`] treats the object.
#[derive(Debug)]
pub(crate) struct CreateOptions<'a> {
    pub manager: &'a str,
    pub managed: Managed,
    pub dry_run: bool,
}

impl CreateOptions<'static> {
    /// What the server creates itself at start (namespaces, bootstrap RBAC), recorded as
    /// kube-apiserver's own writes.
    pub(crate) const SERVER: Self = Self {
        manager: "kube-apiserver",
        managed: Managed::Record,
        dry_run: false,
    };

    /// What kube-controller-manager's controllers create (the namespaces' default
    /// ServiceAccounts and root CA ConfigMaps).
    pub(crate) const CONTROLLER: Self = Self {
        manager: "kube-controller-manager",
        managed: Managed::Record,
        dry_run: false,
    };
}

/// Stamps server metadata on a new object, validates it and stores it.
pub(crate) fn create_object(
    state: &State,
    served: &Served,
    mut obj: Value,
    opts: &CreateOptions<'_>,
) -> ApiResult<Arc<Obj>> {
    let info = &served.info;
    let generate = meta::name(&obj).is_empty()
        && meta::meta_str(&obj, "generateName").is_some_and(|g| !g.is_empty());
    if generate {
        let base = meta::meta_str(&obj, "generateName")
            .unwrap_or("")
            .to_string();
        meta::set_meta(&mut obj, "name", Value::String(meta::generate_name(&base)));
    }
    defaults::on_write(served, &mut obj);
    validate(served, &obj, None)?;
    let namespace = meta::namespace(&obj).to_string();
    check_namespace_lifecycle(state, served, &namespace, meta::name(&obj))?;
    if meta::meta_str(&obj, "resourceVersion").is_some_and(|rv| !rv.is_empty()) {
        return Err(ErrorResponse::internal(
            "resourceVersion should not be set on objects to be created",
        ));
    }
    let now = meta::now_rfc3339();
    {
        let m = meta::metadata_mut(&mut obj);
        m.insert("uid".into(), Value::String(meta::new_uid()));
        m.insert("creationTimestamp".into(), Value::String(now.clone()));
        for k in [
            "deletionTimestamp",
            "deletionGracePeriodSeconds",
            "selfLink",
            "resourceVersion",
        ] {
            m.remove(k);
        }
        if strategy::tracks_generation(served) {
            m.insert("generation".into(), json!(1));
        } else {
            m.remove("generation");
        }
    }
    strategy::prepare_create(served, &mut obj);
    if opts.managed == Managed::Record {
        record_update(None, &mut obj, opts.manager, None, &now);
    }
    let admitted_name = if generate {
        meta::meta_str(&obj, "generateName").unwrap_or("")
    } else {
        meta::name(&obj)
    }
    .to_string();
    pod_admission::admit_create(state, served, &mut obj, &admitted_name)?;
    defaults::prepare_create(served, &mut obj);
    defaults::allocate(state, served, &mut obj, None)?;
    crate::convert::to_storage(served, &mut obj);
    if opts.dry_run {
        return Ok(Obj::new(obj));
    }
    let store = state.store.ensure(&served.storage);
    let mut attempts = 0;
    loop {
        let key = object_key(&namespace, meta::name(&obj));
        match store.commit(&key, Expect::Absent, Change::Put(obj.clone())) {
            Ok(done) => {
                controllers::after_write(state, served, &done.obj);
                return Ok(done.obj);
            }
            Err(CommitError::AlreadyExists) if generate && attempts < 8 => {
                attempts += 1;
                let base = meta::meta_str(&obj, "generateName")
                    .unwrap_or("")
                    .to_string();
                meta::set_meta(&mut obj, "name", Value::String(meta::generate_name(&base)));
            }
            Err(_) => {
                return Err(ErrorResponse::already_exists(
                    &info.group,
                    &info.plural,
                    meta::name(&obj),
                ));
            }
        }
    }
}

/// `POST` on a collection.
pub(super) fn create(ctx: &Ctx, body: &Bytes) -> ApiResult<Response<Body>> {
    if ctx.req.name.is_some() {
        return Err(ErrorResponse::method_not_supported(
            ctx.group(),
            ctx.plural(),
            "create",
        ));
    }
    let mut obj = decode_object(&ctx.headers, body)?;
    check_type_meta(&ctx.served, &mut obj)?;
    check_namespace(ctx, &mut obj)?;
    let warnings = check_schema(ctx, &mut obj, Source::Body(body))?;
    ctx.check_escalation(&obj, None)?;
    let manager = ctx.manager();
    let created = create_object(
        &ctx.state,
        &ctx.served,
        obj,
        &CreateOptions {
            manager: &manager,
            managed: Managed::Record,
            dry_run: ctx.query.dry_run,
        },
    )?;
    respond(ctx, StatusCode::CREATED, &created, &warnings)
}

use crate::respond::Body;
