"""Write README.md from nbs/index.ipynb: markdown cells as they are, visible code cells as Python blocks, and the saved Markdown
output of an `#| echo: false` cell in its place (the home page's findings, computed from the study's tables when the notebook runs).

nbdev-readme does this through Quarto, which cannot be installed offline; this keeps README.md generated (never hand-edited)
on any machine. `python tools/make_readme.py --check` exits 1 when README.md is out of date."""
import json, sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HEADER = "<!-- Generated from nbs/index.ipynb by tools/make_readme.py: edit the notebook, not this file. -->\n\n"

def shown(output:dict) -> str:
    "What a saved output says in Markdown (its `text/markdown`, else its plain text as a block); '' for anything else"
    data = output.get('data', {})
    if 'text/markdown' in data: return ''.join(data['text/markdown']).strip()
    text = ''.join(output.get('text', data.get('text/plain', '')))
    return f"```\n{text.strip()}\n```" if text.strip() else ''

def render(nb_path=ROOT/'nbs'/'index.ipynb') -> str:
    "README text for the notebook at `nb_path`"
    parts = []
    for cell in json.loads(Path(nb_path).read_text())['cells']:
        src = ''.join(cell['source']).strip()
        if not src: continue
        if cell['cell_type'] == 'markdown': parts.append(src)
        elif cell['cell_type'] != 'code' or src.startswith(('#| hide', '#|hide')): continue
        elif src.startswith(('#| echo: false', '#|echo: false')): parts += [shown(o) for o in cell.get('outputs', []) if shown(o)]
        else: parts.append(f"```python\n{src}\n```")
    return HEADER + '\n\n'.join(parts) + '\n'

if __name__ == '__main__':
    readme, txt = ROOT/'README.md', render()
    if '--check' in sys.argv:
        if not readme.exists() or readme.read_text() != txt: sys.exit("README.md is out of date: run python tools/make_readme.py")
    else: readme.write_text(txt)
