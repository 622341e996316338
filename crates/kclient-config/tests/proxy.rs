//! `Config::proxy_for_env`: explicit proxy-url first, then Go's environment rules.

use std::collections::HashMap;

use http::Uri;
use kclient_config::Config;

fn env(pairs: &[(&str, &str)]) -> HashMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// (environment, target, expected proxy)
type Case<'a> = (&'a [(&'a str, &'a str)], &'a str, Option<&'a str>);

fn proxy(config: &Config, target: &str, e: &HashMap<String, String>) -> Option<String> {
    config
        .proxy_for_env(&target.parse::<Uri>().unwrap(), e)
        .map(|u| u.to_string())
}

#[test]
fn explicit_proxy_url_wins_for_every_target() {
    let mut c = Config::new(Uri::from_static("https://k8s.example"));
    c.proxy_url = Some(Uri::from_static("socks5://proxy:1080"));
    let e = env(&[("HTTPS_PROXY", "http://other:3128"), ("NO_PROXY", "*")]);
    assert_eq!(
        proxy(&c, "https://k8s.example/api", &e).as_deref(),
        Some("socks5://proxy:1080/")
    );
    assert_eq!(
        proxy(&c, "https://localhost/api", &e).as_deref(),
        Some("socks5://proxy:1080/")
    );
}

#[test]
fn environment_proxy_table() {
    let c = Config::new(Uri::from_static("https://k8s.example"));
    let cases: &[Case] = &[
        (&[], "https://k8s.example", None),
        (
            &[("HTTPS_PROXY", "http://p:3128")],
            "https://k8s.example",
            Some("http://p:3128/"),
        ),
        (
            &[("https_proxy", "http://lower:3128")],
            "https://k8s.example",
            Some("http://lower:3128/"),
        ),
        (
            &[
                ("HTTPS_PROXY", "http://upper:1"),
                ("https_proxy", "http://lower:2"),
            ],
            "https://k8s.example",
            Some("http://upper:1/"),
        ),
        // An empty upper-case variable falls through to the lower-case one.
        (
            &[("HTTPS_PROXY", ""), ("https_proxy", "http://lower:2")],
            "https://k8s.example",
            Some("http://lower:2/"),
        ),
        // No fallback from HTTPS_PROXY to HTTP_PROXY (Go's rule).
        (
            &[("HTTP_PROXY", "http://p:3128")],
            "https://k8s.example",
            None,
        ),
        (
            &[("HTTP_PROXY", "http://p:3128")],
            "http://k8s.example",
            Some("http://p:3128/"),
        ),
        (
            &[("http_proxy", "p:3128")],
            "http://k8s.example",
            Some("http://p:3128/"),
        ),
        // Loopback targets never use the proxy.
        (
            &[("HTTPS_PROXY", "http://p:3128")],
            "https://localhost:6443",
            None,
        ),
        (
            &[("HTTPS_PROXY", "http://p:3128")],
            "https://127.0.0.1:6443",
            None,
        ),
        (
            &[("HTTPS_PROXY", "http://p:3128")],
            "https://[::1]:6443",
            None,
        ),
        // NO_PROXY forms.
        (
            &[("HTTPS_PROXY", "http://p"), ("NO_PROXY", "*")],
            "https://k8s.example",
            None,
        ),
        (
            &[("HTTPS_PROXY", "http://p"), ("NO_PROXY", "k8s.example")],
            "https://k8s.example",
            None,
        ),
        (
            &[("HTTPS_PROXY", "http://p"), ("NO_PROXY", "example")],
            "https://k8s.example",
            None,
        ),
        (
            &[("HTTPS_PROXY", "http://p"), ("no_proxy", ".example")],
            "https://k8s.example",
            None,
        ),
        (
            &[("HTTPS_PROXY", "http://p"), ("NO_PROXY", ".k8s.example")],
            "https://k8s.example",
            Some("http://p/"),
        ),
        (
            &[
                ("HTTPS_PROXY", "http://p"),
                ("NO_PROXY", "other.example, foo"),
            ],
            "https://k8s.example",
            Some("http://p/"),
        ),
        (
            &[("HTTPS_PROXY", "http://p"), ("NO_PROXY", "10.0.0.0/8")],
            "https://10.3.4.5",
            None,
        ),
        (
            &[("HTTPS_PROXY", "http://p"), ("NO_PROXY", "10.0.0.0/8")],
            "https://11.3.4.5",
            Some("http://p/"),
        ),
        (
            &[("HTTPS_PROXY", "http://p"), ("NO_PROXY", "10.1.2.3")],
            "https://10.1.2.3:6443",
            None,
        ),
        // Ports: the target's default port counts.
        (
            &[("HTTPS_PROXY", "http://p"), ("NO_PROXY", "k8s.example:443")],
            "https://k8s.example",
            None,
        ),
        (
            &[
                ("HTTPS_PROXY", "http://p"),
                ("NO_PROXY", "k8s.example:6443"),
            ],
            "https://k8s.example",
            Some("http://p/"),
        ),
        (
            &[
                ("HTTPS_PROXY", "http://p"),
                ("NO_PROXY", "k8s.example:6443"),
            ],
            "https://k8s.example:6443",
            None,
        ),
        // An invalid proxy value is ignored rather than failing.
        (
            &[("HTTPS_PROXY", "http://bad host")],
            "https://k8s.example",
            None,
        ),
    ];
    for (vars, target, want) in cases {
        assert_eq!(
            proxy(&c, target, &env(vars)).as_deref(),
            *want,
            "env {vars:?}, target {target}"
        );
    }
}
