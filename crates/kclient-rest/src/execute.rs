//! The terminal calls of [`Request`]: `send`, `into_json`, `into_bytes`, `stream`, `watch`.

use bytes::Bytes;
use http::StatusCode;
use serde::de::DeserializeOwned;

use crate::error::Error;
use crate::request::Request;
use crate::response::{FailedRequest, Response, api_error};
use crate::stream::ByteStream;
use crate::transport::{Body, Deadline};
use crate::warning::{dispatch, parse_warnings};
use crate::watch::{EventStream, ParallelEventStream, WireFormat};

/// Response headers, warnings dispatched, body not yet read.
struct Started {
    status: StatusCode,
    headers: http::HeaderMap,
    body: Body,
    warnings: Vec<crate::warning::Warning>,
    deadline: Option<Deadline>,
}

impl Request {
    /// Validates, builds and sends the request; returns once the response headers arrived.
    async fn start(mut self) -> Result<(Started, Self), Error> {
        self.check()?;
        let uri = self.build_uri()?;
        let deadline = self.effective_timeout().map(Deadline::after);
        let mut req = http::Request::new(self.body.clone().unwrap_or_default());
        *req.method_mut() = self.method.clone();
        *req.uri_mut() = uri;
        *req.headers_mut() = self.headers.clone();
        if let Some(deadline) = deadline {
            req.extensions_mut().insert(deadline);
        }
        let resp = self.client.execute(req).await?;
        let (parts, body) = resp.into_parts();
        let warnings = parse_warnings(&parts.headers);
        dispatch(self.client.warning_handler(), &warnings);
        Ok((
            Started {
                status: parts.status,
                headers: parts.headers,
                body,
                warnings,
                deadline,
            },
            self,
        ))
    }

    /// Sends the request and reads the whole response (client-go's `Do`). Non-2xx responses
    /// are returned as [`Error::Api`]. A server that refuses protobuf (406 to an `Accept`
    /// naming it, 415 to a protobuf body) is asked once more in JSON.
    pub async fn send(self) -> Result<Response, Error> {
        let mut request = self;
        loop {
            let (started, mut sent) = request.start().await?;
            let body = read_body(started.body, started.deadline).await?;
            if !started.status.is_success() {
                if sent.json_fallback(started.status) {
                    request = sent;
                    continue;
                }
                return Err(sent.error_for(started.status, &started.headers, &body));
            }
            return Ok(Response {
                status: started.status,
                headers: started.headers,
                body,
                warnings: started.warnings,
            });
        }
    }

    /// Sends the request and decodes the response into `T` by its `Content-Type`
    /// (client-go's `Do().Into()`): JSON, or Kubernetes protobuf when the request accepted it
    /// ([`Request::accept_negotiated`]) and the server chose it.
    pub async fn into_json<T: DeserializeOwned>(self) -> Result<T, Error> {
        self.send().await?.object()
    }

    /// Sends the request and returns the raw response body (client-go's `DoRaw`).
    pub async fn into_bytes(self) -> Result<Bytes, Error> {
        Ok(self.send().await?.into_body())
    }

    /// Sends the request and streams the response body as it arrives (logs, follow mode,
    /// large lists). The timeout bounds only the wait for the response headers. Non-2xx
    /// responses are read fully and returned as [`Error::Api`].
    pub async fn stream(self) -> Result<ByteStream, Error> {
        Ok(self.stream_with_headers().await?.0)
    }

    /// Like [`Request::stream`], with the response headers (to read the body by its
    /// `Content-Type`).
    pub async fn stream_with_headers(self) -> Result<(ByteStream, http::HeaderMap), Error> {
        let mut request = self;
        loop {
            let (started, mut sent) = request.start().await?;
            if started.status.is_success() {
                return Ok((ByteStream::new(started.body), started.headers));
            }
            let body = read_body(started.body, started.deadline).await?;
            if !sent.json_fallback(started.status) {
                return Err(sent.error_for(started.status, &started.headers, &body));
            }
            request = sent;
        }
    }

    /// Starts a watch (adds `watch=true`) and decodes its events as they arrive. See
    /// [`EventStream`] for how the stream ends. Pass `timeoutSeconds`, `resourceVersion` and
    /// friends with [`Request::params`] or [`Request::param`].
    pub async fn watch<T: DeserializeOwned>(self) -> Result<EventStream<T>, Error> {
        let max_event_size = self.client.max_watch_event_size();
        let (bytes, headers) = self
            .set_param("watch", "true")
            .stream_with_headers()
            .await?;
        let format = WireFormat::of(&headers);
        Ok(EventStream::new(bytes, max_event_size, format))
    }

    /// Like [`Request::watch`], but up to `parallelism` batches of events decode at once on
    /// tokio's blocking pool; events still arrive in stream order, and the stream ends as an
    /// [`EventStream`] does. Worth it when events come in bursts of large objects (a
    /// watch-list's initial events); `parallelism` 1 is one decode job at a time, off the task.
    pub async fn watch_parallel<T: DeserializeOwned + Send + 'static>(
        self,
        parallelism: std::num::NonZeroUsize,
    ) -> Result<ParallelEventStream<T>, Error> {
        let max_event_size = self.client.max_watch_event_size();
        let (bytes, headers) = self
            .set_param("watch", "true")
            .stream_with_headers()
            .await?;
        let format = WireFormat::of(&headers);
        Ok(ParallelEventStream::new(
            bytes,
            max_event_size,
            parallelism,
            format,
        ))
    }

    /// The same request in JSON after the server refused protobuf: a 406 to an `Accept` that
    /// names protobuf, or a 415 to a protobuf body (re-encoded as JSON from the protobuf, so
    /// the object need not be kept). `None` when there is nothing to fall back from, so a
    /// request falls back at most once per direction. Returns whether the request changed.
    fn json_fallback(&mut self, status: StatusCode) -> bool {
        use http::header::{ACCEPT, CONTENT_TYPE};
        let names_protobuf = |name| {
            self.headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.split(',').any(kclient_config::content::is_protobuf))
        };
        match status {
            StatusCode::NOT_ACCEPTABLE if names_protobuf(ACCEPT) => {
                let json = http::HeaderValue::from_static(kclient_config::content::JSON);
                self.headers.insert(ACCEPT, json);
                true
            }
            StatusCode::UNSUPPORTED_MEDIA_TYPE if names_protobuf(CONTENT_TYPE) => {
                let json = self.body.as_deref().and_then(|body| {
                    let object: serde_json::Value = kclient_protobuf::decode_object(body).ok()?;
                    serde_json::to_vec(&object).ok()
                });
                let Some(json) = json else {
                    return false;
                };
                self.body = Some(Bytes::from(json));
                let json = http::HeaderValue::from_static(kclient_config::content::JSON);
                self.headers.insert(CONTENT_TYPE, json);
                true
            }
            _ => false,
        }
    }

    fn error_for(&self, status: StatusCode, headers: &http::HeaderMap, body: &[u8]) -> Error {
        api_error(
            status,
            headers,
            body,
            &FailedRequest {
                method: &self.method,
                group: &self.group,
                resource: &self.resource,
                name: &self.name,
            },
        )
    }
}

async fn read_body(body: Body, deadline: Option<Deadline>) -> Result<Bytes, Error> {
    match deadline {
        None => body.collect_bytes().await,
        Some(deadline) => tokio::time::timeout_at(deadline.at, body.collect_bytes())
            .await
            .unwrap_or(Err(Error::Timeout(deadline.timeout))),
    }
}
