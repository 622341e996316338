//! Validation of the `server` and `proxy-url` values of a kubeconfig.

use http::Uri;
use http::uri::{PathAndQuery, Scheme};

/// client-go's `DefaultServerURL`: `host:port` without a scheme gets `https://` when TLS is
/// configured (CA, client certificate or insecure flag) and `http://` otherwise. The result
/// keeps any base path (trailing slashes removed) and rejects queries and fragments.
pub(crate) fn parse_server(server: &str, default_tls: bool) -> Result<Uri, String> {
    let server = server.trim();
    if server.is_empty() {
        return Err("the server URL is empty".to_owned());
    }
    if server.contains('#') {
        // http::Uri silently drops fragments.
        return Err("a server URL must not have a fragment".to_owned());
    }
    let with_scheme = if server.contains("://") {
        server.to_owned()
    } else if default_tls {
        format!("https://{server}")
    } else {
        format!("http://{server}")
    };
    let uri: Uri = with_scheme.parse().map_err(|e| format!("{e}"))?;
    let scheme = uri.scheme_str().unwrap_or_default();
    if scheme != "https" && scheme != "http" {
        return Err(format!(
            "unsupported scheme {scheme:?} (want https or http)"
        ));
    }
    let authority = uri
        .authority()
        .filter(|a| !a.host().is_empty())
        .ok_or_else(|| "missing host".to_owned())?
        .clone();
    check_port(&authority)?;
    if uri.query().is_some() {
        return Err("a server URL must not have a query".to_owned());
    }
    let path = uri.path().trim_end_matches('/');
    let path = if path.is_empty() { "/" } else { path };
    let path: PathAndQuery = path.parse().map_err(|e| format!("{e}"))?;
    Uri::builder()
        .scheme(if scheme == "https" {
            Scheme::HTTPS
        } else {
            Scheme::HTTP
        })
        .authority(authority)
        .path_and_query(path)
        .build()
        .map_err(|e| e.to_string())
}

/// A proxy URL as client-go accepts it in `proxy-url`: `http`, `https` or `socks5` with a host.
pub(crate) fn parse_proxy(url: &str) -> Result<Uri, String> {
    let uri: Uri = url.trim().parse().map_err(|e| format!("{e}"))?;
    match uri.scheme_str() {
        Some("http" | "https" | "socks5") => {}
        Some(other) => {
            return Err(format!(
                "proxy URL scheme {other:?} not supported (must be one of http, https, socks5)"
            ));
        }
        None => return Err("the proxy URL has no scheme".to_owned()),
    }
    match uri.authority() {
        Some(a) if !a.host().is_empty() => check_port(a)?,
        _ => return Err("the proxy URL has no host".to_owned()),
    }
    Ok(uri)
}

/// `http::Uri` accepts any text after the host's `:`; a port must be a number up to 65535.
pub(crate) fn check_port(authority: &http::uri::Authority) -> Result<(), String> {
    let text = authority.as_str();
    let host_and_port = text.rsplit_once('@').map_or(text, |(_, hp)| hp);
    let after_host = host_and_port
        .strip_prefix(authority.host())
        .unwrap_or_default();
    match after_host.strip_prefix(':') {
        None if after_host.is_empty() => Ok(()),
        Some(port) if !port.is_empty() && port.parse::<u16>().is_ok() => Ok(()),
        _ => Err(format!("invalid port in {host_and_port:?}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_urls() {
        let ok = |s: &str, tls: bool| parse_server(s, tls).unwrap().to_string();
        assert_eq!(ok("https://k8s:6443", false), "https://k8s:6443/");
        assert_eq!(ok("https://k8s:6443/", false), "https://k8s:6443/");
        assert_eq!(
            ok("https://r/k8s/clusters/c-1/", false),
            "https://r/k8s/clusters/c-1"
        );
        assert_eq!(ok("10.0.0.1:6443", true), "https://10.0.0.1:6443/");
        assert_eq!(ok("10.0.0.1:6443", false), "http://10.0.0.1:6443/");
        assert_eq!(ok("https://[::1]:6443", false), "https://[::1]:6443/");
        for bad in [
            "",
            "ftp://h",
            "https://",
            "https://h:notaport",
            "https://h?x=1",
            "https://h/#frag",
            "https://h h",
        ] {
            assert!(parse_server(bad, true).is_err(), "{bad} accepted");
        }
    }

    #[test]
    fn proxy_urls() {
        assert!(parse_proxy("http://proxy:3128").is_ok());
        assert!(parse_proxy("socks5://proxy:1080").is_ok());
        assert!(parse_proxy("ftp://proxy").is_err());
        assert!(parse_proxy("proxy:3128").is_err());
    }
}
