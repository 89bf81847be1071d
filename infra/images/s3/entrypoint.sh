#!/bin/sh
# Entry point of bf-local/seaweedfs, written to behave like the official image's docker/entrypoint.sh
# (same source version): FIPS mode on by default; started as root it makes seaweed own /data (only when
# it does not already) and re-executes itself as seaweed; then each subcommand gets the same defaults:
#   master  -> weed -logtostderr=true master -mdir=/data -volumeSizeLimitMB=1024 ...
#   volume  -> weed -logtostderr=true volume -dir=/data [-max=0 unless -max is given] ...
#   server  -> weed -logtostderr=true server -dir=/data [-volume.max=0 unless given] -master.volumeSizeLimitMB=1024 ...
#   mini    -> weed -logtostderr=true mini [-dir=/data unless -dir is given] ...
#   filer   -> weed -logtostderr=true filer ...
#   s3      -> weed -logtostderr=true s3 -domainName=$S3_DOMAIN_NAME -key.file=$S3_KEY_FILE -cert.file=$S3_CERT_FILE ...
#   shell   -> echo ARGS | weed -logtostderr=true shell -cluster=… (SHELL_* variables)
#   volume-rust, worker-rust, vector -> refused: this build has no Rust binaries
#   anything else -> weed ARGS
# S3 credentials: AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY become a static admin identity (weed itself).
export GODEBUG="${GODEBUG:+$GODEBUG,}fips140=on"

if [ "$(id -u)" = "0" ]; then
  uid="$(id -u seaweed)"; gid="$(id -g seaweed)"
  if [ -z "$uid" ] || [ -z "$gid" ]; then
    echo "Error: 'seaweed' user or group not found. Cannot fix permissions." >&2
    exit 1
  fi
  if [ "$(stat -c '%u' /data 2>/dev/null)" != "$uid" ] || [ "$(stat -c '%g' /data 2>/dev/null)" != "$gid" ]; then
    echo "Fixing /data ownership for seaweed user (uid=$uid, gid=$gid)"
    chown -R seaweed:seaweed /data || echo "Warning: Failed to change ownership of /data." >&2
  fi
  exec setpriv --reuid="$uid" --regid="$gid" --init-groups env HOME=/home/seaweed "$0" "$@"
fi

passed() {  # passed FLAG ARGS...: FLAG or -FLAG, bare or with =value, among ARGS
  flag="$1"; shift
  for a in "$@"; do
    case "$a" in "$flag"|"-$flag"|"$flag="*|"-$flag="*) return 0 ;; esac
  done
  return 1
}
no_rust() {
  echo "Error: $1 is not available in this image (no Rust binaries); use the Go subcommand instead." >&2
  exit 1
}

case "$1" in
  master)
    shift; exec /usr/bin/weed -logtostderr=true master -mdir=/data -volumeSizeLimitMB=1024 "$@" ;;
  volume)
    shift
    if passed -max "$@"; then exec /usr/bin/weed -logtostderr=true volume -dir=/data "$@"; fi
    exec /usr/bin/weed -logtostderr=true volume -dir=/data -max=0 "$@" ;;
  server)
    shift
    if passed -volume.max "$@"; then
      exec /usr/bin/weed -logtostderr=true server -dir=/data -master.volumeSizeLimitMB=1024 "$@"
    fi
    exec /usr/bin/weed -logtostderr=true server -dir=/data -volume.max=0 -master.volumeSizeLimitMB=1024 "$@" ;;
  mini)
    shift
    if passed -dir "$@"; then exec /usr/bin/weed -logtostderr=true mini "$@"; fi
    exec /usr/bin/weed -logtostderr=true mini -dir=/data "$@" ;;
  filer)
    shift; exec /usr/bin/weed -logtostderr=true filer "$@" ;;
  s3)
    shift
    exec /usr/bin/weed -logtostderr=true s3 "-domainName=$S3_DOMAIN_NAME" "-key.file=$S3_KEY_FILE" \
      "-cert.file=$S3_CERT_FILE" "$@" ;;
  shell)
    shift
    echo "$@" | exec /usr/bin/weed -logtostderr=true shell "-cluster=$SHELL_CLUSTER" "-filer=$SHELL_FILER" \
      "-filerGroup=$SHELL_FILER_GROUP" "-master=$SHELL_MASTER" "-options=$SHELL_OPTIONS" ;;
  volume-rust) no_rust "the Rust volume server" ;;
  worker-rust) no_rust "the Rust maintenance worker" ;;
  vector) no_rust "the vector engine" ;;
  *)
    exec /usr/bin/weed "$@" ;;
esac
