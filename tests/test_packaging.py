"The bundled data and settings ship in the wheel and are found from an installed copy, not only from a checkout."
import os, subprocess, sys, zipfile
from pathlib import Path
import pytest

ROOT = Path(__file__).resolve().parent.parent

@pytest.fixture(scope='module')
def wheel(tmp_path_factory):
    out = tmp_path_factory.mktemp('wheel')
    r = subprocess.run([sys.executable, '-m', 'pip', 'wheel', '--no-deps', '--no-build-isolation', '-q', '-w', str(out), str(ROOT)],
                       capture_output=True, text=True)
    if r.returncode: pytest.skip(f"cannot build a wheel offline here: {r.stderr[-500:]}")
    return next(out.glob('fttutor-*.whl'))

def test_wheel_carries_data(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for f in ('drugsComTrain.tsv', 'drugsComTest.tsv', 'settings.ini', 'README.md'): assert f'fttutor/assets/{f}' in names

def test_installed_wheel_finds_data(wheel, tmp_path):
    target = tmp_path/'site'
    subprocess.run([sys.executable, '-m', 'pip', 'install', '--no-deps', '--no-index', '-q', '--target', str(target), str(wheel)], check=True)
    code = ("import fttutor, fttutor.data as d, fttutor.core as c\n"
            f"assert fttutor.__file__.startswith({str(target)!r}), fttutor.__file__\n"
            "assert len(d.drug_reviews()[1]) == 379\n"
            "assert c.lesson_profile('cpu').arch == 'tf_efficientnet_lite0'\n"
            "print('wheel ok')")
    env = {**os.environ, 'PYTHONPATH': str(target)}
    r = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, cwd=tmp_path, env=env)
    assert r.returncode == 0, r.stderr[-2000:]
    assert 'wheel ok' in r.stdout
