#!/usr/bin/env bash
# Install what is needed, then run the whole test suite (extra arguments go to pytest).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/system-deps.sh  # LibreOffice for the contracts' PDFs; never fails
exec .venv/bin/python -m pytest "$@"
