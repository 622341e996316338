//! The demo's output: a line per step, a check mark per verified result, and a progress
//! indicator (dots, or a spinner on a terminal) while a longer step waits.

use std::io::{IsTerminal, Write};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use crate::error::CliError;

/// Writes the walkthrough to stdout and counts verified steps.
pub struct Out {
    started: Instant,
    verified: AtomicUsize,
    tty: bool,
}

impl Out {
    pub fn new() -> Self {
        Out {
            started: Instant::now(),
            verified: AtomicUsize::new(0),
            tty: std::io::stdout().is_terminal(),
        }
    }

    /// Announces a step.
    pub fn step(&self, what: &str) {
        println!("• {what}");
    }

    /// Reports a verified result of the current step.
    pub fn done(&self, what: &str) {
        self.verified.fetch_add(1, Ordering::Relaxed);
        println!("  ✓ {what}");
    }

    /// An indented detail line.
    pub fn detail(&self, what: &str) {
        println!("    {what}");
    }

    /// A remark that is not a check.
    pub fn note(&self, what: &str) {
        println!("  {what}");
    }

    /// Polls `check` every 50 ms until it yields a value or `timeout` passes, showing progress
    /// meanwhile. The timeout is an error naming `what`.
    pub async fn wait_for<T, F, Fut>(
        &self,
        what: &str,
        timeout: Duration,
        mut check: F,
    ) -> Result<T, CliError>
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = Option<T>>,
    {
        const FRAMES: [char; 4] = ['|', '/', '-', '\\'];
        let start = Instant::now();
        let mut tick = 0usize;
        loop {
            if let Some(value) = check().await {
                if tick > 0 {
                    self.clear_progress();
                }
                return Ok(value);
            }
            if start.elapsed() > timeout {
                self.clear_progress();
                return Err(CliError::Check(format!(
                    "timed out after {timeout:?} waiting for {what}"
                )));
            }
            // Every 4th poll (200 ms): enough motion to show life without flooding a log.
            if tick % 4 == 0 {
                let mut stdout = std::io::stdout();
                if self.tty {
                    let frame = FRAMES[(tick / 4) % FRAMES.len()];
                    let _ = write!(stdout, "\r  {frame} waiting for {what} …");
                } else if tick == 0 {
                    let _ = write!(stdout, "  waiting for {what} ");
                } else {
                    let _ = write!(stdout, ".");
                }
                let _ = stdout.flush();
            }
            tick += 1;
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    fn clear_progress(&self) {
        let mut stdout = std::io::stdout();
        let _ = if self.tty {
            write!(stdout, "\r\x1b[2K")
        } else {
            writeln!(stdout)
        };
        let _ = stdout.flush();
    }

    /// The closing summary.
    pub fn finish(&self) {
        println!(
            "\ndemo finished in {:.1}s: {} checks passed",
            self.started.elapsed().as_secs_f64(),
            self.verified.load(Ordering::Relaxed)
        );
    }
}
