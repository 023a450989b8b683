package pem

const (
	rsaHeader = "-----BEGIN RSA PRIVATE KEY-----"
	ecHeader  = "-----BEGIN EC PRIVATE KEY-----"
)

func isKey(b []byte) bool { return bytes.HasPrefix(b, []byte(rsaHeader)) }
