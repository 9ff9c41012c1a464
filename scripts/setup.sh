#!/usr/bin/env bash
# Shared set-up for the two README commands: a virtualenv with the pinned
# dependencies, the host prepared (`kindchaos doctor --fix`), and the
# air-gapped images built (cached: a rerun with nothing changed takes seconds).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x .venv/bin/kindchaos ] || [ pyproject.toml -nt .venv/.installed ]; then
  python3 -m venv .venv
  .venv/bin/pip install --quiet --upgrade pip
  .venv/bin/pip install --quiet -e '.[dev]'
  touch .venv/.installed
fi
export PATH="$PWD/.venv/bin:$PATH"
kindchaos doctor --fix
kindchaos images build
