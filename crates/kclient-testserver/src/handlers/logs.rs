//! `GET pods/{name}/log`: the test server runs no containers, so every container of a pod
//! has a short synthetic log (a few lines stamped from the pod's creation time). What is
//! faithful is the API around it: kubelet's `PodLogOptions` (container choice and its 400s,
//! `tailLines`, `sinceSeconds`, `sinceTime`, `timestamps`, `limitBytes`, `previous`,
//! `follow`) and a `text/plain` body.

use bytes::Bytes;
use http::{Response, StatusCode};
use serde_json::Value;

use super::Ctx;
use crate::error::{ApiResult, ErrorResponse};
use crate::respond::{Body, bytes_response};

/// Lines each container's synthetic log holds.
pub(super) const LOG_LINES: i64 = 5;

#[derive(Debug, Default)]
struct LogQuery {
    container: Option<String>,
    tail_lines: Option<i64>,
    since_seconds: Option<i64>,
    since_time: Option<jiff::Timestamp>,
    timestamps: bool,
    limit_bytes: Option<i64>,
    previous: bool,
}

fn parse_int(key: &str, v: &str) -> ApiResult<i64> {
    v.parse::<i64>().map_err(|_| {
        ErrorResponse::bad_request(format!(
            "invalid value for {key}: strconv.ParseInt: parsing {v:?}: invalid syntax"
        ))
    })
}

fn parse_bool(v: &str) -> bool {
    matches!(v, "" | "true" | "1" | "True" | "TRUE" | "t" | "T")
}

impl LogQuery {
    fn parse(raw: &str) -> ApiResult<Self> {
        let mut q = Self::default();
        for (k, v) in form_urlencoded::parse(raw.as_bytes()) {
            match k.as_ref() {
                "container" => q.container = Some(v.into_owned()).filter(|c| !c.is_empty()),
                "tailLines" => q.tail_lines = Some(parse_int("tailLines", &v)?),
                "sinceSeconds" => q.since_seconds = Some(parse_int("sinceSeconds", &v)?),
                "sinceTime" => {
                    let t = v.parse::<jiff::Timestamp>().map_err(|e| {
                        ErrorResponse::bad_request(format!("invalid value for sinceTime: {e}"))
                    })?;
                    q.since_time = Some(t);
                }
                "timestamps" => q.timestamps = parse_bool(&v),
                "limitBytes" => q.limit_bytes = Some(parse_int("limitBytes", &v)?),
                "previous" => q.previous = parse_bool(&v),
                // `follow` ends at once: no container is running to write more.
                _ => {}
            }
        }
        if q.since_seconds.is_some() && q.since_time.is_some() {
            return Err(ErrorResponse::bad_request(
                "at most one of `sinceTime` or `sinceSeconds` may be specified",
            ));
        }
        for (name, value) in [
            ("tailLines", q.tail_lines),
            ("limitBytes", q.limit_bytes.map(|n| n - 1)),
            ("sinceSeconds", q.since_seconds.map(|n| n - 1)),
        ] {
            if value.is_some_and(|n| n < 0) {
                return Err(ErrorResponse::bad_request(format!(
                    "{name}: Invalid value: must be greater than {}",
                    if name == "tailLines" {
                        "or equal to 0"
                    } else {
                        "0"
                    }
                )));
            }
        }
        Ok(q)
    }
}

/// The container the request reads, with kubelet's errors for a missing or unknown name.
fn pick_container(pod: &Value, name: &str, asked: Option<&str>) -> ApiResult<String> {
    let containers: Vec<&str> = ["initContainers", "containers", "ephemeralContainers"]
        .iter()
        .filter_map(|list| pod.pointer(&format!("/spec/{list}"))?.as_array())
        .flatten()
        .filter_map(|c| c.get("name")?.as_str())
        .collect();
    let regular: Vec<&str> = pod
        .pointer("/spec/containers")
        .and_then(Value::as_array)
        .map(|cs| cs.iter().filter_map(|c| c.get("name")?.as_str()).collect())
        .unwrap_or_default();
    match asked {
        Some(c) if containers.contains(&c) => Ok(c.to_owned()),
        Some(c) => Err(ErrorResponse::bad_request(format!(
            "container {c} is not valid for pod {name}"
        ))),
        None if regular.len() == 1 => Ok(regular[0].to_owned()),
        None => Err(ErrorResponse::bad_request(format!(
            "a container name must be specified for pod {name}, choose one of: [{}]",
            regular.join(" ")
        ))),
    }
}

/// Serves the log of one pod container.
pub(super) fn log(ctx: &Ctx) -> ApiResult<Response<Body>> {
    let name = ctx.name()?.to_string();
    let query = LogQuery::parse(&ctx.query.raw)?;
    let pod = ctx
        .store()
        .get(&ctx.key(&name))
        .ok_or_else(|| ctx.not_found(&name))?;
    let pod = pod.value()?;
    let container = pick_container(&pod, &name, query.container.as_deref())?;
    if query.previous {
        return Err(ErrorResponse::bad_request(format!(
            "previous terminated container \"{container}\" in pod \"{name}\" not found"
        )));
    }
    let created = pod
        .pointer("/metadata/creationTimestamp")
        .and_then(Value::as_str)
        .and_then(|t| t.parse::<jiff::Timestamp>().ok())
        .unwrap_or_else(jiff::Timestamp::now);
    let since = match (query.since_seconds, query.since_time) {
        (Some(s), _) => jiff::Timestamp::now()
            .checked_sub(jiff::SignedDuration::from_secs(s))
            .ok(),
        (None, t) => t,
    };
    let mut lines: Vec<String> = (0..LOG_LINES)
        .filter_map(|i| {
            let at = created
                .checked_add(jiff::SignedDuration::from_millis(i))
                .unwrap_or(created);
            if since.is_some_and(|s| at < s) {
                return None;
            }
            let text = format!(
                "[{container}] {ns}/{name}: log line {}",
                i + 1,
                ns = ctx.namespace()
            );
            Some(if query.timestamps {
                format!("{} {text}\n", at.strftime("%Y-%m-%dT%H:%M:%S%.9fZ"))
            } else {
                format!("{text}\n")
            })
        })
        .collect();
    if let Some(tail) = query.tail_lines {
        let keep = usize::try_from(tail).unwrap_or(0);
        let skip = lines.len().saturating_sub(keep);
        lines.drain(..skip);
    }
    let mut body = lines.concat().into_bytes();
    if let Some(limit) = query.limit_bytes {
        body.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
    }
    Ok(bytes_response(
        StatusCode::OK,
        "text/plain",
        Bytes::from(body),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn container_choice() {
        let one = json!({"spec": {"containers": [{"name": "app"}]}});
        assert_eq!(pick_container(&one, "p", None).unwrap(), "app");
        assert!(pick_container(&one, "p", Some("x")).is_err());
        let two = json!({"spec": {"containers": [{"name": "a"}, {"name": "b"}],
                                  "initContainers": [{"name": "init"}]}});
        assert!(pick_container(&two, "p", None).is_err());
        assert_eq!(pick_container(&two, "p", Some("init")).unwrap(), "init");
    }

    #[test]
    fn query_validation() {
        assert!(LogQuery::parse("tailLines=-1").is_err());
        assert!(LogQuery::parse("limitBytes=0").is_err());
        assert!(LogQuery::parse("sinceSeconds=1&sinceTime=2024-01-01T00:00:00Z").is_err());
        let q = LogQuery::parse("container=a&tailLines=0&timestamps=true&follow=true").unwrap();
        assert_eq!(q.container.as_deref(), Some("a"));
        assert_eq!(q.tail_lines, Some(0));
        assert!(q.timestamps);
    }
}
