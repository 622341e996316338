//! The request span, alone in its own test binary: tracing caches per call site whether anyone
//! listens, and a test on another thread that reaches the same call site first, while this
//! test's thread-local subscriber is being installed, can cache "no one" for the whole
//! process. One test per process leaves no such race.

use kclient_core::ApiError;
mod common;

use std::sync::Arc;

use common::*;
use kclient_rest::RestClient;

#[derive(Clone, Default)]
struct LogBuffer(Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for LogBuffer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn tracing_records_requests_but_never_credentials() {
    let logs = LogBuffer::default();
    let writer = logs.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let server =
        TestServer::plain(|_| async { json(404, status_json(404, "NotFound", "nope")) }).await;
    let mut config = server.config();
    config.auth.bearer_token = Some("tr4ce-s3cret".into());
    let client = RestClient::new(config).unwrap();
    let err = client
        .get()
        .abs_path(["/api/v1/pods"])
        .send()
        .await
        .unwrap_err();
    assert!(err.is_not_found());
    assert_eq!(
        server.seen()[0].headers["authorization"],
        "Bearer tr4ce-s3cret"
    );

    let output = String::from_utf8(logs.0.lock().unwrap().clone()).unwrap();
    assert!(output.contains("kclient.request"), "{output}");
    assert!(output.contains("path=/api/v1/pods"), "{output}");
    assert!(output.contains("status=404"), "{output}");
    assert!(!output.contains("tr4ce-s3cret"), "{output}");
}
