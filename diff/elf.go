package diff

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"fmt"
	"io"
	"slices"
	"strings"
)

// compareELF compares two ELF files: the header, Go build information, each
// section, and within executable sections each function, so that a change
// is reported as the function that changed rather than as ".text differs".
func (c *comparer) compareELF(path []string, a, b []byte, depth int) error {
	fa, errA := elf.NewFile(bytes.NewReader(a))
	fb, errB := elf.NewFile(bytes.NewReader(b))
	if errA != nil || errB != nil {
		c.add(path, KindData, "ELF unreadable (%v / %v); %s", errOrOK(errA), errOrOK(errB), describeBytes(a, b))
		return nil
	}
	defer fa.Close()
	defer fb.Close()
	ha, hb := fa.FileHeader, fb.FileHeader
	if ha.Class != hb.Class || ha.Data != hb.Data || ha.OSABI != hb.OSABI || ha.Type != hb.Type || ha.Machine != hb.Machine {
		c.add(path, KindMetadata, "ELF header %v %v %v %v → %v %v %v %v", ha.Class, ha.Data, ha.Type, ha.Machine, hb.Class, hb.Data, hb.Type, hb.Machine)
	}
	goInfo := c.compareGoBuild(path, a, b)

	symsA, symsB := elfSymbols(fa), elfSymbols(fb)
	secsA, secsB := sectionMap(fa), sectionMap(fb)
	for _, s := range fa.Sections {
		if s.Name != "" && secsB[s.Name] == nil {
			c.add(append(path, s.Name), KindRemoved, "section only in A (%d bytes)", s.Size)
		}
	}
	for _, s := range fb.Sections {
		if s.Name != "" && secsA[s.Name] == nil {
			c.add(append(path, s.Name), KindAdded, "section only in B (%d bytes)", s.Size)
		}
	}
	for _, sa := range fa.Sections {
		sb := secsB[sa.Name]
		if sa.Name == "" || sb == nil || c.full() {
			continue
		}
		p := append(path[:len(path):len(path)], sa.Name)
		if sa.Type == elf.SHT_NOBITS || sb.Type == elf.SHT_NOBITS {
			if sa.Size != sb.Size || sa.Type != sb.Type {
				c.add(p, KindData, "uninitialised section size %d → %d", sa.Size, sb.Size)
			}
			continue
		}
		da, err := c.sectionData(sa, len(a))
		if c.fatal(err) {
			return err
		}
		db, err2 := c.sectionData(sb, len(b))
		if c.fatal(err2) {
			return err2
		}
		if err != nil || err2 != nil {
			c.add(p, KindData, "section unreadable (%v / %v)", errOrOK(err), errOrOK(err2))
			continue
		}
		if bytes.Equal(da, db) {
			continue
		}
		switch {
		case sa.Flags&elf.SHF_EXECINSTR != 0:
			c.sizeA, c.sizeB = len(a), len(b)
			c.compareCode(p, fa, fb, sa, sb, da, db, symsA, symsB)
		case sa.Name == ".go.buildinfo" && goInfo:
			// Already explained setting by setting.
		case sa.Name == ".note.go.buildid":
			c.add(p, KindMetadata, "Go build ID differs (it hashes the inputs, so it follows any other difference)")
		default:
			c.compareBinary(p, da, db, sectionKind(sa.Name))
		}
	}
	c.compareDataSymbols(append(path[:len(path):len(path)], "symbols"), symsA, symsB)
	return nil
}

// sectionKind says what a difference in a non-executable section is:
// tables that describe the code (symbols, line tables, debug information,
// relocations, notes) are metadata; everything else is data.
func sectionKind(name string) Kind {
	for _, p := range []string{".gopclntab", ".gosymtab", ".symtab", ".strtab", ".shstrtab", ".dynsym", ".dynstr",
		".debug", ".zdebug", ".typelink", ".itablink", ".eh_frame", ".rel", ".gnu.", ".hash", ".note"} {
		if strings.HasPrefix(name, p) {
			return KindMetadata
		}
	}
	return KindData
}

func sectionMap(f *elf.File) map[string]*elf.Section {
	m := make(map[string]*elf.Section, len(f.Sections))
	for _, s := range f.Sections {
		if _, dup := m[s.Name]; !dup {
			m[s.Name] = s
		}
	}
	return m
}

// sectionData reads a section (decompressing SHF_COMPRESSED ones) within
// the member limit and the budget.
func (c *comparer) sectionData(s *elf.Section, fileSize int) ([]byte, error) {
	if s.Flags&elf.SHF_COMPRESSED == 0 && s.Size > uint64(fileSize) {
		return nil, fmt.Errorf("section %s claims %d bytes in a %d-byte file", s.Name, s.Size, fileSize)
	}
	data, _, n, err := c.readLimited(io.Reader(s.Open()), int64(min(s.Size, uint64(fileSize))))
	if err == nil && data == nil {
		err = fmt.Errorf("section %s is larger than %d bytes (%d)", s.Name, c.opts.MaxMemberSize, n)
	}
	return data, err
}

// symbols is a symbol table sorted by address, to resolve addresses that
// code refers to.
type symbols []elf.Symbol

func elfSymbols(f *elf.File) symbols {
	syms, _ := f.Symbols()
	if len(syms) == 0 {
		syms, _ = f.DynamicSymbols()
	}
	out := syms[:0:0]
	for _, s := range syms {
		t := elf.ST_TYPE(s.Info)
		if s.Name != "" && s.Value != 0 && (t == elf.STT_FUNC || t == elf.STT_OBJECT || t == elf.STT_NOTYPE) {
			out = append(out, s)
		}
	}
	slices.SortStableFunc(out, func(x, y elf.Symbol) int {
		switch {
		case x.Value < y.Value:
			return -1
		case x.Value > y.Value:
			return 1
		}
		return 0
	})
	return out
}

// resolve names the symbol holding addr and the offset into it, so that an
// address in A and one in B can be judged "the same place". A zero-sized
// symbol is a marker for the region up to the next symbol: Go's linker
// marks all string data with one, go:string.*. An address in no symbol is
// named by its distance to the next one.
func (s symbols) resolve(addr uint64) (string, uint64) {
	i, _ := slices.BinarySearchFunc(s, addr, func(x elf.Symbol, a uint64) int {
		if x.Value <= a {
			return -1
		}
		return 1
	})
	// i is the first symbol after addr; look back over a few that start at
	// or before it.
	for j := i - 1; j >= 0 && j >= i-8; j-- {
		if s[j].Size == 0 && j == i-1 {
			return s[j].Name, addr - s[j].Value
		}
		if addr < s[j].Value+s[j].Size {
			return s[j].Name, addr - s[j].Value
		}
	}
	// In a gap the symbol table does not cover (Go leaves some read-only
	// data unnamed), measure from the next symbol instead.
	if i < len(s) {
		return "before " + s[i].Name, s[i].Value - addr
	}
	return "", addr
}

// image reads an ELF file's loaded sections by virtual address, to compare
// what two references point at.
type image struct {
	c    *comparer
	f    *elf.File
	size int
	data map[*elf.Section][]byte
}

// at returns n bytes at virtual address addr, or nil.
func (m *image) at(addr uint64, n int) []byte {
	for _, s := range m.f.Sections {
		if s.Flags&elf.SHF_ALLOC == 0 || s.Type == elf.SHT_NOBITS || addr < s.Addr || addr-s.Addr >= s.Size {
			continue
		}
		d, ok := m.data[s]
		if !ok {
			d, _ = m.c.sectionData(s, m.size)
			m.data[s] = d
		}
		b, ok := slice(d, addr-s.Addr, uint64(n))
		if !ok {
			return nil
		}
		return b
	}
	return nil
}

// function is a function's place in its section.
type function struct {
	name       string
	addr, size uint64
}

// functions lists the functions that lie in section s, from the symbol
// table or, for a stripped Go binary, from its pclntab.
func functions(f *elf.File, s *elf.Section, syms symbols) []function {
	seen := map[string]int{}
	var fns []function
	for _, sym := range syms {
		if elf.ST_TYPE(sym.Info) == elf.STT_FUNC && sym.Size > 0 && sym.Value >= s.Addr && sym.Value-s.Addr < s.Size && sym.Size <= s.Size-(sym.Value-s.Addr) {
			fns = append(fns, function{uniqueName(seen, sym.Name), sym.Value, sym.Size})
		}
	}
	if len(fns) == 0 {
		fns = goFunctions(f, s)
	}
	return fns
}

// compareCode compares an executable section function by function. A
// function whose bytes differ only where it refers to other code or data
// that moved (the same symbol and offset in both) did not change: those
// are the layout ripples of a change elsewhere. What is left is named.
func (c *comparer) compareCode(path []string, fa, fb *elf.File, sa, sb *elf.Section, da, db []byte, symsA, symsB symbols) {
	fnsA, fnsB := functions(fa, sa, symsA), functions(fb, sb, symsB)
	if len(fnsA) == 0 || len(fnsB) == 0 {
		c.compareBinary(path, da, db, KindCode)
		return
	}
	byName := make(map[string]function, len(fnsB))
	for _, f := range fnsB {
		byName[f.name] = f
	}
	inA := make(map[string]bool, len(fnsA))
	before := len(c.res.Differences)
	imgA := &image{c: c, f: fa, size: c.sizeA, data: map[*elf.Section][]byte{}}
	imgB := &image{c: c, f: fb, size: c.sizeB, data: map[*elf.Section][]byte{}}
	// same reports whether address ta in A and tb in B are the same place:
	// the same symbol and offset, or, inside one symbol whose contents
	// shifted (strings after an added string, type descriptors after an added
	// type), the same 24 bytes: enough to hold a type descriptor's hash.
	same := func(ta, tb uint64) bool {
		na, oa := symsA.resolve(ta)
		nb, ob := symsB.resolve(tb)
		if na == "" || na != nb {
			return false
		}
		if oa == ob {
			return true
		}
		da, db := imgA.at(ta, 24), imgB.at(tb, 24)
		return da != nil && bytes.Equal(da, db)
	}
	moved := 0
	for _, fnA := range fnsA {
		inA[fnA.name] = true
		fnB, ok := byName[fnA.name]
		if !ok {
			c.add(append(path, fnA.name), KindRemoved, "function only in A (%d bytes)", fnA.size)
			continue
		}
		ba, okA := slice(da, fnA.addr-sa.Addr, fnA.size)
		bb, okB := slice(db, fnB.addr-sb.Addr, fnB.size)
		if !okA || !okB {
			c.add(append(path, fnA.name), KindCode, "function lies outside the section's data")
			continue
		}
		switch {
		case bytes.Equal(ba, bb):
		case len(ba) != len(bb):
			c.addCode(append(path, fnA.name), ba, bb, fmt.Sprintf("function body differs (%d → %d bytes)", len(ba), len(bb)))
		case onlyReferencesMoved(ba, bb, fnA.addr, fnB.addr, same, fa.ByteOrder):
			moved++
		default:
			c.addCode(append(path, fnA.name), ba, bb, fmt.Sprintf("function body differs (%d bytes, %s)", len(ba), describeBytes(ba, bb)))
		}
		if c.full() {
			return
		}
	}
	for _, fnB := range fnsB {
		if !inA[fnB.name] {
			c.add(append(path, fnB.name), KindAdded, "function only in B (%d bytes)", fnB.size)
		}
	}
	if len(c.res.Differences) == before {
		if moved > 0 {
			c.add(path, KindCode, "no function changed; %d functions differ only in the addresses they refer to (code or data moved)", moved)
		} else {
			c.compareBinary(path, da, db, KindCode) // padding or code outside any function
		}
	}
}

func (c *comparer) addCode(path []string, a, b []byte, detail string) {
	if paths := buildPathsDiffer(a, b); paths != "" {
		c.add(path, KindBuildPath, "%s; embedded paths differ: %s", detail, paths)
		return
	}
	c.add(path, KindCode, "%s", detail)
}

// onlyReferencesMoved reports whether every run of differing bytes between
// two same-sized function bodies is a 32-bit PC-relative displacement (or
// a 32/64-bit absolute address) that points at the same place in A as in B
// (as judged by same). x86-64 call, jmp and RIP-relative operands are such
// displacements, measured from the end of the instruction, which may lie
// up to 4 bytes (an immediate) past the displacement itself.
func onlyReferencesMoved(a, b []byte, addrA, addrB uint64, same func(ta, tb uint64) bool, order binary.ByteOrder) bool {
	explains := func(ws int) bool {
		if ws < 0 || ws+4 > len(a) {
			return false
		}
		ra := int64(int32(order.Uint32(a[ws:])))
		rb := int64(int32(order.Uint32(b[ws:])))
		for _, imm := range []int64{0, 1, 2, 4} {
			end := int64(ws) + 4 + imm
			if same(uint64(int64(addrA)+end+ra), uint64(int64(addrB)+end+rb)) {
				return true
			}
		}
		if same(uint64(order.Uint32(a[ws:])), uint64(order.Uint32(b[ws:]))) {
			return true
		}
		return ws+8 <= len(a) && same(order.Uint64(a[ws:]), order.Uint64(b[ws:]))
	}
	for pos := 0; pos < len(a); {
		if a[pos] == b[pos] {
			pos++
			continue
		}
		ok := false
		for ws := pos - 3; ws <= pos; ws++ {
			if explains(ws) {
				// Everything up to the window's end is explained.
				pos = ws + 4
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	return true
}

// compareDataSymbols reports data symbols present on one side only
// (functions are reported with their sections).
func (c *comparer) compareDataSymbols(path []string, a, b symbols) {
	names := func(s symbols) map[string]uint64 {
		m := make(map[string]uint64, len(s))
		for _, x := range s {
			if elf.ST_TYPE(x.Info) == elf.STT_OBJECT {
				m[x.Name] = x.Size
			}
		}
		return m
	}
	na, nb := names(a), names(b)
	for _, x := range a {
		if _, ok := nb[x.Name]; !ok && elf.ST_TYPE(x.Info) == elf.STT_OBJECT {
			c.add(append(path, x.Name), KindRemoved, "data symbol only in A (%d bytes)", x.Size)
		}
	}
	for _, x := range b {
		if _, ok := na[x.Name]; !ok && elf.ST_TYPE(x.Info) == elf.STT_OBJECT {
			c.add(append(path, x.Name), KindAdded, "data symbol only in B (%d bytes)", x.Size)
		}
	}
}

// slice returns b[off:off+n] when it lies within b.
func slice(b []byte, off, n uint64) ([]byte, bool) {
	if off > uint64(len(b)) || n > uint64(len(b))-off {
		return nil, false
	}
	return b[off : off+n], true
}
