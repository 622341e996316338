//! Property tests: no input makes the parser or the config builder panic.

use kclient_config::{Config, KubeconfigOptions, parse_kubeconfig_bytes};
use proptest::prelude::*;

fn build_all_ways(bytes: &[u8]) {
    if let Ok(kc) = parse_kubeconfig_bytes(bytes) {
        let _ = Config::from_kubeconfig(&kc, &KubeconfigOptions::default());
        for ctx in kc.contexts.iter().map(|c| c.name.clone()) {
            let opts = KubeconfigOptions {
                context: Some(ctx),
                ..Default::default()
            };
            if let Ok(config) = Config::from_kubeconfig(&kc, &opts) {
                let _ = config.impersonate.headers();
                let _ = format!("{config:?}");
            }
        }
        let _ = kc.to_yaml();
    }
}

/// Kubeconfig-shaped YAML built from fragments, so the builder's paths are exercised too.
fn kubeconfig_like() -> impl Strategy<Value = String> {
    let scalar = prop_oneof![
        Just(String::new()),
        Just("https://h:6443".to_owned()),
        Just("h:1".to_owned()),
        Just("'https://[::1'".to_owned()),
        Just("Zm9v".to_owned()),
        Just("null".to_owned()),
        Just("[]".to_owned()),
        Just("{}".to_owned()),
        "[a-z0-9:/.%@?#\\[\\]-]{0,20}",
    ];
    let key = prop_oneof![
        Just("server"),
        Just("certificate-authority-data"),
        Just("certificate-authority"),
        Just("insecure-skip-tls-verify"),
        Just("tls-server-name"),
        Just("proxy-url"),
        Just("token"),
        Just("tokenFile"),
        Just("username"),
        Just("password"),
        Just("client-certificate-data"),
        Just("client-key-data"),
        Just("as"),
        Just("as-groups"),
        Just("as-user-extra"),
        Just("exec"),
        Just("auth-provider"),
    ];
    (
        proptest::collection::vec((key.clone(), scalar.clone()), 0..6),
        proptest::collection::vec((key, scalar), 0..6),
        "[a-z]{0,3}",
    )
        .prop_map(|(cluster, user, ns)| {
            let fields = |kv: &[(&str, String)]| {
                kv.iter()
                    .map(|(k, v)| format!("    {k}: {v}\n"))
                    .collect::<String>()
            };
            format!(
                "current-context: c\nclusters:\n- name: c\n  cluster:\n{}users:\n- name: u\n  user:\n{}contexts:\n- name: c\n  context: {{cluster: c, user: u, namespace: '{ns}'}}\n",
                fields(&cluster),
                fields(&user)
            )
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_strings_never_panic(text in "\\PC{0,200}") {
        build_all_ways(text.as_bytes());
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
        build_all_ways(&bytes);
    }

    #[test]
    fn kubeconfig_shaped_input_never_panics(text in kubeconfig_like()) {
        build_all_ways(text.as_bytes());
    }
}

#[test]
fn pathological_inputs_are_errors_not_crashes() {
    let deep = "[".repeat(10_000);
    assert!(parse_kubeconfig_bytes(deep.as_bytes()).is_err());
    let deep_json = "{\"a\":".repeat(10_000);
    assert!(parse_kubeconfig_bytes(deep_json.as_bytes()).is_err());
    let laughs = "a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]\ne: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]\nf: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]\ng: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f]\nclusters: [*g]\n";
    assert!(parse_kubeconfig_bytes(laughs.as_bytes()).is_err());
    assert!(parse_kubeconfig_bytes(b"---\na: 1\n---\nb: 2\n").is_err());
}
