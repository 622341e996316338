use std::collections::BTreeMap;

use k8s_openapi::apimachinery::pkg::apis::meta::v1 as metav1;
use proptest::prelude::*;

use super::*;

fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

fn sel(s: &str) -> LabelSelector {
    s.parse()
        .unwrap_or_else(|e| panic!("{s:?} should parse: {e}"))
}

#[test]
fn parses_the_full_grammar() {
    let s = sel("a=b,c!=d,e in (x,y),f notin (z),g,!h,i==j,k>5,l<10");
    let ops: Vec<(&str, Operator, Vec<String>)> = s
        .requirements()
        .iter()
        .map(|r| (r.key(), r.operator(), r.values().to_vec()))
        .collect();
    assert_eq!(ops.len(), 9);
    assert_eq!(ops[0], ("a", Operator::Equals, vec!["b".to_owned()]));
    assert_eq!(ops[2].1, Operator::In);
    assert_eq!(ops[2].2, vec!["x".to_owned(), "y".to_owned()]);
    assert_eq!(ops[4].1, Operator::Exists);
    assert_eq!(ops[5].1, Operator::DoesNotExist);
    assert_eq!(ops[6].1, Operator::DoubleEquals);
    assert_eq!(ops[7].1, Operator::GreaterThan);
    assert_eq!(ops[8].1, Operator::LessThan);
    assert_eq!(
        s.to_string(),
        "a=b,c!=d,e in (x,y),f notin (z),g,!h,i==j,k>5,l<10"
    );
}

#[test]
fn canonical_printing_sorts_by_key_and_values() {
    assert_eq!(
        sel("  z in ( b , a, b ) ,  !y ,x=1").to_string(),
        "x=1,!y,z in (a,b)"
    );
    assert_eq!(sel("env notin(prod)").to_string(), "env notin (prod)");
    assert_eq!(sel("\ta\n").to_string(), "a");
    assert_eq!(sel("").to_string(), "");
    assert!(sel("  ").is_empty());
    // Same key twice keeps input order (stable sort).
    assert_eq!(sel("a!=1,a!=2").to_string(), "a!=1,a!=2");
}

#[test]
fn keywords_and_empty_values() {
    assert_eq!(sel("in=notin").to_string(), "in=notin");
    assert_eq!(sel("x in (in,notin)").to_string(), "x in (in,notin)");
    assert_eq!(sel("a=").requirements()[0].values(), [String::new()]);
    assert_eq!(sel("a=,b").to_string(), "a=,b");
    assert_eq!(sel("a in ()").to_string(), "a in ()");
    assert_eq!(sel("a in (,b)").to_string(), "a in (,b)");
    assert_eq!(sel("a in (b,)").to_string(), "a in (,b)");
    // apimachinery rejects a doubled comma before `)`.
    assert!("a in (,,)".parse::<LabelSelector>().is_err());
    assert_eq!(sel("a in (,,b)").to_string(), "a in (,b)");
    assert_eq!(
        sel("example.com/app=web").to_string(),
        "example.com/app=web"
    );
}

#[test]
fn matching() {
    let l = labels(&[("app", "web"), ("tier", "front"), ("rank", "7")]);
    let cases = [
        ("", true),
        ("app=web", true),
        ("app==web", true),
        ("app=db", false),
        ("app!=db", true),
        ("missing!=x", true),
        ("app in (db,web)", true),
        ("app notin (db,web)", false),
        ("missing notin (a)", true),
        ("missing in (a)", false),
        ("app", true),
        ("missing", false),
        ("!missing", true),
        ("!app", false),
        ("rank>5", true),
        ("rank>7", false),
        ("rank<8", true),
        ("missing<8", false),
        ("app>1", false),
        ("app=web,tier=front,!x", true),
        ("app=web,tier=back", false),
        ("missing=", false),
    ];
    for (s, want) in cases {
        assert_eq!(sel(s).matches(&l), want, "{s}");
    }
    assert!(LabelSelector::everything().matches(&l));
    assert!(!LabelSelector::nothing().matches(&l));
    assert!(!LabelSelector::nothing().matches(&BTreeMap::new()));
    assert!(LabelSelector::nothing().is_nothing());
    assert!(!LabelSelector::nothing().is_empty());
}

#[test]
fn syntax_errors_have_positions() {
    let err = |s: &str| s.parse::<LabelSelector>().expect_err(s);
    assert_eq!(
        err("a=b=c"),
        SelectorError::Syntax {
            position: 3,
            found: "=".into(),
            expected: "',' or 'end of string'"
        }
    );
    assert!(matches!(
        err("a in x"),
        SelectorError::Syntax { position: 5, .. }
    ));
    assert!(
        matches!(err("a in (x"), SelectorError::Syntax { position: 7, ref found, .. } if found == "end of string")
    );
    assert!(matches!(
        err("a,"),
        SelectorError::Syntax {
            position: 2,
            expected: "identifier after ','",
            ..
        }
    ));
    assert!(matches!(
        err(",a"),
        SelectorError::Syntax { position: 0, .. }
    ));
    assert!(matches!(
        err("!a=b"),
        SelectorError::Syntax { position: 2, .. }
    ));
    assert!(matches!(
        err("a!b"),
        SelectorError::Syntax { position: 1, .. }
    ));
    assert!(matches!(
        err("a in (x y)"),
        SelectorError::Syntax { position: 8, .. }
    ));
    assert!(matches!(
        err("a=(b)"),
        SelectorError::Syntax { position: 2, .. }
    ));
    assert!(matches!(
        err("!"),
        SelectorError::Syntax { position: 1, .. }
    ));
    assert!(err("a=b=c").to_string().contains("position 3"));
}

#[test]
fn validation_errors() {
    let err = |s: &str| s.parse::<LabelSelector>().expect_err(s);
    assert!(matches!(
        err("-a=b"),
        SelectorError::InvalidKey {
            position: Some(0),
            ..
        }
    ));
    assert!(matches!(
        err("x,a/b/c"),
        SelectorError::InvalidKey {
            position: Some(2),
            ..
        }
    ));
    assert!(matches!(
        err("a=-b"),
        SelectorError::InvalidValue {
            position: Some(2),
            ..
        }
    ));
    assert!(matches!(
        err("a in (ok, -no)"),
        SelectorError::InvalidValue {
            position: Some(10),
            ..
        }
    ));
    assert!(matches!(err("a>b"), SelectorError::InvalidValues { .. }));
    assert!(matches!(err("a<1.5"), SelectorError::InvalidValues { .. }));
    let long = format!("a={}", "v".repeat(64));
    assert!(matches!(err(&long), SelectorError::InvalidValue { .. }));
    assert!(matches!(err("ké=v"), SelectorError::InvalidKey { .. }));
    assert!(
        err("-a=b")
            .to_string()
            .contains("invalid label key \"-a\" at position 0")
    );

    assert!(Requirement::new("a", Operator::In, Vec::<String>::new()).is_err());
    assert!(Requirement::new("a", Operator::Equals, ["x", "y"]).is_err());
    assert!(Requirement::new("a", Operator::Exists, ["x"]).is_err());
    assert!(Requirement::new("a", Operator::GreaterThan, ["1", "2"]).is_err());
    let ok = Requirement::new("a", Operator::NotIn, ["y", "x", "y"]).expect("valid");
    assert_eq!(ok.values(), ["x".to_owned(), "y".to_owned()]);
    assert!(matches!(
        Requirement::new("a", Operator::Equals, ["b c"]),
        Err(SelectorError::InvalidValue { position: None, .. })
    ));
}

#[test]
fn builders() {
    let s = LabelSelector::everything()
        .with(Requirement::new("b", Operator::Exists, Vec::<String>::new()).expect("valid"))
        .with(Requirement::new("a", Operator::Equals, ["1"]).expect("valid"));
    assert_eq!(s.to_string(), "a=1,b");
    assert_eq!(s.requires_exact_match("a"), Some("1"));
    assert_eq!(s.requires_exact_match("b"), None);
    assert_eq!(sel("x in (q)").requires_exact_match("x"), Some("q"));
    let from_map = LabelSelector::from_labels(&labels(&[("z", "1"), ("y", "2")])).expect("valid");
    assert_eq!(from_map.to_string(), "y=2,z=1");
    assert!(LabelSelector::from_labels(&labels(&[("bad key", "1")])).is_err());
}

#[test]
fn from_metav1() {
    let ls = metav1::LabelSelector {
        match_labels: Some(BTreeMap::from([("app".to_owned(), "web".to_owned())])),
        match_expressions: Some(vec![
            metav1::LabelSelectorRequirement {
                key: "tier".into(),
                operator: "In".into(),
                values: Some(vec!["b".into(), "a".into()]),
            },
            metav1::LabelSelectorRequirement {
                key: "legacy".into(),
                operator: "DoesNotExist".into(),
                values: None,
            },
            metav1::LabelSelectorRequirement {
                key: "env".into(),
                operator: "Exists".into(),
                values: Some(vec![]),
            },
            metav1::LabelSelectorRequirement {
                key: "zone".into(),
                operator: "NotIn".into(),
                values: Some(vec!["x".into()]),
            },
        ]),
    };
    let s = LabelSelector::try_from(&ls).expect("valid");
    assert_eq!(
        s.to_string(),
        "app=web,env,!legacy,tier in (a,b),zone notin (x)"
    );
    assert!(
        LabelSelector::try_from(&metav1::LabelSelector::default())
            .expect("valid")
            .is_empty()
    );
    assert!(
        LabelSelector::from_metav1(None)
            .expect("valid")
            .is_nothing()
    );

    let bad_op = metav1::LabelSelector {
        match_expressions: Some(vec![metav1::LabelSelectorRequirement {
            key: "a".into(),
            operator: "Gt".into(),
            values: Some(vec!["1".into()]),
        }]),
        ..Default::default()
    };
    assert_eq!(
        LabelSelector::try_from(bad_op)
            .expect_err("Gt is not allowed")
            .to_string(),
        "\"Gt\" is not a valid label selector operator"
    );
    let empty_in = metav1::LabelSelector {
        match_expressions: Some(vec![metav1::LabelSelectorRequirement {
            key: "a".into(),
            operator: "In".into(),
            values: None,
        }]),
        ..Default::default()
    };
    assert!(matches!(
        LabelSelector::try_from(&empty_in),
        Err(SelectorError::InvalidValues { .. })
    ));
}

#[test]
fn selectors_serialize_as_strings() {
    let s = sel("b,a=1");
    assert_eq!(serde_json::to_string(&s).expect("ser"), "\"a=1,b\"");
    let back: LabelSelector = serde_json::from_str("\"a=1,b\"").expect("de");
    assert_eq!(back, s);
    assert!(serde_json::from_str::<LabelSelector>("\"a=\\\"\"").is_err());
    let f: FieldSelector = serde_json::from_str("\"metadata.name=x\"").expect("de");
    assert_eq!(
        serde_json::to_string(&f).expect("ser"),
        "\"metadata.name=x\""
    );
}

#[test]
fn field_selectors() {
    let f: FieldSelector = "status.phase!=Running,metadata.name==foo,spec.nodeName=n1"
        .parse()
        .expect("valid");
    assert_eq!(
        f.to_string(),
        "metadata.name=foo,spec.nodeName=n1,status.phase!=Running"
    );
    assert_eq!(f.requirements().len(), 3);
    assert_eq!(f.requirements()[0].operator, Operator::Equals);
    assert_eq!(f.requires_exact_match("metadata.name"), Some("foo"));
    assert_eq!(f.requires_exact_match("status.phase"), None);

    let obj = |field: &str| match field {
        "metadata.name" => Some("foo".to_owned()),
        "spec.nodeName" => Some("n1".to_owned()),
        "status.phase" => Some("Pending".to_owned()),
        _ => None,
    };
    assert!(f.matches(obj));
    assert!(!FieldSelector::one_term_equal("status.phase", "Running").matches(obj));
    assert!(FieldSelector::one_term_not_equal("status.phase", "Running").matches(obj));
    // A missing field reads as "".
    assert!(FieldSelector::one_term_equal("spec.x", "").matches(obj));
    assert!(FieldSelector::everything().matches(obj));
    assert!(FieldSelector::parse("").expect("valid").is_empty());
    assert!(FieldSelector::parse(",,").expect("valid").is_empty());
    let both = FieldSelector::one_term_equal("b", "1").and(FieldSelector::one_term_equal("a", "2"));
    assert_eq!(both.to_string(), "a=2,b=1");
}

#[test]
fn field_selector_escapes() {
    let f = FieldSelector::parse(r"metadata.name=a\,b\=c\\d,x=y").expect("valid");
    assert_eq!(f.requirements()[0].value, r"a,b=c\d");
    assert_eq!(f.to_string(), r"metadata.name=a\,b\=c\\d,x=y");
    assert_eq!(
        FieldSelector::parse(r"a=b\x"),
        Err(SelectorError::InvalidEscape {
            sequence: r"\x".into()
        })
    );
    assert_eq!(
        FieldSelector::parse(r"a=b\"),
        Err(SelectorError::InvalidEscape {
            sequence: r"\".into()
        })
    );
    assert_eq!(
        FieldSelector::parse("a=b=c"),
        Err(SelectorError::UnescapedCharacter { character: '=' })
    );
    assert_eq!(
        FieldSelector::parse("a=b,nonsense"),
        Err(SelectorError::InvalidFieldTerm {
            selector: "a=b,nonsense".into(),
            term: "nonsense".into(),
            position: 4
        })
    );
    assert_eq!(
        FieldSelector::parse("a!==b").map(|_| ()),
        Err(SelectorError::UnescapedCharacter { character: '=' })
    );
    assert_eq!(field::escape_value(r"a,=\"), r"a\,\=\\");
}

fn label_key() -> impl Strategy<Value = String> {
    let name = "[A-Za-z0-9]([-A-Za-z0-9_.]{0,10}[A-Za-z0-9])?";
    let prefix = "[a-z0-9]([-a-z0-9]{0,6}[a-z0-9])?(\\.[a-z0-9]{1,5}){0,2}";
    (proptest::option::of(prefix), name).prop_map(|(p, n)| match p {
        Some(p) => format!("{p}/{n}"),
        None => n,
    })
}

fn label_value() -> impl Strategy<Value = String> {
    "([A-Za-z0-9]([-A-Za-z0-9_.]{0,10}[A-Za-z0-9])?)?"
}

fn requirement() -> impl Strategy<Value = Requirement> {
    let op = prop_oneof![
        Just(Operator::Equals),
        Just(Operator::DoubleEquals),
        Just(Operator::NotEquals),
        Just(Operator::In),
        Just(Operator::NotIn),
        Just(Operator::Exists),
        Just(Operator::DoesNotExist),
        Just(Operator::GreaterThan),
        Just(Operator::LessThan),
    ];
    (
        label_key(),
        op,
        proptest::collection::vec(label_value(), 1..4),
        0i64..100_000,
    )
        .prop_map(|(key, op, values, n)| {
            let values = match op {
                Operator::Exists | Operator::DoesNotExist => vec![],
                Operator::GreaterThan | Operator::LessThan => vec![n.to_string()],
                Operator::In | Operator::NotIn => values,
                _ => values[..1].to_vec(),
            };
            Requirement::new(key, op, values).expect("generated requirements are valid")
        })
}

proptest! {
    #[test]
    fn label_display_round_trips(reqs in proptest::collection::vec(requirement(), 0..6)) {
        let s = LabelSelector::from_requirements(reqs);
        let printed = s.to_string();
        let parsed: LabelSelector = printed.parse().map_err(|e| TestCaseError::fail(format!("{printed:?}: {e}")))?;
        prop_assert_eq!(&parsed, &s);
        prop_assert_eq!(parsed.to_string(), printed);
    }

    #[test]
    fn label_parser_never_panics(input in "\\PC{0,40}") {
        let _ = input.parse::<LabelSelector>();
    }

    #[test]
    fn label_parser_never_panics_on_grammar_soup(input in "[a-c!=()<>, in notin0-9]{0,30}") {
        if let Ok(s) = input.parse::<LabelSelector>() {
            // Whatever parses must print to something that parses back the same.
            prop_assert_eq!(s.to_string().parse::<LabelSelector>().ok(), Some(s));
        }
    }

    #[test]
    fn field_display_round_trips(
        terms in proptest::collection::vec(("[a-zA-Z][a-zA-Z.]{0,12}", any::<bool>(), "\\PC{0,12}"), 0..5)
    ) {
        let s = FieldSelector::from_requirements(terms.into_iter().map(|(field, ne, value)| FieldRequirement {
            field,
            operator: if ne { Operator::NotEquals } else { Operator::Equals },
            value,
        }));
        let printed = s.to_string();
        let parsed: FieldSelector = printed.parse().map_err(|e| TestCaseError::fail(format!("{printed:?}: {e}")))?;
        prop_assert_eq!(&parsed, &s);
    }

    #[test]
    fn field_parser_never_panics(input in "\\PC{0,40}") {
        if let Ok(s) = input.parse::<FieldSelector>() {
            prop_assert_eq!(s.to_string().parse::<FieldSelector>().ok(), Some(s));
        }
    }
}

/// apimachinery's parser joins a key's problems with "; " (`validateLabelKey`).
#[test]
fn key_problems_are_joined_like_apimachinery() {
    let err = Requirement::new("/", Operator::Exists, Vec::<String>::new())
        .expect_err("empty prefix and name");
    let SelectorError::InvalidKey { reason, .. } = err else {
        panic!("{err:?}");
    };
    assert!(
        reason.starts_with(
            "prefix part must be non-empty; name part must be non-empty; name part must consist"
        ),
        "{reason}"
    );
}
