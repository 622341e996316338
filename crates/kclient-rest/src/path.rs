//! Path helpers with the exact semantics client-go relies on: its message for a bad path
//! segment (the rule itself is apimachinery's, in [`kclient_core::validation`]), Go's
//! `path.Join`/`path.Clean`, and Go's `time.Duration` text (sent as `?timeout=`).

use std::fmt::Write as _;
use std::time::Duration;

use kclient_core::validation::is_valid_path_segment_name;

/// Validates one segment, producing client-go's message (`invalid resource "a/b": [may not contain '/']`).
pub(crate) fn validate_segment(what: &str, value: &str) -> Result<(), String> {
    let problems = is_valid_path_segment_name(value);
    if problems.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "invalid {what} {value:?}: [{}]",
            problems.join(", ")
        ))
    }
}

/// Go's `path.Join`: joins the non-empty elements with `/` and cleans the result; `""` if all
/// elements are empty.
pub(crate) fn join<'a>(elems: impl IntoIterator<Item = &'a str>) -> String {
    let mut joined = String::new();
    for elem in elems.into_iter().filter(|e| !e.is_empty()) {
        if !joined.is_empty() {
            joined.push('/');
        }
        joined.push_str(elem);
    }
    if joined.is_empty() {
        joined
    } else {
        clean(&joined)
    }
}

/// Go's `path.Clean`: collapses `//`, resolves `.` and `..` lexically, drops trailing `/`.
pub(crate) fn clean(path: &str) -> String {
    if path.is_empty() {
        return ".".to_owned();
    }
    let rooted = path.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                if parts.last().is_some_and(|p| *p != "..") {
                    parts.pop();
                } else if !rooted {
                    parts.push("..");
                }
            }
            other => parts.push(other),
        }
    }
    let body = parts.join("/");
    match (rooted, body.is_empty()) {
        (true, _) => format!("/{body}"),
        (false, true) => ".".to_owned(),
        (false, false) => body,
    }
}

/// Go's `time.Duration.String()`: `1h2m3.5s`, `1m30s`, `500ms`, `1.5µs`, `0s`.
pub(crate) fn go_duration(d: Duration) -> String {
    let nanos = d.as_nanos();
    if nanos == 0 {
        return "0s".to_owned();
    }
    if nanos < 1_000 {
        return format!("{nanos}ns");
    }
    if nanos < 1_000_000 {
        return format!("{}µs", fraction(nanos, 1_000));
    }
    if nanos < 1_000_000_000 {
        return format!("{}ms", fraction(nanos, 1_000_000));
    }
    let total_secs = nanos / 1_000_000_000;
    let sub = nanos % 1_000_000_000;
    let hours = total_secs / 3600;
    let minutes = (total_secs % 3600) / 60;
    let secs = total_secs % 60;
    let mut out = String::new();
    if hours > 0 {
        let _ = write!(out, "{hours}h");
    }
    if hours > 0 || minutes > 0 {
        let _ = write!(out, "{minutes}m");
    }
    let _ = write!(
        out,
        "{}s",
        fraction(secs * 1_000_000_000 + sub, 1_000_000_000)
    );
    out
}

/// `value / unit` printed with the shortest exact decimal fraction (Go drops trailing zeros).
fn fraction(value: u128, unit: u128) -> String {
    let whole = value / unit;
    let rem = value % unit;
    if rem == 0 {
        return whole.to_string();
    }
    let width = unit.ilog10() as usize;
    let digits = format!("{rem:0width$}");
    format!("{whole}.{}", digits.trim_end_matches('0'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segment_messages_like_client_go() {
        assert_eq!(validate_segment("resource", "pods"), Ok(()));
        assert_eq!(
            validate_segment("resource", "a/b").unwrap_err(),
            "invalid resource \"a/b\": [may not contain '/']"
        );
    }

    #[test]
    fn join_and_clean_like_go() {
        assert_eq!(join(["/", "api", "v1"]), "/api/v1");
        assert_eq!(join(["/base/", "/api/"]), "/base/api");
        assert_eq!(join(["", ""]), "");
        assert_eq!(join(["a", "..", "b"]), "b");
        assert_eq!(join(["/a", "../../b"]), "/b");
        assert_eq!(clean(""), ".");
        assert_eq!(clean("//x//y/./z/.."), "/x/y");
        assert_eq!(clean("../a"), "../a");
        assert_eq!(clean("/"), "/");
    }

    #[test]
    fn durations_like_go() {
        let cases = [
            (Duration::ZERO, "0s"),
            (Duration::from_nanos(15), "15ns"),
            (Duration::from_nanos(1_500), "1.5µs"),
            (Duration::from_millis(500), "500ms"),
            (Duration::from_micros(2_250), "2.25ms"),
            (Duration::from_secs(1), "1s"),
            (Duration::from_millis(1_500), "1.5s"),
            (Duration::from_secs(30), "30s"),
            (Duration::from_secs(60), "1m0s"),
            (Duration::from_secs(90), "1m30s"),
            (Duration::from_secs(3600), "1h0m0s"),
            (Duration::from_secs(3723), "1h2m3s"),
            (Duration::new(3723, 500_000_000), "1h2m3.5s"),
        ];
        for (d, want) in cases {
            assert_eq!(go_duration(d), want, "{d:?}");
        }
    }
}
