//! Proxy selection (client-go: the cluster's `proxy-url`, else Go's `ProxyFromEnvironment`).
//!
//! The transport (kclient-rest) calls [`Config::proxy_for`] for each target: an explicit
//! `proxy_url` applies to every request; without one, `HTTPS_PROXY`/`https_proxy` is used for
//! `https` targets and `HTTP_PROXY`/`http_proxy` for `http` targets (no fallback between them),
//! except for `localhost`, loopback addresses and hosts matched by `NO_PROXY`/`no_proxy` —
//! the rules of Go's `golang.org/x/net/http/httpproxy`.

use std::collections::HashMap;
use std::net::IpAddr;

use http::Uri;

use crate::Config;

impl Config {
    /// The proxy to use for `target`, reading the proxy variables from the process environment.
    pub fn proxy_for(&self, target: &Uri) -> Option<Uri> {
        if let Some(explicit) = &self.proxy_url {
            return Some(explicit.clone());
        }
        let env = [
            "HTTPS_PROXY",
            "https_proxy",
            "HTTP_PROXY",
            "http_proxy",
            "NO_PROXY",
            "no_proxy",
        ]
        .into_iter()
        .filter_map(|k| std::env::var(k).ok().map(|v| (k.to_owned(), v)))
        .collect();
        proxy_from_env(target, &env)
    }

    /// [`Config::proxy_for`] with the environment injected.
    pub fn proxy_for_env(&self, target: &Uri, env: &HashMap<String, String>) -> Option<Uri> {
        match &self.proxy_url {
            Some(explicit) => Some(explicit.clone()),
            None => proxy_from_env(target, env),
        }
    }
}

/// The environment proxy for `target` (Go's `httpproxy.Config.ProxyFunc`). A proxy variable
/// that is not a valid URL is ignored (and logged) instead of failing the request.
pub fn proxy_from_env(target: &Uri, env: &HashMap<String, String>) -> Option<Uri> {
    let get = |upper: &str, lower: &str| {
        env.get(upper)
            .filter(|v| !v.is_empty())
            .or_else(|| env.get(lower).filter(|v| !v.is_empty()))
            .cloned()
    };
    let (proxy, default_port) = match target.scheme_str() {
        Some("https") => (get("HTTPS_PROXY", "https_proxy")?, 443),
        Some("http") => (get("HTTP_PROXY", "http_proxy")?, 80),
        _ => return None,
    };
    let host = target.host()?;
    let port = target.port_u16().unwrap_or(default_port);
    let no_proxy = NoProxy::parse(&get("NO_PROXY", "no_proxy").unwrap_or_default());
    if !no_proxy.use_proxy(host, port) {
        return None;
    }
    match parse_env_proxy(&proxy) {
        Some(uri) => Some(uri),
        None => {
            tracing::warn!("ignoring invalid proxy address in the environment");
            None
        }
    }
}

/// Go accepts `host:port` proxies and assumes `http://`.
fn parse_env_proxy(value: &str) -> Option<Uri> {
    let value = value.trim();
    let with_scheme = if value.contains("://") {
        value.to_owned()
    } else {
        format!("http://{value}")
    };
    let uri: Uri = with_scheme.parse().ok()?;
    uri.authority().filter(|a| !a.host().is_empty())?;
    Some(uri)
}

/// A parsed `NO_PROXY` list: comma-separated `*`, IPs, CIDRs and domain names, each with an
/// optional `:port`. `example.com` matches that host and its subdomains; `.example.com` and
/// `*.example.com` match only subdomains.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NoProxy {
    all: bool,
    ips: Vec<(IpAddr, Option<u16>)>,
    cidrs: Vec<(IpAddr, u8)>,
    domains: Vec<DomainMatch>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
struct DomainMatch {
    /// Always starts with `.`.
    suffix: String,
    port: Option<u16>,
    /// Whether the bare domain (without a subdomain) matches too.
    match_host: bool,
}

impl NoProxy {
    /// Parses a `NO_PROXY` value; unparsable entries are skipped.
    pub fn parse(value: &str) -> Self {
        let mut out = NoProxy::default();
        for entry in value.split(',') {
            let entry = entry.trim().to_ascii_lowercase();
            if entry.is_empty() {
                continue;
            }
            if entry == "*" {
                out.all = true;
                continue;
            }
            if let Some(cidr) = parse_cidr(&entry) {
                out.cidrs.push(cidr);
                continue;
            }
            let (host, port) = split_host_port(&entry);
            let Some(port) = port.map(|p| p.parse::<u16>().ok()).unwrap_or(Some(0)) else {
                continue;
            };
            let port = (port != 0).then_some(port);
            let host = host.trim_start_matches('[').trim_end_matches(']');
            if let Ok(ip) = host.parse::<IpAddr>() {
                out.ips.push((ip, port));
                continue;
            }
            let host = host.strip_prefix('*').unwrap_or(host);
            if host.is_empty() {
                continue;
            }
            let match_host = !host.starts_with('.');
            let suffix = if match_host {
                format!(".{host}")
            } else {
                host.to_owned()
            };
            out.domains.push(DomainMatch {
                suffix,
                port,
                match_host,
            });
        }
        out
    }

    /// True when `host:port` bypasses the proxy because of this list.
    pub fn matches(&self, host: &str, port: u16) -> bool {
        if self.all {
            return true;
        }
        let host = host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_ascii_lowercase();
        let port_ok = |p: &Option<u16>| p.is_none_or(|p| p == port);
        if let Ok(ip) = host.parse::<IpAddr>() {
            if self.ips.iter().any(|(m, p)| *m == ip && port_ok(p)) {
                return true;
            }
            if self
                .cidrs
                .iter()
                .any(|(net, bits)| cidr_contains(*net, *bits, ip))
            {
                return true;
            }
        }
        self.domains.iter().any(|d| {
            (host.ends_with(&d.suffix) || (d.match_host && host == d.suffix[1..]))
                && port_ok(&d.port)
        })
    }

    /// Go's `useProxy`: never for `localhost` or loopback IPs, otherwise unless listed.
    pub fn use_proxy(&self, host: &str, port: u16) -> bool {
        let bare = host.trim_start_matches('[').trim_end_matches(']');
        if bare.eq_ignore_ascii_case("localhost") {
            return false;
        }
        if bare.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback()) {
            return false;
        }
        !self.matches(host, port)
    }
}

fn split_host_port(entry: &str) -> (&str, Option<&str>) {
    if let Some(rest) = entry.strip_prefix('[') {
        // [v6]:port or [v6]
        return match rest.split_once(']') {
            Some((host, tail)) => (host, tail.strip_prefix(':')),
            None => (entry, None),
        };
    }
    match entry.rsplit_once(':') {
        // More than one colon without brackets: a bare IPv6 address.
        Some((host, _)) if host.contains(':') => (entry, None),
        Some((host, port)) => (host, Some(port)),
        None => (entry, None),
    }
}

fn parse_cidr(entry: &str) -> Option<(IpAddr, u8)> {
    let (ip, bits) = entry.split_once('/')?;
    let ip: IpAddr = ip.parse().ok()?;
    let bits: u8 = bits.parse().ok()?;
    let max = if ip.is_ipv4() { 32 } else { 128 };
    (bits <= max).then_some((ip, bits))
}

fn cidr_contains(net: IpAddr, bits: u8, ip: IpAddr) -> bool {
    let (net, ip, width) = match (net, ip) {
        (IpAddr::V4(n), IpAddr::V4(i)) => (u32::from(n) as u128, u32::from(i) as u128, 32),
        (IpAddr::V6(n), IpAddr::V6(i)) => (u128::from(n), u128::from(i), 128),
        _ => return false,
    };
    if bits == 0 {
        return true;
    }
    let shift = width - u32::from(bits);
    (net >> shift) == (ip >> shift)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_proxy_rules() {
        let np = NoProxy::parse(
            " example.com, .svc.local ,*.wild.io, 10.0.0.0/8, 192.168.1.1, fd00::/8, api.port:6443,[::2]:443",
        );
        assert!(np.matches("example.com", 443));
        assert!(np.matches("a.example.com", 443));
        assert!(np.matches("EXAMPLE.COM", 443));
        assert!(!np.matches("notexample.com", 443));
        assert!(!np.matches("svc.local", 443));
        assert!(np.matches("x.svc.local", 443));
        assert!(np.matches("a.wild.io", 443));
        assert!(!np.matches("wild.io", 443));
        assert!(np.matches("10.1.2.3", 443));
        assert!(!np.matches("11.1.2.3", 443));
        assert!(np.matches("192.168.1.1", 80));
        assert!(np.matches("[fd00::1]", 443));
        assert!(np.matches("api.port", 6443));
        assert!(!np.matches("api.port", 443));
        assert!(np.matches("[::2]", 443));
        assert!(!np.matches("[::2]", 80));
        assert!(NoProxy::parse("*").matches("anything", 1));
        assert!(!NoProxy::parse("").matches("anything", 1));
    }

    #[test]
    fn cidr_edge_cases() {
        assert!(cidr_contains(
            "0.0.0.0".parse().unwrap(),
            0,
            "8.8.8.8".parse().unwrap()
        ));
        assert!(cidr_contains(
            "1.2.3.4".parse().unwrap(),
            32,
            "1.2.3.4".parse().unwrap()
        ));
        assert!(!cidr_contains(
            "1.2.3.4".parse().unwrap(),
            32,
            "1.2.3.5".parse().unwrap()
        ));
        assert!(!cidr_contains(
            "::".parse().unwrap(),
            0,
            "1.2.3.5".parse().unwrap()
        ));
        assert!(parse_cidr("1.2.3.4/33").is_none());
    }

    #[test]
    fn loopback_never_proxied() {
        let np = NoProxy::default();
        assert!(!np.use_proxy("localhost", 443));
        assert!(!np.use_proxy("127.0.0.1", 443));
        assert!(!np.use_proxy("[::1]", 443));
        assert!(np.use_proxy("k8s.example", 443));
    }
}
