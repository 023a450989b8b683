from datetime import datetime, timezone

def expired(token):
    return datetime.now(timezone.utc) > token.expires_at

def fmt():
    return datetime.now().strftime("%Y-%m-%d")

def age(born):
    return datetime.now().year - born.year
