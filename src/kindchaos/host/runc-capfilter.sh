#!/bin/sh
# kindchaos OCI runtime wrapper, installed by `kindchaos doctor --fix` only on
# hosts whose capability bounding set lacks capabilities that Docker grants to
# privileged containers. It removes those capabilities from the OCI spec
# (config.json on create/run, the --process file on exec) and calls runc.
set -eu
REAL_RUNC="@REAL_RUNC@"
DROP='@DROP_JSON@'

strip_caps() {
  file="$1"; path="$2"
  [ -f "$file" ] || return 0
  tmp="$file.kindchaos.$$"
  jq --argjson drop "$DROP" \
    "if $path then $path |= with_entries(.value |= map(select(IN(\$drop[]) | not))) else . end" \
    "$file" > "$tmp"
  mv "$tmp" "$file"
}

cmd=""; bundle=""; process=""; prev=""
for arg in "$@"; do
  case "$prev" in
    --bundle|-b) bundle="$arg" ;;
    --process|-p) process="$arg" ;;
  esac
  case "$arg" in
    --bundle=*) bundle="${arg#--bundle=}" ;;
    --process=*) process="${arg#--process=}" ;;
    create|run|exec) [ -z "$cmd" ] && case "$prev" in --root|--log|--log-format|--criu|--rootless) ;; *) cmd="$arg" ;; esac ;;
  esac
  prev="$arg"
done

case "$cmd" in
  create|run) strip_caps "${bundle:-.}/config.json" ".process.capabilities" ;;
  exec) [ -n "$process" ] && strip_caps "$process" ".capabilities" ;;
esac
exec "$REAL_RUNC" "$@"
