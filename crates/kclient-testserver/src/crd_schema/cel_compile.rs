//! What kube-apiserver checks of the `x-kubernetes-validations` rules when a CRD is written:
//! each rule (and its `messageExpression`) parses, type-checks against the schema node it
//! sits on ([`super::cel_check`]), evaluates to a bool (a string), and its estimated cost
//! times how often it can run stays under the per-rule limit, all rules together under the
//! per-schema one ([`super::cel_cost`]).

use kclient_core::status::{FieldError, FieldErrorType};
use serde_json::{Map, Value};

use super::cel::ENV;
use super::cel_check;
use super::cel_cost::{self, STATIC_CRD_LIMIT, STATIC_LIMIT};
use super::cel_types::{self, Ty, schema_type};

/// The errors of every version's rules. When all versions share one schema kube-apiserver
/// holds it as `spec.validation` and reports it once there, as it does here. (The server
/// checks a CRD through `kclient_core::crd::definition`, which calls [`schema_errors`].)
#[cfg(test)]
pub(super) fn compile_errors(crd: &Value) -> Vec<FieldError> {
    let versions: Vec<&Value> = crd
        .pointer("/spec/versions")
        .and_then(Value::as_array)
        .map(|v| v.iter().collect())
        .unwrap_or_default();
    let schemas: Vec<Option<&Value>> = versions
        .iter()
        .map(|v| v.pointer("/schema/openAPIV3Schema"))
        .collect();
    let shared = !schemas.is_empty() && schemas.iter().all(|s| s.is_some() && *s == schemas[0]);
    let mut errors = Vec::new();
    for (i, schema) in schemas.iter().enumerate() {
        let Some(node) = schema.and_then(Value::as_object) else {
            continue;
        };
        let path = if shared {
            "spec.validation.openAPIV3Schema".to_owned()
        } else {
            format!("spec.versions[{i}].schema.openAPIV3Schema")
        };
        errors.extend(schema_errors(node, &path, true));
        if shared {
            break;
        }
    }
    errors
}

/// The errors of one schema's rules, `path` naming its root. Rules of a schema that is not
/// structural are not compiled (kube-apiserver builds no CEL types for it); how they are
/// written is still checked.
pub(super) fn schema_errors(
    node: &Map<String, Value>,
    path: &str,
    compile: bool,
) -> Vec<FieldError> {
    let mut walk = Walk::default();
    walk.node(node, path, true, 1, None);
    let mut errors = walk.schema;
    if !compile {
        return errors;
    }
    errors.extend(walk.compile);
    if walk.total > STATIC_CRD_LIMIT {
        walk.expensive.sort_by_key(|e| std::cmp::Reverse(e.1));
        for (at, _) in walk.expensive.iter().take(4) {
            errors.push(FieldError::forbidden(
            at.clone(),
            "contributed to estimated rule & messageExpression cost total exceeding cost limit for entire OpenAPIv3 schema",
        ));
        }
        errors.push(FieldError::forbidden(
        path.to_owned(),
        cel_cost::exceeds_message(
            "x-kubernetes-validations estimated rule & messageExpression cost total for entire OpenAPIv3 schema",
            walk.total,
            STATIC_CRD_LIMIT,
        ),
        ));
    }
    errors
}

/// The reasons a rule may give.
const REASONS: &[&str] = &[
    "FieldValueDuplicate",
    "FieldValueForbidden",
    "FieldValueInvalid",
    "FieldValueRequired",
];

#[derive(Default)]
struct Walk {
    /// Errors in how the rules are written (kube-apiserver's schema errors, reported first).
    schema: Vec<FieldError>,
    compile: Vec<FieldError>,
    total: u64,
    expensive: Vec<(String, u64)>,
}

impl Walk {
    /// Checks `node` (run up to `cardinality` times per object) and below, children first
    /// as kube-apiserver does; `uncorrelatable` names the first list above whose items have
    /// no old value.
    fn node(
        &mut self,
        node: &Map<String, Value>,
        path: &str,
        root: bool,
        cardinality: u64,
        uncorrelatable: Option<&str>,
    ) {
        let before = self.schema.len();
        for (key, sub) in node
            .get("properties")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            if let Some(sub) = sub.as_object() {
                let at = format!("{path}.properties[{key}]");
                self.node(sub, &at, false, cardinality, uncorrelatable);
            }
        }
        if let Some(items) = node.get("items").and_then(Value::as_object) {
            let n = cardinality.saturating_mul(cel_cost::max_items(node));
            let at = format!("{path}.items");
            let map_list =
                node.get("x-kubernetes-list-type").and_then(Value::as_str) == Some("map");
            let forbid = uncorrelatable.or((!map_list).then_some(at.as_str()));
            self.node(items, &at, false, n, forbid);
        }
        if let Some(values) = node.get("additionalProperties").and_then(Value::as_object) {
            let n = cardinality.saturating_mul(cel_cost::max_properties(node));
            let at = format!("{path}.additionalProperties");
            self.node(values, &at, false, n, uncorrelatable);
        }
        let rules: Vec<&Map<String, Value>> = node
            .get("x-kubernetes-validations")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_object)
            .collect();
        for (j, rule) in rules.iter().enumerate() {
            self.written(node, rule, &format!("{path}.x-kubernetes-validations[{j}]"));
        }
        // Rules are compiled only when the schema at and below this node is sound.
        if self.schema.len() == before {
            for (j, rule) in rules.iter().enumerate() {
                let at = format!("{path}.x-kubernetes-validations[{j}]");
                self.rule(node, rule, &at, root, cardinality, uncorrelatable);
            }
        }
    }

    /// How a rule is written: its rule, message, messageExpression, reason and fieldPath.
    fn written(&mut self, node: &Map<String, Value>, rule: &Map<String, Value>, at: &str) {
        let text = |k: &str| rule.get(k).and_then(Value::as_str).unwrap_or("");
        let newline = |s: &str| s.contains(['\n', '\r']);
        let (source, message) = (text("rule"), text("message"));
        if source.trim().is_empty() {
            self.schema.push(FieldError::required(
                format!("{at}.rule"),
                "rule is not specified",
            ));
        } else if !message.is_empty() && message.trim().is_empty() {
            self.schema.push(FieldError::invalid(
                format!("{at}.message"),
                Value::String(message.to_owned()),
                "message must be non-empty if specified",
            ));
        } else if newline(message.trim()) {
            self.schema.push(FieldError::invalid(
                format!("{at}.message"),
                Value::String(message.to_owned()),
                "message must not contain line breaks",
            ));
        } else if newline(source.trim()) && message.trim().is_empty() {
            self.schema.push(FieldError::required(
                format!("{at}.message"),
                "message must be specified if rule contains line breaks",
            ));
        }
        let expression = text("messageExpression");
        if !expression.is_empty() && expression.trim().is_empty() {
            self.schema.push(FieldError::required(
                format!("{at}.messageExpression"),
                "messageExpression must be non-empty if specified",
            ));
        }
        if let Some(reason) = rule.get("reason").and_then(Value::as_str)
            && !REASONS.contains(&reason)
        {
            self.schema.push(FieldError::not_supported(
                format!("{at}.reason"),
                Value::String(reason.to_owned()),
                REASONS,
            ));
        }
        let field_path = text("fieldPath");
        let invalid = |detail: &str| {
            FieldError::invalid(
                format!("{at}.fieldPath"),
                Value::String(field_path.to_owned()),
                detail,
            )
        };
        if !field_path.is_empty() && field_path.trim().is_empty() {
            self.schema
                .push(invalid("fieldPath must be non-empty if specified"));
        }
        if newline(field_path) {
            self.schema
                .push(invalid("fieldPath must not contain line breaks"));
        }
        if !field_path.is_empty() && cel_types::field_path(node, field_path).is_none() {
            self.schema.push(invalid("fieldPath must be a valid path"));
        }
    }

    fn rule(
        &mut self,
        node: &Map<String, Value>,
        rule: &Map<String, Value>,
        at: &str,
        root: bool,
        cardinality: u64,
        uncorrelatable: Option<&str>,
    ) {
        let text = |k: &str| rule.get(k).and_then(Value::as_str).unwrap_or("");
        let source = text("rule");
        let optional_old = rule.get("optionalOldSelf").and_then(Value::as_bool);
        if source.trim().is_empty() {
            self.optional_old_self_unused(optional_old, at);
            return;
        }
        let self_ty = schema_type(node, root);
        let old_ty = if optional_old == Some(true) {
            Ty::optional(self_ty.clone())
        } else {
            self_ty.clone()
        };
        let vars = [("self", self_ty), ("oldSelf", old_ty)];
        let invalid = |field: String, detail: String| {
            // Go prints the rule struct with `%#v`, unquoted.
            FieldError::new(
                FieldErrorType::Invalid,
                field,
                None,
                format!("{}: {detail}", go_rule(rule)),
            )
        };
        let rule_path = format!("{at}.rule");
        let program = match compile(source, &vars) {
            Ok((program, ty)) if ty.compatible(&Ty::Bool) => program,
            Ok(_) => {
                self.compile.push(invalid(
                    rule_path,
                    "cel expression must evaluate to a bool".to_owned(),
                ));
                self.optional_old_self_unused(optional_old, at);
                return;
            }
            Err(issues) => {
                self.compile
                    .push(invalid(rule_path, format!("compilation failed: {issues}")));
                self.optional_old_self_unused(optional_old, at);
                return;
            }
        };
        let shape = cel_cost::schema_shape(node);
        let shapes = [("self", shape.clone()), ("oldSelf", shape)];
        let cost = cel_cost::cost(&program, &shapes).saturating_mul(cardinality);
        if cost > STATIC_LIMIT {
            self.compile.push(FieldError::forbidden(
                rule_path.clone(),
                cel_cost::exceeds_message("estimated rule cost", cost, STATIC_LIMIT),
            ));
        }
        self.total = self.total.saturating_add(cost);
        self.expensive.push((rule_path.clone(), cost));
        let message = text("messageExpression");
        if !message.is_empty() {
            let at = format!("{at}.messageExpression");
            match compile(message, &vars) {
                Ok((message, ty)) if ty.compatible(&Ty::String) => {
                    // kube-apiserver does not multiply a message's cost by the cardinality.
                    let cost = cel_cost::cost(&message, &shapes);
                    if cost > STATIC_LIMIT {
                        self.compile.push(FieldError::forbidden(
                            at.clone(),
                            cel_cost::exceeds_message(
                                "estimated messageExpression cost",
                                cost,
                                STATIC_LIMIT,
                            ),
                        ));
                    }
                    self.total = self.total.saturating_add(cost);
                    self.expensive.push((at, cost));
                }
                Ok(_) => self.compile.push(invalid(
                    at,
                    "messageExpression must evaluate to a string".to_owned(),
                )),
                Err(issues) => self.compile.push(invalid(
                    at,
                    format!("messageExpression compilation failed: {issues}"),
                )),
            }
        }
        if program.references().has_variable("oldSelf") {
            if let Some(within) = uncorrelatable {
                self.compile.push(FieldError::invalid(
                    rule_path,
                    Value::String(source.to_owned()),
                    format!("oldSelf cannot be used on the uncorrelatable portion of the schema within {within}"),
                ));
            }
        } else {
            self.optional_old_self_unused(optional_old, at);
        }
    }

    /// `optionalOldSelf` set on a rule that does not use `oldSelf`.
    fn optional_old_self_unused(&mut self, optional_old: Option<bool>, at: &str) {
        if let Some(set) = optional_old {
            self.compile.push(FieldError::invalid(
                format!("{at}.optionalOldSelf"),
                Value::Bool(set),
                "may not be set if oldSelf is not used in rule",
            ));
        }
    }
}

/// Parses and type-checks `source`: the program and its type, or cel-go's issues text.
pub(super) fn compile(source: &str, vars: &[(&str, Ty)]) -> Result<(cel::Program, Ty), String> {
    let program = ENV.compile(source).map_err(|errs| {
        errs.errors
            .iter()
            .map(|e| {
                // cel-rust gives the line and the 1-based column.
                let line = usize::try_from(e.pos.0).unwrap_or(1).max(1);
                let column = usize::try_from(e.pos.1).unwrap_or(1).max(1) - 1;
                let offset = source
                    .split_inclusive('\n')
                    .take(line - 1)
                    .map(str::len)
                    .sum::<usize>()
                    + source
                        .lines()
                        .nth(line - 1)
                        .unwrap_or("")
                        .chars()
                        .take(column)
                        .map(char::len_utf8)
                        .sum::<usize>();
                cel_check::render(source, offset, &e.msg)
            })
            .collect::<Vec<_>>()
            .join("\n")
    })?;
    let ty = cel_check::check(&program, source, vars)?;
    Ok((program, ty))
}

/// Go's `%#v` of the `apiextensions.ValidationRule`, as the 422 shows it (a set pointer is
/// shown with a placeholder address).
fn go_rule(rule: &Map<String, Value>) -> String {
    let text = |k: &str| rule.get(k).and_then(Value::as_str).unwrap_or("");
    let pointer = |k: &str, ty: &str| match rule.get(k) {
        Some(v) if !v.is_null() => format!("(*{ty})(0xc000000000)"),
        _ => format!("(*{ty})(nil)"),
    };
    format!(
        "apiextensions.ValidationRule{{Rule:{}, Message:{}, MessageExpression:{}, Reason:{}, FieldPath:{}, OptionalOldSelf:{}}}",
        go_quote(text("rule")),
        go_quote(text("message")),
        go_quote(text("messageExpression")),
        pointer("reason", "apiextensions.FieldValueErrorReason"),
        go_quote(text("fieldPath")),
        pointer("optionalOldSelf", "bool"),
    )
}

/// Go's `%q`.
fn go_quote(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    /// A one-version CRD whose `spec` has `rules`, `replicas`, `name`, `tags`.
    fn crd(rules: Value) -> Value {
        json!({"spec": {"versions": [{"name": "v1", "schema": {"openAPIV3Schema": {
            "type": "object", "properties": {"spec": {"type": "object",
                "x-kubernetes-validations": rules,
                "properties": {
                    "replicas": {"type": "integer"},
                    "name": {"type": "string", "maxLength": 63},
                    "tags": {"type": "array", "maxItems": 10,
                             "items": {"type": "string", "maxLength": 20}}}}}}}}]}})
    }

    fn messages(rules: Value) -> Vec<String> {
        compile_errors(&crd(rules))
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    #[test]
    fn rules_that_do_not_parse_are_refused_with_the_crd() {
        assert_eq!(
            messages(json!([{"rule": "self.replicas <=", "message": "m"}]))[0]
                .split('\n')
                .next()
                .unwrap(),
            r#"spec.validation.openAPIV3Schema.properties[spec].x-kubernetes-validations[0].rule: Invalid value: apiextensions.ValidationRule{Rule:"self.replicas <=", Message:"m", MessageExpression:"", Reason:(*apiextensions.FieldValueErrorReason)(nil), FieldPath:"", OptionalOldSelf:(*bool)(nil)}: compilation failed: ERROR: <input>:1:17: Syntax error: mismatched input '<EOF>' expecting {'[', '{', '(', '.', '-', '!', 'true', 'false', 'null', NUM_FLOAT, NUM_INT, NUM_UINT, STRING, BYTES, IDENTIFIER}"#
        );
    }

    #[test]
    fn rules_that_do_not_type_check_are_refused_with_cel_go_issues() {
        let prefix = "spec.validation.openAPIV3Schema.properties[spec].x-kubernetes-validations[0].rule: Invalid value: apiextensions.ValidationRule{Rule:";
        let unknown = messages(json!([{"rule": "self.replica > 1"}]));
        assert_eq!(
            unknown,
            [format!(
                "{prefix}\"self.replica > 1\", Message:\"\", MessageExpression:\"\", Reason:(*apiextensions.FieldValueErrorReason)(nil), FieldPath:\"\", OptionalOldSelf:(*bool)(nil)}}: compilation failed: ERROR: <input>:1:5: undefined field 'replica'\n | self.replica > 1\n | ....^"
            )]
        );
        let wrong = messages(json!([{"rule": "self.replicas > \"a\""}]));
        assert!(
            wrong[0].ends_with(
                "compilation failed: ERROR: <input>:1:15: found no matching overload for '_>_' applied to '(int, string)'\n | self.replicas > \"a\"\n | ..............^"
            ),
            "{wrong:?}"
        );
        let not_bool = messages(json!([{"rule": "self.replicas + 1"}]));
        assert!(
            not_bool[0].ends_with("}: cel expression must evaluate to a bool"),
            "{not_bool:?}"
        );
        let member = messages(json!([{"rule": "self.name.startsWith(1)"}]));
        assert!(
            member[0]
                .contains("found no matching overload for 'startsWith' applied to 'string.(int)'"),
            "{member:?}"
        );
        let undeclared = messages(json!([{"rule": "other.size() > 0"}]));
        assert!(
            undeclared[0].contains("undeclared reference to 'other' (in container '')"),
            "{undeclared:?}"
        );
        let message_expression = messages(json!([{"rule": "self.replicas > 0",
            "messageExpression": "self.replicas"}]));
        assert_eq!(message_expression.len(), 1);
        assert!(
            message_expression[0].starts_with("spec.validation.openAPIV3Schema.properties[spec].x-kubernetes-validations[0].messageExpression: Invalid value: ")
                && message_expression[0].ends_with("}: messageExpression must evaluate to a string"),
            "{message_expression:?}"
        );
    }

    #[test]
    fn well_typed_rules_pass() {
        for rule in [
            "self.replicas > 1 && has(self.name)",
            "self.tags.all(t, t.startsWith('x')) && self.tags.map(t, size(t)).sum() < 100",
            "self.name.lowerAscii().split('-').size() <= 3",
            "!has(self.name) || self.name.matches('^[a-z]+$')",
            "self.tags.exists_one(t, t == 'a') || self.tags.filter(t, t != '').size() == 0",
            "quantity('1Gi').isGreaterThan(quantity('1G')) && isURL('https://x') && ip('10.0.0.1').family() == 4",
            "format.dns1123Label().validate(self.name).hasValue() == false",
            "self.tags.isSorted() && self.tags.indexOf('a') >= -1 && self.name.find('[0-9]+') != ''",
            "oldSelf.replicas <= self.replicas",
            "type(self.replicas) == int && self.replicas in [1, 2, 3]",
            "cidr('10.0.0.0/8').containsIP(ip('10.1.2.3')) && url('https://a/b').getHost() == 'a'",
            "isSemver(self.name, true) && semver('1.2.3').isGreaterThan(semver('1.0.0'))",
            "self.?name.orValue('') != 'x' && {'a': 1}.size() == 1",
            "sets.contains(self.tags, ['a']) && self.tags.sortBy(t, size(t)).size() >= 0",
        ] {
            assert_eq!(
                messages(json!([{"rule": rule}])),
                Vec::<String>::new(),
                "{rule}"
            );
        }
        let optional = json!([{"rule": "!oldSelf.hasValue() || oldSelf.value().replicas <= self.replicas",
            "optionalOldSelf": true}]);
        assert_eq!(messages(optional), Vec::<String>::new());
    }

    #[test]
    fn versions_with_different_schemas_are_reported_per_version() {
        let mut crd = crd(json!([{"rule": "self.nope"}]));
        let mut second = crd["spec"]["versions"][0].clone();
        second["name"] = json!("v2");
        second["schema"]["openAPIV3Schema"]["properties"]["spec"]["x-kubernetes-validations"] =
            json!([]);
        crd["spec"]["versions"].as_array_mut().unwrap().push(second);
        let errors = compile_errors(&crd);
        assert_eq!(errors.len(), 1);
        assert_eq!(
            errors[0].field,
            "spec.versions[0].schema.openAPIV3Schema.properties[spec].x-kubernetes-validations[0].rule"
        );
    }

    #[test]
    fn rules_over_unbounded_lists_of_unbounded_strings_exceed_the_cost_limit() {
        let crd = json!({"spec": {"versions": [{"name": "v1", "schema": {"openAPIV3Schema": {
            "type": "object", "properties": {"spec": {"type": "object", "properties": {
                "hosts": {"type": "array", "items": {"type": "string"},
                    "x-kubernetes-validations": [
                        {"rule": "self.all(h, h.matches('^[a-z]+(\\\\.[a-z]+)*$'))"}]}}}}}}}]}});
        let errors: Vec<String> = compile_errors(&crd)
            .iter()
            .map(ToString::to_string)
            .collect();
        let hint = "(try simplifying the rule, or adding maxItems, maxProperties, and maxLength where arrays, maps, and strings are declared)";
        let rule = "spec.validation.openAPIV3Schema.properties[spec].properties[hosts].x-kubernetes-validations[0].rule";
        // Past the per-rule limit, and (alone) past the whole schema's.
        assert_eq!(
            errors,
            [
                format!(
                    "{rule}: Forbidden: estimated rule cost exceeds budget by factor of more than 100x {hint}"
                ),
                format!(
                    "{rule}: Forbidden: contributed to estimated rule & messageExpression cost total exceeding cost limit for entire OpenAPIv3 schema"
                ),
                format!(
                    "spec.validation.openAPIV3Schema: Forbidden: x-kubernetes-validations estimated rule & messageExpression cost total for entire OpenAPIv3 schema exceeds budget by factor of more than 100x {hint}"
                ),
            ]
        );
        // The same rule with declared bounds is cheap enough.
        let mut bounded = crd.clone();
        let hosts = &mut bounded["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"]
            ["spec"]["properties"]["hosts"];
        hosts["maxItems"] = json!(100);
        hosts["items"]["maxLength"] = json!(253);
        assert!(compile_errors(&bounded).is_empty());
    }

    #[test]
    fn cost_messages_show_the_factor_as_kube_apiserver_does() {
        assert!(
            cel_cost::exceeds_message("estimated rule cost", 12_000_000, STATIC_LIMIT)
                .starts_with("estimated rule cost exceeds budget by factor of 1.200000x (")
        );
        assert!(
            cel_cost::exceeds_message("estimated rule cost", 25_000_000, STATIC_LIMIT)
                .starts_with("estimated rule cost exceeds budget by factor of 2.5x (")
        );
    }

    #[test]
    fn how_rules_are_written_is_checked_before_compiling() {
        let errors = messages(json!([
            {"rule": " "},
            {"rule": "self.replicas > 0", "message": "a\nb"},
            {"rule": "self.replicas > 0", "reason": "Nope"},
            {"rule": "self.replicas > 0", "fieldPath": ".nope"},
            {"rule": "self.nope > 0"}]));
        let at = "spec.validation.openAPIV3Schema.properties[spec].x-kubernetes-validations";
        assert_eq!(
            errors,
            [
                format!("{at}[0].rule: Required value: rule is not specified"),
                format!(
                    r#"{at}[1].message: Invalid value: "a\nb": message must not contain line breaks"#
                ),
                format!(
                    r#"{at}[2].reason: Unsupported value: "Nope": supported values: "FieldValueDuplicate", "FieldValueForbidden", "FieldValueInvalid", "FieldValueRequired""#
                ),
                format!(
                    r#"{at}[3].fieldPath: Invalid value: ".nope": fieldPath must be a valid path"#
                ),
            ]
        );
    }

    #[test]
    fn transition_rules_need_correlatable_values_and_optional_old_self_needs_old_self() {
        let crd = json!({"spec": {"versions": [{"name": "v1", "schema": {"openAPIV3Schema": {
            "type": "object", "properties": {"spec": {"type": "object", "properties": {
                "tags": {"type": "array", "maxItems": 5,
                    "items": {"type": "string", "maxLength": 10, "x-kubernetes-validations": [
                        {"rule": "self == oldSelf"}]}},
                "ports": {"type": "array", "maxItems": 5, "x-kubernetes-list-type": "map",
                    "x-kubernetes-list-map-keys": ["name"],
                    "items": {"type": "object", "required": ["name"], "properties": {
                        "name": {"type": "string", "maxLength": 10}},
                        "x-kubernetes-validations": [{"rule": "self == oldSelf"}]}},
                "name": {"type": "string", "maxLength": 10, "x-kubernetes-validations": [
                    {"rule": "self != ''", "optionalOldSelf": true}]}}}}}}}]}});
        let errors: Vec<String> = compile_errors(&crd)
            .iter()
            .map(ToString::to_string)
            .collect();
        let at = "spec.validation.openAPIV3Schema.properties[spec].properties";
        assert_eq!(
            errors,
            [
                format!(
                    "{at}[name].x-kubernetes-validations[0].optionalOldSelf: Invalid value: true: may not be set if oldSelf is not used in rule"
                ),
                format!(
                    r#"{at}[tags].items.x-kubernetes-validations[0].rule: Invalid value: "self == oldSelf": oldSelf cannot be used on the uncorrelatable portion of the schema within {at}[tags].items"#
                ),
            ]
        );
    }

    #[test]
    fn message_expressions_have_a_cost_limit_too() {
        let crd = json!({"spec": {"versions": [{"name": "v1", "schema": {"openAPIV3Schema": {
            "type": "object", "properties": {"hosts": {"type": "array", "items": {"type": "string"},
                "x-kubernetes-validations": [{"rule": "self.size() > 0",
                    "messageExpression": "self.map(h, h + '!').join(', ')"}]}}}}}]}});
        let errors: Vec<String> = compile_errors(&crd)
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(
            errors[0],
            "spec.validation.openAPIV3Schema.properties[hosts].x-kubernetes-validations[0].messageExpression: Forbidden: estimated messageExpression cost exceeds budget by factor of more than 100x (try simplifying the rule, or adding maxItems, maxProperties, and maxLength where arrays, maps, and strings are declared)"
        );
    }
}
