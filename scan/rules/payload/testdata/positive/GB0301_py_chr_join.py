import subprocess
c = ''.join(chr(x) for x in [105, 100])
subprocess.call(c, shell=True)
