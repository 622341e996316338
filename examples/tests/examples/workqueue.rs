//! workqueue: retries with backoff, forget on success, drop after max retries.

use kclient::GetOptions;

use crate::harness::Env;

fn has_line_ending(stdout: &str, suffix: &str) -> bool {
    stdout
        .lines()
        .any(|l| l.starts_with("worker ") && l.ends_with(suffix))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn workqueue_retries_failed_keys_then_forgets_or_drops_them() {
    let env = Env::start().await;
    let out = env
        .run(
            "workqueue",
            &["--items", "3", "--fail-times", "2", "--workers", "2"],
        )
        .await;
    out.assert_success()
        .assert_line("queued 3 keys, 2 workers")
        .assert_line("done: 3 reconciled, 0 dropped, 6 retries");
    for i in 0..3 {
        let key = format!("default/workqueue-demo-{i}");
        for (suffix, what) in [
            (
                format!("{key} attempt 1 failed: simulated transient error; requeued (1 requeues)"),
                "first retry",
            ),
            (
                format!("{key} attempt 2 failed: simulated transient error; requeued (2 requeues)"),
                "second retry",
            ),
            (format!("{key} reconciled on attempt 3 (forget)"), "success"),
        ] {
            assert!(
                has_line_ending(&out.stdout, &suffix),
                "no {what} line for {key}:\n{}",
                out.stdout
            );
        }
        let cm = env
            .clientset
            .core_v1()
            .config_maps("default")
            .get(&format!("workqueue-demo-{i}"), &GetOptions::default())
            .await
            .expect("reconciled configmap");
        let data = cm.data.unwrap_or_default();
        assert_eq!(data.get("attempts").map(String::as_str), Some("3"));
        assert_eq!(data.get("reconciled").map(String::as_str), Some("true"));
    }

    // A key that always fails is dropped after --max-retries; the existing ConfigMap of
    // the other key is updated in place.
    let out = env
        .run(
            "workqueue",
            &[
                "--items",
                "2",
                "--fail-times",
                "0",
                "--poison",
                "1",
                "--max-retries",
                "3",
                "--workers",
                "1",
            ],
        )
        .await;
    out.assert_success()
        .assert_line("done: 1 reconciled, 1 dropped, 3 retries");
    assert!(
        has_line_ending(
            &out.stdout,
            "default/workqueue-demo-0 reconciled on attempt 1 (forget)"
        ),
        "{}",
        out.stdout
    );
    assert!(
        has_line_ending(
            &out.stdout,
            "default/workqueue-demo-1 dropped after 4 attempts: simulated transient error"
        ),
        "{}",
        out.stdout
    );
    let cm = env
        .clientset
        .core_v1()
        .config_maps("default")
        .get("workqueue-demo-0", &GetOptions::default())
        .await
        .expect("configmap");
    assert_eq!(
        cm.data
            .unwrap_or_default()
            .get("attempts")
            .map(String::as_str),
        Some("1")
    );
}
