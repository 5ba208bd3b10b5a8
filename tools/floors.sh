#!/usr/bin/env bash
# The declared version floors, tested: a separate virtual environment with exactly the versions in tools/floors.txt (the oldest
# pyproject.toml allows, close to what Colab and Kaggle ship; fastcore 1.x as Kaggle pins it), the machine's torch, and fttutor
# without the [dev] extra (nbdev 3 needs fastcore 2). Then the pytest suite (less the tests of nbdev, JupyterLab and the docs site)
# and one lesson, executed offline. .ci/run calls it; run it yourself after changing a floor.
set -euo pipefail
cd "$(dirname "$0")/.."
venv="${FLOORS_VENV:-.venv-floors}"
start=$(date +%s)
python3 -m venv "$venv"
"$venv/bin/pip" install -q -c tools/floors.txt -e . fastai fastcore timm transformers peft sentence-transformers scikit-learn scikit-image ipywidgets pytest nbclient ipykernel
"$venv/bin/python" - <<'PY'
import importlib.metadata as md, re
want = dict(l.split('==') for l in open('tools/floors.txt').read().splitlines() if l and not l.startswith('#'))
got = {k: md.version(k) for k in want}
print('floors installed:', ', '.join(f'{k} {v}' for k, v in got.items()), '| torch', md.version('torch'))
wrong = {k: (want[k], got[k]) for k in want if want[k] != got[k]}
assert not wrong, f'not the declared floors: {wrong}'
PY
echo "floors environment ready in $(( $(date +%s) - start )) s"
export FTTUTOR_OFFLINE=1 OMP_NUM_THREADS=1 FTTUTOR_HOME="$(mktemp -d /tmp/fttutor-floors-home.XXXXXX)"
"$venv/bin/pytest" -q -p no:cacheprovider tests --ignore tests/test_repo.py --ignore tests/test_site.py --ignore tests/test_jupyterlab.py ${FLOORS_PYTEST_ARGS:-}
"$venv/bin/python" tools/outputs.py run nbs/01_setup.ipynb
echo "floors tested in $(( $(date +%s) - start )) s"
