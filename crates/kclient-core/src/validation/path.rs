//! apimachinery's `pkg/api/validation/path`: names that must survive as one URL path segment
//! (and one etcd key segment).

/// Names that are path-walking steps, not segments.
const NAME_MAY_NOT_BE: [&str; 2] = [".", ".."];
/// Characters that would split or re-encode the segment.
const NAME_MAY_NOT_CONTAIN: [&str; 2] = ["/", "%"];

/// apimachinery's `IsValidPathSegmentName`: not `.` or `..`, and without `/` or `%`.
///
/// An empty name is valid here; whether a name is required is the caller's rule. client-go
/// checks request paths with it, and kube-apiserver names RBAC objects by it.
///
/// ```
/// # use kclient_core::validation::is_valid_path_segment_name;
/// assert!(is_valid_path_segment_name("system:admin").is_empty());
/// assert_eq!(is_valid_path_segment_name(".."), ["may not be '..'"]);
/// assert_eq!(is_valid_path_segment_name("a/%"), ["may not contain '/'", "may not contain '%'"]);
/// ```
pub fn is_valid_path_segment_name(name: &str) -> Vec<String> {
    if let Some(bad) = NAME_MAY_NOT_BE.iter().find(|bad| name == **bad) {
        return vec![format!("may not be '{bad}'")];
    }
    NAME_MAY_NOT_CONTAIN
        .iter()
        .filter(|bad| name.contains(**bad))
        .map(|bad| format!("may not contain '{bad}'"))
        .collect()
}
