admin = False
admin​ = True
if admin​:
    grant()
