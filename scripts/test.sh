#!/usr/bin/env bash
# The whole test suite, as CI runs it: install, static checks, unit tests,
# then the integration tests inside a private network namespace (real Janus,
# real aiortc peers; ICE needs a non-loopback path).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install.sh --test
make check
.venv/bin/pytest tests/unit -q -p no:cacheprovider
npm --prefix frontend test --silent
scripts/netns-run .venv/bin/pytest tests/integration -q -p no:cacheprovider
