//! Server warnings: the `Warning` response headers kube-apiserver sends for deprecated APIs,
//! unknown fields and the like (RFC 7234 §5.5 format: `299 - "text"`).
//!
//! Every response's warnings are parsed and handed to the client's [`WarningHandler`]
//! (default: [`LogWarnings`], which logs code-299 warnings through `tracing` at `warn`, like
//! client-go's default `WarningLogger`).

use std::sync::{Arc, Mutex};

use http::HeaderMap;

/// One parsed `Warning` header entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Warning {
    /// The warn-code; kube-apiserver always sends 299 ("miscellaneous persistent warning").
    pub code: u16,
    /// The warn-agent (`-` when unknown, as kube-apiserver sends).
    pub agent: String,
    /// The unquoted warning text.
    pub text: String,
}

/// Receives the warnings of every response (client-go's `WarningHandler`).
pub trait WarningHandler: Send + Sync {
    /// Called once per warning, in header order.
    fn handle_warning(&self, warning: &Warning);
}

/// The default handler: logs code-299 warnings with non-empty text at `warn` level.
#[derive(Clone, Copy, Debug, Default)]
pub struct LogWarnings;

impl WarningHandler for LogWarnings {
    fn handle_warning(&self, warning: &Warning) {
        if warning.code == 299 && !warning.text.is_empty() {
            tracing::warn!(target: "kclient::warnings", "{}", warning.text);
        }
    }
}

/// A handler that ignores every warning.
#[derive(Clone, Copy, Debug, Default)]
pub struct IgnoreWarnings;

impl WarningHandler for IgnoreWarnings {
    fn handle_warning(&self, _warning: &Warning) {}
}

/// A handler that keeps every warning it sees (useful in tests and for tools that print
/// warnings after a command, as kubectl does).
#[derive(Clone, Debug, Default)]
pub struct CollectWarnings {
    seen: Arc<Mutex<Vec<Warning>>>,
}

impl CollectWarnings {
    /// An empty collector.
    pub fn new() -> Self {
        Self::default()
    }

    /// The warnings collected so far.
    pub fn warnings(&self) -> Vec<Warning> {
        self.seen.lock().map(|w| w.clone()).unwrap_or_default()
    }

    /// Removes and returns the warnings collected so far.
    pub fn take(&self) -> Vec<Warning> {
        self.seen
            .lock()
            .map(|mut w| std::mem::take(&mut *w))
            .unwrap_or_default()
    }
}

impl WarningHandler for CollectWarnings {
    fn handle_warning(&self, warning: &Warning) {
        if let Ok(mut seen) = self.seen.lock() {
            seen.push(warning.clone());
        }
    }
}

/// Parses every `Warning` header of a response. Malformed entries are skipped (a header that
/// cannot be parsed is logged at debug level, as client-go does).
pub fn parse_warnings(headers: &HeaderMap) -> Vec<Warning> {
    let mut out = Vec::new();
    for value in headers.get_all(http::header::WARNING) {
        let Ok(text) = value.to_str() else {
            tracing::debug!("ignoring a non-ASCII Warning header");
            continue;
        };
        match parse_warning_header(text) {
            Ok(mut warnings) => out.append(&mut warnings),
            Err(err) => tracing::debug!(error = %err, "ignoring a malformed Warning header"),
        }
    }
    out
}

/// Parses one `Warning` header value, which may hold several comma-separated warnings:
/// `299 - "text"`, `299 agent "text" "date"`.
pub fn parse_warning_header(value: &str) -> Result<Vec<Warning>, String> {
    let mut rest = value;
    let mut out = Vec::new();
    loop {
        rest = rest.trim_start_matches([' ', '\t']);
        if rest.is_empty() {
            break;
        }
        let (warning, remainder) = parse_one(rest)?;
        out.push(warning);
        rest = remainder.trim_start_matches([' ', '\t']);
        match rest.strip_prefix(',') {
            Some(after) => rest = after,
            None if rest.is_empty() => break,
            None => return Err(format!("unexpected text after warning: {rest:?}")),
        }
    }
    Ok(out)
}

fn parse_one(input: &str) -> Result<(Warning, &str), String> {
    let bytes = input.as_bytes();
    if bytes.len() < 4 || !bytes[..3].iter().all(u8::is_ascii_digit) || bytes[3] != b' ' {
        return Err("a warning must start with a 3-digit code and a space".to_owned());
    }
    let code = input[..3]
        .parse::<u16>()
        .map_err(|_| "invalid warn-code".to_owned())?;
    let rest = &input[4..];
    let agent_end = rest
        .find(' ')
        .ok_or_else(|| "missing warn-text".to_owned())?;
    let agent = &rest[..agent_end];
    if agent.is_empty() {
        return Err("empty warn-agent".to_owned());
    }
    let (text, mut rest) = parse_quoted(&rest[agent_end + 1..])?;
    // An optional quoted warn-date follows; it carries nothing a client acts on.
    if let Some(after_space) = rest.strip_prefix(' ')
        && after_space.starts_with('"')
    {
        rest = parse_quoted(after_space)?.1;
    }
    Ok((
        Warning {
            code,
            agent: agent.to_owned(),
            text,
        },
        rest,
    ))
}

/// Parses an RFC 7230 quoted-string at the start of `input`, returning it unescaped and the rest.
fn parse_quoted(input: &str) -> Result<(String, &str), String> {
    let body = input
        .strip_prefix('"')
        .ok_or_else(|| "warn-text must be a quoted string".to_owned())?;
    let mut text = String::new();
    let mut chars = body.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => return Ok((text, &body[i + 1..])),
            '\\' => match chars.next() {
                Some((_, escaped)) => text.push(escaped),
                None => break,
            },
            other => text.push(other),
        }
    }
    Err("unterminated quoted string".to_owned())
}

/// Hands every warning to `handler`.
pub(crate) fn dispatch(handler: &Arc<dyn WarningHandler>, warnings: &[Warning]) {
    for warning in warnings {
        handler.handle_warning(warning);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn w(code: u16, agent: &str, text: &str) -> Warning {
        Warning {
            code,
            agent: agent.into(),
            text: text.into(),
        }
    }

    #[test]
    fn parses_kube_apiserver_warnings() {
        assert_eq!(
            parse_warning_header(r#"299 - "v1 ComponentStatus is deprecated in v1.19+""#).unwrap(),
            [w(299, "-", "v1 ComponentStatus is deprecated in v1.19+")]
        );
        assert_eq!(
            parse_warning_header(
                r#"299 - "a \"quoted\" word", 299 host:80 "second" "Wed, 21 Oct 2015 07:28:00 GMT""#
            )
            .unwrap(),
            [
                w(299, "-", r#"a "quoted" word"#),
                w(299, "host:80", "second")
            ]
        );
        assert_eq!(parse_warning_header("").unwrap(), []);
    }

    #[test]
    fn rejects_malformed_warnings() {
        for bad in [
            "299",
            "29 - \"x\"",
            "abc - \"x\"",
            "299 - x",
            "299 - \"open",
            "299  \"x\"",
            "299 - \"x\" junk",
        ] {
            assert!(parse_warning_header(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn collects_from_headers_and_skips_bad_ones() {
        let mut headers = HeaderMap::new();
        headers.append("warning", r#"299 - "one""#.parse().unwrap());
        headers.append("warning", "garbage".parse().unwrap());
        headers.append("warning", r#"299 - "two""#.parse().unwrap());
        let parsed = parse_warnings(&headers);
        assert_eq!(parsed, [w(299, "-", "one"), w(299, "-", "two")]);

        let collector = CollectWarnings::new();
        let handler: Arc<dyn WarningHandler> = Arc::new(collector.clone());
        dispatch(&handler, &parsed);
        assert_eq!(collector.take().len(), 2);
        assert!(collector.warnings().is_empty());
        LogWarnings.handle_warning(&parsed[0]);
        IgnoreWarnings.handle_warning(&parsed[0]);
    }
}
