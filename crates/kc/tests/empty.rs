//! `kc get` when nothing (or not everything) is found, in every output format, against kubectl
//! on the same server: the same bytes on stdout and on stderr, and the same exit status.

mod common;

use common::{Env, OBJECTS};

/// Namespace `empty`, with nothing in it.
const EMPTY_NAMESPACE: &str = "apiVersion: v1\nkind: Namespace\nmetadata: {name: empty}\n";

const FORMATS: [&[&str]; 5] = [
    &[],
    &["-o", "wide"],
    &["-o", "name"],
    &["-o", "json"],
    &["-o", "yaml"],
];

/// What kubectl prints for an empty collection with `-o json`.
const EMPTY_JSON_LIST: &str = "{\n    \"apiVersion\": \"v1\",\n    \"items\": [],\n    \"kind\": \"List\",\n    \"metadata\": {\n        \"resourceVersion\": \"\"\n    }\n}\n";
/// ... and with `-o yaml`.
const EMPTY_YAML_LIST: &str =
    "apiVersion: v1\nitems: []\nkind: List\nmetadata:\n  resourceVersion: \"\"\n";

async fn env() -> Env {
    let env = Env::start().await;
    for (name, text) in [("objects.yaml", OBJECTS), ("empty.yaml", EMPTY_NAMESPACE)] {
        let file = env.file(name, text);
        let created = env.kc(&["create", "-f", &file]).await;
        assert!(created.ok, "{}", created.stderr);
    }
    env
}

async fn same_in_every_format(env: &Env, cases: &[&[&str]]) {
    for case in cases {
        for format in FORMATS {
            let args: Vec<&str> = case.iter().chain(format).copied().collect();
            env.same_everywhere(&args).await;
        }
    }
}

/// A list that matches nothing: the table printers say so on stderr, `-o name` prints
/// nothing at all, `-o json|yaml` print an empty `List`; all succeed.
#[tokio::test]
async fn lists_that_match_nothing() {
    let env = env().await;
    same_in_every_format(
        &env,
        &[
            &["get", "cm", "-n", "empty"],
            &["get", "cm", "-A", "-l", "nothing=here"],
            &["get", "ns", "-l", "nothing=here"],
            &["get", "cm,deploy", "-n", "empty"],
            &[
                "get",
                "cm",
                "-n",
                "web",
                "--field-selector",
                "metadata.name=none",
            ],
            &["get", "cm", "-n", "web", "-l", "app=none", "--no-headers"],
            &["get", "cm", "-n", "empty", "--chunk-size", "1"],
            &["get", "pods", "-n", "no-such-namespace"],
        ],
    )
    .await;

    let table = env.kc(&["get", "cm", "-n", "empty"]).await;
    assert_eq!(
        (table.code, table.stdout.as_str(), table.stderr.as_str()),
        (Some(0), "", "No resources found in empty namespace.\n")
    );
    let cluster = env
        .kc(&["get", "ns", "-l", "nothing=here", "-o", "wide"])
        .await;
    assert_eq!(cluster.stderr, "No resources found\n");
    let names = env.kc(&["get", "cm", "-n", "empty", "-o", "name"]).await;
    assert_eq!(
        (names.code, names.stdout.as_str(), names.stderr.as_str()),
        (Some(0), "", "")
    );
    let json = env.kc(&["get", "cm", "-n", "empty", "-o", "json"]).await;
    assert_eq!(
        (json.stdout.as_str(), json.stderr.as_str()),
        (EMPTY_JSON_LIST, "")
    );
    let yaml = env.kc(&["get", "cm", "-n", "empty", "-o", "yaml"]).await;
    assert_eq!(
        (yaml.stdout.as_str(), yaml.stderr.as_str()),
        (EMPTY_YAML_LIST, "")
    );
}

/// Names that do not exist: each NotFound on stderr and exit status 1; `-o json|yaml` still
/// print the (empty) `List` unless exactly one object was asked for.
#[tokio::test]
async fn names_that_do_not_exist() {
    let env = env().await;
    same_in_every_format(
        &env,
        &[
            &["get", "cm", "missing", "-n", "empty"],
            &["get", "cm/missing", "-n", "empty"],
            &["get", "cm", "a", "b", "-n", "empty"],
            &["get", "cm/a", "deploy/b", "-n", "empty"],
            &["get", "cm,deploy", "missing", "-n", "empty"],
        ],
    )
    .await;

    let one = env
        .kc(&["get", "cm", "missing", "-n", "empty", "-o", "json"])
        .await;
    assert_eq!(
        (one.code, one.stdout.as_str()),
        (Some(1), ""),
        "{}",
        one.stderr
    );
    let two = env
        .kc(&["get", "cm", "a", "b", "-n", "empty", "-o", "yaml"])
        .await;
    assert_eq!((two.code, two.stdout.as_str()), (Some(1), EMPTY_YAML_LIST));
    assert_eq!(
        two.stderr,
        "Error from server (NotFound): configmaps \"a\" not found\n\
         Error from server (NotFound): configmaps \"b\" not found\n"
    );
}

/// Some found, some not: what was found prints (as a `List` for `-o json|yaml`, since more
/// than one object was asked for), the rest fails; names carry their kind only when objects
/// of more than one kind were found.
#[tokio::test]
async fn partly_found() {
    let env = env().await;
    same_in_every_format(
        &env,
        &[
            &["get", "cm", "settings", "missing", "-n", "web"],
            &["get", "cm,deploy", "settings", "-n", "web"],
            &["get", "cm/settings", "deploy/settings", "-n", "web"],
            &["get", "cm,deploy", "-n", "web"],
        ],
    )
    .await;

    let json = env
        .kc(&[
            "get", "cm", "settings", "missing", "-n", "web", "-o", "json",
        ])
        .await;
    let list: serde_json::Value = serde_json::from_str(&json.stdout).expect("json");
    assert_eq!(list["kind"], "List");
    assert_eq!(list["items"][0]["metadata"]["name"], "settings");
    let table = env.kc(&["get", "cm,deploy", "settings", "-n", "web"]).await;
    assert!(table.stdout.contains("\nsettings "), "{}", table.stdout);
}
