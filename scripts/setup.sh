#!/usr/bin/env bash
# Create .venv and install jqlite with its ML/DL/test extras from this checkout.
# torch is installed first with an exact pin: a looser request would pull a multi-GB CUDA build.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  $PY -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q "torch==2.13.0"
.venv/bin/python -m pip install -q -e ".[ml,dl,test]"
