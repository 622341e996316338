use serde_json::json;

use super::*;

fn qs(p: &impl QueryParams) -> String {
    p.to_query_string()
}

#[test]
fn list_options_query_is_sorted_and_escaped() {
    let opts = ListOptions::default()
        .labels("app=web,tier in (a,b)")
        .fields("metadata.name=x")
        .limit(500)
        .continue_token("abc==")
        .resource_version("123")
        .resource_version_match(ResourceVersionMatch::NotOlderThan)
        .timeout(30)
        .bookmarks(true)
        .send_initial_events(true);
    assert_eq!(
        qs(&opts),
        "allowWatchBookmarks=true&continue=abc%3D%3D&fieldSelector=metadata.name%3Dx\
         &labelSelector=app%3Dweb%2Ctier+in+%28a%2Cb%29&limit=500&resourceVersion=123\
         &resourceVersionMatch=NotOlderThan&sendInitialEvents=true&timeoutSeconds=30"
    );
    assert_eq!(
        opts.query_pairs()[0],
        ("allowWatchBookmarks", "true".to_owned())
    );
}

#[test]
fn list_options_omit_defaults() {
    assert_eq!(qs(&ListOptions::default()), "");
    let opts = ListOptions::default()
        .labels("")
        .limit(0)
        .timeout(0)
        .bookmarks(false)
        .resource_version("0");
    assert_eq!(qs(&opts), "resourceVersion=0");
    assert_eq!(
        qs(&ListOptions::default().send_initial_events(false)),
        "sendInitialEvents=false"
    );
    assert_eq!(
        qs(&ListOptions::default().resource_version_match(ResourceVersionMatch::Exact)),
        "resourceVersionMatch=Exact"
    );
}

#[test]
fn list_options_from_parsed_selectors() {
    let labels: LabelSelector = "b,a!=1".parse().expect("valid");
    let fields: FieldSelector = "spec.nodeName=n1".parse().expect("valid");
    let opts = ListOptions::default()
        .label_selector(&labels)
        .field_selector(&fields);
    assert_eq!(opts.label_selector.as_deref(), Some("a!=1,b"));
    assert_eq!(
        qs(&opts),
        "fieldSelector=spec.nodeName%3Dn1&labelSelector=a%21%3D1%2Cb"
    );
}

#[test]
fn get_options() {
    assert_eq!(qs(&GetOptions::default()), "");
    assert_eq!(
        qs(&GetOptions::default().resource_version("0")),
        "resourceVersion=0"
    );
}

#[test]
fn write_options() {
    assert_eq!(qs(&CreateOptions::default()), "");
    assert_eq!(
        qs(&CreateOptions::default()
            .dry_run()
            .field_manager("kc")
            .field_validation(FieldValidation::Strict)),
        "dryRun=All&fieldManager=kc&fieldValidation=Strict"
    );
    assert_eq!(
        qs(&UpdateOptions::default().field_validation(FieldValidation::Ignore)),
        "fieldValidation=Ignore"
    );
    assert_eq!(
        qs(&PatchOptions::apply("kc").force()),
        "fieldManager=kc&force=true"
    );
    assert_eq!(
        qs(&PatchOptions::default()
            .dry_run()
            .field_validation(FieldValidation::Warn)),
        "dryRun=All&fieldValidation=Warn"
    );
}

#[test]
fn append_query_extends_an_existing_query() {
    let mut q = form_urlencoded::Serializer::new(String::new());
    q.append_pair("watch", "true");
    ListOptions::default().timeout(5).append_query(&mut q);
    assert_eq!(q.finish(), "watch=true&timeoutSeconds=5");
}

#[test]
fn delete_options_body() {
    let opts = DeleteOptions::foreground()
        .grace_period(0)
        .preconditions(Preconditions {
            uid: Some("u-1".into()),
            resource_version: Some("42".into()),
        })
        .dry_run();
    let body: serde_json::Value = serde_json::from_slice(&opts.to_body()).expect("json");
    assert_eq!(
        body,
        json!({
            "kind": "DeleteOptions",
            "apiVersion": "v1",
            "gracePeriodSeconds": 0,
            "preconditions": {"uid": "u-1", "resourceVersion": "42"},
            "propagationPolicy": "Foreground",
            "dryRun": ["All"]
        })
    );
    // Propagation policy and preconditions travel in the body only.
    assert_eq!(qs(&opts), "dryRun=All&gracePeriodSeconds=0");
    assert_eq!(
        String::from_utf8(DeleteOptions::default().to_body()).expect("utf8"),
        r#"{"kind":"DeleteOptions","apiVersion":"v1"}"#
    );
    assert_eq!(qs(&DeleteOptions::background()), "");
    assert_eq!(
        DeleteOptions::orphan().propagation_policy,
        Some(PropagationPolicy::Orphan)
    );
}

#[test]
fn delete_options_parse() {
    let parsed: DeleteOptions = serde_json::from_value(json!({
        "kind": "DeleteOptions",
        "apiVersion": "meta.k8s.io/v1",
        "propagationPolicy": "Background",
        "gracePeriodSeconds": 30,
        "preconditions": {"resourceVersion": "7"}
    }))
    .expect("valid");
    assert_eq!(
        parsed,
        DeleteOptions::background()
            .grace_period(30)
            .preconditions(Preconditions {
                uid: None,
                resource_version: Some("7".into())
            })
    );
    let empty: DeleteOptions = serde_json::from_str("{}").expect("valid");
    assert_eq!(empty, DeleteOptions::default());
    let negative: DeleteOptions =
        serde_json::from_str(r#"{"gracePeriodSeconds":-1}"#).expect("valid");
    assert_eq!(negative.grace_period_seconds, None);
    assert!(serde_json::from_str::<DeleteOptions>(r#"{"dryRun":["Some"]}"#).is_err());
    assert!(serde_json::from_str::<DeleteOptions>(r#"{"kind":"Pod"}"#).is_err());
    assert!(serde_json::from_str::<DeleteOptions>(r#"{"propagationPolicy":"Sideways"}"#).is_err());
    let round: DeleteOptions =
        serde_json::from_slice(&DeleteOptions::foreground().dry_run().to_body()).expect("valid");
    assert_eq!(round, DeleteOptions::foreground().dry_run());
}

#[test]
fn the_next_page_drops_the_resource_version_for_the_token() {
    let first = ListOptions::default()
        .labels("app=web")
        .limit(500)
        .resource_version("0")
        .resource_version_match(ResourceVersionMatch::NotOlderThan);
    let next = first.next_page("t1");
    assert_eq!(
        qs(&next),
        "continue=t1&labelSelector=app%3Dweb&limit=500",
        "selectors and page size stay, the snapshot comes from the token"
    );
}
