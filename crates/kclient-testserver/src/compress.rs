//! gzip responses as kube-apiserver writes them (its `APIResponseCompression` feature, on by
//! default): when the client accepts gzip, a GET response larger than 128 KiB goes out with
//! `Content-Encoding: gzip` and `Vary: Accept-Encoding`, compressed at level 1 (kube-apiserver
//! chose speed over size) and streamed, without a `Content-Length`. Watches and pod logs are
//! streams kube-apiserver writes directly: never compressed.

use std::convert::Infallible;
use std::fmt;
use std::io::Write as _;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use flate2::Compression;
use flate2::write::GzEncoder;
use http::header::{ACCEPT_ENCODING, CONTENT_ENCODING, CONTENT_LENGTH, VARY};
use http::{HeaderMap, HeaderValue, Method, Response};
use http_body::{Body as _, Frame};
use http_body_util::BodyExt;

use crate::respond::Body;
use crate::router::{Route, Verb};

/// kube-apiserver's `defaultGzipThresholdBytes`: smaller responses are sent as they are.
pub(crate) const GZIP_THRESHOLD_BYTES: u64 = 128 * 1024;

/// Uncompressed bytes compressed per frame of the response.
const INPUT_SLICE: usize = 64 * 1024;

/// Whether the response to this request may be compressed: a GET that is neither a watch nor
/// a pod log, from a client whose `Accept-Encoding` names gzip.
pub(crate) fn may_compress(method: &Method, headers: &HeaderMap, route: &Route) -> bool {
    let streams = matches!(route, Route::Resource(r)
        if r.verb == Verb::Watch || r.subresource.as_deref() == Some("log"));
    method == Method::GET && !streams && accepts_gzip(headers)
}

/// `Accept-Encoding` lists `gzip` with a non-zero quality.
fn accepts_gzip(headers: &HeaderMap) -> bool {
    headers
        .get_all(ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|item| {
            let mut parts = item.split(';');
            let coding = parts.next().unwrap_or("").trim();
            let refused = parts.any(|p| {
                p.trim()
                    .strip_prefix("q=")
                    .and_then(|q| q.trim().parse::<f32>().ok())
                    .is_some_and(|q| q == 0.0)
            });
            coding.eq_ignore_ascii_case("gzip") && !refused
        })
}

/// `response` gzip-encoded if its body is a buffer above [`GZIP_THRESHOLD_BYTES`].
pub(crate) async fn gzip_large(response: Response<Body>) -> Response<Body> {
    let above = response
        .body()
        .size_hint()
        .exact()
        .is_some_and(|len| len > GZIP_THRESHOLD_BYTES);
    if !above {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    // An exact size means a buffered body: collecting it does not wait.
    let Ok(collected) = body.collect().await;
    parts.headers.remove(CONTENT_LENGTH);
    parts
        .headers
        .insert(CONTENT_ENCODING, HeaderValue::from_static("gzip"));
    parts
        .headers
        .append(VARY, HeaderValue::from_static("Accept-Encoding"));
    Response::from_parts(parts, GzipBody::new(collected.to_bytes()).boxed_unsync())
}

/// Compresses a buffered body a slice per frame, so the first bytes leave before the last
/// are compressed, as kube-apiserver's gzip writer streams.
struct GzipBody {
    input: Bytes,
    /// `None` once the gzip trailer is out.
    encoder: Option<GzEncoder<Vec<u8>>>,
}

impl GzipBody {
    fn new(input: Bytes) -> Self {
        Self {
            input,
            encoder: Some(GzEncoder::new(Vec::new(), Compression::fast())),
        }
    }
}

impl fmt::Debug for GzipBody {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GzipBody")
            .field("remaining", &self.input.len())
            .finish_non_exhaustive()
    }
}

impl http_body::Body for GzipBody {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        let this = &mut *self;
        loop {
            let Some(encoder) = this.encoder.as_mut() else {
                return Poll::Ready(None);
            };
            let out = if this.input.is_empty() {
                // Writing into a Vec cannot fail; if it did, the body would end without its
                // trailer and the client would report a truncated gzip stream.
                let out = encoder
                    .try_finish()
                    .map(|()| std::mem::take(encoder.get_mut()));
                this.encoder = None;
                out
            } else {
                let slice = this.input.split_to(this.input.len().min(INPUT_SLICE));
                encoder
                    .write_all(&slice)
                    .map(|()| std::mem::take(encoder.get_mut()))
            };
            match out {
                Ok(out) if out.is_empty() => continue,
                Ok(out) => return Poll::Ready(Some(Ok(Frame::data(Bytes::from(out))))),
                Err(_) => {
                    this.encoder = None;
                    return Poll::Ready(None);
                }
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.encoder.is_none()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::respond::full;
    use std::io::Read as _;

    fn headers(accept_encoding: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(
            ACCEPT_ENCODING,
            HeaderValue::from_str(accept_encoding).unwrap(),
        );
        h
    }

    #[test]
    fn only_gets_of_clients_accepting_gzip_and_no_streams() {
        let list = crate::router::route(&Method::GET, "/api/v1/pods", false);
        let watch = crate::router::route(&Method::GET, "/api/v1/pods", true);
        let log = crate::router::route(&Method::GET, "/api/v1/namespaces/a/pods/p/log", false);
        assert!(may_compress(&Method::GET, &headers("gzip"), &list));
        assert!(may_compress(
            &Method::GET,
            &headers("deflate, GZIP;q=0.5"),
            &list
        ));
        assert!(may_compress(&Method::GET, &headers("gzip"), &Route::Groups));
        assert!(!may_compress(&Method::GET, &headers("gzip;q=0"), &list));
        assert!(!may_compress(&Method::GET, &headers("identity"), &list));
        assert!(!may_compress(&Method::GET, &HeaderMap::new(), &list));
        assert!(!may_compress(&Method::POST, &headers("gzip"), &list));
        assert!(!may_compress(&Method::GET, &headers("gzip"), &watch));
        assert!(!may_compress(&Method::GET, &headers("gzip"), &log));
    }

    #[tokio::test]
    async fn above_the_threshold_only() {
        let at = vec![b'a'; GZIP_THRESHOLD_BYTES as usize];
        let response = gzip_large(Response::new(full(at))).await;
        assert!(response.headers().get(CONTENT_ENCODING).is_none());

        let above: Vec<u8> = (0..GZIP_THRESHOLD_BYTES as usize * 3)
            .map(|i| (i % 251) as u8)
            .collect();
        let mut response = Response::new(full(above.clone()));
        response
            .headers_mut()
            .insert(CONTENT_LENGTH, HeaderValue::from(above.len()));
        let response = gzip_large(response).await;
        assert_eq!(response.headers()[CONTENT_ENCODING], "gzip");
        assert_eq!(response.headers()[VARY], "Accept-Encoding");
        assert!(response.headers().get(CONTENT_LENGTH).is_none());
        let mut body = response.into_body();
        let mut frames = 0;
        let mut compressed = Vec::new();
        while let Some(frame) = body.frame().await {
            frames += 1;
            compressed.extend_from_slice(&frame.unwrap().into_data().unwrap());
        }
        assert!(frames > 1, "streamed in several frames");
        let mut plain = Vec::new();
        flate2::read::GzDecoder::new(&compressed[..])
            .read_to_end(&mut plain)
            .unwrap();
        assert!(plain == above);
    }
}
