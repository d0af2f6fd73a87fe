#!/usr/bin/env bash
# Push one realistic application through all five stages of a running stack (start it with scripts/up.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/python scripts/demo.py "$@"
