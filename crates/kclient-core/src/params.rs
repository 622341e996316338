//! Request options (`metav1.ListOptions`, `GetOptions`, `CreateOptions`, ...) and the exact
//! query parameters kube-apiserver expects for them.
//!
//! Parameters come out in the order client-go sends them (`url.Values.Encode` sorts by key),
//! and empty or default values are left out, as client-go's parameter codec does. `watch=true`
//! is the request layer's business, not an option here.
//!
//! ```
//! use kclient_core::params::{ListOptions, QueryParams};
//!
//! let opts = ListOptions::default().labels("app=web").limit(500);
//! assert_eq!(opts.to_query_string(), "labelSelector=app%3Dweb&limit=500");
//! ```

use serde::{Deserialize, Serialize};

use crate::selector::{FieldSelector, LabelSelector};

/// Options that become URL query parameters.
pub trait QueryParams {
    /// The parameters, in client-go's order, with values unescaped.
    fn query_pairs(&self) -> Vec<(&'static str, String)>;

    /// Appends the parameters to a query being built.
    fn append_query(&self, q: &mut form_urlencoded::Serializer<'_, String>) {
        for (k, v) in self.query_pairs() {
            q.append_pair(k, &v);
        }
    }

    /// The parameters as an `application/x-www-form-urlencoded` query string (no leading `?`).
    fn to_query_string(&self) -> String {
        let mut q = form_urlencoded::Serializer::new(String::new());
        self.append_query(&mut q);
        q.finish()
    }
}

/// Gives each options type inherent `query_pairs`/`append_query` (callers need no trait import)
/// and the [`QueryParams`] impl the request builder takes.
macro_rules! query_params {
    ($ty:ty) => {
        impl $ty {
            /// The query parameters kube-apiserver expects, in client-go's order.
            pub fn query_pairs(&self) -> Vec<(&'static str, String)> {
                self.pairs()
            }

            /// Appends [`Self::query_pairs`] to a query being built.
            pub fn append_query(&self, q: &mut form_urlencoded::Serializer<'_, String>) {
                QueryParams::append_query(self, q)
            }
        }

        impl QueryParams for $ty {
            fn query_pairs(&self) -> Vec<(&'static str, String)> {
                self.pairs()
            }
        }
    };
}

/// How `resourceVersion` is interpreted on list (`resourceVersionMatch`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ResourceVersionMatch {
    /// Data at least as new as the given resourceVersion.
    NotOlderThan,
    /// Data at exactly the given resourceVersion.
    Exact,
}

impl ResourceVersionMatch {
    /// The wire value.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::NotOlderThan => "NotOlderThan",
            Self::Exact => "Exact",
        }
    }
}

/// Dry-run mode; kube-apiserver knows only `All`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum DryRun {
    /// Run every stage of the request but persist nothing.
    All,
}

impl DryRun {
    /// The wire value.
    pub const fn as_str(self) -> &'static str {
        "All"
    }
}

/// How the server treats unknown or duplicate fields in the body (`fieldValidation`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum FieldValidation {
    /// Drop them silently.
    Ignore,
    /// Drop them and return a warning header for each.
    Warn,
    /// Reject the request.
    Strict,
}

impl FieldValidation {
    /// The wire value.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Ignore => "Ignore",
            Self::Warn => "Warn",
            Self::Strict => "Strict",
        }
    }
}

fn push_opt(out: &mut Vec<(&'static str, String)>, key: &'static str, value: Option<&str>) {
    if let Some(v) = value.filter(|v| !v.is_empty()) {
        out.push((key, v.to_owned()));
    }
}

/// `metav1.ListOptions`, also used for watches. Defaults: no selectors, no limit, any
/// resourceVersion semantics left to the server.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ListOptions {
    /// `labelSelector`, e.g. `app=web,tier!=db`.
    pub label_selector: Option<String>,
    /// `fieldSelector`, e.g. `metadata.name=foo`.
    pub field_selector: Option<String>,
    /// `limit`: page size; 0 or `None` means no paging.
    pub limit: Option<u32>,
    /// `continue`: the token from the previous page's `metadata.continue`.
    pub continue_token: Option<String>,
    /// `resourceVersion`: `"0"` allows any cached version, `""`/`None` the latest (quorum read).
    pub resource_version: Option<String>,
    /// `resourceVersionMatch`.
    pub resource_version_match: Option<ResourceVersionMatch>,
    /// `timeoutSeconds`: server-side limit of a list or watch.
    pub timeout_seconds: Option<u32>,
    /// `allowWatchBookmarks` (watch only); sent only when true.
    pub allow_watch_bookmarks: bool,
    /// `sendInitialEvents` (watch-list); sent whenever set, `false` included.
    pub send_initial_events: Option<bool>,
}

impl ListOptions {
    /// Sets the label selector.
    #[must_use]
    pub fn labels(mut self, selector: impl Into<String>) -> Self {
        self.label_selector = Some(selector.into());
        self
    }

    /// Sets the label selector from a parsed selector.
    #[must_use]
    pub fn label_selector(self, selector: &LabelSelector) -> Self {
        self.labels(selector.to_string())
    }

    /// Sets the field selector.
    #[must_use]
    pub fn fields(mut self, selector: impl Into<String>) -> Self {
        self.field_selector = Some(selector.into());
        self
    }

    /// Sets the field selector from a parsed selector.
    #[must_use]
    pub fn field_selector(self, selector: &FieldSelector) -> Self {
        self.fields(selector.to_string())
    }

    /// Sets the page size.
    #[must_use]
    pub fn limit(mut self, limit: u32) -> Self {
        self.limit = Some(limit);
        self
    }

    /// Sets the continue token of the next page.
    #[must_use]
    pub fn continue_token(mut self, token: impl Into<String>) -> Self {
        self.continue_token = Some(token.into());
        self
    }

    /// The options of the page after one that answered with continue `token`: these, with the
    /// token and without resourceVersion and resourceVersionMatch, since the token pins the
    /// snapshot and the server rejects either next to it (client-go's pager).
    #[must_use]
    pub fn next_page(&self, token: impl Into<String>) -> Self {
        Self {
            continue_token: Some(token.into()),
            resource_version: None,
            resource_version_match: None,
            ..self.clone()
        }
    }

    /// Sets the resourceVersion.
    #[must_use]
    pub fn resource_version(mut self, rv: impl Into<String>) -> Self {
        self.resource_version = Some(rv.into());
        self
    }

    /// Sets resourceVersionMatch.
    #[must_use]
    pub fn resource_version_match(mut self, m: ResourceVersionMatch) -> Self {
        self.resource_version_match = Some(m);
        self
    }

    /// Sets the server-side timeout.
    #[must_use]
    pub fn timeout(mut self, seconds: u32) -> Self {
        self.timeout_seconds = Some(seconds);
        self
    }

    /// Asks for bookmark events on a watch.
    #[must_use]
    pub fn bookmarks(mut self, allow: bool) -> Self {
        self.allow_watch_bookmarks = allow;
        self
    }

    /// Sets sendInitialEvents (watch-list streaming).
    #[must_use]
    pub fn send_initial_events(mut self, send: bool) -> Self {
        self.send_initial_events = Some(send);
        self
    }

    fn pairs(&self) -> Vec<(&'static str, String)> {
        let mut out = Vec::new();
        if self.allow_watch_bookmarks {
            out.push(("allowWatchBookmarks", "true".to_owned()));
        }
        push_opt(&mut out, "continue", self.continue_token.as_deref());
        push_opt(&mut out, "fieldSelector", self.field_selector.as_deref());
        push_opt(&mut out, "labelSelector", self.label_selector.as_deref());
        if let Some(limit) = self.limit.filter(|l| *l > 0) {
            out.push(("limit", limit.to_string()));
        }
        push_opt(
            &mut out,
            "resourceVersion",
            self.resource_version.as_deref(),
        );
        push_opt(
            &mut out,
            "resourceVersionMatch",
            self.resource_version_match
                .map(ResourceVersionMatch::as_str),
        );
        if let Some(send) = self.send_initial_events {
            out.push(("sendInitialEvents", send.to_string()));
        }
        if let Some(t) = self.timeout_seconds.filter(|t| *t > 0) {
            out.push(("timeoutSeconds", t.to_string()));
        }
        out
    }
}

query_params!(ListOptions);

/// `metav1.GetOptions`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GetOptions {
    /// `resourceVersion`: `"0"` allows a cached copy; `None` reads the latest.
    pub resource_version: Option<String>,
}

impl GetOptions {
    /// Sets the resourceVersion.
    #[must_use]
    pub fn resource_version(mut self, rv: impl Into<String>) -> Self {
        self.resource_version = Some(rv.into());
        self
    }

    fn pairs(&self) -> Vec<(&'static str, String)> {
        let mut out = Vec::new();
        push_opt(
            &mut out,
            "resourceVersion",
            self.resource_version.as_deref(),
        );
        out
    }
}

query_params!(GetOptions);

/// The write options shared by create, update and patch.
fn write_pairs(
    dry_run: Option<DryRun>,
    field_manager: Option<&str>,
    field_validation: Option<FieldValidation>,
) -> Vec<(&'static str, String)> {
    let mut out = Vec::new();
    push_opt(&mut out, "dryRun", dry_run.map(DryRun::as_str));
    push_opt(&mut out, "fieldManager", field_manager);
    push_opt(
        &mut out,
        "fieldValidation",
        field_validation.map(FieldValidation::as_str),
    );
    out
}

macro_rules! write_options {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Debug, Default, PartialEq, Eq)]
        pub struct $name {
            /// `dryRun=All` when set.
            pub dry_run: Option<DryRun>,
            /// `fieldManager`: the name recorded in managedFields.
            pub field_manager: Option<String>,
            /// `fieldValidation`; the server's default (Warn on current servers) when unset.
            pub field_validation: Option<FieldValidation>,
        }

        impl $name {
            /// Makes the request a dry run.
            #[must_use]
            pub fn dry_run(mut self) -> Self {
                self.dry_run = Some(DryRun::All);
                self
            }

            /// Sets the field manager.
            #[must_use]
            pub fn field_manager(mut self, manager: impl Into<String>) -> Self {
                self.field_manager = Some(manager.into());
                self
            }

            /// Sets the field validation mode.
            #[must_use]
            pub fn field_validation(mut self, mode: FieldValidation) -> Self {
                self.field_validation = Some(mode);
                self
            }

            fn pairs(&self) -> Vec<(&'static str, String)> {
                write_pairs(self.dry_run, self.field_manager.as_deref(), self.field_validation)
            }
        }

        query_params!($name);
    };
}

write_options!(
    /// `metav1.CreateOptions`.
    CreateOptions
);
write_options!(
    /// `metav1.UpdateOptions`.
    UpdateOptions
);

/// `metav1.PatchOptions`. Server-side apply needs a field manager (see [`PatchOptions::apply`]).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PatchOptions {
    /// `dryRun=All` when set.
    pub dry_run: Option<DryRun>,
    /// `fieldManager`: required for apply patches.
    pub field_manager: Option<String>,
    /// `fieldValidation`.
    pub field_validation: Option<FieldValidation>,
    /// `force=true`: take ownership of conflicting fields (apply only); sent only when true.
    pub force: bool,
}

impl PatchOptions {
    /// Options for a server-side apply by `manager`.
    pub fn apply(manager: impl Into<String>) -> Self {
        Self::default().field_manager(manager)
    }

    /// Makes the request a dry run.
    #[must_use]
    pub fn dry_run(mut self) -> Self {
        self.dry_run = Some(DryRun::All);
        self
    }

    /// Sets the field manager.
    #[must_use]
    pub fn field_manager(mut self, manager: impl Into<String>) -> Self {
        self.field_manager = Some(manager.into());
        self
    }

    /// Sets the field validation mode.
    #[must_use]
    pub fn field_validation(mut self, mode: FieldValidation) -> Self {
        self.field_validation = Some(mode);
        self
    }

    /// Forces an apply through conflicts.
    #[must_use]
    pub fn force(mut self) -> Self {
        self.force = true;
        self
    }

    fn pairs(&self) -> Vec<(&'static str, String)> {
        let mut out = write_pairs(
            self.dry_run,
            self.field_manager.as_deref(),
            self.field_validation,
        );
        if self.force {
            out.push(("force", "true".to_owned()));
        }
        out
    }
}

query_params!(PatchOptions);

/// What happens to dependents when an owner is deleted (`propagationPolicy`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum PropagationPolicy {
    /// Leave dependents alone (remove their owner references).
    Orphan,
    /// Delete the owner now, dependents in the background.
    Background,
    /// Delete dependents first; the owner waits with a `foregroundDeletion` finalizer.
    Foreground,
}

/// Conditions the object must still meet for a delete to proceed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Preconditions {
    /// The object's uid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uid: Option<String>,
    /// The object's resourceVersion.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_version: Option<String>,
}

/// `metav1.DeleteOptions`, sent as the JSON request body as client-go does:
/// `{"kind":"DeleteOptions","apiVersion":"v1",...}`.
///
/// kube-apiserver ignores delete query parameters when a body is present, so the body is
/// authoritative; [`DeleteOptions::query_pairs`] repeats only `dryRun` and
/// `gracePeriodSeconds` for servers and proxies that look at the URL.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(into = "DeleteOptionsWire", try_from = "DeleteOptionsWire")]
pub struct DeleteOptions {
    /// Seconds before the object is deleted; 0 deletes immediately.
    pub grace_period_seconds: Option<u32>,
    /// Conditions checked before deleting.
    pub preconditions: Option<Preconditions>,
    /// Garbage-collection policy for dependents; the resource's default when unset.
    pub propagation_policy: Option<PropagationPolicy>,
    /// Dry run.
    pub dry_run: Option<DryRun>,
}

impl DeleteOptions {
    /// Deletes dependents in the background.
    pub fn background() -> Self {
        Self::default().propagation_policy(PropagationPolicy::Background)
    }

    /// Deletes dependents before the owner.
    pub fn foreground() -> Self {
        Self::default().propagation_policy(PropagationPolicy::Foreground)
    }

    /// Orphans dependents.
    pub fn orphan() -> Self {
        Self::default().propagation_policy(PropagationPolicy::Orphan)
    }

    /// Sets the propagation policy.
    #[must_use]
    pub fn propagation_policy(mut self, policy: PropagationPolicy) -> Self {
        self.propagation_policy = Some(policy);
        self
    }

    /// Sets the grace period.
    #[must_use]
    pub fn grace_period(mut self, seconds: u32) -> Self {
        self.grace_period_seconds = Some(seconds);
        self
    }

    /// Sets the preconditions.
    #[must_use]
    pub fn preconditions(mut self, preconditions: Preconditions) -> Self {
        self.preconditions = Some(preconditions);
        self
    }

    /// Makes the request a dry run.
    #[must_use]
    pub fn dry_run(mut self) -> Self {
        self.dry_run = Some(DryRun::All);
        self
    }

    /// The JSON request body.
    pub fn to_body(&self) -> Vec<u8> {
        // Plain strings, numbers and maps: serializing cannot fail.
        serde_json::to_vec(self).unwrap_or_default()
    }

    fn pairs(&self) -> Vec<(&'static str, String)> {
        let mut out = Vec::new();
        push_opt(&mut out, "dryRun", self.dry_run.map(DryRun::as_str));
        if let Some(g) = self.grace_period_seconds {
            out.push(("gracePeriodSeconds", g.to_string()));
        }
        out
    }
}

query_params!(DeleteOptions);

/// The wire shape of [`DeleteOptions`].
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct DeleteOptionsWire {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    kind: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    api_version: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    grace_period_seconds: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    preconditions: Option<Preconditions>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    propagation_policy: Option<PropagationPolicy>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    dry_run: Vec<String>,
}

impl From<DeleteOptions> for DeleteOptionsWire {
    fn from(o: DeleteOptions) -> Self {
        Self {
            kind: Some("DeleteOptions".to_owned()),
            api_version: Some("v1".to_owned()),
            grace_period_seconds: o.grace_period_seconds.map(i64::from),
            preconditions: o.preconditions,
            propagation_policy: o.propagation_policy,
            dry_run: o
                .dry_run
                .map(|d| d.as_str().to_owned())
                .into_iter()
                .collect(),
        }
    }
}

impl TryFrom<DeleteOptionsWire> for DeleteOptions {
    type Error = String;

    fn try_from(w: DeleteOptionsWire) -> Result<Self, Self::Error> {
        if let Some(kind) = w.kind.as_deref().filter(|k| *k != "DeleteOptions") {
            return Err(format!("expected kind DeleteOptions, got {kind:?}"));
        }
        let grace_period_seconds = match w.grace_period_seconds {
            None => None,
            // kube-apiserver treats a negative grace period as "use the default".
            Some(g) if g < 0 => None,
            Some(g) => Some(u32::try_from(g).unwrap_or(u32::MAX)),
        };
        let dry_run = match w.dry_run.as_slice() {
            [] => None,
            values if values.iter().all(|v| v == "All") => Some(DryRun::All),
            values => {
                return Err(format!(
                    "dryRun: Unsupported value: {values:?}: supported values: \"All\""
                ));
            }
        };
        Ok(Self {
            grace_period_seconds,
            preconditions: w.preconditions,
            propagation_policy: w.propagation_policy,
            dry_run,
        })
    }
}

#[cfg(test)]
mod tests;
