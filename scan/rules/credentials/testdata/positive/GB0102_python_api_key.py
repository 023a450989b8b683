API_KEY = "sk_live_51HxYzAbCdEfGhIjKlMnOpQr"

def client():
    return Client(api_key=API_KEY)
