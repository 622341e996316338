//! `fieldValidation` (Ignore, Warn, Strict) for built-in kinds, as kube-apiserver 1.27+
//! applies it while decoding a write: unknown fields are dropped in every mode, and
//! reported, with duplicate fields of a JSON body, as warnings (`Warn`, the default) or
//! as a 400 (`Strict`). A create or update names the kind and version in the 400's
//! message; a patch answers with the bare strict decoding error.

use std::borrow::Cow;
use std::collections::HashSet;
use std::fmt::{self, Write as _};

use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde_json::Value;

use crate::error::{ApiResult, ErrorResponse};
use crate::query::FieldValidation;
use crate::registry::Served;
use crate::validate::{TypeCheck, check_builtin, strict_decoding_error, strict_error_message};

/// Where the object being checked came from.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Source<'a> {
    /// The request body of a create or an update.
    Body(&'a [u8]),
    /// The result of a patch; the patch body when its duplicate fields count (merge and
    /// strategic merge patches).
    Patch(Option<&'a [u8]>),
}

/// Decodes `obj` strictly as its built-in type, drops unknown fields, and answers per
/// `directive`: the warnings to send, or the 400 of `Strict`.
pub(crate) fn check(
    served: &Served,
    directive: FieldValidation,
    obj: &mut Value,
    source: Source<'_>,
) -> ApiResult<Vec<String>> {
    let info = &served.info;
    // Custom resources are pruned and defaulted by their schema; what pruning drops is unknown.
    let unknown = if served.is_crd() {
        crate::crd_schema::decode(served, obj)
    } else {
        let checked = check_builtin(&info.group, &info.version, &info.kind, obj)
            .map_err(ErrorResponse::bad_request)?;
        let TypeCheck::Decoded { unknown } = checked else {
            return Ok(Vec::new());
        };
        unknown
    };
    if directive == FieldValidation::Ignore {
        return Ok(Vec::new());
    }
    let raw = match source {
        Source::Body(b) | Source::Patch(Some(b)) => Some(b),
        Source::Patch(None) => None,
    };
    let mut errors: Vec<String> = unknown
        .iter()
        .map(|f| format!("unknown field \"{f}\""))
        .collect();
    errors.extend(
        raw.map(duplicate_fields)
            .unwrap_or_default()
            .iter()
            .map(|f| format!("duplicate field \"{f}\"")),
    );
    if errors.is_empty() || directive == FieldValidation::Warn {
        return Ok(errors);
    }
    let message = match source {
        Source::Body(_) => strict_error_message(&info.kind, &info.version, &errors),
        Source::Patch(_) => strict_decoding_error(&errors),
    };
    Err(ErrorResponse::bad_request(message))
}

/// The paths of keys a JSON document repeats within one object (`spec.replicas`,
/// `spec.containers[0].name`). Anything that is not JSON (YAML, protobuf) has none here.
pub(crate) fn duplicate_fields(body: &[u8]) -> Vec<String> {
    let mut out = Vec::new();
    if body.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
        return out;
    }
    let mut path = String::new();
    let mut de = serde_json::Deserializer::from_slice(body);
    // The body already parsed as a JSON object, so a scan error cannot happen; if it did,
    // the duplicates found so far are all there is to report.
    let _ = Scan {
        path: &mut path,
        out: &mut out,
    }
    .deserialize(&mut de);
    out
}

/// Walks a document without building it, recording repeated keys.
struct Scan<'p> {
    path: &'p mut String,
    out: &'p mut Vec<String>,
}

/// A key, borrowed from the body unless it has escapes.
struct Key<'de>(Cow<'de, str>);

impl<'de> de::Deserialize<'de> for Key<'de> {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl<'de> Visitor<'de> for KeyVisitor {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string key")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(v.to_string())))
            }
        }
        d.deserialize_str(KeyVisitor)
    }
}

impl<'de> DeserializeSeed<'de> for Scan<'_> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

/// Objects with more keys than this are checked through a hash set.
const LINEAR_KEYS: usize = 16;

impl<'de> Visitor<'de> for Scan<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut seen: Vec<Cow<'de, str>> = Vec::new();
        let mut set: Option<HashSet<Cow<'de, str>>> = None;
        while let Some(Key(key)) = map.next_key::<Key<'de>>()? {
            let repeated = match &mut set {
                Some(set) => !set.insert(key.clone()),
                None => {
                    let found = seen.contains(&key);
                    if !found {
                        seen.push(key.clone());
                        if seen.len() > LINEAR_KEYS {
                            set = Some(seen.drain(..).collect());
                        }
                    }
                    found
                }
            };
            let len = self.path.len();
            if !self.path.is_empty() {
                self.path.push('.');
            }
            self.path.push_str(&key);
            if repeated {
                self.out.push(self.path.clone());
            }
            map.next_value_seed(Scan {
                path: self.path,
                out: self.out,
            })?;
            self.path.truncate(len);
        }
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let mut i = 0usize;
        loop {
            let len = self.path.len();
            let _ = write!(self.path, "[{i}]");
            let more = seq
                .next_element_seed(Scan {
                    path: self.path,
                    out: self.out,
                })?
                .is_some();
            self.path.truncate(len);
            if !more {
                return Ok(());
            }
            i += 1;
        }
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<(), E> {
        Ok(())
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<(), E> {
        Ok(())
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<(), E> {
        Ok(())
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<(), E> {
        Ok(())
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<(), E> {
        Ok(())
    }
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_repeated_keys_with_their_paths() {
        let body = br#"{"kind": "Deployment", "spec": {"replicas": 1, "replicas": 2,
            "template": {"spec": {"containers": [{"name": "a"}, {"name": "b", "image": "x", "name": "c"}]}}},
            "kind": "Deployment"}"#;
        assert_eq!(
            duplicate_fields(body),
            vec![
                "spec.replicas".to_string(),
                "spec.template.spec.containers[1].name".to_string(),
                "kind".to_string()
            ]
        );
        assert!(duplicate_fields(br#"{"a": {"b": 1}, "c": {"b": 2}}"#).is_empty());
        assert!(duplicate_fields(b"a: 1\na: 2\n").is_empty());
        let many: String = (0..40).map(|i| format!("\"k{i}\": {i},")).collect();
        let body = format!("{{{many} \"k3\": 0, \"k\\u0030\": 1}}");
        assert_eq!(
            duplicate_fields(body.as_bytes()),
            vec!["k3".to_string(), "k0".to_string()]
        );
    }
}
