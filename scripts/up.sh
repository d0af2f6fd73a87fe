#!/usr/bin/env bash
# Install what is needed, then start the whole stack and keep it running (Ctrl-C stops it).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/system-deps.sh  # LibreOffice for the contracts' PDFs; never fails
exec .venv/bin/python scripts/stack.py up
