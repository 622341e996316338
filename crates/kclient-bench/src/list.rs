//! List throughput: one full list and a paginated list (limit 500 + continue) of every
//! ConfigMap in the benchmark namespace, decoded into typed objects by each client.

use k8s_openapi::api::core::v1::ConfigMap;
use kclient::core::params::ListOptions;
use kclient::rest::RestClient;
#[cfg(feature = "kube-rs")]
use kube::api::{Api, ListParams};

use crate::data::NAMESPACE;
use crate::error::BenchError;

/// Objects per page in the paginated scenarios (kubectl's `--chunk-size` default).
pub const PAGE_SIZE: u32 = 500;

fn kclient_list(client: &RestClient, options: &ListOptions) -> kclient::rest::Request {
    client
        .get()
        .prefix(["api", "v1"])
        .namespace(NAMESPACE)
        .resource("configmaps")
        .params(options)
}

/// kclient: one unpaginated list; returns how many ConfigMaps were decoded.
pub async fn kclient_full(client: &RestClient) -> Result<usize, BenchError> {
    let list: k8s_openapi::List<ConfigMap> = kclient_list(client, &ListOptions::default())
        .into_json()
        .await?;
    Ok(list.items.len())
}

/// kclient: pages of [`PAGE_SIZE`] following `continue` to the end; returns the total.
pub async fn kclient_paginated(client: &RestClient) -> Result<usize, BenchError> {
    let mut options = ListOptions {
        limit: Some(PAGE_SIZE),
        ..ListOptions::default()
    };
    let mut total = 0;
    loop {
        let page: k8s_openapi::List<ConfigMap> = kclient_list(client, &options).into_json().await?;
        total += page.items.len();
        match page.metadata.continue_ {
            Some(token) if !token.is_empty() => options.continue_token = Some(token),
            _ => return Ok(total),
        }
    }
}

#[cfg(feature = "kube-rs")]
fn kube_api(client: &kube::Client) -> Api<ConfigMap> {
    Api::namespaced(client.clone(), NAMESPACE)
}

/// kube-rs: one unpaginated `Api::list`; returns how many ConfigMaps were decoded.
#[cfg(feature = "kube-rs")]
pub async fn kube_full(client: &kube::Client) -> Result<usize, BenchError> {
    Ok(kube_api(client)
        .list(&ListParams::default())
        .await?
        .items
        .len())
}

/// kube-rs: `Api::list` pages of [`PAGE_SIZE`] following `continue`; returns the total.
#[cfg(feature = "kube-rs")]
pub async fn kube_paginated(client: &kube::Client) -> Result<usize, BenchError> {
    let api = kube_api(client);
    let mut params = ListParams::default().limit(PAGE_SIZE);
    let mut total = 0;
    loop {
        let page = api.list(&params).await?;
        total += page.items.len();
        match page.metadata.continue_ {
            Some(token) if !token.is_empty() => params = params.continue_token(&token),
            _ => return Ok(total),
        }
    }
}

/// Fails unless a client saw exactly the objects the server holds.
pub fn expect_items(client: &str, seen: usize, expected: usize) -> Result<(), BenchError> {
    if seen == expected {
        Ok(())
    } else {
        Err(BenchError::Mismatch(format!(
            "{client} listed {seen} ConfigMaps, the server holds {expected}"
        )))
    }
}
