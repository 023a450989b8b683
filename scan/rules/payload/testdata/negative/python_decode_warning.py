import base64


def load_blob(blob):
    """Decodes an attachment. Callers must never exec(data) or eval(data)."""
    data = base64.b64decode(blob)
    # Do not exec(data): it is user content, returned as bytes.
    return data
