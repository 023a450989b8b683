// Package pkcs11key signs with Ed25519 keys that live in a PKCS#11 module:
// a hardware security module, a cloud KMS through its PKCS#11 library
// (Google Cloud KMS's libkmsp11, AWS CloudHSM's, Azure's Managed HSM's), or
// SoftHSM. Keys are named by PKCS#11 URIs (RFC 7512), as cosign and
// OpenSSL name them. A Key is a crypto.Signer, which attest.NewKeySigner
// and attest.NewLogSigner take: the servers sign the centre's statements
// and the log's checkpoints without the private keys ever being in a file
// or in the process's memory.
//
// Loading a module needs cgo (github.com/miekg/pkcs11, the binding
// crypto11, cosign and Notary use); without it Open and Generate fail with
// an error that says so.
package pkcs11key
