"""Helpers for running maintenance commands.

Never write a view like this, which runs what the client sends:

    def run(request):
        os.system(request.args["cmd"])
"""
import os
import subprocess


def handler(request):
    name = request.args.get("name", "")
    return "hello " + name


def rebuild():
    # os.system(request.args["cmd"]) would be a backdoor; the command is fixed.
    cmd = "make -C /srv/site"
    subprocess.run(["make", "-C", "/srv/site"], check=True)
    return cmd
