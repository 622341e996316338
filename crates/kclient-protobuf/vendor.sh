#!/bin/sh
# Refreshes vendor/: Kubernetes' protobuf definitions (`generated.proto`) and the Go API sources
# next to them (`types*.go`, `register.go`), which build.rs reads for what the .proto files do not
# say: JSON names, `omitempty`, pointer fields, inlined structs, named slices and group names.
#
#   TAG=v0.33.9 API=<k8s.io/api clone> APIMACHINERY=<k8s.io/apimachinery clone> \
#   APIEXTENSIONS=<k8s.io/apiextensions-apiserver clone> AGGREGATOR=<k8s.io/kube-aggregator clone> \
#   sh vendor.sh
#
# The group-versions are the ones k8s-openapi's `v1_33` feature has.
set -eu
: "${TAG:=v0.33.9}" "${API:?}" "${APIMACHINERY:?}" "${APIEXTENSIONS:?}" "${AGGREGATOR:?}"
out="$(dirname "$0")/vendor"
# Keep the README, replace the rest.
find "$out" -mindepth 1 -maxdepth 1 ! -name README.md -exec rm -rf {} +

# copy REPO IMPORT_PATH DIR: generated.proto plus the Go sources of one package.
copy() {
    dest="$out/$2/$3"
    mkdir -p "$dest"
    for f in $(git -C "$1" ls-tree --name-only "$TAG" "$3/"); do
        case "${f##*/}" in
            generated.proto)
                git -C "$1" show "$TAG:$f" >"$dest/generated.proto"
                continue
                ;;
            *_test.go | *_generated.go | zz_generated* | generated.pb.go) continue ;;
            *.go) ;;
            *) continue ;;
        esac
        # Only the Go files that declare protobuf-tagged fields, named slices or the group name.
        if git -C "$1" show "$TAG:$f" | grep -q 'protobuf:"\|GroupName = \|^type [A-Za-z]* \[\]'; then
            git -C "$1" show "$TAG:$f" >"$dest/${f##*/}"
        fi
    done
}

for gv in admissionregistration/v1 admissionregistration/v1alpha1 admissionregistration/v1beta1 \
    apiserverinternal/v1alpha1 apps/v1 authentication/v1 authorization/v1 autoscaling/v1 \
    autoscaling/v2 batch/v1 certificates/v1 certificates/v1alpha1 certificates/v1beta1 \
    coordination/v1 coordination/v1alpha2 coordination/v1beta1 core/v1 discovery/v1 events/v1 \
    flowcontrol/v1 networking/v1 networking/v1beta1 node/v1 policy/v1 rbac/v1 resource/v1alpha3 \
    resource/v1beta1 resource/v1beta2 scheduling/v1 storage/v1 storage/v1alpha1 storage/v1beta1 \
    storagemigration/v1alpha1; do
    copy "$API" k8s.io/api "$gv"
done
for p in pkg/api/resource pkg/apis/meta/v1 pkg/apis/meta/v1beta1 pkg/runtime pkg/runtime/schema \
    pkg/util/intstr; do
    copy "$APIMACHINERY" k8s.io/apimachinery "$p"
done
copy "$APIEXTENSIONS" k8s.io/apiextensions-apiserver pkg/apis/apiextensions/v1
copy "$AGGREGATOR" k8s.io/kube-aggregator pkg/apis/apiregistration/v1
echo "$TAG" >"$out/TAG"
