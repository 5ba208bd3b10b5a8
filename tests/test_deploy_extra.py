"The deploy extra both ways: without it, one clear line (library, CLI) and the lesson's `#| deploy` cells skipped; with it, fttutor-export works."
import os, subprocess, sys
from pathlib import Path
import pytest

ROOT = Path(__file__).resolve().parent.parent

def _without_onnxruntime(tmp_path) -> dict:
    "An environment where `import onnxruntime` fails, as on a machine without the extra"
    (tmp_path/'onnxruntime.py').write_text("raise ImportError('hidden for this test', name='onnxruntime')\n")
    return {**os.environ, 'PYTHONPATH': os.pathsep.join([str(tmp_path), os.environ.get('PYTHONPATH', '')]), 'OMP_NUM_THREADS': '1'}

def test_cli_without_the_extra_names_it(tmp_path):
    r = subprocess.run([sys.executable, '-m', 'fttutor.deploy', str(tmp_path/'learner.pkl')], capture_output=True, text=True,
                       env=_without_onnxruntime(tmp_path), timeout=300)
    assert r.returncode == 2, (r.returncode, r.stderr)
    assert "pip install 'fttutor[deploy]'" in r.stderr and 'onnxruntime' in r.stderr and 'Traceback' not in r.stderr, r.stderr

def test_lesson_skips_its_deploy_cells_without_the_extra(tmp_path):
    r = subprocess.run([sys.executable, str(ROOT/'tools'/'test_lessons.py'), '10_deploy', '--profiles', 'cpu'], capture_output=True,
                       text=True, env=_without_onnxruntime(tmp_path), timeout=900)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "skipping the `#| deploy` cells: the deploy extra is not installed (onnxruntime)" in r.stdout, r.stdout

@pytest.fixture(scope='module')
def exported_learners(tmp_path_factory):
    "A trained and an untrained learner on the bundled digits at 32 px, saved with learn.export()"
    pytest.importorskip('onnxruntime')
    from fttutor.all import lesson_setup, image_dls, transfer_learner, quiet
    d = tmp_path_factory.mktemp('learners')
    p = lesson_setup('cpu')
    for name, steps in (('trained', 3), ('untrained', 0)):
        learn = transfer_learner(image_dls('digits', profile=p, size=32, samples_per_class=5), p.arch, fp16=False)
        if steps:
            with quiet(learn): learn.fit_steps(steps, 1e-2)
        learn.export(d/f'{name}.pkl')
    return d

def _export(*args):
    return subprocess.run([sys.executable, '-m', 'fttutor.deploy', *map(str, args)], capture_output=True, text=True, timeout=600,
                          env={**os.environ, 'OMP_NUM_THREADS': '1'})

def test_cli_exports_and_checks(exported_learners):
    d = exported_learners
    r = _export(d/'trained.pkl', '--out', d/'digits.onnx', '--data', 'digits')
    assert r.returncode == 0, r.stderr
    assert (d/'digits.onnx').is_file() and (d/'digits.int8-dynamic.onnx').is_file() and (d/'digits.int8-static.onnx').is_file()
    assert 'onnx fp32' in r.stdout and 'max_abs_diff' in r.stdout, r.stdout

@pytest.mark.parametrize('args,says', [
    (('untrained.pkl', '--data', 'digits'), 'has not been trained'),
    (('missing.pkl',), 'No learner file'),
    (('not_a_learner.pkl',), 'is not a Learner saved by learn.export()'),
    (('trained.pkl', '--data', 'photos'), "are not the learner's"),
])
def test_cli_bad_input_is_one_line(exported_learners, args, says):
    d = exported_learners
    (d/'not_a_learner.pkl').write_text('hello')
    r = _export(d/args[0], *args[1:], '--no-quantize')
    assert r.returncode == 2, (r.returncode, r.stderr)
    assert says in r.stderr and 'Traceback' not in r.stderr and len(r.stderr.strip().splitlines()) == 1, r.stderr
