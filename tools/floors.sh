#!/usr/bin/env bash
# The declared version floors, tested: a separate virtual environment with exactly the versions in tools/floors.txt (the oldest
# pyproject.toml allows, close to what Colab and Kaggle ship; fastcore 1.x as Kaggle pins it), the machine's torch, and fttutor
# without the [dev] extra (nbdev 3 needs fastcore 2). Then the tests that exercise those libraries, and one lesson, executed offline.
# .ci/run calls it; run it yourself after changing a floor.
set -euo pipefail
cd "$(dirname "$0")/.."
venv="${FLOORS_VENV:-.venv-floors}"
start=$(date +%s)
rm -rf "$venv"
python3 -m venv "$venv"
# "The machine's torch": with the project's .venv present (CI has just built it), the floors environment sees its packages after its
# own, through a .pth file, so torch and the other heavy wheels are not installed twice; every package below is installed into the
# floors environment at its floor and shadows the newer copy. FLOORS_FRESH=1 installs everything afresh instead (4 more minutes).
if [ -z "${FLOORS_FRESH:-}" ] && [ -x .venv/bin/python ]; then
  .venv/bin/python -c "import sysconfig; print(sysconfig.get_paths()['purelib'])" > "$("$venv/bin/python" -c "import sysconfig; print(sysconfig.get_paths()['purelib'])")/machine_packages.pth"
fi
"$venv/bin/pip" install -q -c tools/floors.txt -e . fastai fastcore timm transformers kernels peft sentence-transformers scikit-learn scikit-image ipywidgets pytest pytest-xdist nbclient ipykernel
"$venv/bin/python" - <<'PY'
import importlib.metadata as md, re
import importlib, sys
want = dict(l.split('==') for l in open('tools/floors.txt').read().splitlines() if l and not l.startswith('#'))
got = {k: md.version(k) for k in want}
mods = dict(fastai='fastai', fastcore='fastcore', timm='timm', transformers='transformers', peft='peft')
for dist, mod in mods.items():   # what Python imports is the floor, not a newer copy further down the path
    assert importlib.import_module(mod).__version__ == want[dist], (mod, importlib.import_module(mod).__file__)
print('floors installed:', ', '.join(f'{k} {v}' for k, v in got.items()), '| torch', md.version('torch'))
wrong = {k: (want[k], got[k]) for k in want if want[k] != got[k]}
assert not wrong, f'not the declared floors: {wrong}'
PY
echo "(pip's conflicts above name packages of .venv that the floors shadow, such as nbdev, which needs fastcore 2: expected)"
echo "floors environment ready in $(( $(date +%s) - start )) s"
export FTTUTOR_OFFLINE=1 OMP_NUM_THREADS=1 FTTUTOR_HOME="$(mktemp -d /tmp/fttutor-floors-home.XXXXXX)"
# The tests that exercise what the floors provide (fastai's Learner and distrib_ctx, timm, transformers, peft, sentence-transformers,
# scikit-learn, fastcore's CLI parser), and the main job's path once; FLOORS_TESTS=tests runs the whole suite (less nbdev, JupyterLab
# and the docs site), about 6 minutes more.
c=tests/test_compare_cli.py
tests=(tests/test_bad_input.py tests/test_bert_shape.py tests/test_cli.py tests/test_install_cell.py tests/test_hardening_3.py::test_2_adapters_without_weights_are_an_error_not_a_download tests/test_hardening_3.py::test_19_load_lora_errors
       tests/test_features_cache.py tests/test_distrib.py::test_two_processes_train $c::test_missing_path $c::test_one_class
       $c::test_unknown_strategy $c::test_input_errors_are_refused_before_training $c::test_out_is_a_file $c::test_class_only_in_valid
       $c::test_seeds_write_a_row_per_strategy_and_seed_and_a_summary)
if [ -n "${FLOORS_TESTS:-}" ]; then read -r -a tests <<< "$FLOORS_TESTS"; fi
"$venv/bin/python" -m pytest -q -n 2 -p no:cacheprovider "${tests[@]}" --ignore tests/test_repo.py --ignore tests/test_site.py --ignore tests/test_jupyterlab.py
"$venv/bin/python" tools/outputs.py run nbs/01_setup.ipynb
echo "floors tested in $(( $(date +%s) - start )) s"
