//! kubectl, unchanged, run by the kubectl test files: each command with the test server's
//! kubeconfig and its own HOME and cache dir in a tempdir.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use kclient_testserver::TestServer;
use tokio::io::AsyncWriteExt;
use tokio::process::Command;

pub struct Kubectl {
    pub dir: tempfile::TempDir,
    pub kubeconfig: PathBuf,
    pub server: TestServer,
}

pub struct Out {
    pub ok: bool,
    pub stdout: String,
    pub stderr: String,
}

/// `$KCLIENT_TEST_KUBECTL` (to try another kubectl), else /usr/bin/kubectl, else `kubectl`.
pub fn kubectl_bin() -> String {
    if let Ok(bin) = std::env::var("KCLIENT_TEST_KUBECTL") {
        return bin;
    }
    if Path::new("/usr/bin/kubectl").exists() {
        "/usr/bin/kubectl".to_string()
    } else {
        "kubectl".to_string()
    }
}

impl Kubectl {
    pub async fn start() -> Self {
        let server = TestServer::start().await.expect("server");
        let dir = tempfile::tempdir().expect("tempdir");
        let kubeconfig = dir.path().join("kubeconfig");
        server.write_kubeconfig(&kubeconfig).expect("kubeconfig");
        Kubectl {
            dir,
            kubeconfig,
            server,
        }
    }

    pub fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(kubectl_bin());
        cmd.arg("--kubeconfig")
            .arg(&self.kubeconfig)
            .arg("--cache-dir")
            .arg(self.dir.path().join("cache"))
            .args(args)
            .env("HOME", self.dir.path())
            .env("KUBECACHEDIR", self.dir.path().join("cache"))
            .env_remove("KUBECONFIG")
            .kill_on_drop(true);
        cmd
    }

    pub async fn run_stdin(&self, args: &[&str], stdin: Option<&str>) -> Out {
        let mut cmd = self.command(args);
        cmd.stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = cmd.spawn().expect("kubectl runs");
        if let Some(mut pipe) = child.stdin.take() {
            if let Some(input) = stdin {
                pipe.write_all(input.as_bytes()).await.expect("stdin");
            }
            drop(pipe);
        }
        let out = tokio::time::timeout(Duration::from_secs(60), child.wait_with_output())
            .await
            .expect("kubectl finished in time")
            .expect("kubectl output");
        Out {
            ok: out.status.success(),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    pub async fn run(&self, args: &[&str]) -> Out {
        self.run_stdin(args, None).await
    }

    pub async fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args).await;
        assert!(
            out.ok,
            "kubectl {args:?} failed: {}{}",
            out.stdout, out.stderr
        );
        out.stdout
    }

    /// Runs a command that must fail with `expected` in its error output.
    pub async fn fails_with(&self, args: &[&str], expected: &str) {
        let out = self.run(args).await;
        assert!(!out.ok, "kubectl {args:?} succeeded: {}", out.stdout);
        assert!(out.stderr.contains(expected), "{}", out.stderr);
    }

    /// Runs a command that must fail; its error output.
    pub async fn fails(&self, args: &[&str]) -> String {
        let out = self.run(args).await;
        assert!(!out.ok, "kubectl {args:?} succeeded: {}", out.stdout);
        out.stderr
    }

    pub fn write(&self, name: &str, content: &str) -> String {
        let path = self.dir.path().join(name);
        std::fs::write(&path, content).expect("write manifest");
        path.to_string_lossy().into_owned()
    }
}
