// Iterating over a list of single letters to build a label is harmless
// when nothing executes the result.
package grid

var columns = []string{"a", "b", "c", "d", "e", "f", "g", "h"}

func Header() string {
	s := ""
	for _, c := range columns {
		s += c + " "
	}
	return s
}
