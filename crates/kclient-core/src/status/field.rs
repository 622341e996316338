//! Field validation errors, apimachinery's `validation/field.Error`, turned into the causes
//! and message of an `Invalid` status.

use std::fmt::{self, Write as _};

use k8s_openapi::apimachinery::pkg::apis::meta::v1::StatusCause;
use serde_json::Value;

use super::cause_type;

/// The kind of a field validation error (`field.ErrorType`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FieldErrorType {
    /// `Not found`: a referenced value does not exist.
    NotFound,
    /// `Required value`: a required field is missing.
    Required,
    /// `Duplicate value`: a value that must be unique is repeated.
    Duplicate,
    /// `Invalid value`: the value is malformed.
    Invalid,
    /// `Unsupported value`: the value is not one of the supported values.
    NotSupported,
    /// `Forbidden`: the field may not be set here.
    Forbidden,
    /// `Too long`: the value is too long.
    TooLong,
    /// `Too many`: the list has too many items.
    TooMany,
    /// `Internal error`: validation itself failed.
    Internal,
    /// `Invalid value`: the value has the wrong type.
    TypeInvalid,
}

impl FieldErrorType {
    /// The cause type on the wire (`FieldValueRequired`, ...).
    pub const fn cause_type(self) -> &'static str {
        match self {
            Self::NotFound => cause_type::FIELD_VALUE_NOT_FOUND,
            Self::Required => cause_type::FIELD_VALUE_REQUIRED,
            Self::Duplicate => cause_type::FIELD_VALUE_DUPLICATE,
            Self::Invalid => cause_type::FIELD_VALUE_INVALID,
            Self::NotSupported => cause_type::FIELD_VALUE_NOT_SUPPORTED,
            Self::Forbidden => cause_type::FIELD_VALUE_FORBIDDEN,
            Self::TooLong => cause_type::FIELD_VALUE_TOO_LONG,
            Self::TooMany => cause_type::FIELD_VALUE_TOO_MANY,
            Self::Internal => cause_type::INTERNAL_ERROR,
            Self::TypeInvalid => cause_type::FIELD_VALUE_TYPE_INVALID,
        }
    }

    /// The human-readable form used in messages (`Required value`, ...).
    pub const fn description(self) -> &'static str {
        match self {
            Self::NotFound => "Not found",
            Self::Required => "Required value",
            Self::Duplicate => "Duplicate value",
            Self::Invalid | Self::TypeInvalid => "Invalid value",
            Self::NotSupported => "Unsupported value",
            Self::Forbidden => "Forbidden",
            Self::TooLong => "Too long",
            Self::TooMany => "Too many",
            Self::Internal => "Internal error",
        }
    }

    /// Types whose message never shows the offending value.
    const fn omits_value(self) -> bool {
        matches!(
            self,
            Self::Required | Self::Forbidden | Self::TooLong | Self::Internal
        )
    }
}

/// One validation failure on one field path (`spec.containers[0].image`).
#[derive(Clone, Debug, PartialEq)]
pub struct FieldError {
    /// What went wrong.
    pub error_type: FieldErrorType,
    /// The field path, dotted with `[i]` / `[key]` subscripts.
    pub field: String,
    /// The offending value; `None` leaves it out of the message.
    pub bad_value: Option<Value>,
    /// Extra explanation appended after the value.
    pub detail: String,
}

impl FieldError {
    /// A field error of any type.
    pub fn new(
        error_type: FieldErrorType,
        field: impl Into<String>,
        bad_value: Option<Value>,
        detail: impl Into<String>,
    ) -> Self {
        Self {
            error_type,
            field: field.into(),
            bad_value,
            detail: detail.into(),
        }
    }

    /// `field.Required`.
    pub fn required(field: impl Into<String>, detail: impl Into<String>) -> Self {
        Self::new(FieldErrorType::Required, field, None, detail)
    }

    /// `field.Invalid`: the value is shown, then the detail.
    pub fn invalid(field: impl Into<String>, value: Value, detail: impl Into<String>) -> Self {
        Self::new(FieldErrorType::Invalid, field, Some(value), detail)
    }

    /// `field.NotSupported`: the detail lists the supported values as apimachinery does.
    pub fn not_supported<S: AsRef<str>>(
        field: impl Into<String>,
        value: Value,
        valid_values: &[S],
    ) -> Self {
        let detail = if valid_values.is_empty() {
            String::new()
        } else {
            let quoted: Vec<String> = valid_values.iter().map(|v| go_quote(v.as_ref())).collect();
            format!("supported values: {}", quoted.join(", "))
        };
        Self::new(FieldErrorType::NotSupported, field, Some(value), detail)
    }

    /// `field.Forbidden`.
    pub fn forbidden(field: impl Into<String>, detail: impl Into<String>) -> Self {
        Self::new(FieldErrorType::Forbidden, field, None, detail)
    }

    /// `field.Duplicate`.
    pub fn duplicate(field: impl Into<String>, value: Value) -> Self {
        Self::new(FieldErrorType::Duplicate, field, Some(value), "")
    }

    /// `field.NotFound`.
    pub fn not_found(field: impl Into<String>, value: Value) -> Self {
        Self::new(FieldErrorType::NotFound, field, Some(value), "")
    }

    /// `field.TooLong`: `may not be more than N bytes` (apimachinery 1.33's wording).
    pub fn too_long(field: impl Into<String>, max_length: usize) -> Self {
        Self::new(
            FieldErrorType::TooLong,
            field,
            None,
            format!("may not be more than {max_length} bytes"),
        )
    }

    /// `field.TooMany`: `must have at most N items`.
    pub fn too_many(field: impl Into<String>, actual: usize, max: usize) -> Self {
        Self::new(
            FieldErrorType::TooMany,
            field,
            Some(Value::from(actual)),
            format!("must have at most {max} items"),
        )
    }

    /// `field.InternalError`.
    pub fn internal(field: impl Into<String>, detail: impl Into<String>) -> Self {
        Self::new(FieldErrorType::Internal, field, None, detail)
    }

    /// `field.TypeInvalid`.
    pub fn type_invalid(field: impl Into<String>, value: Value, detail: impl Into<String>) -> Self {
        Self::new(FieldErrorType::TypeInvalid, field, Some(value), detail)
    }

    /// The message without the field path (`ErrorBody`), used as the cause message.
    pub fn body(&self) -> String {
        let mut s = self.error_type.description().to_owned();
        if !self.error_type.omits_value()
            && let Some(value) = &self.bad_value
        {
            s.push_str(": ");
            match value {
                Value::String(text) => s.push_str(&go_quote(text)),
                // Go prints a nil value as the string "null", quoted.
                Value::Null => s.push_str("\"null\""),
                Value::Bool(b) => {
                    let _ = write!(s, "{b}");
                }
                Value::Number(n) => {
                    let _ = write!(s, "{n}");
                }
                // Go's `%#v` of a `[]string`, the one slice type whose Go type a JSON
                // array of strings tells (a Service's cluster IPs, for one).
                Value::Array(items) if items.iter().all(Value::is_string) => {
                    let quoted: Vec<String> = items
                        .iter()
                        .filter_map(Value::as_str)
                        .map(go_quote)
                        .collect();
                    let _ = write!(s, "[]string{{{}}}", quoted.join(", "));
                }
                other => s.push_str(&other.to_string()),
            }
        }
        if !self.detail.is_empty() {
            s.push_str(": ");
            s.push_str(&self.detail);
        }
        s
    }

    /// The `StatusCause` kube-apiserver reports for this error.
    pub fn to_cause(&self) -> StatusCause {
        StatusCause {
            field: Some(self.field.clone()),
            message: Some(self.body()),
            reason: Some(self.error_type.cause_type().to_owned()),
        }
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.body())
    }
}

impl std::error::Error for FieldError {}

/// Go's `%v` of an aggregate error: one message alone, several deduplicated inside `[...]`.
pub(crate) fn aggregate_message(errors: &[FieldError]) -> Option<String> {
    let mut seen: Vec<String> = Vec::with_capacity(errors.len());
    for e in errors {
        let msg = e.to_string();
        if !seen.contains(&msg) {
            seen.push(msg);
        }
    }
    match seen.len() {
        0 => None,
        1 => seen.pop(),
        _ => Some(format!("[{}]", seen.join(", "))),
    }
}

/// Go's `%q` (strconv.Quote) for the strings apimachinery puts in messages.
pub(crate) fn go_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{7}' => out.push_str("\\a"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{b}' => out.push_str("\\v"),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c if c.is_control() => {
                if (c as u32) < 0x10000 {
                    let _ = write!(out, "\\u{:04x}", c as u32);
                } else {
                    let _ = write!(out, "\\U{:08x}", c as u32);
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}
