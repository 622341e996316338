use super::*;
use kclient_config::Config;
use kclient_core::patch::PatchType;

fn client(host: &'static str) -> RestClient {
    RestClient::new(Config::new(Uri::from_static(host))).expect("client")
}

fn url(req: Request) -> String {
    req.url().expect("valid request").to_string()
}

fn err(req: Request) -> String {
    match req.url() {
        Err(Error::InvalidRequest(msg)) => msg,
        other => panic!("expected an invalid request, got {other:?}"),
    }
}

#[test]
fn url_building_table() {
    let c = client("https://k8s.example:6443");
    let core = GroupVersion::new("", "v1");
    let apps = GroupVersion::new("apps", "v1");
    let cases: Vec<(Request, &str)> = vec![
        (c.get(), "https://k8s.example:6443/"),
        (
            c.get().abs_path(["/version"]),
            "https://k8s.example:6443/version",
        ),
        (
            c.get().abs_path(["/apis/"]),
            "https://k8s.example:6443/apis/",
        ),
        (
            c.get().group_version(&core).resource("pods"),
            "https://k8s.example:6443/api/v1/pods",
        ),
        (
            c.get()
                .group_version(&core)
                .namespace("ns")
                .resource("Pods"),
            "https://k8s.example:6443/api/v1/namespaces/ns/pods",
        ),
        (
            c.get().group_version(&core).namespace("").resource("pods"),
            "https://k8s.example:6443/api/v1/pods",
        ),
        (
            c.get()
                .group_version(&apps)
                .namespace("ns")
                .resource("deployments")
                .name("web")
                .subresource(["scale"]),
            "https://k8s.example:6443/apis/apps/v1/namespaces/ns/deployments/web/scale",
        ),
        (
            c.get()
                .prefix(["api", "v1"])
                .resource("nodes")
                .name("n1")
                .subresource(["proxy"])
                .suffix(["metrics", "cadvisor"]),
            "https://k8s.example:6443/api/v1/nodes/n1/proxy/metrics/cadvisor",
        ),
        (
            c.get()
                .prefix(["api", "v1"])
                .namespace("ns")
                .resource("pods")
                .name("p")
                .subresource(["log"])
                .param("follow", "true")
                .param("container", "c 1"),
            "https://k8s.example:6443/api/v1/namespaces/ns/pods/p/log?container=c+1&follow=true",
        ),
        (
            c.get()
                .prefix(["api"])
                .prefix(["v1"])
                .resource("namespaces")
                .param("labelSelector", "a=b,c in (x,y)")
                .param("limit", "500")
                .param("b", "2")
                .param("b", "1"),
            "https://k8s.example:6443/api/v1/namespaces?b=2&b=1&labelSelector=a%3Db%2Cc+in+%28x%2Cy%29&limit=500",
        ),
        (
            c.delete()
                .prefix(["api", "v1"])
                .namespace("ns")
                .resource("configmaps")
                .timeout(Duration::from_secs(90)),
            "https://k8s.example:6443/api/v1/namespaces/ns/configmaps?timeout=1m30s",
        ),
        (
            c.get().prefix(["api", "v1"]).suffix(["a", "..", "b"]),
            "https://k8s.example:6443/api/v1/b",
        ),
    ];
    for (req, want) in cases {
        assert_eq!(url(req), want);
    }
}

#[test]
fn base_path_is_kept() {
    let c = client("https://rancher.example/k8s/clusters/c-1");
    assert_eq!(
        url(c
            .get()
            .group_version(&GroupVersion::new("", "v1"))
            .resource("pods")),
        "https://rancher.example/k8s/clusters/c-1/api/v1/pods"
    );
    assert_eq!(
        url(c.get().abs_path(["/version"])),
        "https://rancher.example/k8s/clusters/c-1/version"
    );
    assert_eq!(
        url(c.get().prefix(["apis"])),
        "https://rancher.example/k8s/clusters/c-1/apis"
    );
    assert_eq!(url(c.get()), "https://rancher.example/k8s/clusters/c-1");
}

#[test]
fn config_timeout_is_sent_and_request_timeout_wins() {
    let mut config = Config::new(Uri::from_static("http://127.0.0.1:1"));
    config.timeout = Some(Duration::from_secs(30));
    let c = RestClient::new(config).unwrap();
    assert_eq!(
        url(c.get().abs_path(["/api"])),
        "http://127.0.0.1:1/api?timeout=30s"
    );
    assert_eq!(
        url(c
            .get()
            .abs_path(["/api"])
            .param("timeout", "5s")
            .timeout(Duration::from_millis(1500))),
        "http://127.0.0.1:1/api?timeout=1.5s"
    );
}

#[test]
fn validation_errors_like_client_go() {
    let c = client("https://k8s");
    assert_eq!(
        err(c.get().namespace("a").namespace("b")),
        "namespace already set to \"a\", cannot change to \"b\""
    );
    assert_eq!(
        err(c.get().resource("pods").resource("nodes")),
        "resource already set to \"pods\", cannot change to \"nodes\""
    );
    assert_eq!(
        err(c.get().resource("pods").name("")),
        "resource name may not be empty"
    );
    assert_eq!(
        err(c.get().name("a").name("b")),
        "resource name already set to \"a\", cannot change to \"b\""
    );
    assert_eq!(
        err(c.get().subresource(["status"]).subresource(["scale"])),
        "subresource already set to \"status\", cannot change to \"scale\""
    );
    assert_eq!(
        err(c.get().namespace("..")),
        "invalid namespace \"..\": [may not be '..']"
    );
    assert_eq!(
        err(c.get().resource("a/b")),
        "invalid resource \"a/b\": [may not contain '/']"
    );
    assert_eq!(
        err(c.get().resource("pods").name("x%2F")),
        "invalid resource name \"x%2F\": [may not contain '%']"
    );
    assert_eq!(
        err(c.get().resource("pods").name(".")),
        "invalid resource name \".\": [may not be '.']"
    );
    assert_eq!(
        err(c.get().subresource(["status", "a/b"])),
        "invalid subresource \"a/b\": [may not contain '/']"
    );
    assert_eq!(
        err(c.get().namespace("").resource("pods").name("p")),
        "an empty namespace may not be set when a resource name is provided"
    );
    assert_eq!(
        err(c.post().namespace("").resource("pods")),
        "an empty namespace may not be set during creation"
    );
    // The first error wins; later setters are ignored.
    assert_eq!(
        err(c.get().namespace("a/b").namespace("c").resource("x/y")),
        "invalid namespace \"a/b\": [may not contain '/']"
    );
    assert!(err(c.get().header("bad header", "v")).contains("invalid header name"));
    let secret_err = err(c.get().header("authorization", "Bearer s3cret\n"));
    assert!(!secret_err.contains("s3cret"), "{secret_err}");
    // Listing across namespaces and naming in a namespace are fine.
    assert!(c.get().namespace("").resource("pods").url().is_ok());
    assert!(
        c.delete()
            .namespace("ns")
            .resource("pods")
            .name("p")
            .url()
            .is_ok()
    );
}

#[tokio::test]
async fn validation_errors_surface_before_any_io() {
    // Port 1 on loopback refuses connections: reaching the network would be a transport error.
    let c = client("http://127.0.0.1:1");
    let err = c
        .get()
        .namespace("a")
        .namespace("b")
        .resource("pods")
        .send()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::InvalidRequest(_)), "{err:?}");
    let err = c
        .get()
        .resource("..")
        .watch::<serde_json::Value>()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::InvalidRequest(_)), "{err:?}");
}

#[test]
fn path_segments_are_escaped() {
    let c = client("https://k8s");
    assert_eq!(
        url(c.get().abs_path(["/api/v1/x y"])),
        "https://k8s/api/v1/x%20y"
    );
    assert_eq!(url(c.get().suffix(["a?b#c"])), "https://k8s/a%3Fb%23c");
}

#[test]
fn bodies_and_headers() {
    let c = client("https://k8s");
    let req = c.post().body_json(&serde_json::json!({"a": 1}));
    assert_eq!(req.headers[CONTENT_TYPE], "application/json");
    assert_eq!(req.body.as_deref(), Some(&b"{\"a\":1}"[..]));

    let patch = Patch::Merge(serde_json::json!({"metadata": {"labels": {"a": "b"}}}));
    let req = c.patch(patch.patch_type()).patch_body(&patch);
    assert_eq!(req.method(), Method::PATCH);
    assert_eq!(req.headers[CONTENT_TYPE], "application/merge-patch+json");
    assert_eq!(
        req.body.as_deref(),
        Some(&br#"{"metadata":{"labels":{"a":"b"}}}"#[..])
    );

    let req = c.patch(PatchType::Apply);
    assert_eq!(req.headers[CONTENT_TYPE], "application/apply-patch+yaml");
    let req = c
        .patch(PatchType::Json)
        .body_bytes("application/json-patch+json", Bytes::from_static(b"[]"));
    assert_eq!(req.headers[CONTENT_TYPE], "application/json-patch+json");
}

#[test]
fn debug_hides_secrets() {
    let c = client("https://k8s");
    let req = c
        .post()
        .prefix(["api", "v1"])
        .namespace("ns")
        .resource("secrets")
        .header("authorization", "Bearer top-secret-token")
        .header("x-custom", "visible")
        .body_json(&serde_json::json!({"stringData": {"password": "hunter2"}}));
    let debug = format!("{req:?}");
    assert!(!debug.contains("top-secret-token"), "{debug}");
    assert!(!debug.contains("hunter2"), "{debug}");
    assert!(debug.contains("visible"), "{debug}");
    assert!(debug.contains("/api/v1/namespaces/ns/secrets"), "{debug}");
}

#[test]
fn params_from_core_options() {
    use kclient_core::params::{DeleteOptions, GetOptions, ListOptions, PatchOptions};
    let c = client("https://k8s");
    let list = ListOptions::default()
        .labels("app=web")
        .limit(500)
        .resource_version("0");
    assert_eq!(
        url(c.get().prefix(["api", "v1"]).resource("pods").params(&list)),
        "https://k8s/api/v1/pods?labelSelector=app%3Dweb&limit=500&resourceVersion=0"
    );
    let get = GetOptions::default().resource_version("10");
    assert_eq!(url(c.get().params(&get)), "https://k8s/?resourceVersion=10");
    let patch = PatchOptions::apply("kc").force();
    let patched = url(c.patch(PatchType::Apply).params(&patch));
    assert!(
        patched.contains("fieldManager=kc") && patched.contains("force=true"),
        "{patched}"
    );
    // Options and ad-hoc params merge, sorted by key like Go's url.Values.Encode.
    assert_eq!(
        url(c
            .get()
            .param("pretty", "true")
            .params(&DeleteOptions::default())),
        "https://k8s/?pretty=true"
    );
}

#[test]
fn clients_requests_and_futures_are_send() {
    fn is_send<T: Send>(_: &T) {}
    fn is_send_sync<T: Send + Sync>(_: &T) {}
    let c = client("https://k8s");
    is_send_sync(&c);
    is_send(&c.get());
    is_send(&c.get().send());
    is_send(&c.get().into_json::<serde_json::Value>());
    is_send(&c.get().stream());
    is_send(&c.get().watch::<k8s_openapi::api::core::v1::Pod>());
}
