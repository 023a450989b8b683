import time

def allowed():
    return time.time() < 1767225600
