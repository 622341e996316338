//! Resolution tables over discovery-shaped data: core, apps with two versions, a CRD-like
//! group, `events` served by two groups, and `widgets` served by two CRD groups.

use k8s_openapi::apimachinery::pkg::apis::meta::v1::{
    APIGroup, APIResource, GroupVersionForDiscovery,
};
use proptest::prelude::*;

use super::*;
use crate::gvk::{GroupKind, GroupResource, GroupVersion};

fn res(name: &str, kind: &str, namespaced: bool, short: &[&str], cats: &[&str]) -> APIResource {
    let singular = if name.contains('/') {
        String::new()
    } else {
        kind.to_lowercase()
    };
    APIResource {
        name: name.into(),
        singular_name: singular,
        kind: kind.into(),
        namespaced,
        short_names: (!short.is_empty()).then(|| short.iter().map(|s| s.to_string()).collect()),
        categories: (!cats.is_empty()).then(|| cats.iter().map(|s| s.to_string()).collect()),
        ..Default::default()
    }
}

fn group(name: &str, versions: Vec<(&str, Vec<APIResource>)>) -> ApiGroupResources {
    let discovery: Vec<GroupVersionForDiscovery> = versions
        .iter()
        .map(|(v, _)| GroupVersionForDiscovery {
            group_version: GroupVersion::new(name, *v).to_string(),
            version: v.to_string(),
        })
        .collect();
    ApiGroupResources {
        group: APIGroup {
            name: name.into(),
            preferred_version: discovery.first().cloned(),
            versions: discovery,
            ..Default::default()
        },
        versioned_resources: versions
            .into_iter()
            .map(|(v, r)| (v.to_string(), r))
            .collect(),
    }
}

fn fixture() -> Vec<ApiGroupResources> {
    vec![
        group(
            "",
            vec![(
                "v1",
                vec![
                    res("pods", "Pod", true, &["po"], &["all"]),
                    res("pods/status", "Pod", true, &[], &[]),
                    res("pods/log", "Pod", true, &[], &[]),
                    res("configmaps", "ConfigMap", true, &["cm"], &[]),
                    res("services", "Service", true, &["svc"], &["all"]),
                    res("namespaces", "Namespace", false, &["ns"], &[]),
                    res("events", "Event", true, &["ev"], &[]),
                    res("endpoints", "Endpoints", true, &["ep"], &[]),
                ],
            )],
        ),
        group(
            "apps",
            vec![
                (
                    "v1",
                    vec![
                        res("deployments", "Deployment", true, &["deploy"], &["all"]),
                        res("deployments/scale", "Scale", true, &[], &[]),
                        res("deployments/status", "Deployment", true, &[], &[]),
                    ],
                ),
                (
                    "v1beta1",
                    vec![
                        res("deployments", "Deployment", true, &["deploy"], &["all"]),
                        res("legacythings", "LegacyThing", true, &[], &[]),
                    ],
                ),
            ],
        ),
        group(
            "events.k8s.io",
            vec![("v1", vec![res("events", "Event", true, &["ev"], &[])])],
        ),
        group(
            "apiextensions.k8s.io",
            vec![(
                "v1",
                vec![res(
                    "customresourcedefinitions",
                    "CustomResourceDefinition",
                    false,
                    &["crd", "crds"],
                    &["api-extensions"],
                )],
            )],
        ),
        group(
            "stable.example.com",
            vec![
                (
                    "v1",
                    vec![res("crontabs", "CronTab", true, &["ct"], &["all"])],
                ),
                (
                    "v2beta1",
                    vec![res("crontabs", "CronTab", true, &["ct"], &["all"])],
                ),
            ],
        ),
        group(
            "a.example.com",
            vec![("v1", vec![res("widgets", "Widget", false, &["wd"], &[])])],
        ),
        group(
            "b.example.com",
            vec![(
                "v1alpha1",
                vec![res("widgets", "Widget", true, &["wd"], &[])],
            )],
        ),
    ]
}

fn resolver() -> ResourceResolver {
    ResourceResolver::from_api_group_resources(&fixture())
}

fn gvr(g: &str, v: &str, r: &str) -> GroupVersionResource {
    GroupVersionResource::gvr(g, v, r)
}

fn gvk(g: &str, v: &str, k: &str) -> GroupVersionKind {
    GroupVersionKind::gvk(g, v, k)
}

#[test]
fn kubectl_argument_table() {
    let r = resolver();
    let table: &[(&str, GroupVersionResource, &str, Scope)] = &[
        ("po", gvr("", "v1", "pods"), "Pod", Scope::Namespaced),
        ("pods", gvr("", "v1", "pods"), "Pod", Scope::Namespaced),
        ("pod", gvr("", "v1", "pods"), "Pod", Scope::Namespaced),
        ("Pod", gvr("", "v1", "pods"), "Pod", Scope::Namespaced),
        (
            "cm",
            gvr("", "v1", "configmaps"),
            "ConfigMap",
            Scope::Namespaced,
        ),
        (
            "configmap",
            gvr("", "v1", "configmaps"),
            "ConfigMap",
            Scope::Namespaced,
        ),
        (
            "svc",
            gvr("", "v1", "services"),
            "Service",
            Scope::Namespaced,
        ),
        (
            "ns",
            gvr("", "v1", "namespaces"),
            "Namespace",
            Scope::Cluster,
        ),
        (
            "Namespace",
            gvr("", "v1", "namespaces"),
            "Namespace",
            Scope::Cluster,
        ),
        (
            "ep",
            gvr("", "v1", "endpoints"),
            "Endpoints",
            Scope::Namespaced,
        ),
        (
            "endpoints",
            gvr("", "v1", "endpoints"),
            "Endpoints",
            Scope::Namespaced,
        ),
        (
            "deploy",
            gvr("apps", "v1", "deployments"),
            "Deployment",
            Scope::Namespaced,
        ),
        (
            "deployments",
            gvr("apps", "v1", "deployments"),
            "Deployment",
            Scope::Namespaced,
        ),
        (
            "deployment",
            gvr("apps", "v1", "deployments"),
            "Deployment",
            Scope::Namespaced,
        ),
        (
            "Deployment",
            gvr("apps", "v1", "deployments"),
            "Deployment",
            Scope::Namespaced,
        ),
        (
            "deploy.apps",
            gvr("apps", "v1", "deployments"),
            "Deployment",
            Scope::Namespaced,
        ),
        (
            "deployments.apps",
            gvr("apps", "v1", "deployments"),
            "Deployment",
            Scope::Namespaced,
        ),
        (
            "deployment.apps",
            gvr("apps", "v1", "deployments"),
            "Deployment",
            Scope::Namespaced,
        ),
        (
            "Deployment.apps",
            gvr("apps", "v1", "deployments"),
            "Deployment",
            Scope::Namespaced,
        ),
        (
            "deployments.v1.apps",
            gvr("apps", "v1", "deployments"),
            "Deployment",
            Scope::Namespaced,
        ),
        (
            "Deployment.v1.apps",
            gvr("apps", "v1", "deployments"),
            "Deployment",
            Scope::Namespaced,
        ),
        (
            "deployments.v1beta1.apps",
            gvr("apps", "v1beta1", "deployments"),
            "Deployment",
            Scope::Namespaced,
        ),
        (
            "Deployment.v1beta1.apps",
            gvr("apps", "v1beta1", "deployments"),
            "Deployment",
            Scope::Namespaced,
        ),
        // Only served by the non-preferred version.
        (
            "legacythings",
            gvr("apps", "v1beta1", "legacythings"),
            "LegacyThing",
            Scope::Namespaced,
        ),
        (
            "crd",
            gvr("apiextensions.k8s.io", "v1", "customresourcedefinitions"),
            "CustomResourceDefinition",
            Scope::Cluster,
        ),
        (
            "crds",
            gvr("apiextensions.k8s.io", "v1", "customresourcedefinitions"),
            "CustomResourceDefinition",
            Scope::Cluster,
        ),
        (
            "ct",
            gvr("stable.example.com", "v1", "crontabs"),
            "CronTab",
            Scope::Namespaced,
        ),
        (
            "crontabs",
            gvr("stable.example.com", "v1", "crontabs"),
            "CronTab",
            Scope::Namespaced,
        ),
        (
            "crontab",
            gvr("stable.example.com", "v1", "crontabs"),
            "CronTab",
            Scope::Namespaced,
        ),
        (
            "CronTab",
            gvr("stable.example.com", "v1", "crontabs"),
            "CronTab",
            Scope::Namespaced,
        ),
        (
            "ct.stable.example.com",
            gvr("stable.example.com", "v1", "crontabs"),
            "CronTab",
            Scope::Namespaced,
        ),
        (
            "crontabs.stable.example.com",
            gvr("stable.example.com", "v1", "crontabs"),
            "CronTab",
            Scope::Namespaced,
        ),
        (
            "crontabs.v2beta1.stable.example.com",
            gvr("stable.example.com", "v2beta1", "crontabs"),
            "CronTab",
            Scope::Namespaced,
        ),
        (
            "CronTab.v2beta1.stable.example.com",
            gvr("stable.example.com", "v2beta1", "crontabs"),
            "CronTab",
            Scope::Namespaced,
        ),
        // Served by two groups: core comes first, the group name selects the other.
        (
            "events",
            gvr("", "v1", "events"),
            "Event",
            Scope::Namespaced,
        ),
        ("ev", gvr("", "v1", "events"), "Event", Scope::Namespaced),
        ("Event", gvr("", "v1", "events"), "Event", Scope::Namespaced),
        (
            "events.events.k8s.io",
            gvr("events.k8s.io", "v1", "events"),
            "Event",
            Scope::Namespaced,
        ),
        (
            "ev.events.k8s.io",
            gvr("events.k8s.io", "v1", "events"),
            "Event",
            Scope::Namespaced,
        ),
        (
            "Event.v1.events.k8s.io",
            gvr("events.k8s.io", "v1", "events"),
            "Event",
            Scope::Namespaced,
        ),
        // Two CRD groups: the one discovery lists first wins, the group name selects either.
        (
            "widgets",
            gvr("a.example.com", "v1", "widgets"),
            "Widget",
            Scope::Cluster,
        ),
        (
            "wd",
            gvr("a.example.com", "v1", "widgets"),
            "Widget",
            Scope::Cluster,
        ),
        (
            "widgets.b.example.com",
            gvr("b.example.com", "v1alpha1", "widgets"),
            "Widget",
            Scope::Namespaced,
        ),
        (
            "wd.b.example.com",
            gvr("b.example.com", "v1alpha1", "widgets"),
            "Widget",
            Scope::Namespaced,
        ),
        (
            "Widget.v1alpha1.b.example.com",
            gvr("b.example.com", "v1alpha1", "widgets"),
            "Widget",
            Scope::Namespaced,
        ),
    ];
    for (arg, resource, kind, scope) in table {
        let mapping = r.mapping_for(arg).unwrap_or_else(|e| panic!("{arg}: {e}"));
        assert_eq!(&mapping.resource, resource, "{arg}");
        assert_eq!(mapping.group_version_kind.kind, *kind, "{arg}");
        assert_eq!(
            mapping.group_version_kind.group_version(),
            resource.group_version(),
            "{arg}"
        );
        assert_eq!(mapping.scope, *scope, "{arg}");
    }
}

#[test]
fn unknown_names_read_like_kubectl() {
    let r = resolver();
    for (arg, name) in [
        ("foo", "foo"),
        ("foos.apps", "foos"),
        ("deployments.v2.apps", "deployments"),
        ("pods/status", "pods/status"),
        ("status", "status"),
        ("scale", "scale"),
        ("podlists", "podlists"),
        ("wd.c.example.com", "wd"),
        ("", ""),
    ] {
        let err = r.mapping_for(arg).unwrap_err();
        assert_eq!(
            err,
            RestMapperError::UnknownResourceType(name.into()),
            "{arg}"
        );
        assert!(err.is_no_match());
    }
    assert_eq!(
        r.mapping_for("foo").unwrap_err().to_string(),
        r#"the server doesn't have a resource type "foo""#
    );
}

#[test]
fn ambiguity_without_priority_is_reported() {
    // A plain union has no priorities: `events` names two resources.
    let mut union = MultiRestMapper::default();
    for g in ["", "events.k8s.io"] {
        let gv = GroupVersion::new(g, "v1");
        let mut m = DefaultRestMapper::new(vec![gv.clone()]);
        m.add(gv.with_kind("Event"), Scope::Namespaced);
        union.push(m);
    }
    let r = ResourceResolver::new(union, CategoryExpander::default());
    let err = r.mapping_for("events").unwrap_err();
    assert!(err.is_ambiguous(), "{err}");
    assert!(err.to_string().contains("matches multiple kinds"), "{err}");
    assert_eq!(
        r.mapping_for("events.events.k8s.io").unwrap().resource,
        gvr("events.k8s.io", "v1", "events")
    );

    assert!(
        r.mapper()
            .resource_for(&gvr("", "", "ev"))
            .unwrap_err()
            .is_no_match()
    );
    assert!(
        r.mapper()
            .resource_for(&gvr("", "", "event"))
            .unwrap_err()
            .is_ambiguous()
    );
    // A group kind names one group, so it is never ambiguous here.
    let err = r.mapper().rest_mapping(&GroupKind::new("", "Event"), &[]);
    assert_eq!(err.unwrap().resource, gvr("", "v1", "events"));
}

#[test]
fn discovery_order_decides_between_groups() {
    let mut groups = fixture();
    let b = groups.pop().unwrap();
    let a = groups.pop().unwrap();
    groups.extend([b, a]);
    let r = ResourceResolver::from_api_group_resources(&groups);
    assert_eq!(
        r.mapping_for("widgets").unwrap().resource.group,
        "b.example.com"
    );
    assert_eq!(r.mapping_for("wd").unwrap().resource.group, "b.example.com");
    assert_eq!(
        r.mapping_for("wd.a.example.com").unwrap().resource.group,
        "a.example.com"
    );
}

#[test]
fn resolving_an_ambiguous_short_name_warns_once_as_kubectl_does() {
    let r = ResourceResolver::from_api_group_resources(&fixture());
    let ev = r#"short name "ev" could also match lower priority resource events.events.k8s.io"#;
    assert_eq!(r.warnings_for("ev"), [ev]);
    assert_eq!(r.warnings_for("ev,cm,ev"), [ev]);
    for unambiguous in [
        "events",
        "event",
        "ev.events.k8s.io",
        "events.v1.events.k8s.io",
        "cm",
    ] {
        assert!(r.warnings_for(unambiguous).is_empty(), "{unambiguous}");
    }
    assert_eq!(r.mapping_for("ev").unwrap().resource.group, "");
}

#[test]
fn shortcut_warnings_name_the_other_resource() {
    let expander = ShortcutExpander::from_api_group_resources(&fixture());
    let (expanded, warnings) = expander.expand_with_warnings(&gvr("", "", "ev"));
    assert_eq!(expanded, gvr("", "", "events"));
    assert_eq!(
        warnings,
        [r#"short name "ev" could also match lower priority resource events.events.k8s.io"#]
    );
    // Several versions of one resource are no ambiguity.
    let (expanded, warnings) = expander.expand_with_warnings(&gvr("", "", "ct"));
    assert_eq!(expanded, gvr("stable.example.com", "", "crontabs"));
    assert!(warnings.is_empty());
    // Full names are never expanded, short names in the wrong group are not either.
    assert_eq!(
        expander.expand(&gvr("", "v1", "pods")),
        gvr("", "v1", "pods")
    );
    assert_eq!(
        expander.expand(&gvr("apps", "", "po")),
        gvr("apps", "", "po")
    );
    // kubectl drops the version of an expanded short name.
    assert_eq!(
        expander.expand(&gvr("apps", "v1beta1", "deploy")),
        gvr("apps", "", "deployments")
    );
    // A group prefix matches as a last resort, keeping the version.
    assert_eq!(
        expander.expand(&gvr("stable", "v2beta1", "ct")),
        gvr("stable.example.com", "v2beta1", "crontabs")
    );
    assert_eq!(
        expander.resource_for(&gvr("", "", "deploy")).unwrap(),
        gvr("apps", "v1", "deployments")
    );
    assert_eq!(expander.kinds_for(&gvr("", "", "deploy")).unwrap().len(), 2);
    assert_eq!(expander.resources_for(&gvr("", "", "cm")).unwrap().len(), 1);
    assert_eq!(
        expander.resource_singularizer("deploy").unwrap(),
        "deployment"
    );
    assert_eq!(
        expander
            .rest_mappings(&GroupKind::new("apps", "Deployment"), &[])
            .unwrap()
            .len(),
        2
    );
}

#[test]
fn discovery_mapper_follows_client_go_priorities() {
    let m = from_api_group_resources(&fixture());
    assert_eq!(
        m.kind_for(&gvr("", "", "Deployment")).unwrap(),
        gvk("apps", "v1", "Deployment")
    );
    assert_eq!(
        m.kinds_for(&gvr("", "", "deployments")).unwrap(),
        vec![
            gvk("apps", "v1", "Deployment"),
            gvk("apps", "v1beta1", "Deployment")
        ]
    );
    assert_eq!(
        m.resource_for(&gvr("apps", "v1beta1", "deployment"))
            .unwrap(),
        gvr("apps", "v1beta1", "deployments")
    );
    assert_eq!(
        m.resource_for(&gvr("", "", "events")).unwrap(),
        gvr("", "v1", "events")
    );
    assert_eq!(m.resources_for(&gvr("", "", "events")).unwrap().len(), 2);

    let gk = GroupKind::new("apps", "Deployment");
    assert_eq!(
        m.rest_mapping(&gk, &[]).unwrap().group_version_kind.version,
        "v1"
    );
    assert_eq!(
        m.rest_mapping(&gk, &["v1beta1"])
            .unwrap()
            .group_version_kind
            .version,
        "v1beta1"
    );
    assert_eq!(
        m.rest_mappings(&gk, &[])
            .unwrap()
            .iter()
            .map(|m| m.resource.version.as_str())
            .collect::<Vec<_>>(),
        ["v1", "v1beta1"]
    );
    // Lower-cased kinds are mapped too.
    let lower = m
        .rest_mapping(&GroupKind::new("apps", "deployment"), &[])
        .unwrap();
    assert_eq!(lower.resource, gvr("apps", "v1", "deployments"));
    assert!(m.rest_mapping(&gk, &["v2"]).unwrap_err().is_no_match());
    assert_eq!(
        m.rest_mapping(&GroupKind::new("", "Namespace"), &[])
            .unwrap()
            .scope,
        Scope::Cluster
    );
    assert_eq!(m.resource_singularizer("configmaps").unwrap(), "configmap");
    assert_eq!(m.resource_singularizer("endpoints").unwrap(), "endpoints");
}

#[test]
fn subresources_are_not_mapped() {
    let m = from_api_group_resources(&fixture());
    for name in [
        "pods/status",
        "pods/log",
        "deployments/scale",
        "status",
        "scale",
        "log",
    ] {
        assert!(
            m.resources_for(&gvr("", "", name))
                .unwrap_err()
                .is_no_match(),
            "{name}"
        );
    }
    // `Scale` only appears as a subresource kind.
    assert!(
        m.rest_mapping(&GroupKind::new("apps", "Scale"), &[])
            .unwrap_err()
            .is_no_match()
    );
}

#[test]
fn missing_singular_names_are_guessed() {
    let mut policy = res("networkpolicies", "NetworkPolicy", true, &[], &[]);
    policy.singular_name.clear();
    let m = from_api_group_resources(&[group("networking.k8s.io", vec![("v1", vec![policy])])]);
    assert_eq!(
        m.resource_for(&gvr("", "", "networkpolicy")).unwrap(),
        gvr("networking.k8s.io", "v1", "networkpolicies")
    );
    assert_eq!(
        m.resource_singularizer("networkpolicies").unwrap(),
        "networkpolicy"
    );
}

#[test]
fn category_expansion_in_discovery_order() {
    let r = resolver();
    let all = r.categories().expand("all").unwrap();
    let names: Vec<String> = all.iter().map(GroupResource::to_string).collect();
    assert_eq!(
        names,
        [
            "pods",
            "services",
            "deployments.apps",
            "crontabs.stable.example.com"
        ]
    );
    assert_eq!(
        r.categories().expand("api-extensions").unwrap(),
        [GroupResource::new(
            "apiextensions.k8s.io",
            "customresourcedefinitions"
        )]
    );
    assert!(r.categories().expand("nope").is_none());
    assert_eq!(
        r.categories().categories().collect::<Vec<_>>(),
        ["all", "api-extensions"]
    );

    assert_eq!(
        r.expand_args("all,cm,,foo"),
        [
            "pods",
            "services",
            "deployments.apps",
            "crontabs.stable.example.com",
            "cm",
            "foo"
        ]
    );
    let mappings = r.mappings_for("all,po,cm").unwrap();
    let resources: Vec<String> = mappings.iter().map(|m| m.resource.to_string()).collect();
    assert_eq!(
        resources,
        [
            "/v1, Resource=pods",
            "/v1, Resource=services",
            "apps/v1, Resource=deployments",
            "stable.example.com/v1, Resource=crontabs",
            "/v1, Resource=configmaps",
        ]
    );
    assert_eq!(
        r.mappings_for("cm,foo").unwrap_err(),
        RestMapperError::UnknownResourceType("foo".into())
    );
    assert!(r.mappings_for(",").unwrap_err().is_no_match());
}

/// A CRD-like group with distinct kinds whose singulars never end in `s`, so no plural of
/// one kind is the singular of another.
fn crd_groups() -> impl Strategy<Value = Vec<(String, Vec<String>)>> {
    let kinds = proptest::collection::btree_set("[A-Z][a-z]{1,8}x", 1..5);
    proptest::collection::btree_map("[a-z]{2,8}\\.example\\.com", kinds, 1..4).prop_map(|m| {
        m.into_iter()
            .map(|(g, ks)| (g, ks.into_iter().collect()))
            .collect()
    })
}

proptest! {
    #[test]
    fn every_kubectl_form_resolves_generated_groups(groups in crd_groups()) {
        let discovery: Vec<ApiGroupResources> = groups
            .iter()
            .map(|(g, kinds)| {
                let resources = kinds
                    .iter()
                    .map(|k| res(&format!("{}s", k.to_lowercase()), k, true, &[], &[]))
                    .collect();
                group(g, vec![("v1", resources)])
            })
            .collect();
        let r = ResourceResolver::from_api_group_resources(&discovery);
        for (g, kinds) in &groups {
            for kind in kinds {
                let plural = format!("{}s", kind.to_lowercase());
                let singular = kind.to_lowercase();
                for arg in [
                    format!("{plural}.{g}"),
                    format!("{singular}.{g}"),
                    format!("{kind}.{g}"),
                    format!("{plural}.v1.{g}"),
                    format!("{kind}.v1.{g}"),
                ] {
                    let mapping = r.mapping_for(&arg);
                    prop_assert!(mapping.is_ok(), "{}: {:?}", arg, mapping);
                    let mapping = mapping.unwrap();
                    prop_assert_eq!(&mapping.resource, &gvr(g, "v1", &plural));
                    prop_assert_eq!(&mapping.group_version_kind, &gvk(g, "v1", kind));
                }
                // Unqualified names resolve to the first group serving them.
                let first = groups.iter().find(|(_, ks)| ks.contains(kind)).map(|(g, _)| g.as_str());
                let mapping = r.mapping_for(&plural).unwrap();
                prop_assert_eq!(Some(mapping.resource.group.as_str()), first);
            }
        }
    }

    #[test]
    fn resolver_never_panics(arg in "\\PC{0,30}") {
        let r = ResourceResolver::builtin_shared();
        if let Err(err) = r.mapping_for(&arg) {
            prop_assert!(err.is_no_match() || err.is_ambiguous(), "{}", err);
        }
        let _ = r.mappings_for(&arg);
    }

    #[test]
    fn default_mapper_finds_what_was_added(kinds in proptest::collection::btree_set("[A-Z][a-z]{1,10}", 1..12)) {
        let gv = GroupVersion::new("example.com", "v1");
        let mut m = DefaultRestMapper::new(vec![gv.clone()]);
        for kind in &kinds {
            m.add(gv.with_kind(kind.clone()), Scope::Namespaced);
        }
        for kind in &kinds {
            let (plural, singular) = unsafe_guess_kind_to_resource(&gv.with_kind(kind.clone()));
            let found = m.resources_for(&GroupVersionResource::gvr("", "", &plural.resource)).unwrap();
            prop_assert!(found.contains(&plural));
            let kinds_found = m.kinds_for(&singular).unwrap();
            prop_assert!(kinds_found.contains(&gv.with_kind(kind.clone())));
            let mapping = m.rest_mapping(&GroupKind::new("example.com", kind.clone()), &[]).unwrap();
            prop_assert_eq!(mapping.resource, plural);
        }
    }
}
