//! What kube-apiserver does to a custom resource under its version's `openAPIV3Schema`
//! (kclient-core's `crd::{prune, default, validate}` hold the rules): when a request body is
//! decoded, unknown fields are pruned (and reported for `fieldValidation`) and defaults
//! applied; before a write is stored, the object is validated (schema, `/scale` paths,
//! embedded resources, list types, then the `x-kubernetes-validations` CEL rules), unchanged
//! invalid values of an update passing as kube-apiserver's validation ratcheting lets them;
//! when an object is read, the defaults of the version it is read in are applied.

mod cel;
mod cel_check;
mod cel_compile;
mod cel_cost;
mod cel_lib;
mod cel_sigs;
mod cel_types;
mod cel_value;
mod ratchet;
mod scale;

use kclient_core::crd::{default, prune, validate};
use kclient_core::status::{FieldError, FieldErrorType};
use serde_json::{Map, Value};

use crate::registry::Served;

/// The schema of a custom resource's served version.
fn schema(served: &Served) -> Option<&Value> {
    served.crd.as_ref()?.schema.as_deref()
}

/// Decode-time treatment of a request body: prunes what the schema does not specify and
/// applies the defaults; returns the pruned paths (unknown fields, sorted). Built-in kinds
/// are left alone.
pub(crate) fn decode(served: &Served, obj: &mut Value) -> Vec<String> {
    let Some(schema) = schema(served) else {
        return Vec::new();
    };
    let unknown = prune::prune(obj, schema);
    default::apply_defaults(obj, schema);
    unknown
}

/// Read-time defaulting: a stored object read at `served`'s version gets that version's
/// defaults (a default added to the CRD after the object was written shows up on read, as
/// in a cluster).
pub(crate) fn default_on_read(served: &Served, obj: &mut Value) {
    if let Some(schema) = schema(served).filter(|s| default::has_defaults(s)) {
        default::apply_defaults(obj, schema);
    }
}

/// Whether reads at this version may need defaults applied: whether any node of its schema
/// has a `default`.
pub(crate) fn has_defaults(served: &Served) -> bool {
    schema(served).is_some_and(default::has_defaults)
}

/// What kube-apiserver refuses in one CRD schema (`path` naming its root) beyond the
/// structural rules: `x-kubernetes-validations` rules that are malformed, or (in a
/// `structural` schema) do not compile or type-check, or cost too much.
pub(crate) fn rule_errors(
    schema: &Map<String, Value>,
    path: &str,
    structural: bool,
) -> Vec<FieldError> {
    cel_compile::schema_errors(schema, path, structural)
}

/// The schema's field errors for a write of `obj` (`old`: the stored object an update
/// replaces): the OpenAPI validation, scale paths, embedded resources and list-type
/// uniqueness, then the CEL rules unless a
/// blocking error (wrong type, missing field, unsupported value, too long or too many) makes
/// them moot, as kube-apiserver's custom resource strategy does.
pub(crate) fn validate(served: &Served, obj: &Value, old: Option<&Value>) -> Vec<FieldError> {
    let scale = served.crd.as_ref().and_then(|c| c.scale.as_ref());
    let Some(schema) = schema(served) else {
        return scale
            .map(|paths| scale::validate(paths, obj))
            .unwrap_or_default();
    };
    // A create drops the status of a kind with a status subresource before validating it.
    let without_status;
    let obj = if old.is_none() && served.has_subresource("status") && obj.get("status").is_some() {
        let mut copy = obj.clone();
        if let Some(m) = copy.as_object_mut() {
            m.remove("status");
        }
        without_status = copy;
        &without_status
    } else {
        obj
    };
    // kube-apiserver's order: the schema (ratcheted on update), the scale paths, embedded
    // resources, list types, then the rules.
    let mut errors = validate::validate_schema(schema, obj);
    if let Some(old) = old {
        errors.retain(|e| !ratchet::unchanged(e, obj, old));
    }
    errors.extend(
        scale
            .map(|paths| scale::validate(paths, obj))
            .unwrap_or_default(),
    );
    errors.extend(validate::validate_embedded_resources(schema, obj));
    errors.extend(validate::validate_list_types(schema, obj));
    let blocking = errors.iter().any(|e| {
        matches!(
            e.error_type,
            FieldErrorType::NotSupported
                | FieldErrorType::Required
                | FieldErrorType::TooLong
                | FieldErrorType::TooMany
                | FieldErrorType::TypeInvalid
        )
    });
    if !cel::has_rules(schema) {
        return errors;
    }
    if blocking {
        errors.push(FieldError::invalid(
            "<nil>",
            Value::Null,
            "some validation rules were not checked because the object was invalid; correct the existing errors to complete validation",
        ));
    } else {
        let mut rule_errors = cel::validate(schema, obj, old);
        if let Some(old) = old {
            rule_errors.retain(|e| !ratchet::unchanged(e, obj, old));
        }
        errors.extend(rule_errors);
    }
    errors
}
