//! Reading `-f FILE` as kubectl does: a file, a directory (its `.json`, `.yaml` and `.yml`
//! files in name order) or `-` for standard input; YAML streams of several documents or JSON;
//! `List` documents flattened into their items; empty documents skipped.

use std::io::Read;
use std::path::{Path, PathBuf};

use kclient::core::Unstructured;
use serde::Deserialize;
use serde_json::Value;

use crate::error::CliError;

/// One object read from a manifest, with the file it came from (for kubectl's error messages).
#[derive(Debug, Clone)]
pub struct ManifestObject {
    /// Where it was read from (`STDIN` for `-`).
    pub source: String,
    /// The object.
    pub object: Unstructured,
}

/// Reads every object named by `-f` arguments, in order.
pub fn read_all(paths: &[PathBuf]) -> Result<Vec<ManifestObject>, CliError> {
    let mut out = Vec::new();
    for path in paths {
        if path.as_os_str() == "-" {
            let mut text = String::new();
            std::io::stdin().read_to_string(&mut text)?;
            parse_into(&text, "STDIN", &mut out)?;
        } else if path.is_dir() {
            for file in manifest_files(path)? {
                read_file(&file, &mut out)?;
            }
        } else {
            read_file(path, &mut out)?;
        }
    }
    if out.is_empty() {
        return Err(CliError::Usage("no objects passed to apply".into()));
    }
    Ok(out)
}

fn manifest_files(dir: &Path) -> Result<Vec<PathBuf>, CliError> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|p| {
            p.is_file()
                && matches!(
                    p.extension().and_then(|e| e.to_str()),
                    Some("json" | "yaml" | "yml")
                )
        })
        .collect();
    files.sort();
    Ok(files)
}

fn read_file(path: &Path, out: &mut Vec<ManifestObject>) -> Result<(), CliError> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        CliError::Usage(format!(
            "the path \"{}\" cannot be read: {e}",
            path.display()
        ))
    })?;
    parse_into(&text, &path.display().to_string(), out)
}

/// Parses one YAML or JSON stream (JSON is YAML, so one parser serves both).
pub fn parse_into(text: &str, source: &str, out: &mut Vec<ManifestObject>) -> Result<(), CliError> {
    for document in serde_yaml_ng::Deserializer::from_str(text) {
        let value = Value::deserialize(document)
            .map_err(|e| CliError::Usage(format!("error parsing {source}: {e}")))?;
        push_value(value, source, out)?;
    }
    Ok(())
}

fn push_value(value: Value, source: &str, out: &mut Vec<ManifestObject>) -> Result<(), CliError> {
    match value {
        Value::Null => Ok(()),
        Value::Object(map) => {
            let is_list = map
                .get("kind")
                .and_then(Value::as_str)
                .is_some_and(|k| k.ends_with("List"))
                && map.get("items").is_some_and(Value::is_array);
            if is_list {
                if let Some(Value::Array(items)) = map.get("items") {
                    for item in items {
                        push_value(item.clone(), source, out)?;
                    }
                }
                return Ok(());
            }
            let object = Unstructured::from(map);
            if object.api_version().is_none_or(str::is_empty)
                || object.kind().is_none_or(str::is_empty)
            {
                return Err(CliError::Usage(format!(
                    "error validating data from {source}: apiVersion and kind must be set"
                )));
            }
            out.push(ManifestObject {
                source: source.to_owned(),
                object,
            });
            Ok(())
        }
        other => Err(CliError::Usage(format!(
            "error parsing {source}: expected an object, got {other}"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Vec<ManifestObject>, CliError> {
        let mut out = Vec::new();
        parse_into(text, "test.yaml", &mut out).map(|()| out)
    }

    #[test]
    fn multi_document_yaml_and_lists() {
        let objects = parse(
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\n---\n\
             apiVersion: v1\nkind: List\nitems:\n- {apiVersion: v1, kind: Secret, metadata: {name: b}}\n",
        )
        .unwrap();
        let names: Vec<_> = objects.iter().map(|o| o.object.name().unwrap()).collect();
        assert_eq!(names, ["a", "b"]);
    }

    #[test]
    fn json_documents_parse_too() {
        let objects =
            parse(r#"{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"x"}}"#).unwrap();
        assert_eq!(objects[0].object.kind(), Some("Namespace"));
    }

    #[test]
    fn missing_kind_and_garbage_are_errors() {
        assert!(parse("apiVersion: v1\nmetadata: {name: a}\n").is_err());
        assert!(parse("- a\n- b\n").is_err());
        assert!(parse("a: [unclosed\n").is_err());
    }
}
