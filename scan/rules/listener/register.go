package listener

import "glassbox.dev/scan"

// init registers the analyser, so that importing the package (directly or
// through the rules/all bundle) is enough for the engine to run it.
func init() { scan.Register(New()) }
