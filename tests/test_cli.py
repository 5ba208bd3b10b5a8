"The `fttutor-check` command: exit codes and output."
import os, shutil, subprocess, sys
from pathlib import Path

def _run(*args):
    exe = Path(sys.executable).parent/'fttutor-check'
    if not exe.exists(): exe = shutil.which('fttutor-check')
    assert exe, 'the fttutor-check console script is not installed'
    env = {**os.environ, 'FTTUTOR_OFFLINE': '1'}
    return subprocess.run([exe, *args], capture_output=True, text=True, timeout=600, env=env)

def test_check_passes_offline():
    r = _run('--no-train')
    assert r.returncode == 0, r.stdout + r.stderr
    assert '6 passed, 0 failed' in r.stdout
    for name in ('weights', 'text_model', 'drug_reviews', 'digits', 'faces', 'photos'): assert name in r.stdout

def test_unknown_profile_is_a_clear_error():
    r = _run('--profile', 'tpu')
    assert r.returncode == 2
    assert "Unknown lesson profile 'tpu'" in r.stderr
    assert 'Traceback' not in r.stderr
