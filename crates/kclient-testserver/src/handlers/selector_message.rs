//! The 400 message kube-apiserver answers for a `labelSelector` it cannot parse: apimachinery's
//! `labels.Parse` error as it words it. kclient-core's [`SelectorError`] says more (the byte
//! position, `end of string` for the end of the input); the server says what Go says.

use kclient_core::selector::SelectorError;

/// The errors the parser's outer loop reports, which Go does not prefix with
/// `unable to parse requirement:`.
const BETWEEN_REQUIREMENTS: &[&str] = &[
    "',' or 'end of string'",
    "identifier after ','",
    "!, identifier, or 'end of string'",
];

/// Go's message for a label selector syntax error (others as kclient-core words them).
pub(super) fn label_selector(err: &SelectorError) -> String {
    let SelectorError::Syntax {
        found, expected, ..
    } = err
    else {
        return err.to_string();
    };
    // Go's lexer gives the end of the input an empty literal.
    let found = if found == "end of string" { "" } else { found };
    if BETWEEN_REQUIREMENTS.contains(expected) {
        format!("found '{found}', expected: {expected}")
    } else if *expected == "'('" {
        // (sic: Go's message for a missing parenthesis has no comma)
        format!("unable to parse requirement: found '{found}' expected: '('")
    } else {
        format!("unable to parse requirement: found '{found}', expected: {expected}")
    }
}

#[cfg(test)]
mod tests {
    use kclient_core::selector::LabelSelector;

    use super::label_selector;

    fn message(s: &str) -> String {
        label_selector(&s.parse::<LabelSelector>().unwrap_err())
    }

    #[test]
    fn syntax_errors_read_as_apimachinerys() {
        assert_eq!(
            message("a in (x"),
            "unable to parse requirement: found '', expected: ',' or ')'"
        );
        assert_eq!(
            message("a=b c"),
            "found 'c', expected: ',' or 'end of string'"
        );
        assert_eq!(
            message("a in x"),
            "unable to parse requirement: found 'x' expected: '('"
        );
    }
}
