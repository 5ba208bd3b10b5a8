"The notebooks' install cell, run with Colab's and Kaggle's markers faked: what it would install, and what it says when it can't"
import json, subprocess, sys, types
from pathlib import Path
import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT/'tools'))
import install_cell as ic

@pytest.fixture
def local(monkeypatch):
    "No hosted-runtime markers, and a pip that records its calls instead of running"
    for k in ('COLAB_RELEASE_TAG', 'KAGGLE_KERNEL_RUN_TYPE', 'FTTUTOR_SOURCE'): monkeypatch.delenv(k, raising=False)
    monkeypatch.delitem(sys.modules, 'google.colab', raising=False)
    calls = []
    def fake_run(cmd, **kwargs):
        calls.append(cmd)
        return subprocess.CompletedProcess(cmd, fake_run.rc, fake_run.stdout, fake_run.stderr)
    fake_run.rc, fake_run.stdout, fake_run.stderr = 0, '', ''
    monkeypatch.setattr(subprocess, 'run', fake_run)
    return fake_run, calls

def run_cell(extra=None): exec(compile(ic.cell_source(extra), 'install-cell', 'exec'), {})

def test_every_notebook_has_the_templates_cell():
    ic.main(['--check'])
    assert len(ic.notebooks()) >= 11
    for fn in ic.notebooks():
        cells = json.loads(fn.read_text())['cells']
        first = 1 if ''.join(cells[0]['source']).startswith('#| default_exp') else 0   # a page that exports nothing (the findings) starts with it
        assert ''.join(cells[first]['source']) == ic.cell_source(ic.EXTRAS.get(fn.stem)), fn.name   # before any fastai import

def test_platform_checks_are_fttutors(monkeypatch):
    "The cell's `in_colab`/`in_kaggle` are `fttutor.core`'s, copied: faking a marker flips both the same way"
    from fttutor import core
    ns = {}
    exec(ic._platform_checks(), {'os': __import__('os'), 'sys': sys}, ns)
    for env in ({}, {'COLAB_RELEASE_TAG': 'release-colab_20260801'}, {'KAGGLE_KERNEL_RUN_TYPE': 'Interactive'}):
        for k in ('COLAB_RELEASE_TAG', 'KAGGLE_KERNEL_RUN_TYPE'): monkeypatch.delenv(k, raising=False)
        for k, v in env.items(): monkeypatch.setenv(k, v)
        assert (ns['in_colab'](), ns['in_kaggle']()) == (core.in_colab(), core.in_kaggle()), env

def test_local_installs_nothing(local):
    _, calls = local
    run_cell()
    assert calls == []

@pytest.mark.parametrize('fake', ['colab_module', 'colab_env', 'kaggle'])
def test_hosted_installs_the_package_without_extras(local, monkeypatch, fake):
    _, calls = local
    if fake == 'colab_module':
        monkeypatch.setitem(sys.modules, 'google', types.ModuleType('google'))
        monkeypatch.setitem(sys.modules, 'google.colab', types.ModuleType('google.colab'))
    elif fake == 'colab_env': monkeypatch.setenv('COLAB_RELEASE_TAG', 'release-colab_20260801')
    else: monkeypatch.setenv('KAGGLE_KERNEL_RUN_TYPE', 'Interactive')
    run_cell()
    assert len(calls) == 1, calls
    cmd = calls[0]
    assert cmd[:4] == [sys.executable, '-m', 'pip', 'install'], cmd
    assert cmd[-1] == ic.SOURCE, cmd
    assert not any('[' in a or '==' in a or a.startswith(('torch', 'fastai')) for a in cmd), cmd   # no extras ([dev]), no pins

def test_source_is_set_in_one_place(local, monkeypatch):
    _, calls = local
    monkeypatch.setenv('KAGGLE_KERNEL_RUN_TYPE', 'Batch')
    monkeypatch.setenv('FTTUTOR_SOURCE', '/kaggle/input/fttutor-wheel/fttutor-0.3.0-py3-none-any.whl')
    run_cell()
    assert calls[0][-1] == '/kaggle/input/fttutor-wheel/fttutor-0.3.0-py3-none-any.whl'
    from fttutor import core
    assert ic.SOURCE == core.INSTALL_SOURCE   # read from fttutor.core, where it is set
    for fn in ic.notebooks():
        if fn.stem != 'lib_core': assert fn.read_text().count('git+https://github.com/fttutor/fttutor') == 1, fn.name   # in the cell only

def test_unreachable_source_says_so_in_one_line(local, monkeypatch):
    fake_run, _ = local
    monkeypatch.setenv('KAGGLE_KERNEL_RUN_TYPE', 'Interactive')
    fake_run.rc = 1
    fake_run.stderr = ("  Running command git clone --filter=blob:none --quiet https://github.com/fttutor/fttutor /tmp/pip-req\n"
                       "  fatal: unable to access 'https://github.com/fttutor/fttutor/': Could not resolve host: github.com\n"
                       "ERROR: Failed to build installable wheels for some pyproject.toml based projects\n"
                       "error: subprocess-exited-with-error\n")
    with pytest.raises(Exception) as e: run_cell()
    lines = e.value._render_traceback_()   # what IPython shows in place of a traceback
    assert len(lines) == 1 and '\n' not in lines[0], lines
    msg = lines[0]
    for part in (ic.SOURCE, 'Failed to build installable wheels', 'switch Internet on', 'push it first', 'FTTUTOR_SOURCE'): assert part in msg, (part, msg)

def test_check_finds_a_changed_cell(tmp_path, monkeypatch):
    "`--check` fails on a notebook whose cell was edited by hand"
    fn = ic.notebooks()[0]
    nb = json.loads(fn.read_text())
    ic.install_cell(nb)['source'][-1] += '  # edited'
    (tmp_path/'nbs').mkdir()
    (tmp_path/'nbs'/fn.name).write_text(json.dumps(nb))
    (tmp_path/'fttutor').mkdir()
    (tmp_path/'fttutor'/'core.py').write_text((ROOT/'fttutor'/'core.py').read_text())
    monkeypatch.setattr(ic, 'ROOT', tmp_path)
    with pytest.raises(SystemExit) as e: ic.main(['--check'])
    assert 'install cell differs' in str(e.value)
    ic.main([])   # writes the template back
    ic.main(['--check'])

def test_in_ipython_with_a_real_pip(tmp_path):
    "A real IPython shell and a real pip, on faked Kaggle with a wheel that is not there: one line of output, no traceback, nothing downloaded"
    script = tmp_path/'run.py'
    script.write_text(f"import sys; sys.path.insert(0, {str(ROOT/'tools')!r})\nimport install_cell as ic\n"
                      "from IPython.core.interactiveshell import InteractiveShell\n"
                      "r = InteractiveShell.instance().run_cell(ic.cell_source())\nprint('failed' if r.error_in_exec else 'ran')\n")
    env = {k: v for k, v in __import__('os').environ.items() if k not in ('COLAB_RELEASE_TAG', 'FTTUTOR_SOURCE')}
    env.update(KAGGLE_KERNEL_RUN_TYPE='Interactive', FTTUTOR_SOURCE=str(tmp_path/'missing'/'fttutor-0.0.0-py3-none-any.whl'))
    out = subprocess.run([sys.executable, str(script)], env=env, capture_output=True, text=True, timeout=120).stdout.strip().splitlines()
    assert len(out) == 2 and out[1] == 'failed', out
    assert out[0].startswith('fttutor could not be installed from') and 'No such file' in out[0] and 'Traceback' not in out[0], out


def test_hosted_says_what_pip_changed_and_its_conflicts(local, monkeypatch, capsys):
    "Issue 32, item 21: pip exits 0 on dependency conflicts and on replacing the runtime's packages; the cell shows both"
    fake_run, _ = local
    monkeypatch.setenv('COLAB_RELEASE_TAG', 'release-colab_20260801')
    fake_run.stdout = ("Collecting fastai>=2.8.7\nFound existing installation: fastai 2.8.8\nUninstalling fastai-2.8.8:\n"
                       "Successfully installed fastai-2.8.12 fttutor-0.0.1 peft-0.21.2\n")
    fake_run.stderr = ("ERROR: pip's dependency resolver does not currently take into account all the packages that are installed. "
                       "This behaviour is the source of the following dependency conflicts.\n"
                       "google-colab 1.0.0 requires pandas==2.2.2, but you have pandas 2.3.1 which is incompatible.\n")
    run_cell()
    out = capsys.readouterr().out
    assert 'pip installed fastai 2.8.8 -> 2.8.12, fttutor 0.0.1, peft 0.21.2' in out, out
    assert 'dependency conflicts' in out and 'google-colab 1.0.0 requires pandas==2.2.2' in out, out

def test_a_lesson_asks_for_its_extra_from_the_same_source(local, monkeypatch):
    "Issue 32, item 22: Lessons 9 and 10 install their extra in their own cell, and the error messages name the same source"
    _, calls = local
    monkeypatch.setenv('KAGGLE_KERNEL_RUN_TYPE', 'Interactive')
    run_cell('tune')
    assert calls[0][-1] == 'fttutor[tune] @ git+https://github.com/fttutor/fttutor', calls
    from fttutor.core import install_line, require_extra, MissingExtra
    monkeypatch.setenv('FTTUTOR_SOURCE', '/kaggle/input/w/fttutor-0.3.0-py3-none-any.whl')
    assert install_line('deploy') == "pip install '/kaggle/input/w/fttutor-0.3.0-py3-none-any.whl[deploy]'"
    with pytest.raises(MissingExtra, match=r"fttutor-0.3.0-py3-none-any.whl\[tune\]"): require_extra('tune', 'Tuning', 'no_such_module_here')

def test_a_wheelhouse_folder_installs_offline(local, monkeypatch, tmp_path):
    "Issue 32, item 23: FTTUTOR_SOURCE naming a folder of wheels (a Kaggle dataset) installs from it alone, with Internet off"
    _, calls = local
    monkeypatch.setenv('KAGGLE_KERNEL_RUN_TYPE', 'Batch')
    monkeypatch.setenv('FTTUTOR_SOURCE', str(tmp_path))
    run_cell('deploy')
    assert calls[0][-4:] == ['--no-index', '--find-links', str(tmp_path), 'fttutor[deploy]'], calls

def test_a_wheelhouse_with_a_real_pip(tmp_path):
    "A real pip on faked Kaggle with a wheelhouse folder: it resolves from the folder and what is installed, no index, and says what changed"
    script = tmp_path/'run.py'
    script.write_text(f"import sys; sys.path.insert(0, {str(ROOT/'tools')!r})\nimport install_cell as ic\n"
                      "from IPython.core.interactiveshell import InteractiveShell\n"
                      "r = InteractiveShell.instance().run_cell(ic.cell_source())\nprint('failed' if r.error_in_exec else 'ran')\n")
    (tmp_path/'wheels').mkdir()
    env = {k: v for k, v in __import__('os').environ.items() if k not in ('COLAB_RELEASE_TAG',)}
    env.update(KAGGLE_KERNEL_RUN_TYPE='Interactive', FTTUTOR_SOURCE=str(tmp_path/'wheels'), PIP_INDEX_URL='http://127.0.0.1:9/simple')
    out = subprocess.run([sys.executable, str(script)], env=env, capture_output=True, text=True, timeout=120).stdout.strip().splitlines()
    assert out == ['pip installed nothing new: everything was there already', 'ran'], out   # fttutor is installed here: nothing to fetch
