//! Query parameters of API requests (the server side of list/get/write/delete options).

use crate::error::{ApiResult, ErrorResponse, FieldError};

/// Field validation directive (`fieldValidation`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub(crate) enum FieldValidation {
    Ignore,
    #[default]
    Warn,
    Strict,
}

/// The parameters kube-apiserver understands, parsed once per request.
#[derive(Clone, Debug, Default)]
pub(crate) struct Query {
    pub label_selector: Option<String>,
    pub field_selector: Option<String>,
    pub limit: Option<i64>,
    pub continue_token: Option<String>,
    pub resource_version: Option<String>,
    pub resource_version_match: Option<String>,
    pub watch: bool,
    pub allow_watch_bookmarks: bool,
    pub timeout_seconds: Option<i64>,
    pub send_initial_events: Option<bool>,
    pub dry_run: bool,
    pub field_manager: Option<String>,
    pub force: Option<bool>,
    pub field_validation: FieldValidation,
    pub include_object: Option<String>,
    pub grace_period_seconds: Option<i64>,
    pub propagation_policy: Option<String>,
    /// The deprecated `orphanDependents`.
    pub orphan_dependents: Option<bool>,
    pub pretty: bool,
    /// The raw query string, for subresources with parameters of their own (`pods/log`).
    pub raw: String,
}

fn parse_bool(key: &str, v: &str) -> ApiResult<bool> {
    match v {
        "" | "true" | "1" | "True" | "TRUE" | "t" | "T" => Ok(true),
        "false" | "0" | "False" | "FALSE" | "f" | "F" => Ok(false),
        _ => Err(ErrorResponse::bad_request(format!(
            "invalid value for {key}: strconv.ParseBool: parsing {}: invalid syntax",
            serde_json::to_string(v).unwrap_or_default()
        ))),
    }
}

fn parse_int(key: &str, v: &str) -> ApiResult<i64> {
    v.parse::<i64>().map_err(|_| {
        ErrorResponse::bad_request(format!(
            "invalid value for {key}: strconv.ParseInt: parsing {}: invalid syntax",
            serde_json::to_string(v).unwrap_or_default()
        ))
    })
}

impl Query {
    /// Parses a raw query string.
    pub fn parse(raw: Option<&str>) -> ApiResult<Query> {
        let mut q = Query::default();
        let Some(raw) = raw else { return Ok(q) };
        q.raw = raw.to_owned();
        for (k, v) in form_urlencoded::parse(raw.as_bytes()) {
            let v = v.into_owned();
            match k.as_ref() {
                "labelSelector" => q.label_selector = Some(v),
                "fieldSelector" => q.field_selector = Some(v),
                "limit" => q.limit = Some(parse_int("limit", &v)?),
                "continue" => q.continue_token = Some(v),
                "resourceVersion" => q.resource_version = Some(v),
                "resourceVersionMatch" => q.resource_version_match = Some(v),
                "watch" => q.watch = parse_bool("watch", &v)?,
                "allowWatchBookmarks" => {
                    q.allow_watch_bookmarks = parse_bool("allowWatchBookmarks", &v)?;
                }
                "timeoutSeconds" => {
                    q.timeout_seconds = Some(parse_int("timeoutSeconds", &v)?);
                }
                "sendInitialEvents" => {
                    q.send_initial_events = Some(parse_bool("sendInitialEvents", &v)?);
                }
                "dryRun" => {
                    if v != "All" {
                        return Err(ErrorResponse::invalid(
                            "meta.k8s.io",
                            "CreateOptions",
                            "",
                            &[FieldError::not_supported(
                                "dryRun",
                                serde_json::Value::String(v.clone()),
                                &["All"],
                            )],
                        ));
                    }
                    q.dry_run = true;
                }
                "fieldManager" => q.field_manager = Some(v),
                "force" => q.force = Some(parse_bool("force", &v)?),
                "fieldValidation" => {
                    q.field_validation = match v.as_str() {
                        "Ignore" => FieldValidation::Ignore,
                        "Warn" | "" => FieldValidation::Warn,
                        "Strict" => FieldValidation::Strict,
                        _ => {
                            return Err(ErrorResponse::bad_request(format!(
                                "fieldValidation must be one of \"Ignore\", \"Warn\", or \"Strict\", got: {v}"
                            )));
                        }
                    };
                }
                "includeObject" => q.include_object = Some(v),
                "gracePeriodSeconds" => {
                    q.grace_period_seconds = Some(parse_int("gracePeriodSeconds", &v)?);
                }
                "propagationPolicy" => q.propagation_policy = Some(v),
                "orphanDependents" => {
                    q.orphan_dependents = Some(parse_bool("orphanDependents", &v)?);
                }
                "pretty" => q.pretty = parse_bool("pretty", &v)?,
                _ => {}
            }
        }
        Ok(q)
    }

    /// The `watch` parameter alone (routing needs it before the full parse).
    pub fn watch_flag(raw: Option<&str>) -> bool {
        raw.map(|raw| {
            form_urlencoded::parse(raw.as_bytes())
                .any(|(k, v)| k == "watch" && matches!(v.as_ref(), "" | "true" | "1"))
        })
        .unwrap_or(false)
    }

    /// A non-empty resourceVersion parameter.
    pub fn rv(&self) -> Option<&str> {
        self.resource_version.as_deref().filter(|s| !s.is_empty())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_known_params() {
        let q = Query::parse(Some(
            "labelSelector=a%3Db&limit=2&continue=x&watch=1&allowWatchBookmarks=true&timeoutSeconds=5&dryRun=All&fieldValidation=Strict&force=true",
        ))
        .unwrap();
        assert_eq!(q.label_selector.as_deref(), Some("a=b"));
        assert_eq!(q.limit, Some(2));
        assert!(q.watch && q.allow_watch_bookmarks && q.dry_run);
        assert_eq!(q.timeout_seconds, Some(5));
        assert_eq!(q.field_validation, FieldValidation::Strict);
        assert_eq!(q.force, Some(true));
        assert!(Query::parse(Some("limit=abc")).is_err());
        assert!(Query::parse(Some("dryRun=Some")).is_err());
        assert!(Query::watch_flag(Some("watch=true&x=1")));
        assert!(!Query::watch_flag(Some("watch=false")));
        assert!(Query::parse(None).unwrap().rv().is_none());
    }
}
