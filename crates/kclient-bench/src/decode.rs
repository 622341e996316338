//! Decoding one list response body into typed Pods, the way each client does it.

use k8s_openapi::api::core::v1::Pod;

use crate::error::BenchError;

/// kclient's path: `Request::into_json::<List<Pod>>()` reads the body into `Bytes` and
/// hands the slice to `kclient::core::json::from_slice` (kclient-rest `response::decode_json`):
/// one UTF-8 check over the whole body, then `serde_json::from_str`.
pub fn kclient(body: &[u8]) -> Result<k8s_openapi::List<Pod>, BenchError> {
    Ok(kclient::core::json::from_slice(body)?)
}

/// kube-rs's path (kube-client 5.0 `Client::request` via `request_text`): the collected body
/// is copied into a `Vec`, validated into a `String`, then decoded with
/// `serde_json::from_str` into `ObjectList<Pod>`.
#[cfg(feature = "kube-rs")]
pub fn kube(body: &[u8]) -> Result<kube::core::ObjectList<Pod>, BenchError> {
    let text = String::from_utf8(body.to_vec())
        .map_err(|err| BenchError::Mismatch(format!("body is not UTF-8: {err}")))?;
    Ok(serde_json::from_str(&text)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::PodTemplate;

    #[test]
    fn kclient_decodes_the_pods_and_rejects_bad_bodies() {
        let bytes = PodTemplate::bundled().unwrap().pod_list_json(2);
        let ours = kclient(&bytes).unwrap();
        assert_eq!(ours.items.len(), 2);
        assert_eq!(ours.items[1].metadata.name.as_deref(), Some("bench-000001"));
        assert!(kclient(&[0xff]).is_err());
        assert!(kclient(b"{\"items\":[{\"spec\":7}]}").is_err());
    }

    #[cfg(feature = "kube-rs")]
    #[test]
    fn both_paths_decode_the_same_pods() {
        let bytes = PodTemplate::bundled().unwrap().pod_list_json(2);
        let ours = kclient(&bytes).unwrap();
        let theirs = kube(&bytes).unwrap();
        assert_eq!(ours.items, theirs.items);
        assert!(matches!(kube(&[0xff, 0xfe]), Err(BenchError::Mismatch(_))));
    }
}
