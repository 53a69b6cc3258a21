#!/usr/bin/env bash
# Create .venv and install jqlite with its ML/DL/JoinQuant-library/test/sweep extras from this checkout.
# torch is installed first with an exact pin: a looser request would pull a multi-GB CUDA build;
# 2.13.0 (CPU, local) exists for Python 3.11 only, so 3.12/3.13 install without the dl extra.
# PYTHON=python3.13 VENV=.venv313 bash scripts/setup.sh  -> another interpreter, another venv
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
VENV=${VENV:-.venv}
if [ ! -x "$VENV/bin/python" ]; then
  $PY -m venv "$VENV"
fi
"$VENV/bin/python" -m pip install -q --upgrade pip
minor=$("$VENV/bin/python" -c 'import sys; print(sys.version_info[1])')
if [ "$minor" = 11 ]; then
  "$VENV/bin/python" -m pip install -q "torch==2.13.0"
  "$VENV/bin/python" -m pip install -q -e ".[ml,dl,jq,test,sweep]"
else
  "$VENV/bin/python" -m pip install -q -e ".[ml,jq,test,sweep]"
fi
