"Setuptools shim: all metadata lives in pyproject.toml (for tools and editors that still call setup.py)."
from setuptools import setup

setup()
