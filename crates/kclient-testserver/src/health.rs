//! `/healthz`, `/livez` and `/readyz` as kube-apiserver's healthz handlers answer them:
//! `ok`, or with `?verbose` one `[+]<check> ok` line per check and `<name> check passed`;
//! `?exclude=<check>` marks a check excluded (and warns about names that match none);
//! `/<name>/<check>` runs one check; any other sub-path is Go's plain-text 404.

use bytes::Bytes;
use http::{HeaderValue, Response, StatusCode, header};

use crate::respond::{Body, bytes_response};

/// The checks every endpoint runs, in kube-apiserver's order (its post-start hooks trimmed
/// to those a client may see named).
const COMMON: &[&str] = &[
    "ping",
    "log",
    "etcd",
    "poststarthook/start-apiserver-admission-initializer",
    "poststarthook/generic-apiserver-start-informers",
    "poststarthook/start-apiextensions-informers",
    "poststarthook/start-apiextensions-controllers",
    "poststarthook/crd-informer-synced",
    "poststarthook/rbac/bootstrap-roles",
    "poststarthook/bootstrap-controller",
    "poststarthook/apiservice-registration-controller",
];

/// The checks of one endpoint: `/readyz` adds the readiness-only ones.
fn checks(endpoint: &str) -> Vec<&'static str> {
    let mut out = COMMON.to_vec();
    if endpoint == "readyz" {
        out.insert(3, "etcd-readiness");
        out.insert(4, "informer-sync");
        out.push("shutdown");
    }
    out
}

fn text(code: StatusCode, body: String) -> Response<Body> {
    let mut resp = bytes_response(code, "text/plain; charset=utf-8", Bytes::from(body));
    resp.headers_mut().insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    resp
}

/// Answers a health path (`path` starts with `/healthz`, `/livez` or `/readyz`).
pub(crate) fn respond(path: &str, query: Option<&str>) -> Response<Body> {
    let trimmed = path.trim_start_matches('/');
    let (endpoint, check) = match trimmed.split_once('/') {
        Some((e, c)) => (e, Some(c)),
        None => (trimmed, None),
    };
    let all = checks(endpoint);
    if let Some(check) = check {
        // The root with a trailing slash is the root; anything else must name a check.
        if !check.is_empty() && !all.contains(&check) {
            return crate::unserved::plain_not_found();
        }
        if !check.is_empty() {
            return text(StatusCode::OK, "ok".into());
        }
    }
    let params: Vec<(String, String)> = form_urlencoded::parse(query.unwrap_or("").as_bytes())
        .into_owned()
        .collect();
    let mut excluded: Vec<String> = params
        .iter()
        .filter(|(k, _)| k == "exclude")
        .map(|(_, v)| v.clone())
        .collect();
    if !params.iter().any(|(k, _)| k == "verbose") {
        return text(StatusCode::OK, "ok".into());
    }
    let mut out = String::new();
    for name in &all {
        if let Some(i) = excluded.iter().position(|e| e == name) {
            excluded.remove(i);
            out.push_str(&format!("[+]{name} excluded: ok\n"));
        } else {
            out.push_str(&format!("[+]{name} ok\n"));
        }
    }
    if !excluded.is_empty() {
        excluded.sort();
        excluded.dedup();
        let quoted: Vec<String> = excluded.iter().map(|e| format!("{e:?}")).collect();
        out.push_str(&format!(
            "warn: some health checks cannot be excluded: no matches for {}\n",
            quoted.join(",")
        ));
    }
    out.push_str(&format!("{endpoint} check passed\n"));
    text(StatusCode::OK, out)
}
