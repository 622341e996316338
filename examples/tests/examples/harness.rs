//! Runs the example binaries against a fresh test server: `cargo test` builds the package's
//! examples before its tests, into `target/<profile>/examples/`, next to this test's
//! `target/<profile>/deps/`.

use std::path::PathBuf;
use std::process::{ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use kclient::ClientSet;
use kclient::testserver::TestServer;
use tempfile::TempDir;
use tokio::io::{AsyncBufReadExt, AsyncRead, BufReader};
use tokio::process::{Child, Command};
use tokio::sync::mpsc;

/// How long a short example may take before the test gives up on it.
pub const RUN_TIMEOUT: Duration = Duration::from_secs(60);

/// The path of this package's example binary `name`, built by cargo for this test run.
///
/// Other workspace packages have examples of the same name (`clientset`, `discovery`, ...),
/// so the unhashed `examples/<name>` may be theirs (cargo warns of the collision). Cargo's
/// hashed outputs `examples/<name>-<hash>` are unique, and each one's dep-info file names
/// its sources: take the newest whose sources are ours.
pub fn example_bin(name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("the test executable's path");
    let examples = exe
        .parent()
        .and_then(|deps| deps.parent())
        .expect("the test runs from target/<profile>/deps")
        .join("examples");
    let sources = [
        format!("examples/examples/{name}.rs"),
        format!("examples/examples/{name}/main.rs"),
    ];
    let ours = |dep_info: &str| {
        dep_info.split_whitespace().any(|token| {
            let token = token.trim_end_matches(':');
            !token.contains("crates/") && sources.iter().any(|s| token.ends_with(s.as_str()))
        })
    };
    let prefix = format!("{name}-");
    let newest = std::fs::read_dir(&examples)
        .unwrap_or_else(|e| {
            panic!(
                "{}: {e}: run `cargo test -p kclient-examples`",
                examples.display()
            )
        })
        .filter_map(Result::ok)
        .filter_map(|entry| {
            let file = entry.file_name().into_string().ok()?;
            let hash = file.strip_prefix(&prefix)?.strip_suffix(".d")?;
            if hash.is_empty() || !hash.chars().all(|c| c.is_ascii_hexdigit()) {
                return None;
            }
            let bin = examples.join(format!("{name}-{hash}{}", std::env::consts::EXE_SUFFIX));
            let modified = bin.metadata().and_then(|m| m.modified()).ok()?;
            ours(&std::fs::read_to_string(entry.path()).ok()?).then_some((modified, bin))
        })
        .max();
    match newest {
        Some((_, bin)) => bin,
        None => panic!(
            "no {name} example of kclient-examples in {}: run the tests with `cargo test -p kclient-examples`, which builds the examples first",
            examples.display()
        ),
    }
}

/// A test server, a kubeconfig for it and a scratch home directory.
pub struct Env {
    pub server: TestServer,
    pub dir: TempDir,
    pub kubeconfig: PathBuf,
    pub clientset: ClientSet,
}

impl Env {
    pub async fn start() -> Env {
        let server = TestServer::start().await.expect("test server starts");
        let dir = tempfile::tempdir().expect("temp dir");
        let kubeconfig = dir.path().join("kubeconfig");
        server
            .write_kubeconfig(&kubeconfig)
            .expect("kubeconfig written");
        let clientset = ClientSet::new(server.config()).expect("clientset");
        Env {
            server,
            dir,
            kubeconfig,
            clientset,
        }
    }

    /// The example as a command with `--kubeconfig` set, isolated from the machine's own
    /// kubeconfig and caches (HOME is the scratch directory).
    pub fn command(&self, example: &str, args: &[&str]) -> Command {
        let mut cmd = self.bare_command(example, args);
        cmd.arg("--kubeconfig").arg(&self.kubeconfig);
        cmd
    }

    /// The example without `--kubeconfig`: set `KUBECONFIG` yourself.
    pub fn bare_command(&self, example: &str, args: &[&str]) -> Command {
        let mut cmd = Command::new(example_bin(example));
        cmd.args(args)
            .env_remove("KUBECONFIG")
            .env_remove("KUBECACHEDIR")
            .env_remove("RUST_LOG")
            .env("HOME", self.dir.path())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        cmd
    }

    /// Runs an example to completion.
    pub async fn run(&self, example: &str, args: &[&str]) -> Finished {
        run_command(self.command(example, args), example).await
    }

    /// Starts a long-running example.
    pub fn spawn(&self, example: &str, args: &[&str]) -> Running {
        Running::start(self.command(example, args), example)
    }
}

/// A finished example's exit status and output.
pub struct Finished {
    pub status: ExitStatus,
    pub stdout: String,
    pub stderr: String,
}

impl Finished {
    /// Panics with the output unless the example exited 0.
    pub fn assert_success(&self) -> &Self {
        assert!(
            self.status.success(),
            "exit status {}\n--- stdout\n{}\n--- stderr\n{}",
            self.status,
            self.stdout,
            self.stderr
        );
        self
    }

    /// Panics with the output unless some stdout line equals `line`.
    pub fn assert_line(&self, line: &str) -> &Self {
        assert!(
            self.stdout.lines().any(|l| l == line),
            "no line {line:?} in stdout:\n{}\n--- stderr\n{}",
            self.stdout,
            self.stderr
        );
        self
    }

    /// Panics unless some stdout line starts with `prefix`.
    pub fn assert_line_starting(&self, prefix: &str) -> &Self {
        assert!(
            self.stdout.lines().any(|l| l.starts_with(prefix)),
            "no line starting with {prefix:?} in stdout:\n{}\n--- stderr\n{}",
            self.stdout,
            self.stderr
        );
        self
    }

    pub fn lines(&self) -> Vec<&str> {
        self.stdout.lines().collect()
    }
}

pub async fn run_command(mut cmd: Command, example: &str) -> Finished {
    let child = cmd
        .spawn()
        .unwrap_or_else(|e| panic!("spawning {example}: {e}"));
    let output = tokio::time::timeout(RUN_TIMEOUT, child.wait_with_output())
        .await
        .unwrap_or_else(|_| panic!("{example} did not finish within {RUN_TIMEOUT:?}"))
        .unwrap_or_else(|e| panic!("waiting for {example}: {e}"));
    Finished {
        status: output.status,
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// A running example whose stdout is read line by line.
pub struct Running {
    name: String,
    child: Child,
    lines: mpsc::UnboundedReceiver<String>,
    seen: Vec<String>,
    /// Lines before this index have been matched by `wait_for` (or passed over by it).
    cursor: usize,
    stderr: Arc<Mutex<String>>,
    stderr_reader: Option<tokio::task::JoinHandle<()>>,
}

impl Running {
    pub fn start(mut cmd: Command, name: &str) -> Running {
        let mut child = cmd
            .spawn()
            .unwrap_or_else(|e| panic!("spawning {name}: {e}"));
        let (tx, lines) = mpsc::unbounded_channel();
        let stdout = child.stdout.take().expect("piped stdout");
        tokio::spawn(forward_lines(stdout, move |line| {
            let _ = tx.send(line);
        }));
        let stderr = Arc::new(Mutex::new(String::new()));
        let sink = stderr.clone();
        let err = child.stderr.take().expect("piped stderr");
        let stderr_reader = tokio::spawn(forward_lines(err, move |line| {
            let mut s = sink.lock().unwrap();
            s.push_str(&line);
            s.push('\n');
        }));
        Running {
            name: name.to_owned(),
            child,
            lines,
            seen: Vec::new(),
            cursor: 0,
            stderr,
            stderr_reader: Some(stderr_reader),
        }
    }

    /// Every stdout line read so far.
    pub fn seen(&self) -> &[String] {
        &self.seen
    }

    /// Whether a line read so far satisfies `pred`.
    pub fn has_seen(&self, pred: impl Fn(&str) -> bool) -> bool {
        self.seen.iter().any(|l| pred(l))
    }

    /// Finds the next line satisfying `pred` after the last one matched (among lines read
    /// already, then new ones), panicking with the output after `timeout`.
    pub async fn wait_for(
        &mut self,
        what: &str,
        timeout: Duration,
        pred: impl Fn(&str) -> bool,
    ) -> String {
        if let Some(i) = self.seen[self.cursor..].iter().position(|l| pred(l)) {
            self.cursor += i + 1;
            return self.seen[self.cursor - 1].clone();
        }
        self.cursor = self.seen.len();
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            match tokio::time::timeout_at(deadline, self.lines.recv()).await {
                Ok(Some(line)) => {
                    self.seen.push(line.clone());
                    self.cursor = self.seen.len();
                    if pred(&line) {
                        return line;
                    }
                }
                Ok(None) => panic!(
                    "{} exited before printing {what}\n{}",
                    self.name,
                    self.transcript()
                ),
                Err(_) => panic!(
                    "{} did not print {what} within {timeout:?}\n{}",
                    self.name,
                    self.transcript()
                ),
            }
        }
    }

    /// Waits for a line equal to `line`.
    pub async fn wait_for_line(&mut self, line: &str, timeout: Duration) -> String {
        self.wait_for(&format!("{line:?}"), timeout, |l| l == line)
            .await
    }

    /// Reads whatever arrives within `period`.
    pub async fn collect_for(&mut self, period: Duration) {
        let deadline = tokio::time::Instant::now() + period;
        while let Ok(Some(line)) = tokio::time::timeout_at(deadline, self.lines.recv()).await {
            self.seen.push(line);
        }
    }

    /// Sends SIGINT, as Ctrl-C does.
    pub fn interrupt(&self) {
        let pid = self.child.id().expect("the example is still running");
        let status = std::process::Command::new("kill")
            .args(["-INT", &pid.to_string()])
            .status()
            .expect("kill runs");
        assert!(status.success(), "kill -INT {pid} failed");
    }

    /// Kills the process at once (SIGKILL): no cleanup, no lease release.
    pub async fn kill(&mut self) {
        self.child.kill().await.expect("kill the example");
    }

    /// Waits for the exit, reading the remaining output.
    pub async fn wait_exit(&mut self, timeout: Duration) -> ExitStatus {
        let status = tokio::time::timeout(timeout, self.child.wait())
            .await
            .unwrap_or_else(|_| {
                panic!(
                    "{} did not exit within {timeout:?}\n{}",
                    self.name,
                    self.transcript()
                )
            })
            .expect("wait for the example");
        // The reader task ends with the pipe; take what it still holds.
        while let Some(line) = self.lines.recv().await {
            self.seen.push(line);
        }
        if let Some(reader) = self.stderr_reader.take() {
            let _ = reader.await;
        }
        status
    }

    /// Everything the example wrote to stderr so far.
    pub fn stderr(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }

    /// Everything printed so far, for failure messages.
    pub fn transcript(&self) -> String {
        format!(
            "--- stdout\n{}\n--- stderr\n{}",
            self.seen.join("\n"),
            self.stderr.lock().unwrap()
        )
    }
}

async fn forward_lines(stream: impl AsyncRead + Unpin, mut sink: impl FnMut(String)) {
    let mut lines = BufReader::new(stream).lines();
    while let Ok(Some(line)) = lines.next_line().await {
        sink(line);
    }
}
