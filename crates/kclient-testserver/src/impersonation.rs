//! Impersonation (`Impersonate-User`, `Impersonate-Group`, `Impersonate-Uid`), as
//! kube-apiserver's impersonation filter applies it after authentication: the requester
//! needs the `impersonate` verb on each `users` (or `serviceaccounts`), `groups` and `uids`
//! it asks for, and the request then runs as the impersonated user
//! (`kubectl --as alice --as-group dev`).

use http::HeaderMap;

use crate::authn::{AUTHENTICATED, UNAUTHENTICATED, UserInfo};
use crate::error::ErrorResponse;
use crate::rbac::{Attributes, authorize, forbidden};
use crate::state::State;

const USER: &str = "impersonate-user";
const GROUP: &str = "impersonate-group";
const UID: &str = "impersonate-uid";

fn values<'a>(headers: &'a HeaderMap, name: &str) -> Vec<&'a str> {
    headers
        .get_all(name)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect()
}

fn impersonate(resource: &str, name: &str, namespace: &str) -> Attributes {
    Attributes::Resource {
        verb: "impersonate".into(),
        group: String::new(),
        resource: resource.into(),
        subresource: String::new(),
        name: name.into(),
        namespace: namespace.into(),
    }
}

/// The user a request runs as: `requester`, or whom it may impersonate.
pub(crate) fn apply(
    state: &State,
    headers: &HeaderMap,
    requester: UserInfo,
) -> Result<UserInfo, ErrorResponse> {
    let user = headers.get(USER).and_then(|v| v.to_str().ok());
    let groups = values(headers, GROUP);
    let uid = headers.get(UID).and_then(|v| v.to_str().ok());
    let Some(user) = user else {
        if groups.is_empty() && uid.is_none() {
            return Ok(requester);
        }
        return Err(ErrorResponse::bad_request(format!(
            "requested {} without impersonating a user",
            if uid.is_some() { "uid" } else { "groups" }
        )));
    };
    let mut checks = Vec::new();
    let mut implied = Vec::new();
    match user
        .strip_prefix("system:serviceaccount:")
        .and_then(|rest| rest.split_once(':'))
    {
        Some((ns, name)) => {
            checks.push(impersonate("serviceaccounts", name, ns));
            // A service account's groups are known; they apply unless groups were given.
            if groups.is_empty() {
                implied.push("system:serviceaccounts".to_string());
                implied.push(format!("system:serviceaccounts:{ns}"));
            }
        }
        None => checks.push(impersonate("users", user, "")),
    }
    checks.extend(groups.iter().map(|g| impersonate("groups", g, "")));
    if let Some(uid) = uid {
        checks.push(impersonate("uids", uid, ""));
    }
    for attrs in &checks {
        if !authorize(state, &requester, attrs).allowed {
            return Err(forbidden(&requester, attrs));
        }
    }
    let mut all: Vec<String> = groups.iter().map(|g| g.to_string()).collect();
    for g in implied {
        if !all.contains(&g) {
            all.push(g);
        }
    }
    let anonymous = user == "system:anonymous";
    let has = |g: &str| all.iter().any(|x| x == g);
    if !anonymous && !has(AUTHENTICATED) && !has(UNAUTHENTICATED) {
        all.push(AUTHENTICATED.to_string());
    } else if anonymous && !has(UNAUTHENTICATED) {
        all.push(UNAUTHENTICATED.to_string());
    }
    Ok(UserInfo {
        name: user.to_string(),
        uid: uid.unwrap_or("").to_string(),
        groups: all,
    })
}
