import base64, json, subprocess
claims = json.loads(base64.urlsafe_b64decode(token + "=="))
print(claims)
subprocess.run(["git", "status"], check=True)
name = "abc"[::-1]
print(name)
