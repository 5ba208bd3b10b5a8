"pytest runs with every non-loopback connection blocked: a test that reaches for the network fails instead of passing by luck."
import os, tempfile, pytest

os.environ.setdefault('FTTUTOR_HOME', tempfile.mkdtemp(prefix='fttutor-test-home-'))

from fttutor.core import block_network
block_network()   # an explicit call: importing fttutor never touches the network functions

@pytest.fixture
def tmp_folder(tmp_path):
    "An empty folder for building bad inputs"
    return tmp_path

# The longest tests first: pytest-xdist hands out the first tests round robin, so the study's two tests start at once on the two
# workers and everything else fills in around them (in collection order they would start late, perhaps one after the other).
LONGEST = ('test_study.py::test_study_runs_resumes_and_feeds_the_findings', 'test_study.py::test_study_experiments_that_stand_alone')

def pytest_collection_modifyitems(items):
    rank = lambda it: next((i for i, k in enumerate(LONGEST) if it.nodeid.endswith(k)), len(LONGEST))
    items.sort(key=rank)   # a stable sort: every other test keeps its place
