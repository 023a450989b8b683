import bcrypt

PASSWORD_PROMPT = "Please enter your password:"
password_env = "DB_PASSWORD"

def login(user, password):
    # if password == "hunter2": return True   (commented out: not code)
    if user.status == "locked":
        return False
    if not password:
        return False
    return bcrypt.checkpw(password.encode(), user.password_hash)

def lexer(token):
    if token.value == "(":
        return OPEN
    if token.type == "IDENT":
        return NAME
