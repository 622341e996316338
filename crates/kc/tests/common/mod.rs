//! The harness of the kubectl parity tests: one embedded server, `kc` and `kubectl` run
//! against it with the same arguments, and what each printed.

// Each test crate uses a different part of the harness.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use kclient::testserver::TestServer;
use tokio::io::AsyncReadExt;

pub struct Env {
    pub dir: tempfile::TempDir,
    pub kubeconfig: PathBuf,
    /// The embedded server both CLIs talk to.
    pub server: TestServer,
}

#[derive(Debug)]
pub struct Run {
    pub ok: bool,
    /// The exit status; `None` when the process was killed.
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl From<Output> for Run {
    fn from(out: Output) -> Self {
        Run {
            ok: out.status.success(),
            code: out.status.code(),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }
}

pub fn kubectl_bin() -> &'static str {
    if Path::new("/usr/bin/kubectl").exists() {
        "/usr/bin/kubectl"
    } else {
        "kubectl"
    }
}

pub const KC: &str = env!("CARGO_BIN_EXE_kc");

/// Namespace `web` with ConfigMap `settings` and Deployment `nginx`.
pub const OBJECTS: &str = "\
apiVersion: v1
kind: Namespace
metadata:
  name: web
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
  namespace: web
  labels: {app: web, tier: front}
data:
  color: blue
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: nginx
  namespace: web
  labels: {app: web}
spec:
  replicas: 2
  selector: {matchLabels: {app: nginx}}
  template:
    metadata: {labels: {app: nginx}}
    spec:
      containers:
      - name: nginx
        image: nginx:1.27
        ports: [{containerPort: 80}]
";

impl Env {
    pub async fn start() -> Env {
        Env::on(TestServer::start().await.expect("server starts"))
    }

    /// Both CLIs against `server` (one built with other settings).
    pub fn on(server: TestServer) -> Env {
        let dir = tempfile::tempdir().expect("tempdir");
        let kubeconfig = dir.path().join("kubeconfig");
        server.write_kubeconfig(&kubeconfig).expect("kubeconfig");
        Env {
            dir,
            kubeconfig,
            server,
        }
    }

    pub fn file(&self, name: &str, text: &str) -> String {
        let path = self.dir.path().join(name);
        std::fs::write(&path, text).expect("write manifest");
        path.display().to_string()
    }

    fn command(&self, bin: &str, args: &[&str]) -> tokio::process::Command {
        let mut cmd = tokio::process::Command::new(bin);
        cmd.arg("--kubeconfig")
            .arg(&self.kubeconfig)
            .args(args)
            .env("HOME", self.dir.path())
            .env("KUBECACHEDIR", self.dir.path().join("cache"))
            .env_remove("KUBECONFIG")
            .kill_on_drop(true);
        cmd
    }

    pub async fn run(&self, bin: &str, args: &[&str]) -> Run {
        let out = tokio::time::timeout(Duration::from_secs(60), self.command(bin, args).output())
            .await
            .expect("finished in time")
            .expect("runs");
        out.into()
    }

    pub async fn kc(&self, args: &[&str]) -> Run {
        self.run(KC, args).await
    }

    pub async fn kubectl(&self, args: &[&str]) -> Run {
        self.run(kubectl_bin(), args).await
    }

    /// Both print the same stdout and agree on success.
    pub async fn same(&self, args: &[&str]) -> String {
        let kc = self.kc(args).await;
        let kubectl = self.kubectl(args).await;
        assert_eq!(
            kc.ok, kubectl.ok,
            "exit status of {args:?}: kc stderr {}",
            kc.stderr
        );
        assert_eq!(kc.stdout, kubectl.stdout, "stdout of {args:?}");
        kc.stdout
    }

    /// Same, for tables whose AGE column may tick between the two runs: retried a few times.
    pub async fn same_table(&self, args: &[&str]) {
        for _ in 0..4 {
            let kc = self.kc(args).await;
            let kubectl = self.kubectl(args).await;
            if kc.stdout == kubectl.stdout {
                assert!(kc.ok && kubectl.ok, "{args:?}: {}", kc.stderr);
                return;
            }
            tokio::time::sleep(Duration::from_millis(300)).await;
        }
        let kc = self.kc(args).await;
        let kubectl = self.kubectl(args).await;
        assert_eq!(kc.stdout, kubectl.stdout, "table of {args:?}");
    }

    /// Both print the same bytes on stdout and on stderr and exit with the same status
    /// (retried a few times, for tables whose AGE column may tick between the two runs).
    pub async fn same_everywhere(&self, args: &[&str]) -> Run {
        let mut runs = (self.kc(args).await, self.kubectl(args).await);
        for _ in 0..3 {
            let (kc, kubectl) = &runs;
            if (kc.code, &kc.stdout, &kc.stderr) == (kubectl.code, &kubectl.stdout, &kubectl.stderr)
            {
                break;
            }
            tokio::time::sleep(Duration::from_millis(300)).await;
            runs = (self.kc(args).await, self.kubectl(args).await);
        }
        let (kc, kubectl) = runs;
        assert_eq!(kc.stdout, kubectl.stdout, "stdout of {args:?}");
        assert_eq!(kc.stderr, kubectl.stderr, "stderr of {args:?}");
        assert_eq!(kc.code, kubectl.code, "exit status of {args:?}");
        kc
    }

    /// Starts `bin` with `args` (a `get -w`), collecting what it prints.
    pub fn watch(&self, bin: &str, args: &[&str]) -> Watching {
        let mut child = self
            .command(bin, args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("starts");
        let stdout = Arc::new(Mutex::new(String::new()));
        let mut pipe = child.stdout.take().expect("stdout");
        let sink = stdout.clone();
        let reader = tokio::spawn(async move {
            let mut buf = [0u8; 4096];
            while let Ok(n) = pipe.read(&mut buf).await {
                if n == 0 {
                    break;
                }
                let text = String::from_utf8_lossy(&buf[..n]).into_owned();
                sink.lock().expect("not poisoned").push_str(&text);
            }
        });
        Watching {
            child,
            stdout,
            reader,
        }
    }
}

/// A running `get -w`.
pub struct Watching {
    child: tokio::process::Child,
    stdout: Arc<Mutex<String>>,
    reader: tokio::task::JoinHandle<()>,
}

impl Watching {
    /// What it printed so far.
    pub fn stdout(&self) -> String {
        self.stdout.lock().expect("not poisoned").clone()
    }

    /// Waits (up to 20 s) until what it printed satisfies `done`.
    pub async fn until(&self, done: impl Fn(&str) -> bool) {
        let waited = tokio::time::timeout(Duration::from_secs(20), async {
            while !done(&self.stdout()) {
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        })
        .await;
        assert!(
            waited.is_ok(),
            "still waiting; printed so far:\n{}",
            self.stdout()
        );
    }

    /// Ends it (`get -w` runs until interrupted) and returns everything it printed.
    pub async fn stop(mut self) -> Run {
        self.child.start_kill().expect("kill");
        let status = self.child.wait().await.expect("exits");
        let mut stderr = String::new();
        if let Some(mut pipe) = self.child.stderr.take() {
            pipe.read_to_string(&mut stderr).await.expect("stderr");
        }
        // The pipe closed with the process: the reader has seen all of it.
        self.reader.await.expect("reader");
        let stdout = self.stdout.lock().expect("not poisoned").clone();
        Run {
            ok: status.success(),
            code: status.code(),
            stdout,
            stderr,
        }
    }
}

pub async fn next_line(
    lines: &mut tokio::io::Lines<tokio::io::BufReader<tokio::process::ChildStdout>>,
) -> String {
    tokio::time::timeout(Duration::from_secs(20), lines.next_line())
        .await
        .expect("a line in time")
        .expect("read")
        .expect("not closed")
}
