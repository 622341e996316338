//! HorizontalPodAutoscalers through autoscaling/v1 and autoscaling/v2 over HTTPS: stored
//! as v2 and converted on every write and read as kube-apiserver 1.33 converts them
//! (pkg/apis/autoscaling/v1/conversion.go), on every verb and response format.

mod common;

use common::{Resp, start};
use k8s_openapi::api::autoscaling::{v1 as as1, v2 as as2};
use kclient_protobuf::decode_object;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

const V1: &str = "/apis/autoscaling/v1/namespaces/default/horizontalpodautoscalers";
const V2: &str = "/apis/autoscaling/v2/namespaces/default/horizontalpodautoscalers";
const PB: &str = "application/vnd.kubernetes.protobuf";
const TABLE: &str = "application/json;as=Table;v=v1;g=meta.k8s.io";
const PARTIAL: &str = "application/json;as=PartialObjectMetadata;v=v1;g=meta.k8s.io";
const METRICS: &str = "autoscaling.alpha.kubernetes.io/metrics";
const CURRENT: &str = "autoscaling.alpha.kubernetes.io/current-metrics";
const CONDITIONS: &str = "autoscaling.alpha.kubernetes.io/conditions";
const BEHAVIOR: &str = "autoscaling.alpha.kubernetes.io/behavior";

fn v1_hpa(name: &str, extra: Value) -> Value {
    let mut spec = json!({"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"},
        "maxReplicas": 5});
    if let (Some(spec), Some(extra)) = (spec.as_object_mut(), extra.as_object()) {
        spec.extend(extra.clone());
    }
    json!({"apiVersion": "autoscaling/v1", "kind": "HorizontalPodAutoscaler",
        "metadata": {"name": name}, "spec": spec})
}

fn cpu(utilization: i64) -> Value {
    json!({"type": "Resource", "resource": {"name": "cpu",
        "target": {"type": "Utilization", "averageUtilization": utilization}}})
}

fn memory() -> Value {
    json!({"type": "Resource", "resource": {"name": "memory",
        "target": {"type": "AverageValue", "averageValue": "500Mi"}}})
}

fn v2_rich(name: &str) -> Value {
    json!({"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
        "metadata": {"name": name},
        "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"},
            "minReplicas": 2, "maxReplicas": 10, "metrics": [cpu(60), memory()],
            "behavior": {"scaleDown": {"stabilizationWindowSeconds": 60,
                "policies": [{"type": "Pods", "value": 1, "periodSeconds": 30}]}}}})
}

/// kube's JSON of the behavior above after v2 defaulting, as the v1 annotation holds it.
const RICH_BEHAVIOR: &str = concat!(
    r#"{"ScaleUp":{"StabilizationWindowSeconds":0,"SelectPolicy":"Max","Policies":[{"Type":"Pods","Value":4,"PeriodSeconds":15},{"Type":"Percent","Value":100,"PeriodSeconds":15}],"Tolerance":null},"#,
    r#""ScaleDown":{"StabilizationWindowSeconds":60,"SelectPolicy":"Max","Policies":[{"Type":"Pods","Value":1,"PeriodSeconds":30}],"Tolerance":null}}"#
);

fn proto<T: DeserializeOwned>(r: &Resp) -> T {
    assert_eq!(r.status.as_u16(), 200, "body: {:?}", r.body);
    decode_object(&r.body).unwrap_or_else(|e| panic!("not protobuf ({e}): {:?}", r.body))
}

#[tokio::test]
async fn a_v1_object_is_stored_as_v2_with_the_default_cpu_target() {
    let (_server, api) = start().await;
    let created = api.post(V1, &v1_hpa("web", json!({}))).await.expect(201);
    assert_eq!(created["apiVersion"], "autoscaling/v1");
    assert_eq!(
        created["spec"],
        json!({"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"},
            "minReplicas": 1, "maxReplicas": 5, "targetCPUUtilizationPercentage": 80})
    );
    assert_eq!(
        created["status"],
        json!({"currentReplicas": 0, "desiredReplicas": 0})
    );
    assert!(created["metadata"].get("annotations").is_none());
    let v2 = api.get(&format!("{V2}/web")).await.expect(200);
    assert_eq!(v2["apiVersion"], "autoscaling/v2");
    assert_eq!(
        v2["spec"],
        json!({"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"},
            "minReplicas": 1, "maxReplicas": 5, "metrics": [cpu(80)]})
    );
    assert_eq!(
        v2["status"],
        json!({"currentMetrics": null, "desiredReplicas": 0})
    );
    // The managed fields stay those of the v1 writer.
    assert_eq!(
        v2["metadata"]["managedFields"][0]["apiVersion"],
        "autoscaling/v1"
    );
}

#[tokio::test]
async fn v2_only_fields_travel_in_annotations_and_survive_a_v1_round_trip() {
    let (_server, api) = start().await;
    api.post(V2, &v2_rich("web")).await.expect(201);
    let v1 = api.get(&format!("{V1}/web")).await.expect(200);
    assert_eq!(v1["spec"]["targetCPUUtilizationPercentage"], 60);
    let ann = &v1["metadata"]["annotations"];
    assert_eq!(
        ann[METRICS],
        r#"[{"type":"Resource","resource":{"name":"memory","targetAverageValue":"500Mi"}}]"#
    );
    assert_eq!(ann[BEHAVIOR], RICH_BEHAVIOR);
    let v2_before = api.get(&format!("{V2}/web")).await.expect(200);
    assert!(v2_before["metadata"].get("annotations").is_none());

    // Writing the v1 document back keeps every v2 field (the CPU target moves last, as
    // kube's conversion appends it after the annotation's metrics).
    let updated = api.put(&format!("{V1}/web"), &v1).await.expect(200);
    assert_eq!(
        updated["metadata"]["annotations"],
        v1["metadata"]["annotations"]
    );
    let v2_after = api.get(&format!("{V2}/web")).await.expect(200);
    assert_eq!(v2_after["spec"]["metrics"], json!([memory(), cpu(60)]));
    // The stored spec changed (the metrics' order), so the generation moved.
    assert_eq!(v2_after["metadata"]["generation"], 2);
    assert_eq!(v2_after["spec"]["behavior"], v2_before["spec"]["behavior"]);
    assert_eq!(v2_after["spec"]["minReplicas"], 2);
    assert!(v2_after["metadata"].get("annotations").is_none());

    // A merge patch and a server-side apply through v1 change the CPU target only.
    let patched = api
        .patch(
            &format!("{V1}/web"),
            "application/merge-patch+json",
            r#"{"spec":{"targetCPUUtilizationPercentage":70}}"#,
        )
        .await
        .expect(200);
    assert_eq!(patched["spec"]["targetCPUUtilizationPercentage"], 70);
    let v2 = api.get(&format!("{V2}/web")).await.expect(200);
    assert_eq!(v2["spec"]["metrics"], json!([memory(), cpu(70)]));
    let applied = api
        .patch(
            &format!("{V1}/applied?fieldManager=me"),
            "application/apply-patch+yaml",
            &v1_hpa("applied", json!({"targetCPUUtilizationPercentage": 40})).to_string(),
        )
        .await
        .expect(201);
    assert_eq!(applied["spec"]["targetCPUUtilizationPercentage"], 40);
    let v2 = api.get(&format!("{V2}/applied")).await.expect(200);
    assert_eq!(v2["spec"]["metrics"], json!([cpu(40)]));
}

#[tokio::test]
async fn status_converts_both_ways() {
    let (_server, api) = start().await;
    api.post(V2, &v2_rich("web")).await.expect(201);
    let mut v2 = api.get(&format!("{V2}/web")).await.expect(200);
    v2["status"] = json!({"currentReplicas": 3, "desiredReplicas": 4,
        "currentMetrics": [{"type": "Resource", "resource": {"name": "cpu",
            "current": {"averageUtilization": 70, "averageValue": "350m"}}}],
        "conditions": [{"type": "AbleToScale", "status": "True",
            "lastTransitionTime": "2026-01-01T00:00:00Z", "reason": "ReadyForNewScale"}]});
    api.put(&format!("{V2}/web/status"), &v2).await.expect(200);
    let v1 = api.get(&format!("{V1}/web")).await.expect(200);
    assert_eq!(
        v1["status"],
        json!({"currentReplicas": 3, "desiredReplicas": 4, "currentCPUUtilizationPercentage": 70})
    );
    let ann = &v1["metadata"]["annotations"];
    assert_eq!(
        ann[CURRENT],
        r#"[{"type":"Resource","resource":{"name":"cpu","currentAverageUtilization":70,"currentAverageValue":"350m"}}]"#
    );
    assert_eq!(
        ann[CONDITIONS],
        r#"[{"type":"AbleToScale","status":"True","lastTransitionTime":"2026-01-01T00:00:00Z","reason":"ReadyForNewScale"}]"#
    );

    // A v1 write of the main resource keeps the whole status, whatever annotations it sends.
    let mut bare = v1.clone();
    bare["metadata"]["annotations"] = json!({});
    bare["spec"]["maxReplicas"] = json!(11);
    api.put(&format!("{V1}/web"), &bare).await.expect(200);
    let v2 = api.get(&format!("{V2}/web")).await.expect(200);
    assert_eq!(v2["spec"]["maxReplicas"], 11);
    assert_eq!(v2["status"]["conditions"][0]["type"], "AbleToScale");
    assert_eq!(
        v2["status"]["currentMetrics"][0]["resource"]["current"]["averageValue"],
        "350m"
    );
    // Its spec annotations are the body's: without them the memory metric and behavior go.
    assert_eq!(v2["spec"]["metrics"], json!([cpu(60)]));
    assert!(v2["spec"].get("behavior").is_none());

    // A v1 status write without the annotation reports CPU utilization only.
    let mut plain = api.get(&format!("{V1}/web")).await.expect(200);
    plain["metadata"]["annotations"] = json!({});
    plain["status"] = json!({"currentReplicas": 1, "desiredReplicas": 1,
        "currentCPUUtilizationPercentage": 20});
    api.put(&format!("{V1}/web/status"), &plain)
        .await
        .expect(200);
    let v2 = api.get(&format!("{V2}/web")).await.expect(200);
    assert_eq!(
        v2["status"]["currentMetrics"],
        json!([{"type": "Resource", "resource": {"name": "cpu", "current": {"averageUtilization": 20}}}])
    );
    assert_eq!(v2["status"]["desiredReplicas"], 1);

    let mut negative = v2.clone();
    negative["status"]["desiredReplicas"] = json!(-1);
    let status = api
        .put(&format!("{V2}/web/status"), &negative)
        .await
        .expect(422);
    assert_eq!(
        status["details"]["causes"][0]["field"],
        "status.desiredReplicas"
    );
}

#[tokio::test]
async fn every_read_in_v1_shows_the_conversion() {
    let (_server, api) = start().await;
    let mut watch = api.watch(&format!("{V1}?watch=true")).await;
    api.post(V2, &v2_rich("web")).await.expect(201);
    let ev = watch.next_non_bookmark().await.expect("event");
    assert_eq!(ev["type"], "ADDED");
    assert_eq!(ev["object"]["apiVersion"], "autoscaling/v1");
    assert_eq!(ev["object"]["spec"]["targetCPUUtilizationPercentage"], 60);
    assert_eq!(
        ev["object"]["metadata"]["annotations"][BEHAVIOR],
        RICH_BEHAVIOR
    );

    let list = api.get(V1).await.expect(200);
    assert_eq!(list["kind"], "HorizontalPodAutoscalerList");
    assert_eq!(
        list["items"][0]["spec"]["targetCPUUtilizationPercentage"],
        60
    );
    assert!(list["items"][0]["metadata"]["annotations"][METRICS].is_string());

    let partial = api
        .get_accept(&format!("{V1}/web"), PARTIAL)
        .await
        .expect(200);
    assert_eq!(partial["kind"], "PartialObjectMetadata");
    assert!(partial["metadata"]["annotations"][METRICS].is_string());
    let partial_list = api.get_accept(V1, PARTIAL).await.expect(200);
    assert_eq!(partial_list["kind"], "PartialObjectMetadataList");
    assert!(partial_list["items"][0]["metadata"]["annotations"][METRICS].is_string());
    let partial_v2 = api
        .get_accept(&format!("{V2}/web"), PARTIAL)
        .await
        .expect(200);
    assert!(partial_v2["metadata"].get("annotations").is_none());

    let table = api.get_accept(V1, TABLE).await.expect(200);
    let names: Vec<&str> = table["columnDefinitions"]
        .as_array()
        .expect("columns")
        .iter()
        .filter_map(|c| c["name"].as_str())
        .collect();
    assert_eq!(
        names,
        [
            "Name",
            "Reference",
            "Targets",
            "MinPods",
            "MaxPods",
            "Replicas",
            "Age"
        ]
    );
    assert_eq!(
        table["rows"][0]["cells"].as_array().expect("cells")[..6],
        [
            json!("web"),
            json!("Deployment/web"),
            json!("cpu: <unknown>/60%, memory: <unknown>/500Mi"),
            json!("2"),
            json!(10),
            json!(0)
        ]
    );

    let mut table_watch = api.watch_accept(&format!("{V1}?watch=true"), TABLE).await;
    let ev = table_watch.next_non_bookmark().await.expect("event");
    assert_eq!(
        ev["object"]["rows"][0]["cells"][2],
        "cpu: <unknown>/60%, memory: <unknown>/500Mi"
    );
    assert_eq!(
        ev["object"]["rows"][0]["object"]["metadata"]["annotations"][BEHAVIOR],
        RICH_BEHAVIOR
    );

    let typed: as1::HorizontalPodAutoscaler =
        proto(&api.get_accept(&format!("{V1}/web"), PB).await);
    let spec = typed.spec.expect("spec");
    assert_eq!(spec.target_cpu_utilization_percentage, Some(60));
    assert!(
        typed
            .metadata
            .annotations
            .expect("annotations")
            .contains_key(METRICS)
    );
    let typed: as2::HorizontalPodAutoscaler =
        proto(&api.get_accept(&format!("{V2}/web"), PB).await);
    assert_eq!(typed.spec.expect("spec").metrics.map(|m| m.len()), Some(2));
}

#[tokio::test]
async fn v1_writes_are_validated_as_kube_validates_the_converted_object() {
    let (_server, api) = start().await;
    let status = api
        .post(
            V1,
            &v1_hpa(
                "bad",
                json!({"targetCPUUtilizationPercentage": 0, "minReplicas": 0}),
            ),
        )
        .await
        .expect(422);
    assert_eq!(
        status["message"],
        "HorizontalPodAutoscaler.autoscaling \"bad\" is invalid: [spec.minReplicas: Invalid value: 0: must be greater than or equal to 1, spec.metrics[0].resource.target.averageUtilization: Invalid value: 0: must be greater than 0, spec.metrics: Forbidden: must specify at least one Object or External metric to support scaling to zero replicas]"
    );
    let status = api
        .post(V1, &v1_hpa("bad", json!({"minReplicas": 6})))
        .await
        .expect(422);
    assert_eq!(
        status["details"]["causes"],
        json!([{"reason": "FieldValueInvalid", "field": "spec.maxReplicas",
            "message": "Invalid value: 5: must be greater than or equal to `minReplicas`"}])
    );
}
