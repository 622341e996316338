//! Retries and rate limiting through the whole RestClient stack, on a paused tokio clock, over
//! an in-process service (real sockets and a paused clock do not mix: the clock would jump
//! while the runtime waits for I/O).

use kclient_core::error::ApiError;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use http::{Method, StatusCode};
use kclient_config::Config;
use kclient_rest::transport::{Body, RetryPolicy, TokenBucket};
use kclient_rest::{Error, RestClient, RestClientBuilder, TransportError, TransportErrorKind};
use tokio::time::Instant;

type Script =
    Arc<dyn Fn(usize, &http::Request<Bytes>) -> Result<http::Response<Body>, Error> + Send + Sync>;

/// An in-process "server" that records when each attempt arrived and answers from a script.
#[derive(Clone)]
struct Fake {
    attempts: Arc<Mutex<Vec<(Method, Instant)>>>,
    script: Script,
}

impl Fake {
    fn new(
        script: impl Fn(usize, &http::Request<Bytes>) -> Result<http::Response<Body>, Error>
        + Send
        + Sync
        + 'static,
    ) -> Self {
        Self {
            attempts: Arc::default(),
            script: Arc::new(script),
        }
    }

    fn count(&self) -> usize {
        self.attempts.lock().unwrap().len()
    }

    fn times(&self, start: Instant) -> Vec<Duration> {
        self.attempts
            .lock()
            .unwrap()
            .iter()
            .map(|(_, t)| *t - start)
            .collect()
    }

    fn client(&self, config: Config) -> RestClient {
        self.build(RestClient::builder(config))
    }

    fn build(&self, builder: RestClientBuilder) -> RestClient {
        let fake = self.clone();
        let service = tower::service_fn(move |req: http::Request<Bytes>| {
            let fake = fake.clone();
            async move {
                let n = {
                    let mut attempts = fake.attempts.lock().unwrap();
                    attempts.push((req.method().clone(), Instant::now()));
                    attempts.len()
                };
                (fake.script)(n, &req)
            }
        });
        builder.build_with_service(service).unwrap()
    }
}

fn reply(
    status: u16,
    retry_after: Option<&str>,
    body: &'static str,
) -> Result<http::Response<Body>, Error> {
    let mut builder = http::Response::builder().status(status);
    if let Some(secs) = retry_after {
        builder = builder.header("retry-after", secs);
    }
    Ok(builder
        .body(Body::from(Bytes::from_static(body.as_bytes())))
        .unwrap())
}

fn config() -> Config {
    Config::new("https://k8s.test:6443".parse().unwrap()).without_rate_limit()
}

#[tokio::test(start_paused = true)]
async fn too_many_requests_with_retry_after_then_success() {
    let fake = Fake::new(|n, _| match n {
        1 | 2 => reply(429, Some("2"), "slow down"),
        _ => reply(200, None, r#"{"ok":true}"#),
    });
    let client = fake.client(config());
    let start = Instant::now();
    let value: serde_json::Value = client.get().abs_path(["/api"]).into_json().await.unwrap();
    assert_eq!(value["ok"], true);
    assert_eq!(fake.count(), 3);
    assert_eq!(
        fake.times(start),
        [0, 2, 4].map(Duration::from_secs).to_vec(),
        "each retry waited the Retry-After seconds"
    );
}

#[tokio::test(start_paused = true)]
async fn post_is_retried_when_the_server_says_retry_after() {
    let fake = Fake::new(|n, _| match n {
        1 => reply(503, Some("1"), ""),
        _ => reply(201, None, "{}"),
    });
    let client = fake.client(config());
    client
        .post()
        .abs_path(["/api/v1/namespaces/a/configmaps"])
        .body_json(&serde_json::json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(fake.count(), 2);
}

#[tokio::test(start_paused = true)]
async fn service_unavailable_retries_are_bounded() {
    let fake = Fake::new(|_, _| reply(503, Some("1"), "unavailable"));
    let client = fake.client(config());
    let start = Instant::now();
    let err = client.get().abs_path(["/api"]).send().await.unwrap_err();
    assert!(err.is_service_unavailable(), "{err:?}");
    assert_eq!(err.retry_after(), Some(std::time::Duration::from_secs(1)));
    assert_eq!(fake.count(), 11, "one attempt and client-go's 10 retries");
    assert_eq!(Instant::now() - start, Duration::from_secs(10));

    let fake = Fake::new(|_, _| reply(503, None, "unavailable"));
    let policy = RetryPolicy {
        max_retries: 3,
        ..RetryPolicy::default()
    };
    let client = fake.build(RestClient::builder(config()).retry_policy(policy));
    let start = Instant::now();
    let err = client.get().abs_path(["/api"]).send().await.unwrap_err();
    assert_eq!(
        err.status_code(),
        Some(StatusCode::SERVICE_UNAVAILABLE.as_u16())
    );
    assert_eq!(fake.count(), 4);
    // Exponential backoff with jitter: 100-200ms, 200-400ms, 400-800ms.
    let times = fake.times(start);
    let gaps: Vec<Duration> = times.windows(2).map(|w| w[1] - w[0]).collect();
    for (gap, step) in gaps.iter().zip([200u64, 400, 800]) {
        assert!(
            *gap >= Duration::from_millis(step / 2) && *gap <= Duration::from_millis(step),
            "{gaps:?}"
        );
    }
}

#[tokio::test(start_paused = true)]
async fn post_without_retry_after_and_after_connection_errors_is_not_retried() {
    let fake = Fake::new(|_, _| reply(503, None, ""));
    let client = fake.client(config());
    let err = client.post().abs_path(["/x"]).send().await.unwrap_err();
    assert!(err.is_service_unavailable());
    assert_eq!(fake.count(), 1);

    let fake = Fake::new(|n, _| {
        if n <= 2 {
            Err(Error::Transport(TransportError::new(
                TransportErrorKind::Io,
                "connection reset",
            )))
        } else {
            reply(200, None, "{}")
        }
    });
    let client = fake.client(config());
    let err = client.post().abs_path(["/x"]).send().await.unwrap_err();
    assert!(err.is_transport());
    assert_eq!(
        fake.count(),
        1,
        "POST is not replayed after a connection error"
    );
    client.get().abs_path(["/x"]).send().await.unwrap();
    assert_eq!(fake.count(), 3, "GET is replayed after a connection error");
}

#[tokio::test(start_paused = true)]
async fn retries_stop_at_the_deadline() {
    let fake = Fake::new(|_, _| reply(429, Some("5"), ""));
    let client = fake.client(config());
    let start = Instant::now();
    let err = client
        .get()
        .abs_path(["/api"])
        .timeout(Duration::from_secs(12))
        .send()
        .await
        .unwrap_err();
    assert!(err.is_too_many_requests(), "{err:?}");
    assert_eq!(
        fake.count(),
        3,
        "attempts at 0s, 5s, 10s; a wait to 15s would pass the deadline"
    );
    assert_eq!(Instant::now() - start, Duration::from_secs(10));
}

#[tokio::test(start_paused = true)]
async fn rate_limiter_allows_a_burst_then_spaces_requests() {
    let fake = Fake::new(|_, _| reply(200, None, "{}"));
    let mut config = config();
    config.qps = Some(5.0);
    config.burst = 10;
    let client = fake.client(config);
    assert!(client.rate_limiter().is_some());
    let start = Instant::now();
    for _ in 0..13 {
        client.get().abs_path(["/api"]).send().await.unwrap();
    }
    let times = fake.times(start);
    assert!(times[..10].iter().all(|t| t.is_zero()), "{times:?}");
    assert_eq!(
        &times[10..],
        &[200, 400, 600].map(Duration::from_millis),
        "then one request every 1/QPS seconds"
    );
}

#[tokio::test(start_paused = true)]
async fn rate_limiter_is_shared_by_clones_and_between_clients() {
    let bucket = Arc::new(TokenBucket::new(1.0, 1));
    let fake = Fake::new(|_, _| reply(200, None, "{}"));
    let a = fake.build(RestClient::builder(config()).rate_limiter(bucket.clone()));
    let b = a.clone();
    let other = fake.build(RestClient::builder(config()).rate_limiter(bucket));
    let start = Instant::now();
    a.get().abs_path(["/a"]).send().await.unwrap();
    b.get().abs_path(["/b"]).send().await.unwrap();
    other.get().abs_path(["/c"]).send().await.unwrap();
    assert_eq!(
        fake.times(start),
        [0, 1, 2].map(Duration::from_secs).to_vec()
    );
}

#[tokio::test(start_paused = true)]
async fn disabled_rate_limit_never_waits() {
    let fake = Fake::new(|_, _| reply(200, None, "{}"));
    let mut config = config();
    config.qps = Some(-1.0);
    let client = fake.client(config);
    assert!(client.rate_limiter().is_none());
    let start = Instant::now();
    for _ in 0..50 {
        client.get().abs_path(["/api"]).send().await.unwrap();
    }
    assert_eq!(Instant::now(), start);
}

#[tokio::test(start_paused = true)]
async fn requests_reach_the_service_with_absolute_urls() {
    let seen = Arc::new(Mutex::new(None));
    let fake = {
        let seen = seen.clone();
        Fake::new(move |_, req| {
            *seen.lock().unwrap() = Some(req.uri().to_string());
            reply(200, None, "{}")
        })
    };
    let client = fake.client(config());
    client.get().abs_path(["/version"]).send().await.unwrap();
    assert_eq!(
        seen.lock().unwrap().as_deref(),
        Some("https://k8s.test:6443/version")
    );
}
