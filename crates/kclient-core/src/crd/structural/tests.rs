use serde_json::{Value, json};

use super::*;

fn errors(schema: Value) -> Vec<String> {
    validate_schema(&schema, "s", false)
        .iter()
        .map(ToString::to_string)
        .collect()
}

fn object(properties: Value) -> Value {
    json!({"type": "object", "properties": properties})
}

#[test]
fn a_typical_operator_schema_is_structural() {
    let schema = json!({
        "type": "object",
        "description": "A widget.",
        "required": ["spec"],
        "properties": {
            "apiVersion": {"type": "string"},
            "kind": {"type": "string"},
            "metadata": {"type": "object"},
            "spec": {"type": "object", "required": ["replicas"], "properties": {
                "replicas": {"type": "integer", "format": "int32", "minimum": 0, "default": 1},
                "port": {"x-kubernetes-int-or-string": true, "anyOf": [{"type": "integer"}, {"type": "string"}]},
                "memory": {"x-kubernetes-int-or-string": true,
                           "allOf": [{"anyOf": [{"type": "integer"}, {"type": "string"}]}, {"pattern": "^[0-9]+"}]},
                "mode": {"type": "string", "enum": ["Fast", "Slow"], "default": "Fast"},
                "labels": {"type": "object", "additionalProperties": {"type": "string"}},
                "raw": {"x-kubernetes-preserve-unknown-fields": true},
                "open": {"type": "object", "properties": {"a": {"type": "string"}},
                         "additionalProperties": true},
                "tags": {"type": "array", "items": {"type": "string"}, "x-kubernetes-list-type": "set"},
                "ports": {"type": "array", "x-kubernetes-list-type": "map",
                          "x-kubernetes-list-map-keys": ["name"],
                          "items": {"type": "object", "required": ["name"],
                                    "properties": {"name": {"type": "string"}, "port": {"type": "integer"}}}},
                "choice": {"type": "object",
                           "properties": {"a": {"type": "string"}, "b": {"type": "string"}},
                           "oneOf": [{"required": ["a"]}, {"required": ["b"]}]},
                "template": {"type": "object", "x-kubernetes-embedded-resource": true,
                             "x-kubernetes-preserve-unknown-fields": true}
            }},
            "status": {"type": "object", "properties": {"ready": {"type": "boolean"}}}
        }
    });
    assert_eq!(errors(schema.clone()), Vec::<String>::new());
    assert!(validate_schema(&schema, "s", true).is_empty());
}

#[test]
fn every_specified_node_has_a_type() {
    assert_eq!(
        errors(json!({"properties": {}})),
        ["s.type: Required value: must not be empty at the root"]
    );
    assert_eq!(
        errors(object(
            json!({"spec": {"properties": {"a": {"type": "string"}}}})
        )),
        ["s.properties[spec].type: Required value: must not be empty for specified object fields"]
    );
    assert_eq!(
        errors(object(
            json!({"list": {"type": "array", "items": {"description": "x"}}})
        )),
        [
            "s.properties[list].items.type: Required value: must not be empty for specified array items"
        ]
    );
    assert_eq!(
        errors(object(json!({"list": {"type": "array"}}))),
        ["s.properties[list].items: Required value: must be specified"]
    );
    assert_eq!(
        errors(object(
            json!({"map": {"type": "object", "additionalProperties": {"minLength": 1}}})
        )),
        [
            "s.properties[map].additionalProperties.type: Required value: must not be empty for specified object fields"
        ]
    );
    assert_eq!(
        errors(json!({"type": "string"})),
        ["s.type: Invalid value: \"string\": must be object at the root"]
    );
    assert_eq!(
        errors(object(json!({"x": {"type": "null"}}))),
        [
            "s.properties[x].type: Unsupported value: \"null\": supported values: \"array\", \"boolean\", \"integer\", \"number\", \"object\", \"string\"",
            "s.properties[x].type: Forbidden: type cannot be set to null, use nullable as an alternative",
        ]
    );
}

#[test]
fn additional_properties_rules() {
    assert_eq!(
        errors(object(json!({"m": {"type": "object",
            "properties": {"a": {"type": "string"}},
            "additionalProperties": {"type": "string"}}}))),
        [
            "s.properties[m].additionalProperties: Forbidden: additionalProperties and properties are mutual exclusive"
        ]
    );
    assert_eq!(
        errors(object(json!({"m": {"type": "object",
            "properties": {"a": {"type": "string"}}, "additionalProperties": false}}))),
        [
            "s.properties[m].additionalProperties: Forbidden: additionalProperties and properties are mutual exclusive"
        ]
    );
    assert_eq!(
        errors(json!({"type": "object", "additionalProperties": {"type": "string"}})),
        ["s.additionalProperties: Forbidden: must not be used at the root"]
    );
}

#[test]
fn junctors_hold_value_validations_only() {
    assert_eq!(
        errors(object(json!({"a": {"type": "string",
            "anyOf": [{"type": "string", "description": "d"}, {"maxLength": 3}]}}))),
        [
            "s.properties[a].anyOf[0].description: Forbidden: must be empty to be structural",
            "s.properties[a].anyOf[0].type: Forbidden: must be empty to be structural",
        ]
    );
    assert_eq!(
        errors(object(
            json!({"a": {"type": "object", "properties": {"b": {"type": "string"}},
            "oneOf": [{"properties": {"b": {"default": "x", "nullable": true}}}]}})
        )),
        [
            "s.properties[a].oneOf[0].properties[b].default: Forbidden: must be undefined to be structural",
            "s.properties[a].oneOf[0].properties[b].nullable: Forbidden: must be false to be structural",
        ]
    );
    assert_eq!(
        errors(object(json!({"a": {"type": "object", "properties": {},
            "not": {"properties": {"metadata": {"minProperties": 1}}}}}))),
        [
            "s.properties[a].not.properties[metadata]: Forbidden: must not be specified in a nested context"
        ]
    );
    // Only the exact int-or-string pattern may name types under anyOf.
    assert_eq!(
        errors(object(json!({"p": {"x-kubernetes-int-or-string": true,
            "anyOf": [{"type": "integer"}, {"type": "number"}]}}))),
        [
            "s.properties[p].anyOf[0].type: Forbidden: must be empty to be structural",
            "s.properties[p].anyOf[1].type: Forbidden: must be empty to be structural",
        ]
    );
}

#[test]
fn fields_named_in_root_junctors_are_specified_outside() {
    assert_eq!(
        errors(
            json!({"type": "object", "properties": {"a": {"type": "string"}},
            "anyOf": [{"required": ["a"]}, {"properties": {"b": {"minLength": 1}}}]})
        ),
        ["s.properties[b]: Required value: because it is defined in s.anyOf[1].properties[b]"]
    );
}

#[test]
fn metadata_at_the_root_restricts_name_and_generate_name_only() {
    let with_metadata =
        |metadata: Value| json!({"type": "object", "properties": {"metadata": metadata}});
    assert!(errors(with_metadata(json!({"type": "object"}))).is_empty());
    assert!(
        errors(with_metadata(json!({"type": "object", "properties": {
            "name": {"type": "string", "maxLength": 20}, "generateName": {"type": "string"}}})))
        .is_empty()
    );
    let forbidden = "s.properties[metadata]: Forbidden: must not specify anything other than name and generateName, but metadata is implicitly specified";
    assert_eq!(
        errors(with_metadata(json!({"type": "object", "properties": {
            "labels": {"type": "object", "additionalProperties": {"type": "string"}}}}))),
        [forbidden]
    );
    assert_eq!(
        errors(with_metadata(
            json!({"type": "object", "description": "Standard metadata."})
        )),
        [forbidden]
    );
    assert_eq!(
        errors(with_metadata(json!({"type": "string"}))),
        ["s.properties[metadata].type: Invalid value: \"string\": must be object"]
    );
    assert_eq!(
        errors(object(
            json!({"kind": {"type": "integer"}, "apiVersion": {"type": "string"}})
        )),
        ["s.properties[kind].type: Invalid value: \"integer\": must be string"]
    );
    // Deeper down, a field called metadata is an ordinary field.
    assert!(
        errors(object(json!({"spec": {"type": "object", "properties": {
            "metadata": {"type": "object", "properties": {"labels": {"type": "object"}}}}}})))
        .is_empty()
    );
}

#[test]
fn keywords_outside_the_crd_subset_are_refused() {
    assert_eq!(
        errors(object(json!({"a": {"$ref": "#/definitions/A"}}))),
        [
            "s.properties[a].type: Required value: must not be empty for specified object fields",
            "s.properties[a].$ref: Forbidden: $ref is not supported",
        ]
    );
    assert_eq!(
        errors(json!({"type": "object", "definitions": {"A": {"type": "string"}}})),
        ["s.definitions: Forbidden: definitions is not supported"]
    );
    assert_eq!(
        errors(object(
            json!({"l": {"type": "array", "items": {"type": "string"}, "uniqueItems": true}})
        )),
        [
            "s.properties[l].uniqueItems: Forbidden: uniqueItems cannot be set to true since the runtime complexity becomes quadratic"
        ]
    );
    assert_eq!(
        errors(object(
            json!({"l": {"type": "array", "items": [{"type": "string"}]}})
        )),
        ["s.properties[l].items: Forbidden: items must be a schema object and not an array"]
    );
    assert_eq!(
        errors(object(
            json!({"x": {"type": "object", "x-kubernetes-preserve-unknown-fields": false}})
        )),
        [
            "s.properties[x].x-kubernetes-preserve-unknown-fields: Invalid value: false: must be true or undefined"
        ]
    );
    assert_eq!(
        errors(object(json!({"x": {"x-kubernetes-int-or-string": true,
            "x-kubernetes-preserve-unknown-fields": true}}))),
        [
            "s.properties[x].x-kubernetes-preserve-unknown-fields: Invalid value: true: must be false if x-kubernetes-int-or-string is true"
        ]
    );
    assert_eq!(
        errors(json!({"type": "object", "nullable": true})),
        ["s.nullable: Forbidden: nullable cannot be true at the root"]
    );
}

#[test]
fn list_and_map_types() {
    assert_eq!(
        errors(object(
            json!({"l": {"type": "array", "x-kubernetes-list-type": "map",
            "items": {"type": "object", "properties": {"name": {"type": "string"}}}}})
        )),
        [
            "s.properties[l].x-kubernetes-list-map-keys: Required value: must not be empty if x-kubernetes-list-type is map"
        ]
    );
    assert_eq!(
        errors(object(
            json!({"l": {"type": "array", "x-kubernetes-list-type": "map",
            "x-kubernetes-list-map-keys": ["name"],
            "items": {"type": "object", "properties": {"name": {"type": "string"}}}}})
        )),
        [
            "s.properties[l].items.properties[name].default: Required value: this property is in x-kubernetes-list-map-keys, so it must have a default or be a required property"
        ]
    );
    assert_eq!(
        errors(object(
            json!({"m": {"type": "string", "x-kubernetes-list-type": "bag"}})
        )),
        [
            "s.properties[m].type: Invalid value: \"string\": must be array if x-kubernetes-list-type is specified",
            "s.properties[m].x-kubernetes-list-type: Unsupported value: \"bag\": supported values: \"atomic\", \"set\", \"map\"",
        ]
    );
}

#[test]
fn defaults_are_valid_pruned_and_outside_object_meta() {
    assert_eq!(
        errors(object(
            json!({"n": {"type": "integer", "default": "three"}})
        )),
        [
            // kube-openapi names the default's root "" (Go: `field.TypeInvalid`).
            "s.properties[n].default: Invalid value: \"string\":  in body must be of type integer: \"string\""
        ]
    );
    assert_eq!(
        errors(object(
            json!({"o": {"type": "object", "properties": {"a": {"type": "string"}},
            "default": {"a": "x", "b": 1}}})
        )),
        [
            "s.properties[o].default: Invalid value: map[string]interface {}{\"a\":\"x\", \"b\":1}: must not have unknown fields"
        ]
    );
    assert_eq!(
        errors(object(
            json!({"m": {"type": "string", "enum": ["A", "B"], "default": "C"}})
        )),
        ["s.properties[m].default: Unsupported value: \"C\": supported values: \"A\", \"B\""]
    );
    assert_eq!(
        errors(object(json!({"o": {"type": "object", "required": ["a"],
            "properties": {"a": {"type": "integer", "minimum": 1}}, "default": {"a": 0}}}))),
        [
            "s.properties[o].default.a: Invalid value: 0: a in body should be greater than or equal to 1"
        ]
    );
    assert_eq!(
        errors(object(
            json!({"metadata": {"type": "object", "default": {}}})
        )),
        ["s.properties[metadata].default: Forbidden: must not be set in top-level metadata"]
    );
    assert!(
        errors(object(json!({"p": {"x-kubernetes-int-or-string": true, "default": 80},
            "r": {"x-kubernetes-preserve-unknown-fields": true, "default": {"any": ["thing"]}},
            "o": {"type": "object", "properties": {"a": {"type": "string"}}, "default": {"a": "x"}}})))
        .is_empty()
    );
}

#[test]
fn the_status_subresource_keeps_the_root_plain() {
    let schema = json!({"type": "object", "properties": {"a": {"type": "string"}},
        "anyOf": [{"required": ["a"]}]});
    assert!(validate_schema(&schema, "s", false).is_empty());
    let errors: Vec<String> = validate_schema(&schema, "s", true)
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(errors.len(), 1);
    assert!(
        errors[0].starts_with("s: Invalid value: only [Description Type"),
        "{errors:?}"
    );
}

#[test]
fn every_version_of_a_crd_is_checked() {
    let crd = json!({"spec": {"versions": [
        {"name": "v1", "schema": {"openAPIV3Schema": {"type": "object"}}},
        {"name": "v2", "subresources": {"status": {}},
         "schema": {"openAPIV3Schema": {"type": "object", "properties": {"spec": {}}}}},
        {"name": "v3"}
    ]}});
    let errors: Vec<String> = validate_crd_schemas(&crd)
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(
        errors,
        [
            "spec.versions[1].schema.openAPIV3Schema.properties[spec].type: Required value: must not be empty for specified object fields"
        ]
    );
    let legacy = json!({"spec": {"preserveUnknownFields": true, "versions": []}});
    assert_eq!(validate_crd_schemas(&legacy).len(), 1);
}
