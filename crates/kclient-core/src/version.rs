//! Kubernetes version priority, apimachinery's `version.CompareKubeAwareVersionStrings`: the
//! order discovery lists a group's versions in, the first one preferred.
//!
//! A Kubernetes version is `v` and a major number, optionally followed by `alpha` or `beta`
//! and a minor number (`v1`, `v2beta1`, `v1alpha3`); anything else is another version.
//! GA versions rank above beta above alpha; within a stability, higher numbers rank higher;
//! other versions rank below every Kubernetes version, alphabetically (`foo1` above `foo10`).
//!
//! ```
//! use kclient_core::version::by_priority;
//!
//! let mut versions = vec!["v1beta1", "foo", "v1", "v2alpha1", "v2"];
//! versions.sort_by(|a, b| by_priority(a, b));
//! assert_eq!(versions, ["v2", "v1", "v1beta1", "v2alpha1", "foo"]);
//! ```

use std::cmp::Ordering;

/// How stable a Kubernetes version is; later variants rank higher.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Stability {
    Alpha,
    Beta,
    Ga,
}

/// `(stability, major, minor)` of a version matching `^v(\d+)((alpha|beta)(\d+))?$`, or `None`.
///
/// Numbers are read as apimachinery reads them (`strconv.Atoi` into a 64-bit int): leading
/// zeros are allowed (`v01` is GA version 1), `v0` is a version, and a number too large for an
/// `i64` makes the whole string another version.
fn parse(version: &str) -> Option<(Stability, i64, i64)> {
    let rest = version.strip_prefix('v')?;
    let digits = rest
        .bytes()
        .position(|b| !b.is_ascii_digit())
        .unwrap_or(rest.len());
    let (major, rest) = rest.split_at(digits);
    let major = number(major)?;
    if rest.is_empty() {
        return Some((Stability::Ga, major, 0));
    }
    let (stability, minor) = if let Some(minor) = rest.strip_prefix("alpha") {
        (Stability::Alpha, minor)
    } else if let Some(minor) = rest.strip_prefix("beta") {
        (Stability::Beta, minor)
    } else {
        return None;
    };
    Some((stability, major, number(minor)?))
}

/// A non-empty run of ASCII digits that fits an `i64`.
fn number(digits: &str) -> Option<i64> {
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// apimachinery's `CompareKubeAwareVersionStrings`: `Greater` when `v1` has the higher
/// priority. Two spellings of one version (`v1`, `v01`) compare `Equal`, as there.
pub fn compare_kube_aware_version_strings(v1: &str, v2: &str) -> Ordering {
    if v1 == v2 {
        return Ordering::Equal;
    }
    match (parse(v1), parse(v2)) {
        (Some(a), Some(b)) => a.cmp(&b),
        (Some(_), None) => Ordering::Greater,
        (None, Some(_)) => Ordering::Less,
        // Other versions: the alphabetically first one ranks highest.
        (None, None) => v2.cmp(v1),
    }
}

/// Version priority as a sort order, the preferred version first: `versions.sort_by(|a, b|
/// by_priority(a, b))` puts them in the order discovery lists them.
pub fn by_priority(a: &str, b: &str) -> Ordering {
    compare_kube_aware_version_strings(b, a)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// apimachinery's own table (`TestCompareKubeAwareVersionStrings`): `v1` ranks above `v2`?
    #[test]
    fn apimachinery_cases() {
        let greater = [
            ("v1", "v2", false),
            ("v2", "v1", true),
            ("v10", "v2", true),
            ("v1", "v2alpha1", true),
            ("v1", "v2beta1", true),
            ("v1alpha2", "v1alpha1", true),
            ("v1beta1", "v2alpha3", true),
            ("v1alpha10", "v1alpha2", true),
            ("v1beta10", "v1beta2", true),
            ("foo", "v1beta2", false),
            ("bar", "foo", true),
            ("version1", "version2", true),
            ("version1", "version10", true),
        ];
        for (v1, v2, expected) in greater {
            assert_eq!(
                compare_kube_aware_version_strings(v1, v2) == Ordering::Greater,
                expected,
                "{v1} vs {v2}"
            );
        }
    }

    #[test]
    fn sorted_preferred_first() {
        let mut versions = vec![
            "v1alpha1",
            "v11alpha2",
            "foo10",
            "v1",
            "v2beta1",
            "v12alpha1",
            "v1beta2",
            "v2",
            "v10beta3",
            "v1beta1",
            "foo1",
            "v10",
            "v11beta2",
            "v3beta1",
        ];
        versions.sort_by(|a, b| by_priority(a, b));
        assert_eq!(
            versions,
            [
                "v10",
                "v2",
                "v1",
                "v11beta2",
                "v10beta3",
                "v3beta1",
                "v2beta1",
                "v1beta2",
                "v1beta1",
                "v12alpha1",
                "v11alpha2",
                "v1alpha1",
                "foo1",
                "foo10",
            ]
        );
    }

    /// apimachinery reads the numbers with `strconv.Atoi`: `v01` is GA version 1 (above every
    /// beta, level with `v1`), not an unknown version sorted after `v1alpha1`.
    #[test]
    fn leading_zeros_are_kubernetes_versions() {
        assert_eq!(parse("v01"), Some((Stability::Ga, 1, 0)));
        assert_eq!(
            compare_kube_aware_version_strings("v01", "v1"),
            Ordering::Equal
        );
        assert_eq!(
            compare_kube_aware_version_strings("v01", "v1beta1"),
            Ordering::Greater
        );
        assert_eq!(parse("v1beta01"), Some((Stability::Beta, 1, 1)));
        let mut versions = vec!["v1alpha1", "v01", "v1beta1", "zeta"];
        versions.sort_by(|a, b| by_priority(a, b));
        assert_eq!(versions, ["v01", "v1beta1", "v1alpha1", "zeta"]);
    }

    /// `v0` and a zero minor match apimachinery's pattern too.
    #[test]
    fn zeros_are_kubernetes_versions() {
        assert_eq!(parse("v0"), Some((Stability::Ga, 0, 0)));
        assert_eq!(parse("v1beta0"), Some((Stability::Beta, 1, 0)));
        assert_eq!(
            compare_kube_aware_version_strings("v0", "v1"),
            Ordering::Less
        );
        assert_eq!(
            compare_kube_aware_version_strings("v0", "foo"),
            Ordering::Greater
        );
    }

    #[test]
    fn other_shapes_are_other_versions() {
        for other in [
            "",
            "v",
            "1",
            "V1",
            "v1beta",
            "v1gamma1",
            "v1beta1x",
            "v1.1",
            "v1alpha1.1",
            "v-1",
            "v+1",
            "v١",
        ] {
            assert_eq!(parse(other), None, "{other:?}");
        }
        // Too large for Atoi.
        assert_eq!(parse("v99999999999999999999"), None);
        assert_eq!(
            parse("v9223372036854775807"),
            Some((Stability::Ga, i64::MAX, 0))
        );
    }
}
