package main

import (
	"testing"

	"example.org/testonly"
)

func TestMain(t *testing.T) { testonly.Help() }
