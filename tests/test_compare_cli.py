"The `fttutor-compare` command: exit codes, clear errors without tracebacks, and its output files on a new folder of images."
import os, shutil, subprocess, sys
from pathlib import Path
import numpy as np, pandas as pd, pytest
from PIL import Image

def _run(*args, cwd=None, **env):
    exe = Path(sys.executable).parent/'fttutor-compare'
    if not exe.exists(): exe = shutil.which('fttutor-compare')
    assert exe, 'the fttutor-compare console script is not installed'
    return subprocess.run([str(exe), *args], capture_output=True, text=True, timeout=900, cwd=cwd,
                          env={**os.environ, 'FTTUTOR_OFFLINE': '1', **env})

def _run_here(*args, **env):
    "`fttutor-compare ARGS` in this process (`main` parses the list it is given): the same exit code and messages, without starting Python"
    import contextlib, io
    from fttutor.cli import main
    out, err, code = io.StringIO(), io.StringIO(), 0
    old = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try: main(list(args))
            except SystemExit as e: code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
    finally:
        for k, v in old.items():
            if v is None: os.environ.pop(k, None)
            else: os.environ[k] = v
    return subprocess.CompletedProcess(['fttutor-compare', *args], code, out.getvalue(), err.getvalue())

def _folder(root, classes=('red', 'blue'), n=8):
    rng = np.random.default_rng(0)
    for i, c in enumerate(classes):
        (root/c).mkdir(parents=True)
        for j in range(n):
            a = rng.integers(0, 60, (24, 24, 3), dtype=np.uint8); a[..., i % 3] += 150
            Image.fromarray(a).save(root/c/f'{j}.png')
    return root

def _clean_error(r, *contains, code=2):
    "Exit code `code`, no traceback, and the last line of stderr (the error: warnings may come before it) says each of `contains`"
    assert r.returncode == code, r.stdout + r.stderr
    assert 'Traceback' not in r.stderr, r.stderr
    last = r.stderr.strip().splitlines()[-1]
    assert last.startswith('fttutor-compare: '), r.stderr
    for c in contains: assert c in last, r.stderr

def test_missing_path(tmp_path):
    _clean_error(_run_here('--data', str(tmp_path/'nope')), 'No image folder at')

def test_one_class(tmp_path):
    _clean_error(_run_here('--data', str(_folder(tmp_path/'imgs', classes=('only',)))), 'need at least two')

def test_unknown_strategy(tmp_path):
    _clean_error(_run_here('--data', str(_folder(tmp_path/'imgs')), '--strategies', 'lora_xl'), 'Unknown strategy lora_xl')

def test_strategies_list():
    "`--strategies list` prints the whole registry, the PEFT family included, and exits 0 without reading any data"
    from fttutor.protocol import STRATEGIES
    r = _run_here('--strategies', 'list')
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    for k, s in STRATEGIES.items(): assert any(l.startswith(k + ' ') and s.family in l for l in lines), (k, r.stdout)
    assert {'lora_r1', 'lora_r4', 'lora_r16', 'ia3', 'prompt'} <= set(STRATEGIES)

def test_new_folder_with_a_corrupt_file(tmp_path):
    data = _folder(tmp_path/'imgs')
    (data/'red'/'broken.jpg').write_bytes(b'\xff\xd8 not really a jpeg')
    r = _run('--data', str(data), '--strategies', 'linear_probe,head_only', '--steps', '2', '--lrs', '1e-3', '--out', str(tmp_path/'out'))
    assert r.returncode == 0, r.stdout + r.stderr[-3000:]
    assert 'Skipped 1 unreadable' in r.stderr
    assert 'split at random with seed 42' in r.stdout          # the output says how the test set was made
    df = pd.read_csv(tmp_path/'out'/'results.csv', index_col=0)
    assert list(df.index) == ['linear_probe', 'head_only']
    assert {'seed', 'valid_accuracy', 'test_accuracy', 'test_macro_f1', 'optimizer_steps', 'lr', 'seconds', 'trainable'} <= set(df.columns)
    assert df.loc['head_only', 'optimizer_steps'] == 2 and df.loc['head_only', 'lr'] == 1e-2   # base 1e-3 times head_only's factor 10
    assert (tmp_path/'out'/'comparison.png').stat().st_size > 1000 and (tmp_path/'out'/'curves.csv').exists()

# Input errors are refused before any training starts: no results.csv appears, and the answer comes in seconds.
@pytest.mark.parametrize('args,says', [
    (('--steps', '0'), 'steps must be at least 1, not 0'),
    (('--steps', '-1'), 'steps must be at least 1, not -1'),
    (('--lrs', '0'), 'learning rates (--lrs) must be positive finite numbers'),
    (('--bn', 'frozen'), "bn must be 'hold' or 'train'"),
    (('--test-pct', '0'), 'There is no test set'),
    (('--test-pct', '0.9'), 'leave some training data'),
    (('--strategies', ''), 'Empty strategy name'),
    (('--strategies', 'lora,lora'), 'lora given more than once'),
    (('--profile', 'tpu'), "Unknown lesson profile 'tpu'"),
    (('--label-noise', '1.5'), 'label-noise rate is a share of the training labels, from 0 to 1, not 1.5'),
    (('--label-noise', '-0.2'), 'from 0 to 1, not -0.2'),
    (('--strategies', 'head_only,prompt'), 'prompt needs a text encoder'),
])
def test_input_errors_are_refused_before_training(tmp_path, args, says):
    r = _run_here('--data', str(_folder(tmp_path/'imgs')), '--out', str(tmp_path/'out'), *args)
    _clean_error(r, says)
    assert not (tmp_path/'out'/'results.csv').exists()

def test_out_is_a_file(tmp_path):
    (tmp_path/'out.txt').write_text('keep me')
    _clean_error(_run_here('--data', str(_folder(tmp_path/'imgs')), '--out', str(tmp_path/'out.txt')), '--out', 'is a file')
    assert (tmp_path/'out.txt').read_text() == 'keep me'

def test_class_only_in_valid(tmp_path):
    data = tmp_path/'imgs'
    _folder(data/'train'); _folder(data/'valid', classes=('red', 'blue', 'green'), n=2)
    _clean_error(_run_here('--data', str(data), '--out', str(tmp_path/'out')), 'green', 'none in')

@pytest.fixture
def small_mount(tmp_path):
    "Mount a tmpfs with the given options (root only, as in CI); yields a function"
    mounted = []
    def _mount(name, opts):
        if os.geteuid() != 0: pytest.skip('mounting needs root')
        d = tmp_path/name; d.mkdir()
        if subprocess.run(['mount', '-t', 'tmpfs', '-o', opts, 'tmpfs', str(d)], capture_output=True).returncode:
            pytest.skip('cannot mount a tmpfs here')
        mounted.append(d); return d
    yield _mount
    for d in mounted: subprocess.run(['umount', str(d)])

def test_read_only_out(tmp_path, small_mount):
    ro = small_mount('ro', 'ro,size=1m')
    _clean_error(_run('--data', str(_folder(tmp_path/'imgs')), '--out', str(ro/'results')), 'cannot write', 'Read-only', '--out')

def test_read_only_fttutor_home(tmp_path, small_mount):
    ro = small_mount('home', 'ro,size=1m')
    r = _run('--data', str(_folder(tmp_path/'imgs')), '--strategies', 'linear_probe', '--out', str(tmp_path/'out'), FTTUTOR_HOME=str(ro))
    _clean_error(r, 'cannot write', 'FTTUTOR_HOME')

def test_full_disk(tmp_path, small_mount):
    full = small_mount('full', 'size=1m')   # the converted weights alone are 18 MB
    r = _run('--data', str(_folder(tmp_path/'imgs')), '--strategies', 'linear_probe', '--out', str(tmp_path/'out'), FTTUTOR_HOME=str(full))
    _clean_error(r, 'no space left', 'FTTUTOR_HOME')
    assert not [f for f in full.rglob('*') if f.name.endswith('.tmp')], 'a half-written temporary file was left'

def test_unexpected_errors_keep_the_traceback_behind_debug(tmp_path, monkeypatch):
    "A bug (here a ZeroDivisionError from inside the comparison) is said in one line with exit 1; --debug shows its traceback"
    import fttutor.cli
    def _bug(*a, **k): return 1 / 0
    monkeypatch.setattr(fttutor.cli, 'compare_strategies', _bug)
    data = str(_folder(tmp_path/'imgs'))
    _clean_error(_run_here('--data', data, '--out', str(tmp_path/'out')), 'unexpected error', 'ZeroDivisionError', '--debug', code=1)
    with pytest.raises(ZeroDivisionError): fttutor.cli.main(['--data', data, '--out', str(tmp_path/'out2'), '--debug'])

def test_offline_hints_speak_cli(tmp_path):
    r = _run('--arch', 'resnet34', '--data', str(_folder(tmp_path/'imgs')))
    _clean_error(r, '--arch tf_efficientnet_lite0')
    assert "arch='" not in r.stderr
    r = _run('--dataset', 'pets')
    _clean_error(r, '--dataset photos')
    assert 'image_dls(' not in r.stderr

def test_tiny_validation_set_is_warned(tmp_path):
    data = tmp_path/'imgs'
    _folder(data/'train'); _folder(data/'valid', classes=('red',), n=1)
    r = _run('--data', str(data), '--strategies', 'linear_probe', '--out', str(tmp_path/'out'))
    assert r.returncode == 0, r.stderr[-3000:]
    assert 'no images of class(es) blue' in r.stderr and 'only 1 image(s)' in r.stderr

def test_interrupted_run_keeps_its_rows_and_resumes(tmp_path, monkeypatch):
    "In-process: the second strategy is interrupted; the first one's row is on disk, and --resume trains only what is missing"
    import fttutor.compare as C
    from fttutor.core import lesson_profile
    data, out = str(_folder(tmp_path/'imgs')), tmp_path/'out'
    def _interrupt(learn, steps, lr): raise KeyboardInterrupt
    monkeypatch.setitem(C.STRATEGIES, 'head_only', C.STRATEGIES['head_only']._replace(train=_interrupt))
    kw = dict(steps=2, lrs=[1e-3], profile=lesson_profile('cpu'), strategies=['linear_probe', 'head_only'], out=out, progress=False)
    with pytest.raises(KeyboardInterrupt): C.compare_strategies(data, **kw)
    saved = pd.read_csv(out/'results.csv', index_col=0)
    assert list(saved.index) == ['linear_probe']
    monkeypatch.undo()
    args = ('--data', data, '--steps', '2', '--lrs', '1e-3', '--profile', 'cpu', '--out', str(out), '--resume')
    r = _run('--strategies', 'linear_probe,head_only', *args)
    assert r.returncode == 0, r.stderr[-3000:]
    both = pd.read_csv(out/'results.csv', index_col=0)
    assert list(both.index) == ['linear_probe', 'head_only']
    assert both.seconds.iloc[0] == saved.seconds.iloc[0]   # the saved row was kept, not measured again
    r = _run('--strategies', 'linear_probe', *args[:3], '3', *args[4:])
    _clean_error(r, 'come from another run', 'steps: 2 then, 3 now')

def test_seeds_write_a_row_per_strategy_and_seed_and_a_summary(tmp_path):
    out = tmp_path/'out'
    r = _run('--data', str(_folder(tmp_path/'imgs')), '--strategies', 'linear_probe,head_only', '--steps', '2', '--lrs', '1e-3,3e-3',
             '--seeds', '2', '--seed', '5', '--out', str(out))
    assert r.returncode == 0, r.stderr[-3000:]
    res = pd.read_csv(out/'results.csv')
    assert sorted(zip(res.strategy, res.seed)) == [('head_only', 5), ('head_only', 6), ('linear_probe', 5), ('linear_probe', 6)]
    assert {'strategy', 'seed', 'valid_accuracy', 'test_accuracy', 'test_macro_f1', 'optimizer_steps', 'lr', 'seconds', 'trainable'} <= set(res.columns)
    head = res[res.strategy == 'head_only']
    assert head.lr.nunique() == 1 and head.lr.iloc[0] in (1e-2, 3e-2)   # chosen on the first seed from the grid, kept for the second
    assert list(head.lr_grid) == ['0.01 0.03', '0.03' if head.lr.iloc[0] == 3e-2 else '0.01']
    summ = pd.read_csv(out/'summary.csv', index_col=0)
    assert list(summ.index) == ['linear_probe', 'head_only']
    assert {'n_seeds', 'mean', 'std', 'diff', 'ci_low', 'ci_high', 'verdict'} <= set(summ.columns)
    assert summ.loc['head_only', 'n_seeds'] == 2 and summ.loc['head_only', 'verdict'] in ('better', 'worse', 'tie', 'underpowered')
    assert 'against the linear probe' in r.stdout
    _clean_error(_run('--data', str(tmp_path/'imgs'), '--seeds', '0', '--out', str(tmp_path/'o2')), '--seeds must be at least 1')

def test_test_folder_is_used_and_said(tmp_path):
    data = tmp_path/'imgs'
    _folder(data/'train'); _folder(data/'valid', n=3); _folder(data/'test', n=3)
    r = _run('--data', str(data), '--strategies', 'linear_probe', '--out', str(tmp_path/'out'))
    assert r.returncode == 0, r.stderr[-3000:]
    assert "16 train, 6 validation, 6 test images: split by the folder's train/, valid/ and test/" in r.stdout

def test_step_budget_is_the_same_at_one_example_per_class_and_at_all_data(tmp_path):
    "The data-efficiency curve never starves small k: k=1 gets exactly the optimiser steps that all the data gets"
    from fttutor.transfer import data_efficiency
    from fttutor.core import lesson_profile
    res = data_efficiency(str(_folder(tmp_path/'imgs', n=12)), ks=(1, 0), seeds=(0,), strategies=('head_only', 'fine_tune'), steps=5,
                          lrs=[1e-3], profile=lesson_profile('cpu'), progress=False)
    steps = res.set_index(['strategy', 'k']).optimizer_steps
    assert steps[('head_only', 1)] == steps[('head_only', 'all')] == 5
    assert steps[('fine_tune', 1)] == steps[('fine_tune', 'all')] == 5
