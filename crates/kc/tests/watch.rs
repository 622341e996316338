//! `kc get -w` beside `kubectl get -w` on the same server: the same lines for the list and
//! for every ADDED, MODIFIED and DELETED event, in every output format.

mod common;

use common::{Env, KC, Run, Watching, kubectl_bin};

const FORMATS: [&[&str]; 6] = [
    &[],
    &["-o", "wide"],
    &["-A"],
    &["-o", "name"],
    &["-o", "json"],
    &["-o", "yaml"],
];

/// Creates, changes and deletes ConfigMap `probe` in `ns`, waiting after each step until
/// both watchers have printed it (so each change is an event of its own for both).
async fn add_modify_delete(env: &Env, ns: &str, watchers: [&Watching; 2]) {
    let manifest = env.file(
        &format!("{ns}-probe.yaml"),
        &format!("apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: probe, namespace: {ns}}}\n"),
    );
    let steps: [Vec<&str>; 3] = [
        vec!["create", "-f", &manifest],
        vec![
            "patch",
            "cm",
            "probe",
            "-n",
            ns,
            "--type",
            "merge",
            "-p",
            r#"{"data":{"a":"b"}}"#,
        ],
        vec!["delete", "cm", "probe", "-n", ns],
    ];
    for (i, step) in steps.iter().enumerate() {
        let done = env.kc(step).await;
        assert!(done.ok, "{step:?}: {}", done.stderr);
        for w in watchers {
            w.until(|out| out.matches("probe").count() > i).await;
        }
    }
}

/// The AGE column (a table's last) as the server computed it when each watcher asked.
fn without_age(run: &Run) -> String {
    run.stdout
        .lines()
        .map(|line| line.rsplit_once(' ').map_or(line, |(rest, _)| rest))
        .collect::<Vec<_>>()
        .join("\n")
}

async fn watch_both(env: &Env, ns: &str, format: &[&str]) -> (Run, Run) {
    let mut args = vec!["get", "cm", "-w", "-n", ns];
    args.extend(format);
    let kc = env.watch(KC, &args);
    let kubectl = env.watch(kubectl_bin(), &args);
    add_modify_delete(env, ns, [&kc, &kubectl]).await;
    (kc.stop().await, kubectl.stop().await)
}

fn assert_same(format: &[&str], kc: &Run, kubectl: &Run) {
    if format.contains(&"-o") && !format.contains(&"wide") {
        assert_eq!(kc.stdout, kubectl.stdout, "stdout of -w {format:?}");
    } else {
        assert_eq!(
            without_age(kc),
            without_age(kubectl),
            "table of -w {format:?}"
        );
    }
    assert_eq!(kc.stderr, kubectl.stderr, "stderr of -w {format:?}");
}

/// Nothing to list: nothing printed (no "No resources found"), then every event as kubectl
/// prints it — for a table, the header comes with the first row.
#[tokio::test]
async fn watching_nothing_then_each_change() {
    let env = Env::start().await;
    for (i, format) in FORMATS.iter().enumerate() {
        let ns = format!("quiet-{i}");
        let namespace = env.file(
            &format!("{ns}.yaml"),
            &format!("apiVersion: v1\nkind: Namespace\nmetadata: {{name: {ns}}}\n"),
        );
        assert!(env.kc(&["create", "-f", &namespace]).await.ok);
        let (kc, kubectl) = watch_both(&env, &ns, format).await;
        assert_same(format, &kc, &kubectl);
        assert!(kc.stderr.is_empty(), "{}", kc.stderr);
    }
}

/// A listed object, then ADDED, MODIFIED and DELETED events: kube-apiserver sends the column
/// definitions with the first event only, and both print all three rows.
#[tokio::test]
async fn watching_a_list_then_each_change() {
    let env = Env::start().await;
    for (i, format) in FORMATS.iter().enumerate() {
        let ns = format!("busy-{i}");
        let seed = env.file(
            &format!("{ns}.yaml"),
            &format!(
                "apiVersion: v1\nkind: Namespace\nmetadata: {{name: {ns}}}\n---\n\
                 apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: first, namespace: {ns}}}\n\
                 data: {{x: y}}\n"
            ),
        );
        assert!(env.kc(&["create", "-f", &seed]).await.ok);
        let (kc, kubectl) = watch_both(&env, &ns, format).await;
        assert_same(format, &kc, &kubectl);
        if format.is_empty() {
            let rows: Vec<&str> = kc.stdout.lines().collect();
            assert_eq!(
                rows.len(),
                5,
                "header, first, then three events:\n{}",
                kc.stdout
            );
            assert!(rows[0].starts_with("NAME    DATA   AGE"), "{}", kc.stdout);
            assert!(rows[1].starts_with("first   1      "), "{}", kc.stdout);
            assert!(
                rows[2].starts_with("probe   0      "),
                "ADDED: {}",
                kc.stdout
            );
            assert!(
                rows[3].starts_with("probe   1      "),
                "MODIFIED: {}",
                kc.stdout
            );
            assert!(
                rows[4].starts_with("probe   1      "),
                "DELETED: {}",
                kc.stdout
            );
        }
    }
}
