"The README's commands are the ones CI runs, and README.md is generated from nbs/index.ipynb."
import re, subprocess, sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

def _readme_commands():
    return re.findall(r'```sh\n(.+?)\n```', (ROOT/'README.md').read_text())

def test_readme_has_two_commands():
    cmds = _readme_commands()
    assert len(cmds) == 2
    assert cmds[0].endswith('fttutor-compare') and 'pytest' in cmds[1] and 'tools/test_lessons.py --profiles cpu mini --long mini' in cmds[1]

def test_ci_runs_the_readme_commands():
    ci = (ROOT/'.ci'/'run').read_text()
    for cmd in _readme_commands(): assert cmd in ci, f"CI does not run the README command: {cmd}"

def test_readme_generated_from_index():
    r = subprocess.run([sys.executable, str(ROOT/'tools'/'make_readme.py'), '--check'], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr

def test_every_notebook_names_its_kernel():
    "JupyterLab opens a lesson without asking 'Select Kernel': every notebook carries the python3 kernelspec"
    import json
    for f in sorted((ROOT/'nbs').glob('*.ipynb')):
        ks = json.loads(f.read_text())['metadata'].get('kernelspec', {})
        assert ks.get('name') == 'python3' and ks.get('language') == 'python', (f.name, ks)
