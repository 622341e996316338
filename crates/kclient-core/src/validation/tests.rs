use super::*;

const SUBDOMAIN_MSG: &str = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const LABEL_MSG: &str = "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
const NAME_PART_MSG: &str = "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
const LABEL_VALUE_MSG: &str = "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";

#[test]
fn qualified_names() {
    for ok in [
        "a",
        "app",
        "A_b.c-D",
        "example.com/name",
        "k8s.io/x",
        "app.kubernetes.io/managed-by",
        "1",
        &"a".repeat(63),
    ] {
        assert_eq!(is_qualified_name(ok), Vec::<String>::new(), "{ok}");
    }
    for bad in [
        "",
        "-a",
        "a-",
        "a b",
        "/a",
        "a/",
        "a/b/c",
        "Example.com/a",
        "ex_ample.com/a",
        "é",
        &"a".repeat(64),
        ".a",
    ] {
        assert!(!is_qualified_name(bad).is_empty(), "{bad:?}");
    }
    let long_prefix = format!("{}/a", "a".repeat(254));
    assert_eq!(
        is_qualified_name(&long_prefix),
        ["prefix part must be no more than 253 characters"]
    );
}

/// apimachinery answers a key with two slashes with one message about the whole key, not
/// with complaints about a prefix `a` and a name `b/c`.
#[test]
fn two_slashes_are_one_qualified_name_problem() {
    assert_eq!(
        is_qualified_name("a/b/c"),
        [
            "a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"
        ]
    );
}

/// An empty name part fails both the emptiness and the pattern check, as in apimachinery.
#[test]
fn empty_name_part_reports_both_problems() {
    assert_eq!(
        is_qualified_name("example.com/"),
        ["name part must be non-empty", NAME_PART_MSG]
    );
    assert_eq!(
        is_qualified_name("/"),
        [
            "prefix part must be non-empty",
            "name part must be non-empty",
            NAME_PART_MSG
        ]
    );
    assert_eq!(
        is_qualified_name(&"a".repeat(64)),
        ["name part must be no more than 63 characters"]
    );
    assert_eq!(
        is_qualified_name("Bad_Prefix/x"),
        [format!("prefix part {SUBDOMAIN_MSG}")]
    );
}

#[test]
fn label_values() {
    for ok in ["", "a", "A.b_c-9", &"z".repeat(63)] {
        assert_eq!(is_valid_label_value(ok), Vec::<String>::new(), "{ok}");
    }
    for bad in ["-", "a-", "a b", "a/b", "é"] {
        assert_eq!(is_valid_label_value(bad), [LABEL_VALUE_MSG], "{bad:?}");
    }
    assert_eq!(
        is_valid_label_value(&"z".repeat(64)),
        ["must be no more than 63 characters"]
    );
}

#[test]
fn subdomains() {
    for ok in [
        "a",
        "foo.bar-1",
        "1.2.3",
        &"a".repeat(64),
        &"a.".repeat(126)[..251],
    ] {
        assert!(is_dns1123_subdomain(ok).is_empty(), "{ok}");
    }
    for bad in ["", "Foo", "-a", "a-", "a..b", ".a", "a.", "a_b"] {
        assert_eq!(is_dns1123_subdomain(bad), [SUBDOMAIN_MSG], "{bad:?}");
    }
    assert_eq!(
        is_dns1123_subdomain(&"a".repeat(254)),
        ["must be no more than 253 characters"]
    );
}

#[test]
fn labels() {
    for ok in ["a", "my-name", "123-abc", &"a".repeat(63)] {
        assert!(is_dns1123_label(ok).is_empty(), "{ok}");
    }
    for bad in ["", "Foo", "-a", "a-", "a_b", "a..b"] {
        assert_eq!(is_dns1123_label(bad), [LABEL_MSG], "{bad:?}");
    }
    // A valid subdomain that is no label: apimachinery names the dots.
    assert_eq!(is_dns1123_label("a.b"), ["must not contain dots"]);
    assert_eq!(
        is_dns1123_label(&"a".repeat(64)),
        ["must be no more than 63 characters"]
    );
}

#[test]
fn path_segments() {
    assert!(is_valid_path_segment_name("pods").is_empty());
    assert!(is_valid_path_segment_name("").is_empty());
    assert!(is_valid_path_segment_name("a.b").is_empty());
    assert!(is_valid_path_segment_name("...").is_empty());
    assert_eq!(is_valid_path_segment_name("."), ["may not be '.'"]);
    assert_eq!(is_valid_path_segment_name(".."), ["may not be '..'"]);
    assert_eq!(is_valid_path_segment_name("x%2F"), ["may not contain '%'"]);
    assert_eq!(
        is_valid_path_segment_name("a/%"),
        ["may not contain '/'", "may not contain '%'"]
    );
}
