//! The garbage collector, as kube-controller-manager runs it: a graph of owner references
//! kept from every write, and a worker that deletes dependents whose owners are gone
//! (background), deletes the dependents of owners in foreground deletion and removes the
//! `foregroundDeletion` finalizer once no `blockOwnerDeletion` dependent remains, and
//! strips owner references from dependents of orphaning owners before removing `orphan`.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::{Arc, Mutex};

use serde::Deserialize;
use serde_json::Value;
use tokio::sync::mpsc;

use super::propagation::{Cascade, FOREGROUND, ORPHAN, Propagation};
use crate::handlers::{DeleteOptions, delete_object};
use crate::meta;
use crate::registry::Served;
use crate::state::State;
use crate::store::{Change, CommitError, Expect, Obj, object_key};

/// One entry of `metadata.ownerReferences`.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
struct OwnerRef {
    #[serde(default)]
    api_version: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    uid: String,
    #[serde(default)]
    block_owner_deletion: Option<bool>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct OwnersOnly {
    owner_references: Vec<OwnerRef>,
}

/// Where an object lives and whom it names as owners.
#[derive(Clone, Debug)]
struct Node {
    group: String,
    version: String,
    plural: String,
    namespace: String,
    name: String,
    owners: Vec<OwnerRef>,
}

#[derive(Default)]
struct Graph {
    nodes: HashMap<String, Node>,
    /// Owner uid → uids of the objects naming it (the owner itself need not exist).
    dependents: HashMap<String, BTreeSet<String>>,
}

impl Graph {
    fn dependents_of(&self, owner: &str) -> Vec<String> {
        self.dependents
            .get(owner)
            .map(|d| d.iter().cloned().collect())
            .unwrap_or_default()
    }

    fn unlink(&mut self, uid: &str, owners: &[OwnerRef]) {
        for o in owners {
            if let Some(deps) = self.dependents.get_mut(&o.uid) {
                deps.remove(uid);
                if deps.is_empty() {
                    self.dependents.remove(&o.uid);
                }
            }
        }
    }
}

/// The collector's shared half: the graph and the queue the handlers feed.
pub(crate) struct GarbageCollector {
    graph: Mutex<Graph>,
    tx: mpsc::UnboundedSender<String>,
    rx: Mutex<Option<mpsc::UnboundedReceiver<String>>>,
}

impl Default for GarbageCollector {
    fn default() -> Self {
        let (tx, rx) = mpsc::unbounded_channel();
        GarbageCollector {
            graph: Mutex::new(Graph::default()),
            tx,
            rx: Mutex::new(Some(rx)),
        }
    }
}

impl std::fmt::Debug for GarbageCollector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GarbageCollector").finish_non_exhaustive()
    }
}

fn owners_of(obj: &Obj) -> Vec<OwnerRef> {
    obj.metadata_json()
        .ok()
        .and_then(|m| serde_json::from_slice::<OwnersOnly>(m).ok())
        .map(|o| o.owner_references)
        .unwrap_or_default()
}

impl GarbageCollector {
    fn graph(&self) -> std::sync::MutexGuard<'_, Graph> {
        self.graph.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn enqueue(&self, uid: &str) {
        // The receiver lives as long as the server; a send after shutdown is moot.
        let _ = self.tx.send(uid.to_string());
    }

    /// Records a created or updated object and queues what it may affect.
    pub(crate) fn observe_write(&self, served: &Served, obj: &Obj) {
        let Some(uid) = obj.uid() else { return };
        let owners = owners_of(obj);
        let mut touched: Vec<String> = owners.iter().map(|o| o.uid.clone()).collect();
        {
            let mut graph = self.graph();
            if let Some(old) = graph.nodes.get(uid).map(|n| n.owners.clone()) {
                touched.extend(old.iter().map(|o| o.uid.clone()));
                graph.unlink(uid, &old);
            }
            for o in &owners {
                graph
                    .dependents
                    .entry(o.uid.clone())
                    .or_default()
                    .insert(uid.to_string());
            }
            // Objects that neither name owners nor wait for the collector need no node:
            // their dependents are found by uid, and the hot write path stays cheap.
            let collector_finalizer = obj.deletion_timestamp().is_some()
                && obj
                    .finalizers()
                    .iter()
                    .any(|f| f == ORPHAN || f == FOREGROUND);
            if owners.is_empty() && !collector_finalizer {
                graph.nodes.remove(uid);
                drop(graph);
                for owner in touched {
                    self.enqueue(&owner);
                }
                return;
            }
            let info = &served.info;
            graph.nodes.insert(
                uid.to_string(),
                Node {
                    group: info.group.clone(),
                    version: info.version.clone(),
                    plural: info.plural.clone(),
                    namespace: obj.namespace().to_string(),
                    name: obj.name().to_string(),
                    owners,
                },
            );
        }
        self.enqueue(uid);
        for owner in touched {
            self.enqueue(&owner);
        }
    }

    /// Forgets a removed object: its dependents lost an owner, its owners a dependent.
    pub(crate) fn observe_delete(&self, obj: &Obj) {
        let Some(uid) = obj.uid() else { return };
        let (owners, dependents) = {
            let mut graph = self.graph();
            let owners = graph
                .nodes
                .remove(uid)
                .map(|n| n.owners)
                .unwrap_or_default();
            graph.unlink(uid, &owners);
            let dependents = graph.dependents.get(uid).cloned().unwrap_or_default();
            (owners, dependents)
        };
        for d in dependents {
            self.enqueue(&d);
        }
        for o in owners {
            self.enqueue(&o.uid);
        }
    }
}

/// Runs the collector's worker until the server shuts down.
pub(crate) fn start(state: &Arc<State>) {
    let Some(mut rx) = state.gc.rx.lock().unwrap_or_else(|e| e.into_inner()).take() else {
        return;
    };
    let state = state.clone();
    tokio::spawn(async move {
        loop {
            let first = tokio::select! {
                uid = rx.recv() => uid,
                _ = state.shutdown.cancelled() => return,
            };
            let Some(first) = first else { return };
            // A burst of events about one object is handled once.
            let mut batch = vec![first];
            while let Ok(uid) = rx.try_recv() {
                batch.push(uid);
            }
            let mut seen = HashSet::new();
            for uid in batch {
                if seen.insert(uid.clone()) {
                    process(&state, &uid);
                }
            }
            tokio::task::yield_now().await;
        }
    });
}

/// The current stored object of a graph node, when it is still the same object.
fn load(state: &State, uid: &str) -> Option<(Node, Arc<Served>, Arc<Obj>)> {
    let node = state.gc.graph().nodes.get(uid).cloned()?;
    let served = state
        .registry
        .lookup(&node.group, &node.version, &node.plural)?;
    let obj = state
        .store
        .resource(&served.storage)?
        .get(&object_key(&node.namespace, &node.name))?;
    (obj.uid() == Some(uid)).then_some((node, served, obj))
}

fn process(state: &Arc<State>, uid: &str) {
    let Some((node, served, obj)) = load(state, uid) else {
        return;
    };
    if obj.deletion_timestamp().is_some() {
        let finalizers = obj.finalizers();
        if finalizers.iter().any(|f| f == ORPHAN) {
            orphan_dependents(state, uid);
            remove_finalizer(state, &served, &obj, ORPHAN);
        } else if finalizers.iter().any(|f| f == FOREGROUND) {
            delete_dependents(state, uid, &served, &obj);
        }
        return;
    }
    if !node.owners.is_empty() {
        attempt_delete(state, uid, &node, &served, &obj);
    }
}

/// How one owner reference stands.
#[derive(PartialEq, Eq)]
enum OwnerState {
    /// Exists and is not waiting for its dependents.
    Solid,
    /// Absent, or another object under the same name.
    Dangling,
    /// Being deleted in the foreground.
    Waiting,
}

fn owner_state(state: &State, dependent: &Node, owner: &OwnerRef) -> OwnerState {
    let (group, version) = match owner.api_version.split_once('/') {
        Some((g, v)) => (g, v),
        None => ("", owner.api_version.as_str()),
    };
    let resources = state.registry.resources();
    let Some(info) = resources
        .iter()
        .find(|r| r.group == group && r.version == version && r.kind == owner.kind)
    else {
        // An unknown kind cannot be resolved: the dependent is left alone.
        return OwnerState::Solid;
    };
    let namespace = if info.namespaced {
        // A cluster-scoped dependent cannot name a namespaced owner: unresolvable.
        if dependent.namespace.is_empty() {
            return OwnerState::Solid;
        }
        dependent.namespace.as_str()
    } else {
        ""
    };
    let Some(served) = state.registry.lookup(group, version, &info.plural) else {
        return OwnerState::Solid;
    };
    let current = state
        .store
        .resource(&served.storage)
        .and_then(|s| s.get(&object_key(namespace, &owner.name)));
    match current {
        Some(o) if o.uid() == Some(owner.uid.as_str()) => {
            if o.deletion_timestamp().is_some() && o.finalizers().iter().any(|f| f == FOREGROUND) {
                OwnerState::Waiting
            } else {
                OwnerState::Solid
            }
        }
        _ => OwnerState::Dangling,
    }
}

/// kube-controller-manager's `attemptToDeleteItem`.
fn attempt_delete(state: &Arc<State>, uid: &str, node: &Node, served: &Served, obj: &Obj) {
    let mut solid = false;
    let mut gone_or_waiting = Vec::new();
    let mut waiting = false;
    for owner in &node.owners {
        match owner_state(state, node, owner) {
            OwnerState::Solid => solid = true,
            OwnerState::Dangling => gone_or_waiting.push(owner.uid.clone()),
            OwnerState::Waiting => {
                waiting = true;
                gone_or_waiting.push(owner.uid.clone());
            }
        }
    }
    if solid {
        if !gone_or_waiting.is_empty() {
            rewrite(state, served, obj, |value| {
                remove_owner_refs(value, &gone_or_waiting)
            });
        }
        return;
    }
    let has_dependents = state
        .gc
        .graph()
        .dependents
        .get(uid)
        .is_some_and(|d| !d.is_empty());
    let policy = if waiting && has_dependents {
        Propagation::Foreground
    } else if obj.finalizers().iter().any(|f| f == ORPHAN) {
        Propagation::Orphan
    } else if obj.finalizers().iter().any(|f| f == FOREGROUND) {
        Propagation::Foreground
    } else {
        Propagation::Background
    };
    let opts = DeleteOptions {
        uid: Some(uid.to_string()),
        cascade: Cascade {
            policy: Some(policy),
            orphan_dependents: None,
        },
        ..DeleteOptions::default()
    };
    if let Err(e) = delete_object(
        state,
        served,
        &object_key(&node.namespace, &node.name),
        &opts,
    ) {
        tracing::debug!(status = %e.code(), "garbage collector could not delete a dependent");
    }
}

/// Deletes the dependents of an owner in foreground deletion; removes its finalizer once
/// none that blocks it remains.
fn delete_dependents(state: &Arc<State>, uid: &str, served: &Served, owner: &Obj) {
    let dependents = state.gc.graph().dependents_of(uid);
    let mut blocked = false;
    for dep in dependents {
        let Some((node, dep_served, dep_obj)) = load(state, &dep) else {
            continue;
        };
        if dep_obj.deletion_timestamp().is_none() {
            attempt_delete(state, &dep, &node, &dep_served, &dep_obj);
        }
        let blocks = node
            .owners
            .iter()
            .any(|o| o.uid == uid && o.block_owner_deletion == Some(true));
        if blocks && load(state, &dep).is_some() {
            blocked = true;
        }
    }
    if !blocked {
        remove_finalizer(state, served, owner, FOREGROUND);
    }
}

/// Removes the owner's references from every dependent.
fn orphan_dependents(state: &Arc<State>, uid: &str) {
    let dependents = state.gc.graph().dependents_of(uid);
    let owner = [uid.to_string()];
    for dep in dependents {
        if let Some((_, served, obj)) = load(state, &dep) {
            rewrite(state, &served, &obj, |value| {
                remove_owner_refs(value, &owner)
            });
        }
    }
}

fn remove_owner_refs(value: &mut Value, uids: &[String]) -> bool {
    let meta = meta::metadata_mut(value);
    let Some(refs) = meta
        .get_mut("ownerReferences")
        .and_then(Value::as_array_mut)
    else {
        return false;
    };
    let before = refs.len();
    refs.retain(|r| {
        !r.get("uid")
            .and_then(Value::as_str)
            .is_some_and(|u| uids.iter().any(|x| x == u))
    });
    let changed = refs.len() != before;
    if refs.is_empty() {
        meta.remove("ownerReferences");
    }
    changed
}

fn remove_finalizer(state: &Arc<State>, served: &Served, obj: &Obj, finalizer: &str) {
    rewrite(state, served, obj, |value| {
        let meta = meta::metadata_mut(value);
        let Some(list) = meta.get_mut("finalizers").and_then(Value::as_array_mut) else {
            return false;
        };
        let before = list.len();
        list.retain(|f| f.as_str() != Some(finalizer));
        let changed = list.len() != before;
        if list.is_empty() {
            meta.remove("finalizers");
        }
        changed
    });
}

/// Writes a change to the object the collector read (same uid), as its patches do:
/// retried on conflicts, and a deleting object whose last finalizer goes is removed.
fn rewrite(state: &Arc<State>, served: &Served, obj: &Obj, change: impl Fn(&mut Value) -> bool) {
    let store = state.store.ensure(&served.storage);
    let key = object_key(obj.namespace(), obj.name());
    for _ in 0..16 {
        let Some(current) = store.get(&key) else {
            return;
        };
        if current.uid() != obj.uid() {
            return;
        }
        let Ok(mut value) = current.value() else {
            return;
        };
        if !change(&mut value) {
            return;
        }
        let rv = current.resource_version().parse::<u64>().unwrap_or(0);
        let finalized = meta::deletion_timestamp(&value).is_some()
            && meta::finalizers(&value).is_empty()
            && super::may_finalize(served, &value);
        let result = if finalized {
            store.commit(&key, Expect::Rv(rv), Change::Delete)
        } else {
            store.commit(&key, Expect::Rv(rv), Change::Put(value))
        };
        match result {
            Ok(done) if finalized => return super::after_delete(state, served, &done.obj),
            Ok(done) => return super::after_write(state, served, &done.obj),
            Err(CommitError::Stale) => continue,
            Err(_) => return,
        }
    }
}
