#!/bin/sh
# Run before containerd starts. Lowering a process's oom_score_adj needs
# CAP_SYS_RESOURCE; where the host's bounding set lacks it, runc fails every
# pod sandbox with "can't get final child's PID from pipe". Only then, let
# containerd clamp oom_score_adj to its own (as kind does for rootless nodes).
set -eu
bnd=$(awk '/^CapBnd:/ {print $2}' /proc/self/status)
if [ $(( 0x$bnd >> 24 & 1 )) -eq 0 ]; then
  echo "kindchaos: CAP_SYS_RESOURCE is not in the bounding set: restricting oom_score_adj"
  sed -i 's/restrict_oom_score_adj = false/restrict_oom_score_adj = true/' /etc/containerd/config.toml
fi
