# The package metadata lives in pyproject.toml (PEP 621); this shim only serves
# tools that still call setup.py.
from setuptools import setup

setup()
