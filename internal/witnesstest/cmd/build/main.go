// Command build builds litewitness and witnessctl where the witness tests
// look for them (witnesstest.Build), so that .ci/run fetches them once,
// before the tests run.
package main

import (
	"fmt"
	"os"

	"glassbox.dev/internal/witnesstest"
)

func main() {
	lw, ctl, err := witnesstest.Build()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Println(lw)
	fmt.Println(ctl)
}
