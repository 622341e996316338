//! Kubernetes' url library: `url()`, `isURL()` and the URL accessors, on Go's
//! `url.ParseRequestURI` rules (an absolute URI, or an absolute path).

use std::collections::HashMap;

use cel::common::types::STRING_TYPE;
use cel::common::value::{CowVal, Val};
use cel::{DeclarationError, Env, Value};

use super::{K8s, Out, URL_TYPE, boolean, fail, k8s, k8s_arg, string, string_arg};

/// A parsed URL: the parts the accessors return.
#[derive(Clone, Debug, PartialEq)]
pub(in crate::crd_schema) struct Url {
    scheme: String,
    host: String,
    path: String,
    query: String,
}

impl Url {
    /// Parses `s` as `url.ParseRequestURI` accepts it; Go's error text otherwise.
    pub(in crate::crd_schema) fn parse(s: &str) -> Result<Url, String> {
        let invalid = || format!("parse {s:?}: invalid URI for request");
        if s.is_empty() || s.chars().any(|c| c.is_control() || c == ' ') {
            return Err(invalid());
        }
        // A request URI carries no fragment: `#` stays in the part it appears in.
        let (scheme, rest) = if s.starts_with('/') {
            (String::new(), s)
        } else {
            let colon = s.find(':').ok_or_else(invalid)?;
            let scheme = &s[..colon];
            let mut chars = scheme.chars();
            let valid = chars.next().is_some_and(|c| c.is_ascii_alphabetic())
                && chars.all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c));
            if !valid {
                return Err(format!(
                    "parse {s:?}: first path segment in URL cannot contain colon"
                ));
            }
            (scheme.to_ascii_lowercase(), &s[colon + 1..])
        };
        let (host, rest) = match rest.strip_prefix("//") {
            Some(after) => {
                let end = after.find(['/', '?']).unwrap_or(after.len());
                let authority = &after[..end];
                let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
                (host.to_owned(), &after[end..])
            }
            None => (String::new(), rest),
        };
        let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
        Ok(Url {
            scheme,
            host,
            path: path.to_owned(),
            query: query.to_owned(),
        })
    }

    fn hostname(&self) -> &str {
        if let Some(inner) = self.host.strip_prefix('[') {
            return inner.split(']').next().unwrap_or("");
        }
        self.host.rsplit_once(':').map_or(&self.host, |(h, _)| h)
    }

    fn port(&self) -> &str {
        let after = match self.host.rfind(']') {
            Some(i) => &self.host[i + 1..],
            None => &self.host,
        };
        after.rsplit_once(':').map_or("", |(_, p)| p)
    }
}

pub(super) fn register(env: &mut Env) -> Result<(), DeclarationError> {
    env.add_overload("url", "string_to_url", vec![STRING_TYPE], to_url)?;
    env.add_overload("isURL", "is_url_string", vec![STRING_TYPE], is_url)?;
    for (name, f) in [
        ("getScheme", get_scheme as cel::common::functions::Function),
        ("getHost", get_host),
        ("getHostname", get_hostname),
        ("getPort", get_port),
        ("getEscapedPath", get_escaped_path),
        ("getQuery", get_query),
    ] {
        env.add_member_overload(name, &format!("url_{name}"), URL_TYPE.to_owned(), vec![], f)?;
    }
    Ok(())
}

fn to_url<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Out<'b, 'v> {
    let url = Url::parse(string_arg(&args, 0)?).map_err(|e| {
        fail(
            "url",
            format!("URL parse error during conversion from string: {e}"),
        )
    })?;
    k8s(K8s::Url(url))
}

fn is_url<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Out<'b, 'v> {
    boolean(Url::parse(string_arg(&args, 0)?).is_ok())
}

fn url_arg<'a>(args: &'a [CowVal<'_, '_>]) -> Result<&'a Url, cel::ExecutionError> {
    match k8s_arg(args, 0)? {
        K8s::Url(u) => Ok(u),
        _ => Err(cel::ExecutionError::missing_argument_or_target()),
    }
}

fn get_scheme<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Out<'b, 'v> {
    string(url_arg(&args)?.scheme.clone())
}

fn get_host<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Out<'b, 'v> {
    string(url_arg(&args)?.host.clone())
}

fn get_hostname<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Out<'b, 'v> {
    string(url_arg(&args)?.hostname().to_owned())
}

fn get_port<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Out<'b, 'v> {
    string(url_arg(&args)?.port().to_owned())
}

fn get_escaped_path<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Out<'b, 'v> {
    string(url_arg(&args)?.path.clone())
}

fn get_query<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Out<'b, 'v> {
    let mut query: HashMap<String, Vec<String>> = HashMap::new();
    for (k, v) in form_urlencoded::parse(url_arg(&args)?.query.as_bytes()) {
        query
            .entry(k.into_owned())
            .or_default()
            .push(v.into_owned());
    }
    let value = Value::from(query);
    Ok(CowVal::Owned(Box::<dyn Val>::try_from(value)?))
}
