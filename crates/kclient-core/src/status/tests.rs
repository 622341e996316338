use k8s_openapi::apimachinery::pkg::apis::meta::v1::Status;
use serde_json::{Value, json};

use super::*;
use crate::ApiError;
use crate::gvk::{GroupKind, GroupResource};

fn pods() -> GroupResource {
    GroupResource::new("", "pods")
}

fn bare(code: i32, reason: &str) -> Status {
    Status {
        code: Some(code),
        reason: (!reason.is_empty()).then(|| reason.to_owned()),
        ..Default::default()
    }
}

fn json_of(status: &Status) -> Value {
    serde_json::from_slice(&to_json(status)).expect("valid json")
}

#[test]
fn reasons_round_trip() {
    for reason in StatusReason::ALL {
        assert_eq!(StatusReason::from_reason(reason.as_str()), reason);
    }
    assert_eq!(StatusReason::from_reason("Bogus"), StatusReason::Unknown);
    assert_eq!(StatusReason::StoreReadError.as_str(), "StorageReadError");
    assert_eq!(StatusReason::Expired.http_code(), 410);
    assert_eq!(StatusReason::Invalid.to_string(), "Invalid");
}

#[test]
fn not_found_message_and_details() {
    let s = new_not_found(&pods(), "x");
    assert_eq!(s.message.as_deref(), Some(r#"pods "x" not found"#));
    assert_eq!(s.code, Some(404));
    assert_eq!(s.reason.as_deref(), Some("NotFound"));
    let v = json_of(&s);
    assert_eq!(v["kind"], "Status");
    assert_eq!(v["apiVersion"], "v1");
    assert_eq!(v["status"], "Failure");
    assert_eq!(v["details"], json!({"name": "x", "kind": "pods"}));
    assert!(s.is_not_found());

    let d = new_not_found(&GroupResource::new("apps", "deployments"), "web");
    assert_eq!(
        d.message.as_deref(),
        Some(r#"deployments.apps "web" not found"#)
    );
    assert_eq!(json_of(&d)["details"]["group"], "apps");
}

#[test]
fn already_exists_and_conflict() {
    let cm = GroupResource::new("", "configmaps");
    let s = new_already_exists(&cm, "foo");
    assert_eq!(
        s.message.as_deref(),
        Some(r#"configmaps "foo" already exists"#)
    );
    assert_eq!(s.code, Some(409));
    assert!(s.is_already_exists());
    assert!(
        !s.is_conflict(),
        "AlreadyExists is a known reason, 409 must not decide"
    );

    let c = new_conflict(&cm, "foo", OPTIMISTIC_LOCK_ERROR_MSG);
    assert_eq!(
        c.message.as_deref(),
        Some(
            "Operation cannot be fulfilled on configmaps \"foo\": the object has been modified; \
             please apply your changes to the latest version and try again"
        )
    );
    assert!(c.is_conflict());
    assert!(!c.is_already_exists());

    let g = new_generate_name_conflict(&cm, "foo-abcde", 1);
    assert!(g.is_already_exists());
    assert_eq!(g.retry_after_seconds(), Some(1));
}

#[test]
fn invalid_aggregates_causes() {
    let gk = GroupKind::new("", "Pod");
    let errs = [
        FieldError::required("spec.containers", ""),
        FieldError::invalid(
            "metadata.name",
            json!("Bad_Name"),
            "a lowercase RFC 1123 subdomain",
        ),
        FieldError::required("spec.containers", ""),
    ];
    let s = new_invalid(&gk, "x", &errs);
    assert_eq!(s.code, Some(422));
    assert_eq!(
        s.message.as_deref(),
        Some(
            r#"Pod "x" is invalid: [spec.containers: Required value, metadata.name: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain]"#
        )
    );
    let v = json_of(&s);
    assert_eq!(v["details"]["kind"], "Pod");
    assert_eq!(v["details"]["causes"].as_array().map(Vec::len), Some(3));
    assert_eq!(
        v["details"]["causes"][1],
        json!({"reason": "FieldValueInvalid", "message": "Invalid value: \"Bad_Name\": a lowercase RFC 1123 subdomain", "field": "metadata.name"})
    );
    assert!(s.is_invalid());

    let one = new_invalid(&GroupKind::new("apps", "Deployment"), "d", &errs[..1]);
    assert_eq!(
        one.message.as_deref(),
        Some(r#"Deployment.apps "d" is invalid: spec.containers: Required value"#)
    );
    let none = new_invalid(&gk, "x", &[]);
    assert_eq!(none.message.as_deref(), Some(r#"Pod "x" is invalid"#));
}

#[test]
fn field_error_bodies() {
    assert_eq!(
        FieldError::not_supported(
            "spec.restartPolicy",
            json!("Sometimes"),
            &["Always", "Never"]
        )
        .to_string(),
        r#"spec.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", "Never""#
    );
    assert_eq!(
        FieldError::invalid(
            "spec.replicas",
            json!(-1),
            "must be greater than or equal to 0"
        )
        .body(),
        "Invalid value: -1: must be greater than or equal to 0"
    );
    assert_eq!(
        FieldError::invalid("a", Value::Null, "").body(),
        r#"Invalid value: "null""#
    );
    assert_eq!(
        FieldError::too_long("metadata.name", 63).body(),
        "Too long: may not be more than 63 bytes"
    );
    assert_eq!(
        FieldError::forbidden("spec", "nope").body(),
        "Forbidden: nope"
    );
    assert_eq!(
        FieldError::duplicate("x[1]", json!(true)).body(),
        "Duplicate value: true"
    );
    assert_eq!(
        FieldError::invalid("a", json!("q\"\n\u{1}"), "").body(),
        r#"Invalid value: "q\"\n\x01""#
    );
}

#[test]
fn string_slices_print_as_go_prints_them() {
    assert_eq!(
        FieldError::invalid(
            "spec.clusterIPs",
            json!(["10.96.0.5"]),
            "failed to allocate IP 10.96.0.5: provided IP is already allocated"
        )
        .body(),
        r#"Invalid value: []string{"10.96.0.5"}: failed to allocate IP 10.96.0.5: provided IP is already allocated"#
    );
    assert_eq!(
        FieldError::invalid("a", json!(["x", "y\""]), "").body(),
        r#"Invalid value: []string{"x", "y\""}"#
    );
    assert_eq!(
        FieldError::invalid("a", json!([]), "").body(),
        "Invalid value: []string{}"
    );
}

#[test]
fn simple_constructors() {
    let cases: Vec<(Status, i32, &str, &str)> = vec![
        (new_bad_request("bad"), 400, "BadRequest", "bad"),
        (new_gone("gone"), 410, "Gone", "gone"),
        (
            new_resource_expired("too old resource version: 1 (5)"),
            410,
            "Expired",
            "too old resource version: 1 (5)",
        ),
        (new_unauthorized(""), 401, "Unauthorized", "not authorized"),
        (
            new_unauthorized("Unauthorized"),
            401,
            "Unauthorized",
            "Unauthorized",
        ),
        (
            new_internal_error("boom"),
            500,
            "InternalError",
            "Internal error occurred: boom",
        ),
        (
            new_service_unavailable("later"),
            503,
            "ServiceUnavailable",
            "later",
        ),
        (new_timeout("slow"), 504, "Timeout", "Timeout: slow"),
        (
            new_too_many_requests_error("slow down"),
            429,
            "TooManyRequests",
            "Too many requests: slow down",
        ),
        (
            new_request_entity_too_large("limit is 3145728"),
            413,
            "RequestEntityTooLarge",
            "Request entity too large: limit is 3145728",
        ),
        (
            new_method_not_supported(&pods(), "deletecollection"),
            405,
            "MethodNotAllowed",
            r#"deletecollection is not supported on resources of kind "pods""#,
        ),
        (
            new_unsupported_media_type(&[
                "application/json-patch+json",
                "application/merge-patch+json",
            ]),
            415,
            "UnsupportedMediaType",
            "the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json",
        ),
        (
            new_not_acceptable(&["application/json"]),
            406,
            "NotAcceptable",
            "only the following media types are accepted: application/json",
        ),
        (
            new_server_timeout(&GroupResource::new("apps", "deployments"), "list", 2),
            500,
            "ServerTimeout",
            "The list operation against deployments.apps could not be completed at this time, please try again.",
        ),
    ];
    for (status, code, reason, message) in cases {
        assert_eq!(status.code, Some(code), "{message}");
        assert_eq!(status.reason.as_deref(), Some(reason), "{message}");
        assert_eq!(status.message.as_deref(), Some(message));
        assert_eq!(status.status.as_deref(), Some("Failure"));
    }
    let internal = json_of(&new_internal_error("boom"));
    assert_eq!(internal["details"]["causes"], json!([{"message": "boom"}]));
}

#[test]
fn forbidden_variants() {
    let s = new_forbidden(&pods(), "x", "User \"bob\" cannot get resource");
    assert_eq!(
        s.message.as_deref(),
        Some(r#"pods "x" is forbidden: User "bob" cannot get resource"#)
    );
    assert_eq!(s.code, Some(403));
    assert!(s.is_forbidden());
    let list = new_forbidden(&pods(), "", "no");
    assert_eq!(list.message.as_deref(), Some("pods is forbidden: no"));
    let none = new_forbidden(&GroupResource::default(), "", "no");
    assert_eq!(none.message.as_deref(), Some("forbidden: no"));
}

#[test]
fn too_many_requests_and_retry_after() {
    let s = new_too_many_requests("slow down", 3);
    assert_eq!(s.code, Some(429));
    assert_eq!(s.retry_after_seconds(), Some(3));
    assert_eq!(s.suggests_client_delay(), Some(3));
    assert!(s.is_too_many_requests());
    assert_eq!(json_of(&s)["details"]["retryAfterSeconds"], 3);
    // 429 counts whatever the reason, as in apimachinery.
    assert!(bare(429, "Forbidden").is_too_many_requests());
    // A zero hint is omitted, as Go's omitempty does, but the details object stays.
    let zero = json_of(&new_too_many_requests("x", 0));
    assert_eq!(zero["details"], json!({}));
    assert_eq!(json_of(&new_timeout("t"))["details"], json!({}));
    let st = new_server_timeout(&pods(), "get", 0);
    assert_eq!(st.retry_after_seconds(), None);
    assert_eq!(st.suggests_client_delay(), Some(0));
    assert!(st.is_server_timeout());
    assert!(st.is_server_error());
    assert!(!st.is_internal_error(), "ServerTimeout is a known reason");
}

#[test]
fn predicates_fall_back_to_code_only_for_unknown_reasons() {
    type Pred = fn(&Status) -> bool;
    let table: [(Pred, i32); 13] = [
        (|s| s.is_not_found(), 404),
        (|s| s.is_conflict(), 409),
        (|s| s.is_invalid(), 422),
        (|s| s.is_forbidden(), 403),
        (|s| s.is_unauthorized(), 401),
        (|s| s.is_timeout(), 504),
        (|s| s.is_internal_error(), 500),
        (|s| s.is_service_unavailable(), 503),
        (|s| s.is_bad_request(), 400),
        (|s| s.is_method_not_supported(), 405),
        (|s| s.is_not_acceptable(), 406),
        (|s| s.is_unsupported_media_type(), 415),
        (|s| s.is_request_entity_too_large(), 413),
    ];
    for (pred, code) in table {
        assert!(pred(&bare(code, "")), "code {code} without reason");
        assert!(
            pred(&bare(code, "SomethingNew")),
            "code {code} with unknown reason"
        );
        assert!(
            !pred(&bare(code, "Gone")),
            "code {code} with a known other reason"
        );
        assert!(!pred(&bare(418, "")), "code 418 for {code}");
    }
    assert!(!bare(409, "").is_already_exists());
    assert!(!bare(410, "").is_resource_expired());
    assert!(!bare(500, "").is_server_timeout());
}

#[test]
fn gone_and_expired() {
    assert!(new_gone("x").is_gone());
    assert!(!new_gone("x").is_resource_expired());
    let expired = new_resource_expired("too old");
    assert!(expired.is_gone());
    assert!(expired.is_resource_expired());
    assert!(bare(410, "").is_gone());
    assert!(
        Status {
            reason: Some("Expired".into()),
            ..Default::default()
        }
        .is_gone()
    );
}

#[test]
fn server_error_classification() {
    assert!(bare(500, "").is_server_error());
    assert!(bare(599, "").is_server_error());
    assert!(!bare(404, "").is_server_error());
    let no_code = Status {
        reason: Some("ServiceUnavailable".into()),
        ..Default::default()
    };
    assert!(no_code.is_server_error());
    assert!(!Status::default().is_server_error());
}

#[test]
fn to_json_keeps_success_and_fills_failure() {
    let ok = Status {
        status: Some("Success".into()),
        ..Default::default()
    };
    assert_eq!(json_of(&ok)["status"], "Success");
    assert!(ok.is_success());
    assert_eq!(json_of(&Status::default())["status"], "Failure");
    let round: Status =
        serde_json::from_slice(&to_json(&new_not_found(&pods(), "x"))).expect("decode");
    assert_eq!(round, new_not_found(&pods(), "x"));
}

#[test]
fn from_http_uses_status_body() {
    let body = to_json(&new_not_found(&pods(), "x"));
    let s = from_http(404, &body);
    assert_eq!(s, new_not_found(&pods(), "x"));
    // A Status missing its code gets the response's.
    let s = from_http(409, br#"{"kind":"Status","apiVersion":"v1","status":"Failure","reason":"Conflict","message":"m"}"#);
    assert_eq!(s.code, Some(409));
    assert!(s.is_conflict());
    assert!(!s.is_unexpected_server_error());
}

#[test]
fn from_http_synthesizes_like_client_go() {
    let s = from_http(500, b"  upstream connect error  \n");
    assert_eq!(s.code, Some(500));
    assert_eq!(s.reason.as_deref(), Some("InternalError"));
    assert_eq!(
        s.message.as_deref(),
        Some(
            r#"an error on the server ("upstream connect error") has prevented the request from succeeding"#
        )
    );
    assert!(s.is_unexpected_server_error());
    assert!(s.is_internal_error());

    let nf = from_http(404, b"404 page not found");
    assert!(nf.is_not_found());
    assert_eq!(
        nf.message.as_deref(),
        Some("the server could not find the requested resource")
    );

    // A success-status body or another kind is not trusted as the error.
    let other = from_http(503, br#"{"kind":"Pod","status":"Failure"}"#);
    assert!(other.is_service_unavailable());
    assert!(
        from_http(418, b"")
            .message
            .as_deref()
            .is_some_and(|m| m.contains("418"))
    );

    let gr = GroupResource::new("apps", "deployments");
    let ctx = ResponseContext {
        method: "POST",
        resource: Some(&gr),
        name: "web",
        retry_after_seconds: 0,
    };
    let conflict = from_http_with(409, b"", &ctx);
    assert!(conflict.is_already_exists());
    assert_eq!(
        conflict.message.as_deref(),
        Some("the server reported a conflict (post deployments.apps web)")
    );
    let ctx = ResponseContext {
        method: "GET",
        retry_after_seconds: 7,
        ..Default::default()
    };
    let limited = from_http_with(429, b"slow down", &ctx);
    assert_eq!(limited.retry_after_seconds(), Some(7));
}

#[test]
fn from_http_bounds_the_body() {
    let body = "é".repeat(5000);
    let s = from_http(403, body.as_bytes());
    let message = s.message.unwrap_or_default();
    assert!(message.len() <= 2048, "{}", message.len());
    assert!(message.starts_with('é'));
    let s = from_http(502, &[0xff, 0xfe, b'{']);
    assert!(s.is_server_error());
}
