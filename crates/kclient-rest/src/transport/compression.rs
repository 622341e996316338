//! gzip responses, as Go's HTTP transport gives them to client-go.
//!
//! Unless [`Config::disable_compression`](kclient_config::Config::disable_compression) is set,
//! a request that does not choose an encoding itself (no `Accept-Encoding`, no `Range`, not
//! `HEAD`) is sent with `Accept-Encoding: gzip`; a response to it with `Content-Encoding: gzip`
//! is decompressed as it streams in, and loses its `Content-Encoding` and `Content-Length`
//! headers (they described the compressed bytes). A caller that sets `Accept-Encoding` itself
//! gets the server's bytes untouched, as in Go.
//!
//! kube-apiserver compresses responses above 128 KiB to GET requests (lists, mostly), not
//! watches; a proxy may compress watches too, and those decompress the same way, event by
//! event. Decompression never holds more than one slice of compressed input and its output:
//! a list is never buffered whole. A corrupt or truncated gzip body ends the body with
//! [`Error::Decode`].

use std::fmt;
use std::future::Future;
use std::io::Write as _;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use bytes::Bytes;
use flate2::write::MultiGzDecoder;
use http::header::{ACCEPT_ENCODING, CONTENT_ENCODING, CONTENT_LENGTH, RANGE};
use http::{HeaderMap, HeaderValue, Method, Request, Response};
use http_body::Frame;
use tower_layer::Layer;
use tower_service::Service;

use super::Body;
use crate::error::Error;

/// Compressed bytes decompressed per step: the output of one step, a frame of the
/// decompressed body, is at most deflate's 1032:1 of this (16 MiB), typically 10:1 for JSON.
const INPUT_SLICE: usize = 16 * 1024;

/// Asks for gzip and decompresses it (Go's transport with `DisableCompression` false).
#[derive(Clone, Copy, Debug)]
pub struct CompressionLayer {
    gzip: bool,
}

impl CompressionLayer {
    /// Asks for gzip when `gzip` is true (`!Config::disable_compression`); otherwise passes
    /// requests and responses through untouched.
    pub fn new(gzip: bool) -> Self {
        Self { gzip }
    }
}

impl<S> Layer<S> for CompressionLayer {
    type Service = Compression<S>;

    fn layer(&self, inner: S) -> Compression<S> {
        Compression {
            inner,
            gzip: self.gzip,
        }
    }
}

/// The service produced by [`CompressionLayer`].
#[derive(Clone, Debug)]
pub struct Compression<S> {
    inner: S,
    gzip: bool,
}

impl<S, B> Service<Request<B>> for Compression<S>
where
    S: Service<Request<B>, Response = Response<Body>, Error = Error>,
    S::Future: Send + 'static,
{
    type Response = Response<Body>;
    type Error = Error;
    type Future = Pin<Box<dyn Future<Output = Result<Response<Body>, Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut req: Request<B>) -> Self::Future {
        let asked = self.gzip && may_ask_for_gzip(req.method(), req.headers());
        if asked {
            req.headers_mut()
                .insert(ACCEPT_ENCODING, HeaderValue::from_static("gzip"));
        }
        let response = self.inner.call(req);
        Box::pin(async move {
            let response = response.await?;
            if asked && is_gzip(response.headers()) {
                Ok(gunzip_response(response))
            } else {
                Ok(response)
            }
        })
    }
}

/// Go's rule: the caller chose no encoding, asked for no byte range, and expects a body.
fn may_ask_for_gzip(method: &Method, headers: &HeaderMap) -> bool {
    method != Method::HEAD && !headers.contains_key(ACCEPT_ENCODING) && !headers.contains_key(RANGE)
}

fn is_gzip(headers: &HeaderMap) -> bool {
    headers
        .get(CONTENT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("gzip"))
}

/// The response with its body decompressed and the headers of the compressed form removed.
fn gunzip_response(response: Response<Body>) -> Response<Body> {
    let (mut parts, body) = response.into_parts();
    parts.headers.remove(CONTENT_ENCODING);
    parts.headers.remove(CONTENT_LENGTH);
    Response::from_parts(parts, Body::from_result_body(Gunzip::new(body)))
}

/// A gzip body (one member or several, as RFC 1952 allows), decompressed as it arrives.
pub(crate) struct Gunzip {
    compressed: Body,
    /// Received and not yet decompressed.
    pending: Bytes,
    /// `None` once the body ended or failed.
    decoder: Option<MultiGzDecoder<Vec<u8>>>,
    /// Compressed bytes received, for error messages and for the empty-body rule.
    received: u64,
}

impl Gunzip {
    pub(crate) fn new(compressed: Body) -> Self {
        Self {
            compressed,
            pending: Bytes::new(),
            decoder: Some(MultiGzDecoder::new(Vec::new())),
            received: 0,
        }
    }

    fn failed(&mut self, err: &std::io::Error) -> Error {
        self.decoder = None;
        self.pending = Bytes::new();
        Error::Decode {
            message: format!(
                "invalid gzip response body after {} compressed bytes: {err}",
                self.received
            ),
        }
    }
}

impl fmt::Debug for Gunzip {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Gunzip")
            .field("received", &self.received)
            .field("finished", &self.decoder.is_none())
            .finish_non_exhaustive()
    }
}

/// Feeds `input` to `decoder` and takes everything it produced.
fn decompress(decoder: &mut MultiGzDecoder<Vec<u8>>, input: &[u8]) -> std::io::Result<Vec<u8>> {
    decoder.write_all(input)?;
    // The decoder keeps up to 32 KiB of output back until flushed: without this, the last
    // event of a burst on a compressed watch could wait for the next one.
    decoder.flush()?;
    Ok(std::mem::take(decoder.get_mut()))
}

impl http_body::Body for Gunzip {
    type Data = Bytes;
    type Error = Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Error>>> {
        let this = &mut *self;
        loop {
            let Some(decoder) = this.decoder.as_mut() else {
                return Poll::Ready(None);
            };
            if !this.pending.is_empty() {
                let slice = this.pending.split_to(this.pending.len().min(INPUT_SLICE));
                match decompress(decoder, &slice) {
                    Ok(out) if out.is_empty() => continue,
                    Ok(out) => return Poll::Ready(Some(Ok(Frame::data(Bytes::from(out))))),
                    Err(err) => return Poll::Ready(Some(Err(this.failed(&err)))),
                }
            }
            match ready!(Pin::new(&mut this.compressed).poll_frame(cx)) {
                Some(Ok(frame)) => match frame.into_data() {
                    Ok(data) => {
                        this.received += data.len() as u64;
                        this.pending = data;
                    }
                    Err(trailers) => return Poll::Ready(Some(Ok(trailers))),
                },
                Some(Err(err)) => {
                    this.decoder = None;
                    return Poll::Ready(Some(Err(err)));
                }
                None => {
                    let Some(mut decoder) = this.decoder.take() else {
                        return Poll::Ready(None);
                    };
                    // An empty body is an empty response, as Go's gzip reader sees it (a
                    // 204 or a HEAD answer may still name the encoding).
                    if this.received == 0 {
                        return Poll::Ready(None);
                    }
                    if let Err(err) = decoder.try_finish() {
                        return Poll::Ready(Some(Err(this.failed(&err))));
                    }
                    let out = std::mem::take(decoder.get_mut());
                    return Poll::Ready(
                        (!out.is_empty()).then(|| Ok(Frame::data(Bytes::from(out)))),
                    );
                }
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.decoder.is_none()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use flate2::Compression as Level;
    use flate2::write::GzEncoder;
    use http_body_util::{BodyExt, StreamBody};
    use tower::ServiceExt;

    fn gzip(data: &[u8]) -> Vec<u8> {
        let mut encoder = GzEncoder::new(Vec::new(), Level::fast());
        encoder.write_all(data).unwrap();
        encoder.finish().unwrap()
    }

    /// A body delivering `bytes` in chunks of `chunk` bytes.
    fn chunked(bytes: Vec<u8>, chunk: usize) -> Body {
        let frames: Vec<Result<Frame<Bytes>, Error>> = bytes
            .chunks(chunk.max(1))
            .map(|c| Ok(Frame::data(Bytes::copy_from_slice(c))))
            .collect();
        Body::from_result_body(StreamBody::new(futures::stream::iter(frames)))
    }

    async fn gunzip_all(body: Body) -> Result<Vec<u8>, Error> {
        Ok(Gunzip::new(body).collect().await?.to_bytes().to_vec())
    }

    fn sample(len: usize) -> Vec<u8> {
        (0..len)
            .map(|i| b"{\"kind\":\"Pod\",\"metadata\":{}}\n"[i % 29] ^ (i / 7919) as u8)
            .collect()
    }

    #[tokio::test]
    async fn decompresses_across_any_chunking() {
        let plain = sample(300_000);
        let compressed = gzip(&plain);
        for chunk in [1, 7, 10, 4096, compressed.len()] {
            let out = gunzip_all(chunked(compressed.clone(), chunk))
                .await
                .unwrap();
            assert!(out == plain, "chunks of {chunk}");
        }
    }

    #[tokio::test]
    async fn several_members_are_one_body() {
        let mut compressed = gzip(b"first ");
        compressed.extend(gzip(b"second"));
        let out = gunzip_all(chunked(compressed, 5)).await.unwrap();
        assert_eq!(out, b"first second");
    }

    #[tokio::test]
    async fn output_streams_with_the_input() {
        // One compressed event must come out before the next one is sent.
        let (tx, rx) = futures::channel::mpsc::unbounded::<Result<Frame<Bytes>, Error>>();
        let mut encoder = GzEncoder::new(Vec::new(), Level::fast());
        encoder.write_all(b"{\"type\":\"ADDED\"}\n").unwrap();
        encoder.flush().unwrap();
        tx.unbounded_send(Ok(Frame::data(Bytes::from(std::mem::take(
            encoder.get_mut(),
        )))))
        .unwrap();
        let mut body = Gunzip::new(Body::from_result_body(StreamBody::new(rx)));
        let first = body.frame().await.unwrap().unwrap().into_data().unwrap();
        assert_eq!(first, "{\"type\":\"ADDED\"}\n");
        encoder.write_all(b"{\"type\":\"DELETED\"}\n").unwrap();
        let rest = encoder.finish().unwrap();
        tx.unbounded_send(Ok(Frame::data(Bytes::from(rest))))
            .unwrap();
        drop(tx);
        let second = body.collect().await.unwrap().to_bytes();
        assert_eq!(second, "{\"type\":\"DELETED\"}\n");
    }

    #[tokio::test]
    async fn a_highly_compressible_body_comes_out_in_bounded_frames() {
        let plain = vec![b' '; 20 << 20];
        let mut body = Gunzip::new(chunked(gzip(&plain), 1 << 20));
        let mut total = 0;
        while let Some(frame) = body.frame().await {
            let data = frame.unwrap().into_data().unwrap();
            assert!(data.len() <= INPUT_SLICE * 1032, "{}", data.len());
            total += data.len();
        }
        assert_eq!(total, plain.len());
    }

    #[tokio::test]
    async fn truncated_and_corrupt_bodies_are_decode_errors() {
        let plain = sample(100_000);
        let compressed = gzip(&plain);
        for cut in [1, 5, 10, compressed.len() / 2, compressed.len() - 1] {
            let err = gunzip_all(chunked(compressed[..cut].to_vec(), 1000))
                .await
                .unwrap_err();
            assert!(matches!(err, Error::Decode { .. }), "cut at {cut}: {err:?}");
        }
        let mut corrupt = compressed.clone();
        let middle = corrupt.len() / 2;
        corrupt[middle] ^= 0xff;
        let err = gunzip_all(chunked(corrupt, 1000)).await.unwrap_err();
        assert!(matches!(err, Error::Decode { .. }), "{err:?}");
        let mut bad_crc = compressed.clone();
        let crc_at = bad_crc.len() - 8;
        bad_crc[crc_at] ^= 1;
        let err = gunzip_all(chunked(bad_crc, 1000)).await.unwrap_err();
        assert!(matches!(err, Error::Decode { .. }), "{err:?}");
        let err = gunzip_all(chunked(b"{\"secret\":\"hunter2\"}".to_vec(), 4))
            .await
            .unwrap_err();
        assert!(matches!(err, Error::Decode { .. }), "{err:?}");
        assert!(!err.to_string().contains("hunter2"), "{err}");
        let mut trailing = compressed;
        trailing.extend_from_slice(b"garbage");
        assert!(gunzip_all(chunked(trailing, 1000)).await.is_err());
    }

    #[tokio::test]
    async fn an_empty_body_is_empty_and_transport_errors_pass_through() {
        assert!(gunzip_all(Body::empty()).await.unwrap().is_empty());
        let frames = futures::stream::iter(vec![
            Ok(Frame::data(Bytes::from(gzip(b"x")[..4].to_vec()))),
            Err(Error::Transport(crate::TransportError::new(
                crate::TransportErrorKind::Io,
                "reset",
            ))),
        ]);
        let err = gunzip_all(Body::from_result_body(StreamBody::new(frames)))
            .await
            .unwrap_err();
        assert!(matches!(err, Error::Transport(_)), "{err:?}");
    }

    /// Answers with `Content-Encoding: gzip` when asked for it, echoing what it was sent.
    fn server(
        compressed: Vec<u8>,
    ) -> impl Service<
        Request<Bytes>,
        Response = Response<Body>,
        Error = Error,
        Future = impl Future<Output = Result<Response<Body>, Error>> + Send,
    > + Clone {
        tower::service_fn(move |req: Request<Bytes>| {
            let compressed = compressed.clone();
            async move {
                let accept = req.headers().get(ACCEPT_ENCODING).cloned();
                let mut response = Response::new(Body::from(Bytes::from(compressed)));
                response
                    .headers_mut()
                    .insert(CONTENT_ENCODING, HeaderValue::from_static("gzip"));
                response
                    .headers_mut()
                    .insert(CONTENT_LENGTH, HeaderValue::from_static("123"));
                if let Some(accept) = accept {
                    response.headers_mut().insert("x-accept-encoding", accept);
                }
                Ok(response)
            }
        })
    }

    async fn send(layer: CompressionLayer, req: Request<Bytes>) -> (HeaderMap, Bytes) {
        let response = layer
            .layer(server(gzip(b"hello")))
            .oneshot(req)
            .await
            .unwrap();
        let (parts, body) = response.into_parts();
        (parts.headers, body.collect_bytes().await.unwrap())
    }

    #[tokio::test]
    async fn asks_for_gzip_and_decompresses_like_go() {
        let get = || Request::get("https://k/api").body(Bytes::new()).unwrap();
        let (headers, body) = send(CompressionLayer::new(true), get()).await;
        assert_eq!(headers["x-accept-encoding"], "gzip");
        assert_eq!(body, "hello");
        assert!(headers.get(CONTENT_ENCODING).is_none());
        assert!(headers.get(CONTENT_LENGTH).is_none());

        // disable_compression: nothing asked, nothing decoded.
        let (headers, body) = send(CompressionLayer::new(false), get()).await;
        assert!(headers.get("x-accept-encoding").is_none());
        assert_eq!(headers[CONTENT_ENCODING], "gzip");
        assert_eq!(body, gzip(b"hello"));

        // The caller's own Accept-Encoding: the bytes are theirs to decode.
        let mut own = get();
        own.headers_mut()
            .insert(ACCEPT_ENCODING, HeaderValue::from_static("gzip"));
        let (headers, body) = send(CompressionLayer::new(true), own).await;
        assert_eq!(headers[CONTENT_ENCODING], "gzip");
        assert_eq!(body, gzip(b"hello"));

        // No gzip for HEAD or byte ranges.
        let head = Request::head("https://k/api").body(Bytes::new()).unwrap();
        let (headers, _) = send(CompressionLayer::new(true), head).await;
        assert!(headers.get("x-accept-encoding").is_none());
        let mut range = get();
        range
            .headers_mut()
            .insert(RANGE, HeaderValue::from_static("bytes=0-1"));
        let (headers, _) = send(CompressionLayer::new(true), range).await;
        assert!(headers.get("x-accept-encoding").is_none());
    }
}
