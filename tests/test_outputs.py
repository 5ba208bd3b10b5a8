"tools/outputs.py: the check on the lessons' saved outputs fails on stale, failed and missing outputs, and passes on fresh ones."
import json, sys
from pathlib import Path
import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT/'tools'))
import outputs  # noqa: E402

def _cell(src, outs=()):
    return {'cell_type': 'code', 'id': 'x', 'metadata': {}, 'execution_count': None, 'source': src, 'outputs': list(outs)}

SHOWN = {'output_type': 'execute_result', 'execution_count': None, 'metadata': {}, 'data': {'text/plain': '42'}}

@pytest.fixture
def nb():
    cells = [_cell('#| default_exp freezing'), _cell('from fttutor.text import class_weights\nx = 1'),
             _cell('print(x)', [{'output_type': 'stream', 'name': 'stdout', 'text': '1\n'}]), _cell('x + 41', [SHOWN]),
             _cell('#| hide\ntest_eq(x, 1)'), _cell('#| slow\nslow_thing()')]
    nb = {'cells': cells, 'metadata': {}, 'nbformat': 4, 'nbformat_minor': 5}
    nb['metadata']['fttutor'] = {'sources': outputs.stamp(nb)}
    return nb

def _problems(nb, tmp_path):
    fn = tmp_path/'lesson.ipynb'; fn.write_text(json.dumps(nb))
    return outputs.problems(fn, outputs.tst_flags())

def _deps(*srcs): return set(outputs.dependencies({'cells': [_cell(s) for s in srcs]}))

def test_dependencies_follow_imports():
    deps = _deps('#| default_exp freezing', 'from fttutor.features import linear_probe')
    assert {'settings.ini', 'fttutor/freezing.py', 'fttutor/features.py', 'fttutor/core.py', 'fttutor/models.py'} <= deps, deps
    assert not {'fttutor/compare.py', 'fttutor/text.py'} & deps, deps   # neither imports the comparison or text lesson's module
    text = _deps('from fttutor.text import class_weights')   # the text module runs the protocol; the registry imports no strategy family
    assert 'fttutor/protocol.py' in text and not {'fttutor/compare.py', 'fttutor/lora.py', 'fttutor/adapters.py'} & text, text
    assert 'fttutor/tuning.py' not in _deps('# see fttutor.tuning for the search'), 'a mention in a comment is not an import'

def test_dependencies_follow_the_names_a_lesson_uses():
    "`fttutor.all` imports every module; a lesson depends on the modules whose names it calls, and on those only"
    deploy = _deps('from fttutor.all import lesson_setup, export_model\nexport_model(learn)')
    assert 'fttutor/deploy.py' in deploy and 'fttutor/compare.py' not in deploy, deploy
    star = _deps('from fttutor.all import *\ncompare_strategies()')
    assert 'fttutor/compare.py' in star and 'fttutor/deploy.py' not in star, star
    assert 'fttutor/lora.py' in _deps('from fttutor.all import *\nlearn.to_lora(r=4)')   # a method fttutor patches onto Learner
    assert 'fttutor/tuning.py' not in _deps('from fttutor.all import *\n"tuned_comparison"  # tune_strategy'), 'strings and comments are not code'

def test_touching_deploy_stales_lesson_10_and_the_study_only():
    "deploy.py is a leaf: Lesson 10 uses it and the study runs it (its int8 experiment); the pages that only read the study (fttutor.findings) do not follow it"
    deps = {f.name: outputs.dependencies(json.loads(f.read_text())) for f in sorted((ROOT/'nbs').glob('*.ipynb'))}
    users = {n for n, d in deps.items() if 'fttutor/deploy.py' in d}
    readers = {n for n, d in deps.items() if 'fttutor/findings.py' in d and 'fttutor/study.py' not in d}
    assert '10_deploy.ipynb' in users and users <= {'10_deploy.ipynb', 'lib_study.ipynb', 'lib_cli.ipynb'}, users
    assert {'00_findings.ipynb', 'index.ipynb', '05_text.ipynb', '07_compare.ipynb'} <= readers, readers
    assert all('fttutor/compare.py' not in deps[n] for n in ('00_findings.ipynb', 'index.ipynb')), 'a page that reads the study needs no training code'

def test_install_cell_is_not_lesson_code(nb, tmp_path):
    "The generated install cell may change (tools/install_cell.py) without staling any saved output"
    install = _cell('#| hide\n# fttutor install cell: on Colab or Kaggle, install the course package first\nimport os')
    nb['cells'].insert(1, install); nb['metadata']['fttutor'] = {'sources': outputs.stamp(nb)}
    install['source'] += '\nprint("another version")'
    assert _problems(nb, tmp_path) == []

def test_fresh_outputs_pass(nb, tmp_path): assert _problems(nb, tmp_path) == []

def test_edited_cell_is_stale(nb, tmp_path):
    nb['cells'][3]['source'] = 'x + 40'
    assert any('stale' in p and 'code cells' in p for p in _problems(nb, tmp_path))

def test_changed_library_is_stale(nb, tmp_path):
    nb['metadata']['fttutor']['sources']['fttutor/text.py'] = '0' * 16
    assert _problems(nb, tmp_path) == ['stale: executed with other versions of fttutor/text.py']

def test_missing_and_failed_outputs(nb, tmp_path):
    nb['cells'][2]['outputs'] = []
    nb['cells'][3]['outputs'] = [{'output_type': 'error', 'ename': 'KeyError', 'evalue': "'x'", 'traceback': []}]
    probs = _problems(nb, tmp_path)
    assert any("cell 2 ('print(x)') shows nothing" == p for p in probs), probs
    assert any('cell 3' in p and 'KeyError' in p for p in probs), probs

def test_never_executed(nb, tmp_path):
    del nb['metadata']['fttutor']
    assert any('never executed' in p for p in _problems(nb, tmp_path))

def test_should_show():
    assert outputs.should_show(_cell('df.head()')) and outputs.should_show(_cell('y = 1\nprint(y)'))
    assert not outputs.should_show(_cell('y = 1')) and not outputs.should_show(_cell('1;'))
    assert not outputs.should_show(_cell('test_eq(1, 1)')) and not outputs.should_show(_cell('#| export\ndef f(): return 1\nf()'))

def test_only_the_cpu_profile_counts(nb, tmp_path, monkeypatch):
    "Outputs are executed under the cpu profile: editing another profile leaves them fresh, editing cpu (or a default) does not"
    ini = (ROOT/'settings.ini').read_text()
    fake = tmp_path/'repo'; fake.mkdir()
    monkeypatch.setattr(outputs, 'ROOT', fake)
    for name in ('settings.ini',): (fake/name).write_text(ini)
    before = outputs._hash('settings.ini')
    assert '[mini]' in ini and 'text_max_len = 24' in ini.split('[mini]')[1], 'the edits below must hit the mini profile'
    (fake/'settings.ini').write_text(ini.replace('[mini]\n', '[mini]\nnew_field = 1\n').replace('text_max_len = 24', 'text_max_len = 32'))
    assert outputs._hash('settings.ini') == before
    (fake/'settings.ini').write_text(ini.replace('[cpu]\n', '[cpu]\nnew_field = 1\n'))
    assert outputs._hash('settings.ini') != before
    (fake/'settings.ini').write_text(ini.replace('seed = 42', 'seed = 7', 1))   # [DEFAULT], which cpu inherits
    assert outputs._hash('settings.ini') != before

def test_eval_false_cells_are_not_run():
    assert outputs._skipped(_cell("#| export\n#| eval: false\nif __name__ == '__main__': main()"), outputs.tst_flags())
    assert not outputs._skipped(_cell("#| export\nx = 1"), outputs.tst_flags())

def test_progress_debris_is_trimmed_and_a_table_kept():
    "A finished fastprogress bar leaves an empty HTML display or its style block alone: both are debris, a table is not"
    empty = {'output_type': 'display_data', 'data': {'text/html': [], 'text/plain': ['<IPython.core.display.HTML object>']}}
    style = {'output_type': 'display_data', 'data': {'text/html': ['\n<style>\n progress { width: 300px; }\n</style>\n'], 'text/plain': ['x']}}
    table = {'output_type': 'display_data', 'data': {'text/html': ['<style>td {}</style><table><tr><td>1</td></tr></table>'], 'text/plain': ['x']}}
    nb = {'cells': [{'cell_type': 'code', 'source': 'f()', 'outputs': [empty, style, table]}]}
    assert outputs.debris(empty) and outputs.debris(style) and not outputs.debris(table)
    outputs._trim(nb)
    assert nb['cells'][0]['outputs'] == [table]

def test_a_console_progress_bar_in_printed_output_is_debris():
    "fastprogress prints its console bar into a captured stdout (a command run from a lesson): the check names it; a table that prints percentages is not one"
    bar = {'output_type': 'stream', 'name': 'stdout', 'text': ['█\n', ' |████████| 100.00% [2/2 00:12<00:00]\n', 'Data: 600 train\n']}
    table = {'output_type': 'stream', 'name': 'stdout', 'text': ['fine_tune  97.00%  (95% interval 3.2 to 4.1) [2 seeds]\n']}
    assert 'console progress bar' in outputs.debris(bar) and not outputs.debris(table)
