//! `kc get events` against `kubectl get events` on one embedded server, for Events written by
//! kclient's event recorder through both Event APIs and for Events from a manifest: the same
//! tables (LAST SEEN, TYPE, REASON, OBJECT, MESSAGE; NAMESPACE first with `-A`; the server's
//! order, which kubectl does not sort), the same objects, names and empty answers, the same
//! warnings and errors.

mod common;

use common::Env;
use k8s_openapi::api::core::v1::{ConfigMap, Node};
use kclient::runtime::events::{EventRecorder, EventType, EventsApi};
use kclient::testserver::TestServer;
use kclient::{Api, CreateOptions, RestClient};

const MANIFEST_EVENT: &str = "\
apiVersion: v1
kind: Namespace
metadata:
  name: web
---
apiVersion: v1
kind: Event
metadata:
  name: web.17a
  namespace: web
involvedObject:
  apiVersion: v1
  kind: Pod
  name: web
  namespace: web
  fieldPath: spec.containers{nginx}
reason: Pulled
message: Successfully pulled image \"nginx:1.27\"
type: Normal
source:
  component: kubelet
  host: node-1
firstTimestamp: \"2024-05-01T10:00:00Z\"
lastTimestamp: \"2024-05-01T11:00:00Z\"
count: 4
---
apiVersion: v1
kind: Event
metadata:
  name: a-later
  namespace: web
involvedObject: {apiVersion: v1, kind: Pod, name: web, namespace: web}
reason: Killing
message: Stopping container nginx
type: Normal
firstTimestamp: \"2024-05-01T12:00:00Z\"
lastTimestamp: \"2024-05-01T12:00:00Z\"
";

/// ConfigMap `settings` in `default`, created.
async fn settings(client: &RestClient) -> ConfigMap {
    let mut cm = ConfigMap::default();
    cm.metadata.name = Some("settings".into());
    Api::<ConfigMap>::namespaced(client.clone(), "default")
        .create(&cm, &CreateOptions::default())
        .await
        .expect("configmap")
}

/// A ConfigMap `settings` in `default` with Events from the recorder: through events.k8s.io/v1
/// a series of three, a Warning whose message needs trimming, and one about a cluster-scoped
/// Node (written to `default`); through core/v1 a counted pair. Then the manifest's Events.
async fn recorded(env: &Env) {
    let client = RestClient::new(env.server.config().without_rate_limit()).expect("client builds");
    let cm = settings(&client).await;
    let mut node = Node::default();
    node.metadata.name = Some("node-1".into());

    let recorder = EventRecorder::builder(client.clone(), "kclient-test")
        .instance("replica-1")
        .build()
        .expect("recorder");
    assert_eq!(recorder.api(), None, "discovery decides on the first write");
    for _ in 0..3 {
        recorder.event(&cm, EventType::Normal, "Synced", "configmap synced");
    }
    recorder.event(
        &cm,
        EventType::Warning,
        "Invalid",
        "key  \"a\" is not allowed ",
    );
    recorder.event(&node, EventType::Normal, "Cordoned", "node cordoned");
    let core = EventRecorder::builder(client.clone(), "legacy-controller")
        .api(EventsApi::CoreV1)
        .build()
        .expect("recorder");
    core.event(&cm, EventType::Normal, "Mirrored", "mirrored");
    core.event(&cm, EventType::Normal, "Mirrored", "mirrored");
    recorder.flush().await;
    core.flush().await;
    assert_eq!(recorder.api(), Some(EventsApi::EventsV1));
    let (stats, core_stats) = (recorder.stats(), core.stats());
    assert_eq!((stats.created, stats.patched, stats.dropped()), (3, 2, 0));
    assert_eq!(
        (core_stats.created, core_stats.patched, core_stats.dropped()),
        (1, 1, 0)
    );

    let file = env.file("events.yaml", MANIFEST_EVENT);
    let created = env.kubectl(&["create", "-f", &file]).await;
    assert!(created.ok, "{}", created.stderr);
}

#[tokio::test]
async fn get_events_matches_kubectl_for_recorded_and_manifest_events() {
    let env = Env::start().await;
    recorded(&env).await;

    for args in [
        &["get", "events"][..],
        &["get", "events", "-o", "wide"],
        &["get", "events", "-A"],
        &["get", "events", "-A", "-o", "wide"],
        &["get", "events", "-n", "web"],
        &["get", "events", "--no-headers", "-A"],
        &["get", "events.events.k8s.io"],
        &["get", "events.events.k8s.io", "-A", "-o", "wide"],
        &[
            "get",
            "events",
            "--field-selector",
            "involvedObject.name=settings,type=Normal",
        ],
        &[
            "get",
            "events.events.k8s.io",
            "--field-selector",
            "regarding.kind=Node",
        ],
        &["get", "events", "-A", "--field-selector", "type=Warning"],
    ] {
        env.same_table(args).await;
    }
    let table = env.kc(&["get", "events", "-A"]).await.stdout;
    let header = table.lines().next().unwrap_or_default();
    assert!(
        header.starts_with("NAMESPACE   LAST SEEN   TYPE      REASON")
            && header.ends_with("MESSAGE"),
        "{table}"
    );
    for cell in [
        "configmap/settings",
        "node/node-1",
        "pod/web",
        "key  \"a\" is not allowed\n",
    ] {
        assert!(table.contains(cell), "{cell:?} in\n{table}");
    }
    // Rows come in the server's order (by name), not by time: `a-later` happened last.
    let web = env.kc(&["get", "events", "-n", "web"]).await.stdout;
    let rows: Vec<&str> = web.lines().skip(1).collect();
    assert!(
        rows.len() == 2 && rows[0].contains("Killing") && rows[1].contains("Pulled"),
        "{web}"
    );
    let wide = env.kc(&["get", "events", "-o", "wide"]).await.stdout;
    assert!(
        wide.lines()
            .next()
            .is_some_and(|h| h.contains("SUBOBJECT") && h.ends_with("COUNT   NAME")),
        "{wide}"
    );
    assert!(
        wide.contains("kclient-test, replica-1") && wide.contains("legacy-controller"),
        "{wide}"
    );
}

#[tokio::test]
async fn get_events_objects_and_names_match_kubectl() {
    let env = Env::start().await;
    recorded(&env).await;
    for args in [
        &["get", "events", "-o", "name"][..],
        &["get", "events", "-A", "-o", "name"],
        &["get", "events.events.k8s.io", "-A", "-o", "name"],
        &["get", "events", "-o", "json"],
        &["get", "events", "-A", "-o", "yaml"],
        &["get", "events.events.k8s.io", "-o", "yaml"],
        &["get", "events.events.k8s.io", "-A", "-o", "json"],
        &["get", "events", "web.17a", "-n", "web", "-o", "yaml"],
        &[
            "get",
            "event.events.k8s.io/web.17a",
            "-n",
            "web",
            "-o",
            "json",
        ],
        &[
            "get",
            "events",
            "--field-selector",
            "reason=Cordoned",
            "-o",
            "name",
        ],
    ] {
        let out = env.same(args).await;
        assert!(!out.is_empty(), "{args:?} printed nothing");
    }
    let yaml = env
        .kc(&["get", "events.events.k8s.io", "-o", "yaml"])
        .await
        .stdout;
    assert!(
        yaml.contains("reportingController: kclient-test") && yaml.contains("count: 3"),
        "{yaml}"
    );
}

#[tokio::test]
async fn get_events_with_nothing_to_show_matches_kubectl() {
    let env = Env::start().await;
    for resource in ["events", "events.events.k8s.io"] {
        for format in [
            &[][..],
            &["-o", "wide"],
            &["-o", "name"],
            &["-o", "json"],
            &["-o", "yaml"],
        ] {
            for scope in [&[][..], &["-A"], &["-n", "kube-system"]] {
                let args: Vec<&str> = ["get", resource]
                    .into_iter()
                    .chain(scope.iter().copied())
                    .chain(format.iter().copied())
                    .collect();
                env.same_everywhere(&args).await;
            }
        }
    }
    let none = env.kc(&["get", "events"]).await;
    assert_eq!(
        (none.stdout.as_str(), none.stderr.as_str()),
        ("", "No resources found in default namespace.\n")
    );
}

/// `ev` is the short name of both Event APIs: kubectl warns that it picked core/v1. A list
/// it cannot make names the resource and the selectors, and the other types are still
/// listed.
#[tokio::test]
async fn get_events_warnings_and_errors_match_kubectl() {
    let env = Env::start().await;
    recorded(&env).await;
    for args in [
        &["get", "ev"][..],
        &["get", "ev,ev", "-n", "web", "-o", "name"],
        &["get", "ev/web.17a", "ev/a-later", "-n", "web"],
        &["get", "ev.events.k8s.io", "-n", "web", "-o", "name"],
        &["get", "ev", "nope"],
        &["get", "events", "--field-selector", "regarding.name=node-1"],
        &[
            "get",
            "events",
            "-l",
            "app=web",
            "--field-selector",
            "foo=bar",
            "-o",
            "json",
        ],
        &[
            "get",
            "events,pods",
            "-A",
            "--field-selector",
            "involvedObject.name=web",
        ],
        &[
            "get",
            "pods,events",
            "-n",
            "web",
            "--field-selector",
            "involvedObject.name=web",
            "-o",
            "name",
        ],
        &["get", "events", "-w", "--field-selector", "foo=bar"],
    ] {
        env.same_everywhere(args).await;
    }
    let ev = env.kc(&["get", "ev", "-o", "name"]).await;
    assert_eq!(
        ev.stderr,
        "Warning: short name \"ev\" could also match lower priority resource \
         events.events.k8s.io\n"
    );
    let bad = env
        .kc(&[
            "get",
            "events,pods",
            "-n",
            "web",
            "--field-selector",
            "involvedObject.name=web",
        ])
        .await;
    assert!(!bad.ok && bad.stdout.contains("pod/web"), "{bad:?}");
    assert_eq!(
        bad.stderr,
        "Error from server (BadRequest): Unable to find \"/v1, Resource=pods\" that match \
         label selector \"\", field selector \"involvedObject.name=web\": field label not \
         supported: involvedObject.name\n"
    );
}

/// A server without events.k8s.io/v1 (kube-apiserver's `--runtime-config` can turn it off):
/// the recorder finds that in discovery and writes core/v1 Events, which both CLIs print the
/// same; and both fail the same way on the API that is not there.
#[tokio::test]
async fn get_events_matches_kubectl_when_the_recorder_falls_back_to_core_v1() {
    let server = TestServer::builder()
        .disable_api("events.k8s.io/v1")
        .build()
        .await
        .expect("server starts");
    let env = Env::on(server);
    let client = RestClient::new(env.server.config().without_rate_limit()).expect("client builds");
    let cm = settings(&client).await;
    let recorder = EventRecorder::builder(client, "kclient-test")
        .instance("replica-1")
        .build()
        .expect("recorder");
    for _ in 0..2 {
        recorder.event(&cm, EventType::Warning, "Failed", "boom");
    }
    recorder.event(&cm, EventType::Normal, "Synced", "synced");
    recorder.flush().await;
    assert_eq!(recorder.api(), Some(EventsApi::CoreV1));

    for args in [
        &["get", "events"][..],
        &["get", "ev", "-o", "wide"],
        &["get", "events", "-A"],
    ] {
        env.same_table(args).await;
    }
    for args in [
        &["get", "ev", "-o", "name"][..],
        &["get", "events", "-o", "yaml"],
        &["get", "events.events.k8s.io"],
        &["get", "events.v1.events.k8s.io", "-o", "name"],
    ] {
        env.same_everywhere(args).await;
    }
    let wide = env.kc(&["get", "events", "-o", "wide"]).await.stdout;
    let failed = wide
        .lines()
        .find(|l| l.contains("Failed"))
        .unwrap_or_default();
    assert!(
        failed.contains("kclient-test, replica-1") && failed.contains(" 2 "),
        "{wide}"
    );
    // Only core/v1 serves Events: `ev` is not ambiguous there.
    assert_eq!(env.kc(&["get", "ev", "-o", "name"]).await.stderr, "");
}
