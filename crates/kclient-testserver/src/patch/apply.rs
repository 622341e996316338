//! Server-side apply and field ownership, as kube-apiserver's fieldmanager does it.
//!
//! [`apply`] merges an applied configuration into the live object, removes the fields the
//! applier stopped applying (unless someone else owns them), refuses changes to fields other
//! managers own unless forced, and updates `metadata.managedFields`. [`record_update`] keeps
//! the `Update` entries current for every other write (create, update, patch).

use k8s_openapi::apimachinery::pkg::apis::meta::v1::{Status, StatusCause};
use kclient_core::status;
use serde_json::Value;

use super::fields::{FieldSet, PathElement, path_string};
use super::managed::{self, APPLY, Entry, UPDATE};
use super::{schema, typed};

/// Manager name kube-apiserver gives the fields of an object that had no managed fields
/// when it was first applied to.
pub const BEFORE_FIRST_APPLY: &str = "before-first-apply";

/// A field the applied configuration changes that another manager owns.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldConflict {
    /// The owning manager.
    pub manager: String,
    /// Its operation, `Apply` or `Update`.
    pub operation: String,
    /// The apiVersion of its entry.
    pub api_version: String,
    /// The subresource it wrote through, if any.
    pub subresource: Option<String>,
    /// The field as kube-apiserver prints it, e.g. `.spec.replicas`.
    pub field: String,
}

impl FieldConflict {
    /// The manager as kube-apiserver names it in messages: `"helm"` for an applier,
    /// `"kubectl-client-side-apply" using apps/v1` for an updater, with
    /// `with subresource "status"` when it wrote through one.
    pub fn manager_description(&self) -> String {
        let mut s = quote(&self.manager);
        if let Some(sub) = &self.subresource {
            s.push_str(&format!(" with subresource {}", quote(sub)));
        }
        if self.operation == UPDATE {
            s.push_str(&format!(" using {}", self.api_version));
        }
        s
    }

    fn identity(&self) -> (&str, &str, &str, Option<&str>) {
        (
            &self.manager,
            &self.operation,
            &self.api_version,
            self.subresource.as_deref(),
        )
    }
}

fn quote(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| format!("\"{s}\""))
}

/// kube-apiserver's conflict message: one line for one conflict, else a list per manager.
fn conflict_message(conflicts: &[FieldConflict]) -> String {
    if let [c] = conflicts {
        return format!(
            "Apply failed with 1 conflict: conflict with {}: {}",
            c.manager_description(),
            c.field
        );
    }
    let mut lines = Vec::new();
    let mut current = None;
    for c in conflicts {
        if current != Some(c.identity()) {
            current = Some(c.identity());
            lines.push(format!("conflicts with {}:", c.manager_description()));
        }
        lines.push(format!("- {}", c.field));
    }
    format!(
        "Apply failed with {} conflicts: {}",
        conflicts.len(),
        lines.join("\n")
    )
}

/// Why an apply failed.
#[derive(Debug, thiserror::Error)]
pub enum ApplyError {
    /// Fields the configuration changes belong to other managers (409 unless forced).
    #[error("{}", conflict_message(.conflicts))]
    Conflict {
        /// The conflicting fields, grouped by manager.
        conflicts: Vec<FieldConflict>,
    },
    /// The applied configuration is not acceptable (400).
    #[error("{0}")]
    Invalid(String),
    /// The configuration does not fit the kind's schema, or the stored managed fields are
    /// corrupt (kube-apiserver answers these with a plain 500).
    #[error("{0}")]
    Failed(String),
}

impl ApplyError {
    /// The HTTP status code kube-apiserver answers with.
    pub fn code(&self) -> u16 {
        match self {
            ApplyError::Conflict { .. } => 409,
            ApplyError::Invalid(_) => 400,
            ApplyError::Failed(_) => 500,
        }
    }

    /// The `Status` body: for conflicts kube-apiserver's 409 with reason `Conflict` and one
    /// `FieldManagerConflict` cause per field, naming the object in the details.
    pub fn to_status(&self, group: &str, plural: &str, name: &str) -> Status {
        match self {
            ApplyError::Conflict { conflicts } => {
                let causes = conflicts
                    .iter()
                    .map(|c| StatusCause {
                        reason: Some("FieldManagerConflict".to_string()),
                        message: Some(format!("conflict with {}", c.manager_description())),
                        field: Some(c.field.clone()),
                    })
                    .collect();
                let mut st = status::new_apply_conflict(causes, self);
                if let Some(details) = st.details.as_mut() {
                    let non_empty = |s: &str| (!s.is_empty()).then(|| s.to_string());
                    details.group = non_empty(group);
                    details.kind = non_empty(plural);
                    details.name = non_empty(name);
                }
                st
            }
            ApplyError::Invalid(msg) => status::new_bad_request(msg),
            ApplyError::Failed(msg) => super::unknown_status(500, msg),
        }
    }
}

/// Everything [`apply_with`] needs besides the objects.
#[derive(Clone, Copy, Debug)]
pub struct ApplyOptions<'a> {
    /// The field manager (the `fieldManager` query parameter).
    pub manager: &'a str,
    /// Take ownership of conflicting fields instead of failing (`force=true`).
    pub force: bool,
    /// The time to record, RFC 3339.
    pub now: &'a str,
    /// API group of the object.
    pub group: &'a str,
    /// Kind of the object.
    pub kind: &'a str,
    /// The subresource applied through (`status`), if any.
    pub subresource: Option<&'a str>,
    /// Top-level fields the server resets on this endpoint (kube-apiserver's reset fields:
    /// `status` on the main resource of a kind with a status subresource, `spec` through
    /// `/status`). They are dropped from the configuration first, so they are neither
    /// merged, nor owned, nor in conflict.
    pub reset_fields: &'a [&'a str],
}

/// Server-side apply of `applied` (an `application/apply-patch+yaml` body) by `manager`
/// onto `live` (`None`: the object doesn't exist yet and is created from the configuration).
/// Returns the new object with `metadata.managedFields` updated; the server-maintained
/// metadata of `live` (uid, resourceVersion, creationTimestamp, generation) is kept.
pub fn apply(
    live: Option<&Value>,
    applied: &Value,
    manager: &str,
    force: bool,
    now: &str,
    group: &str,
    kind: &str,
) -> Result<Value, ApplyError> {
    let opts = ApplyOptions {
        manager,
        force,
        now,
        group,
        kind,
        subresource: None,
        reset_fields: &[],
    };
    apply_with(live, applied, &opts)
}

fn str_at<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str).filter(|s| !s.is_empty())
}

/// [`apply`] with every option, including the subresource.
pub fn apply_with(
    live: Option<&Value>,
    applied: &Value,
    opts: &ApplyOptions<'_>,
) -> Result<Value, ApplyError> {
    if !applied.is_object() {
        return Err(ApplyError::Invalid(
            "the applied configuration must be an object".to_string(),
        ));
    }
    let api_version = str_at(applied, "apiVersion").ok_or_else(|| {
        ApplyError::Invalid(format!("Object 'apiVersion' is missing in '{applied}'"))
    })?;
    if str_at(applied, "kind").is_none() {
        return Err(ApplyError::Invalid(format!(
            "Object 'Kind' is missing in '{applied}'"
        )));
    }
    if applied
        .pointer("/metadata/managedFields")
        .is_some_and(|v| !v.is_null())
    {
        return Err(ApplyError::Invalid(
            "metadata.managedFields must be nil".to_string(),
        ));
    }
    let without_reset;
    let applied = if opts.reset_fields.is_empty() {
        applied
    } else {
        let mut cfg = applied.clone();
        if let Some(m) = cfg.as_object_mut() {
            for f in opts.reset_fields {
                if !matches!(*f, "apiVersion" | "kind" | "metadata") {
                    m.remove(*f);
                }
            }
        }
        without_reset = cfg;
        &without_reset
    };
    let root = schema::root(opts.group, opts.kind);
    let config_set = typed::to_field_set(applied, root).map_err(|e| {
        ApplyError::Failed(format!(
            "failed to create typed patch object ({}): {e}",
            describe(applied, opts.kind)
        ))
    })?;
    let applier = |fields: FieldSet, time: Option<String>| Entry {
        manager: opts.manager.to_string(),
        operation: APPLY.to_string(),
        api_version: api_version.to_string(),
        time,
        subresource: opts.subresource.map(str::to_string),
        fields: managed::strip(&fields),
    };

    let Some(live) = live else {
        let mut obj = typed::without_nulls(applied);
        managed::encode(
            &mut obj,
            vec![applier(config_set, Some(opts.now.to_string()))],
        );
        return Ok(obj);
    };

    let live_plain = managed::without_managed_fields(live);
    let mut entries = managed::decode(live)
        .map_err(|e| ApplyError::Failed(format!("failed to decode managed fields: {e}")))?;
    if entries.is_empty() {
        entries.push(before_first_apply(&live_plain, api_version, opts));
    }
    let mine = entries
        .iter()
        .position(|e| e.is(opts.manager, APPLY, api_version, opts.subresource));

    let mut merged = typed::merge(&live_plain, applied, root).map_err(|e| {
        ApplyError::Failed(format!(
            "failed to merge the applied configuration ({}): {e}",
            describe(applied, opts.kind)
        ))
    })?;
    if let Some(i) = mine {
        let others = entries
            .iter()
            .enumerate()
            .filter(|(j, _)| *j != i)
            .fold(config_set.clone(), |acc, (_, e)| acc.union(&e.fields));
        prune(&mut merged, root, &entries[i].fields, &others);
    }

    let cmp = typed::compare(&live_plain, &merged, root);
    let changed = cmp.modified.union(&cmp.added);
    let mut conflicts = Vec::new();
    for (j, e) in entries.iter().enumerate() {
        if Some(j) == mine {
            continue;
        }
        for path in e.fields.intersection(&changed).iter() {
            conflicts.push(FieldConflict {
                manager: e.manager.clone(),
                operation: e.operation.clone(),
                api_version: e.api_version.clone(),
                subresource: e.subresource.clone(),
                field: path_string(path),
            });
        }
    }
    if !conflicts.is_empty() && !opts.force {
        // Stable: paths stay in set order within each manager.
        conflicts.sort_by(|a, b| a.identity().cmp(&b.identity()));
        return Err(ApplyError::Conflict { conflicts });
    }
    for (j, e) in entries.iter_mut().enumerate() {
        if Some(j) != mine {
            e.fields = e.fields.difference(&changed);
        }
        e.fields = e.fields.difference(&cmp.removed);
    }

    let object_changed = merged != live_plain;
    match mine {
        Some(i) => {
            let time = match &entries[i].time {
                Some(t) if !object_changed => Some(t.clone()),
                _ => Some(opts.now.to_string()),
            };
            entries[i] = applier(config_set, time);
        }
        None => entries.push(applier(config_set, Some(opts.now.to_string()))),
    }
    managed::encode(&mut merged, entries);
    Ok(merged)
}

/// `namespace/name; apiVersion, Kind=kind` as kube-apiserver names objects in these errors.
fn describe(obj: &Value, kind: &str) -> String {
    let meta = |k: &str| {
        obj.get("metadata")
            .and_then(|m| m.get(k))
            .and_then(Value::as_str)
            .unwrap_or("")
    };
    let name = match meta("namespace") {
        "" => meta("name").to_string(),
        ns => format!("{ns}/{}", meta("name")),
    };
    let api_version = str_at(obj, "apiVersion").unwrap_or("");
    let (group, version) = api_version.split_once('/').unwrap_or(("", api_version));
    let gv = if group.is_empty() {
        format!("/{version}")
    } else {
        format!("{group}/{version}")
    };
    format!("{name}; {gv}, Kind={kind}")
}

/// The entry kube-apiserver creates for the fields of an object nobody managed yet.
fn before_first_apply(live: &Value, api_version: &str, opts: &ApplyOptions<'_>) -> Entry {
    let root = schema::root(opts.group, opts.kind);
    let zero = schema::zero_object(opts.group, opts.kind, live);
    let cmp = typed::compare(&zero, live, root);
    Entry {
        manager: BEFORE_FIRST_APPLY.to_string(),
        operation: UPDATE.to_string(),
        api_version: api_version.to_string(),
        time: Some(opts.now.to_string()),
        subresource: None,
        fields: managed::strip(&cmp.added.union(&cmp.modified)),
    }
}

/// Removes what the applier applied last time but no longer does, unless another manager
/// (or the new configuration) still owns it. Whole subtrees go: a dropped container goes
/// with its fields, and a labels map nobody owns anything in goes entirely.
fn prune(merged: &mut Value, root: schema::Ty, last: &FieldSet, owned: &FieldSet) {
    if last.is_empty() {
        return;
    }
    let last = last.with_named_ancestors();
    let owned = owned.with_named_ancestors();
    let remove = |p: &Vec<PathElement>| {
        last.contains(p) && !owned.contains(p) && !managed::is_stripped(p) && !is_item_key(p)
    };
    typed::remove_where(merged, root, &remove);
}

/// Whether `path` is a key field of an associative-list item (which stays while its item
/// does).
fn is_item_key(path: &[PathElement]) -> bool {
    match path {
        [.., item @ PathElement::Key(_), PathElement::Field(name)] => item
            .key_fields()
            .is_some_and(|keys| keys.contains_key(name)),
        _ => false,
    }
}

/// Records a create, update or non-apply patch by `manager` in `new`'s managedFields, as
/// kube-apiserver's fieldmanager does: the fields that changed between `old` (`None` for a
/// create) and `new` move to `manager`'s `Update` entry (for `subresource`, at `new`'s
/// apiVersion) and leave every other entry; fields that disappeared leave every entry;
/// entries left empty are dropped. Managed fields a client sent in `new` are kept when
/// valid (`[{}]` clears them all); otherwise `old`'s are the starting point.
pub fn record_update(
    old: Option<&Value>,
    new: &mut Value,
    manager: &str,
    subresource: Option<&str>,
    now: &str,
) {
    if !new.is_object() {
        return;
    }
    if subresource.is_none() && managed::is_reset(new) {
        managed::encode(new, Vec::new());
        return;
    }
    let api_version = str_at(new, "apiVersion").unwrap_or("").to_string();
    let group = api_version
        .split_once('/')
        .map_or("", |(g, _)| g)
        .to_string();
    let kind = str_at(new, "kind").unwrap_or("").to_string();
    let root = schema::root(&group, &kind);

    let provided = match subresource {
        None => managed::decode(new).ok().filter(|e| !e.is_empty()),
        Some(_) => None,
    };
    let mut entries = provided
        .or_else(|| old.and_then(|o| managed::decode(o).ok()))
        .unwrap_or_default();

    let new_plain = managed::without_managed_fields(new);
    let old_plain = match old {
        Some(o) => managed::without_managed_fields(o),
        None => schema::zero_object(&group, &kind, &new_plain),
    };
    let cmp = typed::compare(&old_plain, &new_plain, root);
    let changed = cmp.added.union(&cmp.modified);
    let touched = changed.union(&cmp.removed);
    for e in &mut entries {
        e.fields = e.fields.difference(&touched);
    }
    let gained = managed::strip(&changed);
    if !gained.is_empty() {
        match entries
            .iter_mut()
            .find(|e| e.is(manager, UPDATE, &api_version, subresource))
        {
            Some(e) => {
                e.fields = e.fields.union(&gained);
                e.time = Some(now.to_string());
            }
            None => entries.push(Entry {
                manager: manager.to_string(),
                operation: UPDATE.to_string(),
                api_version,
                time: Some(now.to_string()),
                subresource: subresource.map(str::to_string),
                fields: gained,
            }),
        }
    }
    managed::encode(new, entries);
}

#[cfg(test)]
#[path = "apply_tests.rs"]
mod tests;
