package attest

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"testing"

	"glassbox.dev"
)

// digest returns a well-formed digest that differs for each n.
func digest(n int) glassbox.Digest {
	return glassbox.DigestOf([]byte(fmt.Sprint("artefact ", n)))
}

var testKeyID = strings.Repeat("0123456789abcdef", 4)

func testLeaf() Leaf {
	return Leaf{
		Envelope:      glassbox.DigestOf([]byte("envelope")),
		KeyID:         testKeyID,
		PredicateType: glassbox.PredicateVSA,
		Subjects:      []glassbox.Digest{digest(3), digest(1), digest(2), digest(1)},
	}
}

func TestLeafMarshalWritesTheDocumentedFormat(t *testing.T) {
	l := testLeaf()
	b, err := l.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	sorted := sortedDigests(l.Subjects)
	want := "glassbox.dev/attestation/v1\n" +
		"envelope " + string(glassbox.DigestOf([]byte("envelope"))) + "\n" +
		"key " + testKeyID + "\n" +
		"predicate https://slsa.dev/verification_summary/v1\n" +
		"subject " + string(sorted[0]) + "\n" +
		"subject " + string(sorted[1]) + "\n" +
		"subject " + string(sorted[2]) + "\n"
	if string(b) != want {
		t.Errorf("Marshal =\n%s\nwant\n%s", b, want)
	}
	if len(l.Subjects) != 4 || l.Subjects[0] != digest(3) {
		t.Error("Marshal changed the caller's subjects")
	}

	p, err := ParseLeaf(b)
	if err != nil {
		t.Fatal(err)
	}
	if p.Envelope != l.Envelope || p.KeyID != l.KeyID || p.PredicateType != l.PredicateType || !slices.Equal(p.Subjects, sorted) {
		t.Errorf("ParseLeaf = %+v", p)
	}
	if again, _ := p.Marshal(); !bytes.Equal(again, b) {
		t.Error("a parsed leaf does not marshal to the same bytes")
	}
}

func TestLeafMarshalRefuses(t *testing.T) {
	for _, c := range []struct {
		name string
		edit func(l *Leaf)
		says string
	}{
		{"a malformed envelope digest", func(l *Leaf) { l.Envelope = "sha256:xyz" }, "envelope digest"},
		{"an upper-case key id", func(l *Leaf) { l.KeyID = strings.ToUpper(testKeyID) }, "key id"},
		{"a short key id", func(l *Leaf) { l.KeyID = testKeyID[:63] }, "key id"},
		{"an empty predicate type", func(l *Leaf) { l.PredicateType = "" }, "predicate type is empty"},
		{"a predicate type with a newline", func(l *Leaf) { l.PredicateType = "https://x\nsubject sha256:" }, "byte 0x0a"},
		{"a predicate type with a space", func(l *Leaf) { l.PredicateType = "https://x y" }, "byte 0x20"},
		{"a non-ASCII predicate type", func(l *Leaf) { l.PredicateType = "https://exämple.org" }, "byte 0xc3"},
		{"a predicate type over 2048 bytes", func(l *Leaf) { l.PredicateType = strings.Repeat("p", 2049) }, "over the 2048-byte limit"},
		{"no subjects", func(l *Leaf) { l.Subjects = nil }, "no subjects"},
		{"a malformed subject", func(l *Leaf) { l.Subjects = append(l.Subjects, "sha256:") }, "subject"},
		{"too many subjects", func(l *Leaf) {
			l.Subjects = nil
			for i := range MaxSubjects(l.PredicateType) + 1 {
				l.Subjects = append(l.Subjects, digest(i))
			}
		}, fmt.Sprintf("at most %d fit with this predicate type", MaxSubjects(glassbox.PredicateVSA))},
	} {
		t.Run(c.name, func(t *testing.T) {
			l := testLeaf()
			c.edit(&l)
			_, err := l.Marshal()
			if glassbox.ErrorCode(err) != glassbox.EINVALID || !strings.Contains(err.Error(), c.says) {
				t.Errorf("got %v; want EINVALID saying %q", err, c.says)
			}
		})
	}
}

func TestLeafSizeLimit(t *testing.T) {
	if MaxLeafSize > 64<<10 {
		t.Errorf("MaxLeafSize %d is over C2SP's 64 KiB", MaxLeafSize)
	}
	// The largest leaf, a maximal predicate type with as many subjects as
	// fit, is within the limit, and one more subject is not.
	pt := "https://" + strings.Repeat("p", MaxPredicateTypeSize-8)
	n := MaxSubjects(pt)
	l := Leaf{Envelope: digest(0), KeyID: testKeyID, PredicateType: pt}
	for i := range n {
		l.Subjects = append(l.Subjects, digest(i))
	}
	b, err := l.Marshal()
	if err != nil {
		t.Fatalf("%d subjects: %v", n, err)
	}
	if len(b) > MaxLeafSize || len(b)+subjectLineSize <= MaxLeafSize {
		t.Errorf("a leaf of %d subjects is %d bytes; MaxSubjects is not the most that fit in %d", n, len(b), MaxLeafSize)
	}
	if _, err := ParseLeaf(b); err != nil {
		t.Errorf("the largest leaf does not parse: %v", err)
	}
	t.Logf("MaxSubjects: %d with a %d-byte predicate type, %d with %s", n, len(pt), MaxSubjects(glassbox.PredicateVSA), glassbox.PredicateVSA)
}

func TestParseLeafIsStrict(t *testing.T) {
	good, err := testLeaf().Marshal()
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitAfter(string(good), "\n")
	lines = lines[:len(lines)-1] // SplitAfter leaves an empty string after the last "\n"
	join := func(ls ...string) []byte { return []byte(strings.Join(ls, "")) }
	replace := func(i int, s string) []byte {
		ls := slices.Clone(lines)
		ls[i] = s
		return join(ls...)
	}
	subject := func(i int) string { return strings.TrimSuffix(strings.TrimPrefix(lines[4+i], "subject "), "\n") }
	huge := append(slices.Clone(good), bytes.Repeat([]byte("subject "+string(digest(0))+"\n"), MaxLeafSize/80)...)

	for _, c := range []struct {
		name string
		leaf []byte
		says string
	}{
		{"empty", nil, "does not end in a newline"},
		{"no final newline", bytes.TrimSuffix(good, []byte("\n")), "does not end in a newline"},
		{"a trailing blank line", append(slices.Clone(good), '\n'), "line 8"},
		{"another header", replace(0, "glassbox.dev/attestation/v2\n"), "not a glassbox attestation leaf"},
		{"a header with a trailing space", replace(0, LeafHeader+" \n"), "not a glassbox attestation leaf"},
		{"CRLF line ends", bytes.ReplaceAll(good, []byte("\n"), []byte("\r\n")), "not a glassbox attestation leaf"},
		{"a CR at the end of a field", replace(2, "key "+testKeyID+"\r\n"), "key id"},
		{"only the header", []byte(LeafHeader + "\n"), "1 lines"},
		{"no subjects", join(lines[:4]...), "4 lines"},
		{"fields out of order", join(lines[0], lines[2], lines[1], lines[3], lines[4]), `want "envelope "`},
		{"two spaces after a name", replace(1, "envelope  "+strings.TrimPrefix(lines[1], "envelope ")), "is not a digest"},
		{"a tab for the space", replace(2, "key\t"+testKeyID+"\n"), `want "key "`},
		{"an upper-case field name", replace(3, "Predicate "+glassbox.PredicateVSA+"\n"), `want "predicate "`},
		{"an upper-case envelope digest", replace(1, "envelope "+strings.ToUpper(strings.TrimPrefix(lines[1], "envelope "))), "is not a digest"},
		{"another digest algorithm", replace(1, "envelope sha512:"+strings.TrimPrefix(lines[1], "envelope sha256:")), "is not a digest"},
		{"an upper-case key id", replace(2, "key "+strings.ToUpper(testKeyID)+"\n"), "key id"},
		{"a key id with a trailing space", replace(2, "key "+testKeyID+" \n"), "key id"},
		{"an empty predicate type", replace(3, "predicate \n"), "predicate type is empty"},
		{"a predicate type with a space", replace(3, "predicate https://x y\n"), "byte 0x20"},
		{"a predicate type with a DEL", replace(3, "predicate https://x\x7f\n"), "byte 0x7f"},
		{"a predicate type over 2048 bytes", replace(3, "predicate "+strings.Repeat("p", 2049)+"\n"), "over the 2048-byte limit"},
		{"unsorted subjects", join(lines[0], lines[1], lines[2], lines[3], lines[5], lines[4], lines[6]), "not after"},
		{"a repeated subject", join(lines[0], lines[1], lines[2], lines[3], lines[4], lines[4], lines[5]), "not after"},
		{"a malformed subject", replace(5, "subject sha256:"+subject(1)[7:70]+"\n"), "is not a digest"},
		{"a subject with a trailing space", replace(6, "subject "+subject(2)+" \n"), "is not a digest"},
		{"an unknown line after the subjects", join(append(slices.Clone(lines), "note hello\n")...), `want "subject "`},
		{"a NUL byte", replace(3, "predicate https://x\x00\n"), "byte 0x00"},
		{"over the size limit", huge, "over the"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := ParseLeaf(c.leaf)
			if glassbox.ErrorCode(err) != glassbox.EINVALID || !strings.Contains(err.Error(), c.says) {
				t.Errorf("got %v; want EINVALID saying %q", err, c.says)
			}
		})
	}
}

// FuzzParseLeaf checks that ParseLeaf never panics and accepts only the one
// encoding: whatever it accepts, Marshal writes back byte for byte.
func FuzzParseLeaf(f *testing.F) {
	good, _ := testLeaf().Marshal()
	f.Add(good)
	one, _ := Leaf{Envelope: digest(0), KeyID: testKeyID, PredicateType: "x", Subjects: []glassbox.Digest{digest(0)}}.Marshal()
	f.Add(one)
	f.Add([]byte(LeafHeader + "\n"))
	f.Add(bytes.ReplaceAll(good, []byte("\n"), []byte("\r\n")))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		l, err := ParseLeaf(data)
		if err != nil {
			if glassbox.ErrorCode(err) != glassbox.EINVALID {
				t.Fatalf("ParseLeaf failed with code %s, not EINVALID: %v", glassbox.ErrorCode(err), err)
			}
			return
		}
		b, err := l.Marshal()
		if err != nil {
			t.Fatalf("ParseLeaf accepted a leaf that Marshal refuses: %v\n%q", err, data)
		}
		if !bytes.Equal(b, data) {
			t.Fatalf("ParseLeaf accepted another encoding:\n%q\nMarshal writes\n%q", data, b)
		}
	})
}
