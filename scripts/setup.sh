#!/usr/bin/env bash
# Shared set-up for the two README commands: a virtualenv with the pinned
# dependencies, the host prepared (`kindchaos doctor --fix`), and the
# air-gapped images built (cached: a rerun with nothing changed takes seconds).
# With KINDCHAOS_IMAGE_ARCHIVE naming an archive from `kindchaos images save`
# (a CI cache), missing images are loaded from it before the build.
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
PATH="$(python -c 'from kindchaos.paths import bin_dir; print(bin_dir())'):$PATH"
export PATH
if [ -n "${KINDCHAOS_IMAGE_ARCHIVE:-}" ] && [ -f "$KINDCHAOS_IMAGE_ARCHIVE" ] \
  && ! kindchaos images status >/dev/null; then
  kindchaos images load "$KINDCHAOS_IMAGE_ARCHIVE"
fi
kindchaos images build
