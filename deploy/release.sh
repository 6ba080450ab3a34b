#!/bin/sh
# Rolls out one kustomize overlay with its migrations first:
#
#   deploy/release.sh k8s/overlays/prod
#
# 1. applies everything except the service Deployments (label conduit.dev/rollout=after-migrations):
#    ConfigMaps, Secrets/ExternalSecrets, NetworkPolicies, Services, NATS, and the release's
#    migration Jobs (<service>-migrate-<VERSION>);
# 2. waits until every migration Job of the release has completed (stops on the first failure,
#    printing its logs);
# 3. applies the whole overlay, which rolls the Deployments to the new images.
#
# Migrations therefore run while the previous release still serves: they must be backward compatible
# (expand now, contract in a later release). Re-running the same release is safe (Jobs are immutable
# and already complete; after their TTL they are recreated and re-apply nothing). A changed render
# under an unchanged VERSION fails in step 1 ("field is immutable"): bump VERSION in release.env.
#
# Env: NAMESPACE (default conduit), MIGRATION_TIMEOUT_SECONDS (default 900), KUBECTL (default kubectl).
set -eu

overlay=${1:?usage: deploy/release.sh <overlay dir, e.g. k8s/overlays/prod>}
namespace=${NAMESPACE:-conduit}
timeout=${MIGRATION_TIMEOUT_SECONDS:-900}
kubectl=${KUBECTL:-kubectl}

rendered=$(mktemp)
applied=$(mktemp)
trap 'rm -f "$rendered" "$applied"' EXIT

$kubectl kustomize "$overlay" > "$rendered"

echo "==> 1/3 config, secrets, policies and migration Jobs"
$kubectl apply -f "$rendered" -l 'conduit.dev/rollout!=after-migrations' -o name | tee "$applied"

echo "==> 2/3 waiting for migrations"
for job in $(grep '^job.batch/' "$applied" || true); do
  deadline=$(( $(date +%s) + timeout ))
  while :; do
    conditions=$($kubectl -n "$namespace" get "$job" -o jsonpath='{range .status.conditions[?(@.status=="True")]}{.type}{" "}{end}')
    case " $conditions " in
      *" Complete "*) echo "$job complete"; break ;;
      *" Failed "*)
        echo "$job failed:" >&2
        $kubectl -n "$namespace" logs "$job" --all-containers --tail=100 >&2 || true
        exit 1 ;;
    esac
    if [ "$(date +%s)" -ge "$deadline" ]; then
      echo "$job did not complete within ${timeout}s" >&2
      exit 1
    fi
    sleep 5
  done
done

echo "==> 3/3 rolling out the services"
$kubectl apply -f "$rendered" -o name | tee "$applied"
for workload in $(grep -E '^(deployment\.apps|statefulset\.apps)/' "$applied" || true); do
  $kubectl -n "$namespace" rollout status "$workload" --timeout=10m
done
