//! Field tables of the protobuf messages [`super`] decodes: numbers and JSON names from
//! Kubernetes' `generated.proto` files.

#[derive(Clone, Copy)]
pub(super) enum Ty {
    Str,
    Int,
    Bool,
    Time,
    /// `intstr.IntOrString{type=1, intVal=2, strVal=3}`.
    IntOrString,
    MapStr,
    /// `map<string, Quantity>` (resource lists).
    MapQuantity,
    MapBytes,
    /// `FieldsV1{raw=1}`: JSON bytes.
    FieldsV1,
    Msg(&'static [F]),
}

#[derive(Clone, Copy)]
pub(super) struct F {
    pub num: u64,
    pub name: &'static str,
    pub ty: Ty,
    pub repeated: bool,
    /// A Go pointer field: a zero value was set on purpose and is kept.
    pub keep_zero: bool,
}

const fn f(num: u64, name: &'static str, ty: Ty) -> F {
    F {
        num,
        name,
        ty,
        repeated: false,
        keep_zero: false,
    }
}

const fn ptr(num: u64, name: &'static str, ty: Ty) -> F {
    F {
        num,
        name,
        ty,
        repeated: false,
        keep_zero: true,
    }
}

const fn list(num: u64, name: &'static str, ty: Ty) -> F {
    F {
        num,
        name,
        ty,
        repeated: true,
        keep_zero: false,
    }
}

const OWNER_REFERENCE: &[F] = &[
    f(1, "kind", Ty::Str),
    f(3, "name", Ty::Str),
    f(4, "uid", Ty::Str),
    f(5, "apiVersion", Ty::Str),
    f(6, "controller", Ty::Bool),
    f(7, "blockOwnerDeletion", Ty::Bool),
];

const MANAGED_FIELDS_ENTRY: &[F] = &[
    f(1, "manager", Ty::Str),
    f(2, "operation", Ty::Str),
    f(3, "apiVersion", Ty::Str),
    f(4, "time", Ty::Time),
    f(6, "fieldsType", Ty::Str),
    f(7, "fieldsV1", Ty::FieldsV1),
    f(8, "subresource", Ty::Str),
];

const OBJECT_META: &[F] = &[
    f(1, "name", Ty::Str),
    f(2, "generateName", Ty::Str),
    f(3, "namespace", Ty::Str),
    f(4, "selfLink", Ty::Str),
    f(5, "uid", Ty::Str),
    f(6, "resourceVersion", Ty::Str),
    f(7, "generation", Ty::Int),
    f(8, "creationTimestamp", Ty::Time),
    f(9, "deletionTimestamp", Ty::Time),
    f(10, "deletionGracePeriodSeconds", Ty::Int),
    f(11, "labels", Ty::MapStr),
    f(12, "annotations", Ty::MapStr),
    list(13, "ownerReferences", Ty::Msg(OWNER_REFERENCE)),
    list(14, "finalizers", Ty::Str),
    list(17, "managedFields", Ty::Msg(MANAGED_FIELDS_ENTRY)),
];

const CONFIG_MAP: &[F] = &[
    f(1, "metadata", Ty::Msg(OBJECT_META)),
    f(2, "data", Ty::MapStr),
    f(3, "binaryData", Ty::MapBytes),
    ptr(4, "immutable", Ty::Bool),
];

const SECRET: &[F] = &[
    f(1, "metadata", Ty::Msg(OBJECT_META)),
    f(2, "data", Ty::MapBytes),
    f(3, "type", Ty::Str),
    f(4, "stringData", Ty::MapStr),
    ptr(5, "immutable", Ty::Bool),
];

const NAMESPACE: &[F] = &[
    f(1, "metadata", Ty::Msg(OBJECT_META)),
    f(2, "spec", Ty::Msg(&[list(1, "finalizers", Ty::Str)])),
    f(3, "status", Ty::Msg(&[f(1, "phase", Ty::Str)])),
];

const OBJECT_REFERENCE: &[F] = &[
    f(1, "kind", Ty::Str),
    f(2, "namespace", Ty::Str),
    f(3, "name", Ty::Str),
    f(4, "uid", Ty::Str),
    f(5, "apiVersion", Ty::Str),
    f(6, "resourceVersion", Ty::Str),
    f(7, "fieldPath", Ty::Str),
];

const SERVICE_ACCOUNT: &[F] = &[
    f(1, "metadata", Ty::Msg(OBJECT_META)),
    list(2, "secrets", Ty::Msg(OBJECT_REFERENCE)),
    list(3, "imagePullSecrets", Ty::Msg(&[f(1, "name", Ty::Str)])),
    ptr(4, "automountServiceAccountToken", Ty::Bool),
];

const RESOURCE_ATTRIBUTES: &[F] = &[
    f(1, "namespace", Ty::Str),
    f(2, "verb", Ty::Str),
    f(3, "group", Ty::Str),
    f(4, "version", Ty::Str),
    f(5, "resource", Ty::Str),
    f(6, "subresource", Ty::Str),
    f(7, "name", Ty::Str),
];

const SELF_SUBJECT_ACCESS_REVIEW: &[F] = &[
    f(1, "metadata", Ty::Msg(OBJECT_META)),
    f(
        2,
        "spec",
        Ty::Msg(&[
            f(1, "resourceAttributes", Ty::Msg(RESOURCE_ATTRIBUTES)),
            f(
                2,
                "nonResourceAttributes",
                Ty::Msg(&[f(1, "path", Ty::Str), f(2, "verb", Ty::Str)]),
            ),
        ]),
    ),
];

const SELF_SUBJECT_RULES_REVIEW: &[F] = &[
    f(1, "metadata", Ty::Msg(OBJECT_META)),
    f(2, "spec", Ty::Msg(&[f(1, "namespace", Ty::Str)])),
];

const SELF_SUBJECT_REVIEW: &[F] = &[f(1, "metadata", Ty::Msg(OBJECT_META))];

const TOKEN_REQUEST: &[F] = &[
    f(1, "metadata", Ty::Msg(OBJECT_META)),
    f(
        2,
        "spec",
        Ty::Msg(&[
            list(1, "audiences", Ty::Str),
            f(
                3,
                "boundObjectRef",
                Ty::Msg(&[
                    f(1, "kind", Ty::Str),
                    f(2, "apiVersion", Ty::Str),
                    f(3, "name", Ty::Str),
                    f(4, "uid", Ty::Str),
                ]),
            ),
            f(4, "expirationSeconds", Ty::Int),
        ]),
    ),
];

const DELETE_OPTIONS: &[F] = &[
    f(1, "gracePeriodSeconds", Ty::Int),
    f(
        2,
        "preconditions",
        Ty::Msg(&[f(1, "uid", Ty::Str), f(2, "resourceVersion", Ty::Str)]),
    ),
    f(3, "orphanDependents", Ty::Bool),
    f(4, "propagationPolicy", Ty::Str),
    list(5, "dryRun", Ty::Str),
];

const EVICTION: &[F] = &[
    f(1, "metadata", Ty::Msg(OBJECT_META)),
    f(2, "deleteOptions", Ty::Msg(DELETE_OPTIONS)),
];

const LABEL_SELECTOR: &[F] = &[
    f(1, "matchLabels", Ty::MapStr),
    list(
        2,
        "matchExpressions",
        Ty::Msg(&[
            f(1, "key", Ty::Str),
            f(2, "operator", Ty::Str),
            list(3, "values", Ty::Str),
        ]),
    ),
];

const CONTAINER: &[F] = &[
    f(1, "name", Ty::Str),
    f(2, "image", Ty::Str),
    list(3, "command", Ty::Str),
    list(4, "args", Ty::Str),
    f(5, "workingDir", Ty::Str),
    list(
        6,
        "ports",
        Ty::Msg(&[
            f(1, "name", Ty::Str),
            f(2, "hostPort", Ty::Int),
            f(3, "containerPort", Ty::Int),
            f(4, "protocol", Ty::Str),
            f(5, "hostIP", Ty::Str),
        ]),
    ),
    list(
        7,
        "env",
        Ty::Msg(&[f(1, "name", Ty::Str), f(2, "value", Ty::Str)]),
    ),
    f(
        8,
        "resources",
        Ty::Msg(&[
            f(1, "limits", Ty::MapQuantity),
            f(2, "requests", Ty::MapQuantity),
        ]),
    ),
    f(13, "terminationMessagePath", Ty::Str),
    f(14, "imagePullPolicy", Ty::Str),
    f(16, "stdin", Ty::Bool),
    f(17, "stdinOnce", Ty::Bool),
    f(18, "tty", Ty::Bool),
    f(20, "terminationMessagePolicy", Ty::Str),
];

const POD_SPEC: &[F] = &[
    list(2, "containers", Ty::Msg(CONTAINER)),
    f(3, "restartPolicy", Ty::Str),
    ptr(4, "terminationGracePeriodSeconds", Ty::Int),
    ptr(5, "activeDeadlineSeconds", Ty::Int),
    f(6, "dnsPolicy", Ty::Str),
    f(7, "nodeSelector", Ty::MapStr),
    f(8, "serviceAccountName", Ty::Str),
    f(10, "nodeName", Ty::Str),
    f(11, "hostNetwork", Ty::Bool),
    f(16, "hostname", Ty::Str),
    f(17, "subdomain", Ty::Str),
    f(19, "schedulerName", Ty::Str),
    list(20, "initContainers", Ty::Msg(CONTAINER)),
    f(24, "priorityClassName", Ty::Str),
];

const POD_TEMPLATE_SPEC: &[F] = &[
    f(1, "metadata", Ty::Msg(OBJECT_META)),
    f(2, "spec", Ty::Msg(POD_SPEC)),
];

const POD: &[F] = &[
    f(1, "metadata", Ty::Msg(OBJECT_META)),
    f(2, "spec", Ty::Msg(POD_SPEC)),
];

const DEPLOYMENT: &[F] = &[
    f(1, "metadata", Ty::Msg(OBJECT_META)),
    f(
        2,
        "spec",
        Ty::Msg(&[
            ptr(1, "replicas", Ty::Int),
            f(2, "selector", Ty::Msg(LABEL_SELECTOR)),
            f(3, "template", Ty::Msg(POD_TEMPLATE_SPEC)),
            f(4, "strategy", Ty::Msg(&[f(1, "type", Ty::Str)])),
            f(5, "minReadySeconds", Ty::Int),
            ptr(6, "revisionHistoryLimit", Ty::Int),
            f(7, "paused", Ty::Bool),
            ptr(9, "progressDeadlineSeconds", Ty::Int),
        ]),
    ),
];

const JOB_SPEC: &[F] = &[
    ptr(1, "parallelism", Ty::Int),
    ptr(2, "completions", Ty::Int),
    ptr(3, "activeDeadlineSeconds", Ty::Int),
    f(4, "selector", Ty::Msg(LABEL_SELECTOR)),
    ptr(5, "manualSelector", Ty::Bool),
    f(6, "template", Ty::Msg(POD_TEMPLATE_SPEC)),
    ptr(7, "backoffLimit", Ty::Int),
    ptr(8, "ttlSecondsAfterFinished", Ty::Int),
    f(9, "completionMode", Ty::Str),
    ptr(10, "suspend", Ty::Bool),
];

const JOB: &[F] = &[
    f(1, "metadata", Ty::Msg(OBJECT_META)),
    f(2, "spec", Ty::Msg(JOB_SPEC)),
];

const CRON_JOB: &[F] = &[
    f(1, "metadata", Ty::Msg(OBJECT_META)),
    f(
        2,
        "spec",
        Ty::Msg(&[
            f(1, "schedule", Ty::Str),
            ptr(2, "startingDeadlineSeconds", Ty::Int),
            f(3, "concurrencyPolicy", Ty::Str),
            ptr(4, "suspend", Ty::Bool),
            f(
                5,
                "jobTemplate",
                Ty::Msg(&[
                    f(1, "metadata", Ty::Msg(OBJECT_META)),
                    f(2, "spec", Ty::Msg(JOB_SPEC)),
                ]),
            ),
            ptr(6, "successfulJobsHistoryLimit", Ty::Int),
            ptr(7, "failedJobsHistoryLimit", Ty::Int),
            f(8, "timeZone", Ty::Str),
        ]),
    ),
];

const SERVICE: &[F] = &[
    f(1, "metadata", Ty::Msg(OBJECT_META)),
    f(
        2,
        "spec",
        Ty::Msg(&[
            list(
                1,
                "ports",
                Ty::Msg(&[
                    f(1, "name", Ty::Str),
                    f(2, "protocol", Ty::Str),
                    f(3, "port", Ty::Int),
                    f(4, "targetPort", Ty::IntOrString),
                    f(5, "nodePort", Ty::Int),
                    f(6, "appProtocol", Ty::Str),
                ]),
            ),
            f(2, "selector", Ty::MapStr),
            f(3, "clusterIP", Ty::Str),
            f(4, "type", Ty::Str),
            list(5, "externalIPs", Ty::Str),
            f(7, "sessionAffinity", Ty::Str),
            f(10, "externalName", Ty::Str),
        ]),
    ),
];

/// The message schema of a kind, if this server decodes it.
pub(super) fn schema(api_version: &str, kind: &str) -> Option<&'static [F]> {
    Some(match (api_version, kind) {
        ("v1", "ConfigMap") => CONFIG_MAP,
        ("v1", "Secret") => SECRET,
        ("v1", "Namespace") => NAMESPACE,
        ("v1", "ServiceAccount") => SERVICE_ACCOUNT,
        ("v1", "Pod") => POD,
        ("v1", "Service") => SERVICE,
        ("apps/v1", "Deployment") => DEPLOYMENT,
        ("batch/v1", "Job") => JOB,
        ("batch/v1", "CronJob") => CRON_JOB,
        ("authorization.k8s.io/v1", "SelfSubjectAccessReview") => SELF_SUBJECT_ACCESS_REVIEW,
        ("authorization.k8s.io/v1", "SelfSubjectRulesReview") => SELF_SUBJECT_RULES_REVIEW,
        ("authentication.k8s.io/v1", "SelfSubjectReview") => SELF_SUBJECT_REVIEW,
        ("authentication.k8s.io/v1", "TokenRequest") => TOKEN_REQUEST,
        ("policy/v1", "Eviction") => EVICTION,
        (_, "DeleteOptions") => DELETE_OPTIONS,
        _ => return None,
    })
}
