// Command build builds versitygw where the S3 tests look for it
// (s3test.Build), so that .ci/run fetches it once, before the tests run.
package main

import (
	"fmt"
	"os"

	"glassbox.dev/internal/s3test"
)

func main() {
	bin, err := s3test.Build()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Println(bin)
}
