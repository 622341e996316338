//! `-o json`, `-o yaml` and `-o name` as kubectl prints them: JSON with four-space indents and
//! sorted keys, YAML as go-yaml writes it, several objects wrapped in a `v1` `List`, and names as
//! `kind.group/name`.

use serde_json::{Map, Value};

use crate::error::CliError;

/// The output formats that print whole objects.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ObjectFormat {
    /// `-o json`.
    Json,
    /// `-o yaml`.
    Yaml,
}

/// One object, or several wrapped in a `List` as kubectl does when the request was for a
/// collection (even one with a single item).
pub fn render_objects(
    objects: Vec<Value>,
    as_list: bool,
    format: ObjectFormat,
) -> Result<String, CliError> {
    let value = match (as_list, objects.len()) {
        (false, 1) => objects.into_iter().next().unwrap_or_default(),
        _ => serde_json::json!({
            "apiVersion": "v1",
            "items": objects,
            "kind": "List",
            "metadata": {"resourceVersion": ""},
        }),
    };
    render(&sorted(value), format)
}

fn render(value: &Value, format: ObjectFormat) -> Result<String, CliError> {
    match format {
        ObjectFormat::Json => {
            let mut out = Vec::new();
            let formatter = serde_json::ser::PrettyFormatter::with_indent(b"    ");
            let mut ser = serde_json::Serializer::with_formatter(&mut out, formatter);
            serde::Serialize::serialize(value, &mut ser)
                .map_err(|e| CliError::Output(e.to_string()))?;
            out.push(b'\n');
            String::from_utf8(out).map_err(|e| CliError::Output(e.to_string()))
        }
        ObjectFormat::Yaml => Ok(super::yaml::to_yaml(value)),
    }
}

/// Keys in lexical order at every level, as Go's encoding of maps prints them, whatever order
/// the map type keeps.
fn sorted(value: Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<(String, Value)> = map.into_iter().collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            let mut out = Map::new();
            for (k, v) in entries {
                out.insert(k, sorted(v));
            }
            Value::Object(out)
        }
        Value::Array(items) => Value::Array(items.into_iter().map(sorted).collect()),
        other => other,
    }
}

/// kubectl's `-o name` form: `configmap/a`, `deployment.apps/nginx`.
pub fn name_of(kind: &str, group: &str, name: &str) -> String {
    let kind = kind.to_lowercase();
    if group.is_empty() {
        format!("{kind}/{name}")
    } else {
        format!("{kind}.{group}/{name}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn single_object_json_uses_four_spaces_and_sorted_keys() {
        let obj = json!({"kind": "ConfigMap", "apiVersion": "v1", "data": {"b": "2", "a": "1"}});
        let text = render_objects(vec![obj], false, ObjectFormat::Json).unwrap();
        assert_eq!(
            text,
            "{\n    \"apiVersion\": \"v1\",\n    \"data\": {\n        \"a\": \"1\",\n        \"b\": \"2\"\n    },\n    \"kind\": \"ConfigMap\"\n}\n"
        );
    }

    #[test]
    fn collections_are_wrapped_in_a_list() {
        let text = render_objects(vec![], true, ObjectFormat::Yaml).unwrap();
        assert_eq!(
            text,
            "apiVersion: v1\nitems: []\nkind: List\nmetadata:\n  resourceVersion: \"\"\n"
        );
    }

    #[test]
    fn names_carry_the_group() {
        assert_eq!(name_of("ConfigMap", "", "a"), "configmap/a");
        assert_eq!(name_of("Deployment", "apps", "x"), "deployment.apps/x");
    }
}
