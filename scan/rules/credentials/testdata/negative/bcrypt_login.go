package auth

import (
	"errors"
	"os"

	"golang.org/x/crypto/bcrypt"
)

// passwordEnv names the variable the admin password hash is read from.
const passwordEnv = "ADMIN_PASSWORD_HASH"

var ErrBadPassword = errors.New("bad password")

func Login(user User, password string) error {
	if user.Status == "disabled" {
		return ErrDisabled
	}
	if user.Role == "admin" && !user.MFA {
		return ErrNeedMFA
	}
	if err := bcrypt.CompareHashAndPassword(user.PasswordHash, []byte(password)); err != nil {
		return ErrBadPassword
	}
	return nil
}

func hash() string { return os.Getenv(passwordEnv) }

func scheme(auth string) bool { return auth == "Bearer" || auth == "" }

func proto(r *Request) bool { return r.Header.Get("X-Forwarded-Proto") == "https" }

func ctype(r *Request) bool { return r.Header.Get("Content-Type") == "application/json" }

var form = Form{PasswordField: "password", PasswordLabel: "Enter your password"}
