#!/usr/bin/env bash
# The whole test suite, as CI runs it: install, static checks, unit tests
# (Python and web client), then the integration tests and the browser journeys
# inside a private network namespace (real Janus, aiortc peers, Chromium; ICE
# needs a non-loopback path).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install.sh --test
make check
.venv/bin/pytest tests/unit -q -p no:cacheprovider
npm --prefix frontend test --silent
scripts/netns-run .venv/bin/pytest tests/integration -q -p no:cacheprovider
# Browser journeys: real Chromium, the built client, visio serve and Janus.
scripts/netns-run npm --prefix tests/e2e test
