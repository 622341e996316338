//! `kc api-resources`: the server's preferred resources, filtered and printed as kubectl does
//! (sorted by group then name; resources without verbs left out).

use std::io::Write;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::{APIResource, APIResourceList};
use kclient::core::GroupVersion;
use kclient::discovery::{Discovery, DiscoveryClient};

use crate::cli::{ApiResourcesArgs, GlobalFlags};
use crate::error::CliError;
use crate::print::TabWriter;

pub async fn run(flags: &GlobalFlags, args: &ApiResourcesArgs) -> Result<(), CliError> {
    let client = kclient::rest::RestClient::new(flags.config()?)?;
    let discovery = DiscoveryClient::new(client);
    let found = discovery
        .server_preferred_resources()
        .await
        .map_err(|e| CliError::Discovery(e.to_string()))?;
    let rows = rows(&found.value, args);
    let mut stdout = std::io::stdout().lock();
    stdout.write_all(render(&rows, args).as_bytes())?;
    stdout.flush()?;
    // Like kubectl: print what discovery found, then fail on the group-versions it could not.
    match found.failed {
        Some(failed) => Err(CliError::Discovery(failed.to_string())),
        None => Ok(()),
    }
}

/// One printed resource.
#[derive(Debug, PartialEq)]
struct Row<'a> {
    group: String,
    group_version: &'a str,
    resource: &'a APIResource,
}

fn rows<'a>(lists: &'a [APIResourceList], args: &ApiResourcesArgs) -> Vec<Row<'a>> {
    let mut rows = Vec::new();
    for list in lists {
        let Ok(gv) = GroupVersion::parse(&list.group_version) else {
            continue;
        };
        for resource in &list.resources {
            let wanted = !resource.verbs.is_empty()
                && args.api_group.as_ref().is_none_or(|g| *g == gv.group)
                && args.namespaced.is_none_or(|n| n == resource.namespaced)
                && args.verbs.iter().all(|v| resource.verbs.contains(v));
            if wanted {
                rows.push(Row {
                    group: gv.group.clone(),
                    group_version: &list.group_version,
                    resource,
                });
            }
        }
    }
    rows.sort_by(|a, b| {
        a.group
            .cmp(&b.group)
            .then_with(|| a.resource.name.cmp(&b.resource.name))
    });
    rows
}

fn render(rows: &[Row<'_>], args: &ApiResourcesArgs) -> String {
    let output = args.output.as_deref();
    if output == Some("name") {
        return rows
            .iter()
            .map(|r| match r.group.as_str() {
                "" => format!("{}\n", r.resource.name),
                group => format!("{}.{group}\n", r.resource.name),
            })
            .collect();
    }
    let wide = output == Some("wide");
    let mut tw = TabWriter::new();
    if !args.no_headers {
        let mut header = vec!["NAME", "SHORTNAMES", "APIVERSION", "NAMESPACED", "KIND"];
        if wide {
            header.extend(["VERBS", "CATEGORIES"]);
        }
        tw.row(header);
    }
    for row in rows {
        let r = row.resource;
        let mut cells = vec![
            r.name.clone(),
            r.short_names.as_deref().unwrap_or_default().join(","),
            row.group_version.to_owned(),
            r.namespaced.to_string(),
            r.kind.clone(),
        ];
        if wide {
            let mut verbs = r.verbs.clone();
            verbs.sort();
            verbs.dedup();
            cells.push(verbs.join(","));
            cells.push(r.categories.as_deref().unwrap_or_default().join(","));
        }
        tw.row(cells);
    }
    tw.render()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resource(name: &str, kind: &str, namespaced: bool, verbs: &[&str]) -> APIResource {
        APIResource {
            name: name.into(),
            kind: kind.into(),
            namespaced,
            verbs: verbs.iter().map(|v| v.to_string()).collect(),
            ..APIResource::default()
        }
    }

    fn lists() -> Vec<APIResourceList> {
        vec![
            APIResourceList {
                group_version: "apps/v1".into(),
                resources: vec![resource(
                    "deployments",
                    "Deployment",
                    true,
                    &["list", "get"],
                )],
            },
            APIResourceList {
                group_version: "v1".into(),
                resources: vec![
                    resource("pods", "Pod", true, &["get", "list"]),
                    resource("bindings", "Binding", true, &["create"]),
                    resource("nodes", "Node", false, &["get"]),
                    resource("hidden", "Hidden", false, &[]),
                ],
            },
        ]
    }

    fn args(output: Option<&str>, namespaced: Option<bool>) -> ApiResourcesArgs {
        ApiResourcesArgs {
            output: output.map(str::to_owned),
            namespaced,
            api_group: None,
            verbs: Vec::new(),
            no_headers: false,
        }
    }

    #[test]
    fn sorted_by_group_then_name_without_verbless_resources() {
        let lists = lists();
        let a = args(Some("name"), None);
        assert_eq!(
            render(&rows(&lists, &a), &a),
            "bindings\nnodes\npods\ndeployments.apps\n"
        );
    }

    #[test]
    fn namespaced_filter_and_wide_columns() {
        let lists = lists();
        let a = args(Some("wide"), Some(false));
        assert_eq!(
            render(&rows(&lists, &a), &a),
            "NAME    SHORTNAMES   APIVERSION   NAMESPACED   KIND   VERBS   CATEGORIES\n\
             nodes                v1           false        Node   get     \n"
        );
    }
}
