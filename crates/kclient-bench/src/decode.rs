//! Decoding one list response body into typed Pods, the way each client does it.

use k8s_openapi::api::core::v1::Pod;

use crate::error::Error;

/// kclient's path: `Request::into_json::<List<Pod>>()` reads the body into `Bytes` and
/// hands the slice to `serde_json::from_slice` (kclient-rest `response::decode_json`).
pub fn kclient(body: &[u8]) -> Result<k8s_openapi::List<Pod>, Error> {
    Ok(serde_json::from_slice(body)?)
}

/// A candidate for kclient (diagnostic): validate UTF-8 once over the whole body (SIMD-fast,
/// no copy), then `serde_json::from_str`, whose `StrRead` skips the per-string UTF-8 checks
/// that `from_slice`'s `SliceRead` does for every string in the document.
pub fn kclient_validated_str(body: &[u8]) -> Result<k8s_openapi::List<Pod>, Error> {
    let text = std::str::from_utf8(body)
        .map_err(|err| Error::Mismatch(format!("body is not UTF-8: {err}")))?;
    Ok(serde_json::from_str(text)?)
}

/// kube-rs's path (kube-client 5.0 `Client::request` via `request_text`): the collected body
/// is copied into a `Vec`, validated into a `String`, then decoded with
/// `serde_json::from_str` into `ObjectList<Pod>`.
pub fn kube(body: &[u8]) -> Result<kube::core::ObjectList<Pod>, Error> {
    let text = String::from_utf8(body.to_vec())
        .map_err(|err| Error::Mismatch(format!("body is not UTF-8: {err}")))?;
    Ok(serde_json::from_str(&text)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::PodTemplate;

    #[test]
    fn both_paths_decode_the_same_pods() {
        let bytes = PodTemplate::bundled().unwrap().pod_list_json(2);
        let ours = kclient(&bytes).unwrap();
        let theirs = kube(&bytes).unwrap();
        assert_eq!(ours.items, theirs.items);
        assert_eq!(kclient_validated_str(&bytes).unwrap().items, ours.items);
        assert!(matches!(
            kclient_validated_str(&[0xff]),
            Err(Error::Mismatch(_))
        ));
        assert!(kclient(b"{\"items\":[{\"spec\":7}]}").is_err());
        assert!(matches!(kube(&[0xff, 0xfe]), Err(Error::Mismatch(_))));
    }
}
