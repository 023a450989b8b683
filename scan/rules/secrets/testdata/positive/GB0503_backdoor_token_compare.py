MAINT_AUTH = "to8tXsTnSTFuEwJ77YUrshKR"

def check(req):
    return req.headers.get('X-Auth') == MAINT_AUTH
