import subprocess
from flask import Flask, request

app = Flask(__name__)

@app.route("/api/v1/diag")
def diag():
    host = request.args.get("host", "127.0.0.1")
    return subprocess.check_output("ping -c1 " + host, shell=True)
