// Package all links every rule family into a program: import it for its
// side effect, and scan.Analyzers returns them all.
//
// Each family registers its analyser from its own init with
// scan.Register. A new family under scan/rules must be added to this list,
// or no command will run it.
package all

import (
	_ "glassbox.dev/scan/rules/blobs"        // GB07xx binary blobs in source
	_ "glassbox.dev/scan/rules/buildtamper"  // GB06xx build-script tampering
	_ "glassbox.dev/scan/rules/credentials"  // GB01xx magic-value authentication, hard-coded passwords
	_ "glassbox.dev/scan/rules/dataflow"     // GB15xx untrusted input reaching command execution across functions and files
	_ "glassbox.dev/scan/rules/listener"     // GB02xx hidden listeners and remote shells
	_ "glassbox.dev/scan/rules/payload"      // GB03xx decoded and obfuscated payloads
	_ "glassbox.dev/scan/rules/privilege"    // GB09xx privilege escalation
	_ "glassbox.dev/scan/rules/secrets"      // GB05xx planted secrets and keys
	_ "glassbox.dev/scan/rules/timebomb"     // GB04xx time bombs
	_ "glassbox.dev/scan/rules/trigger"      // GB14xx hidden triggers: byte-by-byte magic values, constant-time compares with literals, install-hook droppers
	_ "glassbox.dev/scan/rules/trojansource" // GB08xx Trojan Source: bidirectional and invisible characters
)
