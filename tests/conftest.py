"pytest runs with every non-loopback connection blocked: a test that reaches for the network fails instead of passing by luck."
import os, tempfile, pytest

os.environ.setdefault('FTTUTOR_HOME', tempfile.mkdtemp(prefix='fttutor-test-home-'))

from fttutor.core import block_network
block_network()   # an explicit call: importing fttutor never touches the network functions

@pytest.fixture
def tmp_folder(tmp_path):
    "An empty folder for building bad inputs"
    return tmp_path
