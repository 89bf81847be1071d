#!/bin/sh
# Entry point of bf-local/seaweedfs. Same commands and defaults as the official
# chrislusf/seaweedfs image's entrypoint for the modes this project uses:
#   server ... -> weed -logtostderr=true server -dir=/data -volume.max=0 -master.volumeSizeLimitMB=1024 ...
#   mini ...   -> weed -logtostderr=true mini -dir=/data ...
#   master|volume|filer|s3|shell ... -> weed <mode> ...
# anything else is executed as is. S3 credentials: AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY
# become a static admin identity (a SeaweedFS feature, in both images).
set -e

has_arg() {  # has_arg FLAG ARGS... : is -FLAG or --FLAG (optionally =value) among ARGS?
  flag="$1"; shift
  for a in "$@"; do
    case "$a" in "$flag"|"-$flag"|"$flag="*|"-$flag="*) return 0 ;; esac
  done
  return 1
}

mode="${1:-mini}"
[ $# -gt 0 ] && shift
case "$mode" in
  server)
    if has_arg -volume.max "$@"; then set -- -dir=/data -master.volumeSizeLimitMB=1024 "$@"
    else set -- -dir=/data -volume.max=0 -master.volumeSizeLimitMB=1024 "$@"; fi
    exec /usr/bin/weed -logtostderr=true server "$@" ;;
  mini)
    if has_arg -dir "$@"; then :; else set -- -dir=/data "$@"; fi
    exec /usr/bin/weed -logtostderr=true mini "$@" ;;
  master)
    exec /usr/bin/weed -logtostderr=true master -mdir=/data -volumeSizeLimitMB=1024 "$@" ;;
  volume|filer|s3|shell|version)
    exec /usr/bin/weed -logtostderr=true "$mode" "$@" ;;
  *)
    exec "$mode" "$@" ;;
esac
