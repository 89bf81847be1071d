#!/usr/bin/env bash
# Entry point of bf-local/spark: runs the given command under tini (PID 1 reaps and forwards
# signals; the JVM is its child), like the official apache/spark image does for anything but
# its Kubernetes driver/executor modes, e.g.
#   /opt/spark/bin/spark-class org.apache.spark.deploy.master.Master
#   /opt/spark/bin/spark-class org.apache.spark.deploy.worker.Worker spark://spark-master:7077
set -euo pipefail
case "${1:-}" in
  "")
    echo "usage: <command>, e.g. /opt/spark/bin/spark-class org.apache.spark.deploy.master.Master" >&2
    exit 2 ;;
  driver|executor)
    echo "the Kubernetes '$1' mode of the official image is not supported by bf-local/spark" >&2
    exit 2 ;;
  *)
    exec /usr/bin/tini -s -- "$@" ;;
esac
