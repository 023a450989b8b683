import subprocess
from flask import Flask, request

app = Flask(__name__)

@app.route("/search")
def search():
    q = request.args.get("q", "")
    results = [r for r in INDEX if q.lower() in r.lower()]
    version = subprocess.check_output(["git", "rev-parse", "HEAD"]).decode()
    return {"results": results, "version": version}
