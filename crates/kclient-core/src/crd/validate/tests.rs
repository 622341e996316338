//! Each rule with the message kube-apiserver 1.33 gives for it (kube-openapi's validator
//! through apiextensions' conversion to field errors).

use serde_json::{Value, json};

use super::*;

/// The messages for `spec` under a schema with `props` as spec's properties.
fn errors_for(props: Value, spec: Value) -> Vec<String> {
    errors_with(json!({"type": "object", "properties": props}), spec)
}

fn errors_with(spec_schema: Value, spec: Value) -> Vec<String> {
    let schema = json!({"type": "object", "properties": {"spec": spec_schema}});
    let cr =
        json!({"apiVersion": "e.com/v1", "kind": "W", "metadata": {"name": "w"}, "spec": spec});
    validate_custom_resource(&schema, &cr)
        .iter()
        .map(ToString::to_string)
        .collect()
}

#[test]
fn wrong_type() {
    assert_eq!(
        errors_for(json!({"color": {"type": "string"}}), json!({"color": 1})),
        [
            r#"spec.color: Invalid value: "integer": spec.color in body must be of type string: "integer""#
        ]
    );
    assert_eq!(
        errors_for(json!({"n": {"type": "integer"}}), json!({"n": "1"})),
        [r#"spec.n: Invalid value: "string": spec.n in body must be of type integer: "string""#]
    );
    assert_eq!(
        errors_for(json!({"o": {"type": "object"}}), json!({"o": [1]})),
        [r#"spec.o: Invalid value: "array": spec.o in body must be of type object: "array""#]
    );
    // An integral float passes for integer, an integer for number.
    assert!(errors_for(json!({"n": {"type": "integer"}}), json!({"n": 2.0})).is_empty());
    assert!(errors_for(json!({"n": {"type": "number"}}), json!({"n": 2})).is_empty());
    assert_eq!(
        errors_for(json!({"b": {"type": "boolean"}}), json!({"b": null})),
        [r#"spec.b: Invalid value: "null": spec.b in body must be of type boolean: "null""#]
    );
}

#[test]
fn nullable_allows_null() {
    assert!(
        errors_for(
            json!({"b": {"type": "boolean", "nullable": true}}),
            json!({"b": null})
        )
        .is_empty()
    );
}

#[test]
fn int_or_string() {
    let props = json!({"port": {"x-kubernetes-int-or-string": true}});
    assert!(errors_for(props.clone(), json!({"port": 80})).is_empty());
    assert!(errors_for(props.clone(), json!({"port": "http"})).is_empty());
    assert_eq!(
        errors_for(props, json!({"port": true})),
        [
            r#"spec.port: Invalid value: "boolean": spec.port in body must be of type integer,string: "boolean""#
        ]
    );
}

#[test]
fn enum_values() {
    assert_eq!(
        errors_for(
            json!({"size": {"type": "string", "enum": ["S", "M"]}}),
            json!({"size": "XL"})
        ),
        [r#"spec.size: Unsupported value: "XL": supported values: "S", "M""#]
    );
    assert_eq!(
        errors_for(
            json!({"n": {"type": "integer", "enum": [1, 2]}}),
            json!({"n": 3})
        ),
        [r#"spec.n: Unsupported value: 3: supported values: "1", "2""#]
    );
    assert!(
        errors_for(
            json!({"n": {"type": "integer", "enum": [1, 2]}}),
            json!({"n": 2})
        )
        .is_empty()
    );
}

#[test]
fn required_fields() {
    assert_eq!(
        errors_with(
            json!({"type": "object", "required": ["name", "size"], "properties": {
                "name": {"type": "string"}, "size": {"type": "integer"}}}),
            json!({"size": 1})
        ),
        ["spec.name: Required value"]
    );
    let schema =
        json!({"type": "object", "required": ["spec"], "properties": {"spec": {"type": "object"}}});
    let cr = json!({"apiVersion": "e.com/v1", "kind": "W", "metadata": {"name": "w"}});
    assert_eq!(
        validate_custom_resource(&schema, &cr)[0].to_string(),
        "spec: Required value"
    );
}

#[test]
fn numeric_bounds() {
    let props = json!({"r": {"type": "integer", "minimum": 1, "maximum": 10}});
    assert_eq!(
        errors_for(props.clone(), json!({"r": 11})),
        ["spec.r: Invalid value: 11: spec.r in body should be less than or equal to 10"]
    );
    assert_eq!(
        errors_for(props, json!({"r": 0})),
        ["spec.r: Invalid value: 0: spec.r in body should be greater than or equal to 1"]
    );
    let exclusive = json!({"r": {"type": "number", "minimum": 0, "exclusiveMinimum": true,
                                 "maximum": 1.5, "exclusiveMaximum": true}});
    assert_eq!(
        errors_for(exclusive.clone(), json!({"r": 1.5})),
        ["spec.r: Invalid value: 1.5: spec.r in body should be less than 1.5"]
    );
    assert_eq!(
        errors_for(exclusive, json!({"r": 0})),
        ["spec.r: Invalid value: 0: spec.r in body should be greater than 0"]
    );
    assert_eq!(
        errors_for(
            json!({"r": {"type": "integer", "multipleOf": 5}}),
            json!({"r": 12})
        ),
        ["spec.r: Invalid value: 12: spec.r in body should be a multiple of 5"]
    );
}

#[test]
fn string_lengths_and_patterns() {
    let props =
        json!({"s": {"type": "string", "minLength": 2, "maxLength": 4, "pattern": "^[a-z]+$"}});
    assert_eq!(
        errors_for(props.clone(), json!({"s": "abcde"})),
        ["spec.s: Too long: may not be more than 4 bytes"]
    );
    assert_eq!(
        errors_for(props.clone(), json!({"s": "a"})),
        [r#"spec.s: Invalid value: "a": spec.s in body should be at least 2 chars long"#]
    );
    assert_eq!(
        errors_for(props, json!({"s": "AB"})),
        [r#"spec.s: Invalid value: "AB": spec.s in body should match '^[a-z]+$'"#]
    );
}

#[test]
fn formats() {
    let props = json!({"h": {"type": "string", "format": "hostname"},
                       "t": {"type": "string", "format": "date-time"},
                       "i": {"type": "string", "format": "int32"}});
    assert_eq!(
        errors_for(
            props.clone(),
            json!({"h": "-bad-", "t": "2024-01-02T03:04:05Z", "i": "x"})
        ),
        [r#"spec.h: Invalid value: "-bad-": spec.h in body must be of type hostname: "-bad-""#]
    );
    assert_eq!(
        errors_for(props, json!({"t": "yesterday"})),
        [
            r#"spec.t: Invalid value: "yesterday": spec.t in body must be of type date-time: "yesterday""#
        ]
    );
    for (format, good, bad) in [
        ("ipv4", "10.0.0.1", "10.0.0"),
        ("ipv6", "::1", "1.2.3.4"),
        ("cidr", "10.0.0.0/8", "10.0.0.0/33"),
        ("uuid", "123e4567-e89b-12d3-a456-426614174000", "123"),
        ("date", "2024-02-29", "2023-02-29"),
        ("byte", "aGVsbG8=", "not base64!"),
        ("mac", "00:1a:2b:3c:4d:5e", "00:1a"),
        ("email", "a@example.com", "nobody"),
        ("duration", "1h30m", "soon"),
    ] {
        let props = json!({"f": {"type": "string", "format": format}});
        assert!(
            errors_for(props.clone(), json!({"f": good})).is_empty(),
            "{format} {good}"
        );
        assert_eq!(
            errors_for(props, json!({"f": bad})).len(),
            1,
            "{format} {bad}"
        );
    }
}

#[test]
fn item_and_property_counts() {
    let props = json!({"l": {"type": "array", "minItems": 2, "maxItems": 3, "items": {"type": "string"}},
                       "m": {"type": "object", "minProperties": 1, "maxProperties": 2,
                             "additionalProperties": {"type": "string"}}});
    assert_eq!(
        errors_for(props.clone(), json!({"l": ["a"], "m": {}})),
        [
            "spec.l: Invalid value: 1: spec.l in body should have at least 2 items",
            "spec.m: Invalid value: 0: spec.m in body should have at least 1 properties"
        ]
    );
    assert_eq!(
        errors_for(
            props.clone(),
            json!({"l": ["a", "b", "c", "d"], "m": {"a": "1", "b": "2", "c": "3"}})
        ),
        [
            "spec.l: Too many: 4: must have at most 3 items",
            "spec.m: Too many: 3: must have at most 2 items"
        ]
    );
    assert_eq!(
        errors_for(props, json!({"l": ["a", 2], "m": {"k": 1}})),
        [
            r#"spec.l[1]: Invalid value: "integer": spec.l[1] in body must be of type string: "integer""#,
            r#"spec.m.k: Invalid value: "integer": spec.m.k in body must be of type string: "integer""#
        ]
    );
    assert_eq!(
        errors_for(
            json!({"u": {"type": "array", "uniqueItems": true, "items": {"type": "integer"}}}),
            json!({"u": [1, 1]})
        ),
        [r#"spec.u: Invalid value: "": spec.u in body shouldn't contain duplicates"#]
    );
}

#[test]
fn list_types() {
    let props = json!({
        "tags": {"type": "array", "x-kubernetes-list-type": "set", "items": {"type": "string"}},
        "ports": {"type": "array", "x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["port"],
                  "items": {"type": "object", "properties": {"port": {"type": "integer"}}}}
    });
    assert_eq!(
        errors_for(
            props,
            json!({"tags": ["a", "b", "a", "a"], "ports": [{"port": 80}, {"port": 80}]})
        ),
        [
            r#"spec.ports[1]: Duplicate value: {"port":80}"#,
            r#"spec.tags[2]: Duplicate value: "a""#
        ]
    );
}

#[test]
fn junctors_report_without_a_field() {
    let spec = json!({"type": "object", "properties": {"a": {"type": "string"}, "b": {"type": "string"}},
                      "anyOf": [{"required": ["a"]}, {"required": ["b"]}]});
    assert_eq!(
        errors_with(spec, json!({})),
        [
            r#"<nil>: Invalid value: "": "spec" must validate at least one schema (anyOf)"#,
            "spec.a: Required value"
        ]
    );
    let not = json!({"type": "object", "properties": {"a": {"type": "string"}}, "not": {"required": ["a"]}});
    assert_eq!(
        errors_with(not, json!({"a": "x"})),
        [r#"<nil>: Invalid value: "": "spec" must not validate the schema (not)"#]
    );
}

#[test]
fn errors_collect_in_kube_openapi_order() {
    let errors = errors_for(
        json!({"color": {"type": "string", "enum": ["red"]}, "size": {"type": "integer", "maximum": 3}}),
        json!({"color": 7, "size": 9}),
    );
    assert_eq!(
        errors,
        [
            r#"spec.color: Invalid value: "integer": spec.color in body must be of type string: "integer""#,
            r#"spec.color: Unsupported value: 7: supported values: "red""#,
            "spec.size: Invalid value: 9: spec.size in body should be less than or equal to 3"
        ]
    );
}

#[test]
fn go_float_formatting() {
    assert_eq!(go_float(10.0), "10");
    assert_eq!(go_float(1.5), "1.5");
    assert_eq!(go_float(1e21), "1e+21");
    assert_eq!(go_float(0.00001), "1e-05");
}

#[test]
fn embedded_resources_need_type_metadata() {
    let props = json!({"template": {"type": "object", "x-kubernetes-embedded-resource": true,
                                    "x-kubernetes-preserve-unknown-fields": true}});
    assert!(
        errors_for(
            props.clone(),
            json!({"template": {"apiVersion": "v1", "kind": "Pod"}})
        )
        .is_empty()
    );
    assert_eq!(
        errors_for(props.clone(), json!({"template": {"kind": "Pod"}})),
        ["spec.template.apiVersion: Required value: must not be empty"]
    );
    assert_eq!(
        errors_for(
            props,
            json!({"template": {"apiVersion": "a/b/c", "kind": "9Pod"}})
        ),
        [
            r#"spec.template.apiVersion: Invalid value: "a/b/c": unexpected GroupVersion string: a/b/c"#,
            r#"spec.template.kind: Invalid value: "9Pod": may have mixed case, but should otherwise match: a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')"#
        ]
    );
}
