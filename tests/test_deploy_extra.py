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
    assert "pip install 'fttutor[deploy] @ " in r.stderr and 'onnxruntime' in r.stderr and 'Traceback' not in r.stderr, r.stderr

def test_lesson_skips_its_deploy_cells_without_the_extra(tmp_path):
    r = subprocess.run([sys.executable, str(ROOT/'tools'/'test_lessons.py'), '10_deploy', '--profiles', 'cpu'], capture_output=True,
                       text=True, env=_without_onnxruntime(tmp_path), timeout=900)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "skipping the `#| deploy` cells: the deploy extra is not installed (onnxruntime)" in r.stdout, r.stdout

@pytest.fixture(scope='module')
def exported_learners(tmp_path_factory):
    "Learners on the bundled digits at 32 px: trained (a folder from save_for_export, and a pickle), untrained (a pickle), and a LoRA one"
    pytest.importorskip('onnxruntime')
    from fttutor.all import lesson_setup, image_dls, transfer_learner, quiet
    from fttutor.deploy import save_for_export
    d = tmp_path_factory.mktemp('learners')
    p = lesson_setup('cpu')
    for name, steps in (('trained', 3), ('untrained', 0)):
        learn = transfer_learner(image_dls('digits', profile=p, size=32, samples_per_class=5), p.arch, fp16=False)
        if steps:
            with quiet(learn): learn.fit_steps(steps, 1e-2)
            save_for_export(learn, d/name, p.arch)
        learn.export(d/f'{name}.pkl')
    lora = transfer_learner(image_dls('digits', profile=p, size=32, samples_per_class=5), p.arch, fp16=False)
    with quiet(lora): lora.lora_steps(3, 1e-2)
    save_for_export(lora, d/'lora', p.arch)
    return d

def _export(*args):
    return subprocess.run([sys.executable, '-m', 'fttutor.deploy', *map(str, args)], capture_output=True, text=True, timeout=600,
                          env={**os.environ, 'OMP_NUM_THREADS': '1'})

def test_cli_exports_and_checks(exported_learners):
    d = exported_learners
    assert sorted(f.name for f in (d/'trained').iterdir()) == ['model.json', 'model.safetensors']   # no pickle, no code
    r = _export(d/'trained', '--out', d/'digits.onnx', '--data', 'digits')
    assert r.returncode == 0, r.stderr
    assert (d/'digits.onnx').is_file() and (d/'digits.int8-dynamic.onnx').is_file() and (d/'digits.int8-static.onnx').is_file()
    assert 'onnx fp32' in r.stdout and 'max_abs_diff' in r.stdout, r.stdout

def test_cli_exports_a_merged_lora_model(exported_learners):
    d = exported_learners
    r = _export(d/'lora', '--out', d/'lora.onnx', '--data', 'digits', '--no-quantize')
    assert r.returncode == 0, r.stderr
    fp32 = [l for l in r.stdout.splitlines() if l.startswith('onnx fp32')][0]
    assert float(fp32.split()[-1]) < 1e-4 or 'e-0' in fp32, r.stdout   # onnxruntime agrees with PyTorch

def test_cli_exports_a_trusted_pickle(exported_learners):
    d = exported_learners
    r = _export(d/'trained.pkl', '--trust-pickle', '--out', d/'pickled.onnx', '--data', 'digits', '--no-quantize')
    assert r.returncode == 0, r.stderr

class _Planted:
    "Unpickling this creates the file `marker`: the payload of a planted learner file"
    def __init__(self, marker): self.marker = marker
    def __reduce__(self): return (Path.touch, (Path(self.marker),))

def test_a_planted_learner_file_runs_no_code(exported_learners, tmp_path):
    "Issue 32, item 1: a learner file with code in it; without --trust-pickle nothing is unpickled"
    import pickle
    marker = tmp_path/'code-ran'
    (tmp_path/'planted.pkl').write_bytes(pickle.dumps(_Planted(marker)))
    r = _export(tmp_path/'planted.pkl', '--data', 'digits', '--no-quantize')
    assert r.returncode == 2 and 'is a pickled Learner' in r.stderr and '--trust-pickle' in r.stderr, r.stderr
    assert not marker.exists(), 'the learner file ran code'

@pytest.mark.parametrize('args,says', [
    (('untrained.pkl', '--trust-pickle', '--data', 'digits'), 'has not been trained'),
    (('missing.pkl',), 'No learner file'),
    (('not_a_learner.pkl', '--trust-pickle'), 'is not a Learner saved by learn.export()'),
    (('trained', '--data', 'photos'), "are not the model's"),
    (('trained.pkl',), 'is a pickled Learner'),
    (('not_a_folder_from_save',), 'is not a folder save_for_export wrote'),
])
def test_cli_bad_input_is_one_line(exported_learners, args, says):
    d = exported_learners
    (d/'not_a_learner.pkl').write_text('hello')
    (d/'not_a_folder_from_save').mkdir(exist_ok=True)
    r = _export(d/args[0], *args[1:], '--no-quantize')
    assert r.returncode == 2, (r.returncode, r.stderr)
    assert says in r.stderr and 'Traceback' not in r.stderr and len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert 'trained=True' not in r.stderr   # advice the command line cannot follow

def test_cli_unwritable_out_is_one_line(exported_learners, tmp_path):
    "Issue 32, item 19: an --out that cannot be written (a read-only mount; here, a path under a file, which no user can write)"
    (tmp_path/'a_file').write_text('x')
    r = _export(exported_learners/'trained', '--out', tmp_path/'a_file'/'x.onnx', '--data', 'digits', '--no-quantize')
    assert r.returncode == 2 and 'cannot write' in r.stderr and 'Traceback' not in r.stderr and len(r.stderr.strip().splitlines()) == 1, r.stderr
