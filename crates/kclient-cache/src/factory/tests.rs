use std::collections::BTreeSet;

use kclient_core::Scheme;

use super::typed::ACCESSOR_KINDS;

/// Scheme kinds that are never listed or watched: subresource bodies, reviews (create-only),
/// and `Binding` (a pods/binding body).
const NOT_LISTABLE: &[&str] = &[
    "Scale",
    "Eviction",
    "TokenRequest",
    "Binding",
    "TokenReview",
    "SelfSubjectReview",
    "LocalSubjectAccessReview",
    "SelfSubjectAccessReview",
    "SelfSubjectRulesReview",
    "SubjectAccessReview",
];

#[test]
fn every_listable_builtin_kind_has_an_informer_accessor() {
    let have: BTreeSet<(String, String, String)> = ACCESSOR_KINDS
        .iter()
        .flat_map(|kinds| kinds.iter())
        .map(|(g, v, k)| ((*g).to_owned(), (*v).to_owned(), (*k).to_owned()))
        .collect();
    let mut missing = Vec::new();
    for gvk in Scheme::builtin().known_kinds() {
        if NOT_LISTABLE.contains(&gvk.kind.as_str()) {
            continue;
        }
        let key = (gvk.group.clone(), gvk.version.clone(), gvk.kind.clone());
        if !have.contains(&key) {
            missing.push(key);
        }
    }
    assert!(
        missing.is_empty(),
        "kinds without a factory accessor: {missing:?}"
    );
    let total: usize = ACCESSOR_KINDS.iter().map(|k| k.len()).sum();
    assert_eq!(total, have.len(), "a kind appears twice in the table");
}
