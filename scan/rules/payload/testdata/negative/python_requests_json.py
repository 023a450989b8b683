import subprocess
import requests

def latest_version():
    r = requests.get("https://api.github.com/repos/example/tool/releases/latest", timeout=10)
    tag = r.json()["tag_name"]
    print("latest:", tag)
    return subprocess.check_output(["git", "describe", "--tags"]).decode().strip()
