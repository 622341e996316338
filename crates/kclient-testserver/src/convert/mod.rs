//! Conversion between versions that share storage: the two Event APIs, and the
//! HorizontalPodAutoscaler's autoscaling/v1 and autoscaling/v2 forms (stored as v2, as
//! kube-apiserver stores them).

mod events;
pub(crate) mod hpa;
mod hpa_metrics;

use serde_json::{Map, Value};

use crate::registry::Served;
use crate::store::{Obj, Undecodable};

/// Converts `obj` (stored or written in its own `apiVersion`) into the form version `to`
/// serves; returns whether the kind has such a conversion. The caller sets `apiVersion`.
pub(crate) fn convert(obj: &mut Map<String, Value>, to: &str) -> bool {
    events::convert(obj, to) || hpa::convert(obj, to)
}

/// Whether reading an object stored as `from` in version `to` changes its metadata: only
/// a v2 HorizontalPodAutoscaler read in v1 does (it gains the round-trip annotations); the
/// Event conversion renames top-level fields and a custom resource changes only its
/// `apiVersion`, so their stored metadata bytes serve as they are.
pub(crate) fn changes_metadata(from: &str, to: &str) -> bool {
    from == hpa::V2 && to == hpa::V1
}

/// Whether the kind's versions differ in shape and storage keeps one form of them (the
/// HorizontalPodAutoscaler's autoscaling/v2): such objects are printed from that form, as
/// kube-apiserver prints the internal object.
pub(crate) fn stores_one_form(served: &Served) -> bool {
    !served.is_crd() && hpa::is_hpa(&served.info.group, &served.info.kind)
}

/// An update takes its status from `from` (the stored object on a main-resource write,
/// the body on a status write); where a version keeps part of the status in annotations
/// (a v1 HorizontalPodAutoscaler's current metrics and conditions), they come along.
pub(crate) fn carry_status(served: &Served, from: &Value, to: &mut Value) {
    if stores_one_form(served) {
        hpa::carry_status_annotations(from, to);
    }
}

/// Turns an object written at `served` into the form its storage keeps (an autoscaling/v1
/// HorizontalPodAutoscaler becomes autoscaling/v2, with v2's defaults); returns whether
/// the kind is converted on its way to storage, so the caller knows the stored form may
/// differ from what the client's version shows.
pub(crate) fn to_storage(served: &Served, obj: &mut Value) -> bool {
    if !stores_one_form(served) {
        return false;
    }
    hpa::to_storage(obj);
    true
}

/// An update of a kind converted on its way to storage, made its stored form: its
/// `metadata.generation` follows the stored spec (kube compares internal specs, which a
/// v1 HorizontalPodAutoscaler's annotations change too). Returns whether it equals the
/// stored `old` (`old_value`: it as the client's version serves it), or `None` for kinds
/// stored as written.
pub(crate) fn stored_update(
    served: &Served,
    old: &Obj,
    old_value: &Value,
    new: &mut Value,
    subresource: Option<&str>,
) -> Result<Option<bool>, Undecodable> {
    if !to_storage(served, new) {
        return Ok(None);
    }
    // Written in the stored version, the served old object is the stored one.
    let parsed;
    let old = if old_value.get("apiVersion").and_then(Value::as_str) == Some(old.api_version()) {
        old_value
    } else {
        parsed = old.value()?;
        &parsed
    };
    let generation = old
        .pointer("/metadata/generation")
        .and_then(Value::as_i64)
        .unwrap_or(0);
    let bumped = subresource != Some("status") && old.get("spec") != new.get("spec");
    if let Some(meta) = new.get_mut("metadata").and_then(Value::as_object_mut) {
        meta.insert(
            "generation".into(),
            Value::from(generation + i64::from(bumped)),
        );
    }
    Ok(Some(*old == *new))
}
