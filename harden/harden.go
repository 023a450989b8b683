// Package harden reads the exploit mitigations a shipped ELF program was
// built with, the way checksec does: a stack that cannot be executed, no
// segment both writable and executable, position independence, read-only
// relocations, stack canaries and fortified libc calls. The first two
// decide: a program that breaks them hands an attacker executable memory.
// The others are reported for an evaluator, who weighs them against the
// language (Go programs do not need canaries or fortified calls).
package harden

import (
	"debug/buildinfo"
	"debug/elf"
	"errors"
	"fmt"
	"os"
	"strings"

	"glassbox.dev"
)

// Program is what one shipped ELF program was built with.
type Program struct {
	Name   string          `json:"name"`
	Digest glassbox.Digest `json:"digest"`
	// Go is true for a Go program (it carries Go build information).
	Go bool `json:"go"`
	// NX is true when the program asks for a non-executable stack
	// (PT_GNU_STACK without PF_X); a program without the header gets an
	// executable stack from the kernel.
	NX bool `json:"nx"`
	// WX names the segments both writable and executable, if any.
	WX []string `json:"wx,omitempty"`
	// PIE is true for a position-independent executable.
	PIE bool `json:"pie"`
	// RELRO is "full", "partial" or "none".
	RELRO string `json:"relro"`
	// Canary is true when the program calls __stack_chk_fail.
	Canary bool `json:"canary"`
	// Fortified are the fortified libc functions it calls (__memcpy_chk…).
	Fortified int  `json:"fortified"`
	Static    bool `json:"static"`
	// SymbolsUnread is true when the symbol tables were over the bound
	// and not read: Canary and Fortified are unknown.
	SymbolsUnread bool `json:"symbols_unread,omitempty"`
}

// maxSymbols bounds the symbol tables read, in bytes.
const maxSymbols = 32 << 20

func symbolsTooLarge(ef *elf.File) bool {
	for _, s := range ef.Sections {
		if (s.Type == elf.SHT_SYMTAB || s.Type == elf.SHT_DYNSYM || s.Type == elf.SHT_STRTAB) && s.Size > maxSymbols {
			return true
		}
	}
	return false
}

// Decides reports whether the program breaks a mitigation that decides
// against it, and which.
func (p *Program) Decides() []string {
	var out []string
	if !p.NX {
		out = append(out, "executable stack")
	}
	if len(p.WX) > 0 {
		out = append(out, "writable and executable "+strings.Join(p.WX, ", "))
	}
	return out
}

// Summary is one line naming every mitigation.
func (p *Program) Summary() string {
	yes := func(b bool, s string) string {
		if b {
			return s
		}
		return "no " + s
	}
	parts := []string{yes(p.NX, "NX"), yes(len(p.WX) == 0, "W^X"), yes(p.PIE, "PIE"), p.RELRO + " RELRO"}
	switch {
	case p.Go:
		parts = append(parts, "Go (memory-safe; no canaries needed)")
	case p.SymbolsUnread:
		parts = append(parts, "canary and fortified calls unknown (symbol tables over the bound)")
	default:
		parts = append(parts, yes(p.Canary, "canary"), fmt.Sprintf("%d fortified calls", p.Fortified))
	}
	if p.Static {
		parts = append(parts, "static")
	}
	return strings.Join(parts, ", ")
}

// ErrNotELF is returned for a file that is not an ELF program.
var ErrNotELF = errors.New("not an ELF file")

// Read reads the mitigations of the ELF file at path.
func Read(path, name string, digest glassbox.Digest) (*Program, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var magic [4]byte
	if _, err := f.ReadAt(magic[:], 0); err != nil || string(magic[:]) != elf.ELFMAG {
		return nil, ErrNotELF
	}
	ef, err := elf.NewFile(f)
	if err != nil {
		return nil, fmt.Errorf("%s: a damaged ELF file: %w", name, err)
	}
	defer ef.Close()
	if ef.Type != elf.ET_EXEC && ef.Type != elf.ET_DYN {
		return nil, ErrNotELF // an object file or core dump is not a program
	}
	p := &Program{Name: name, Digest: digest, RELRO: "none", Static: true}
	if _, err := buildinfo.Read(f); err == nil {
		p.Go = true
	}
	gnuStack, relro := false, false
	for i, prog := range ef.Progs {
		switch prog.Type {
		case elf.PT_GNU_STACK:
			gnuStack = true
			p.NX = prog.Flags&elf.PF_X == 0
		case elf.PT_GNU_RELRO:
			relro = true
		case elf.PT_INTERP, elf.PT_DYNAMIC:
			p.Static = false
		case elf.PT_LOAD:
			if prog.Flags&elf.PF_W != 0 && prog.Flags&elf.PF_X != 0 {
				p.WX = append(p.WX, fmt.Sprintf("LOAD segment %d", i))
			}
		}
	}
	if !gnuStack {
		p.NX = false
	}
	bindNow, pieFlag := false, false
	if ds := ef.Section(".dynamic"); ds != nil {
		if flags, err := ef.DynValue(elf.DT_FLAGS); err == nil && len(flags) > 0 && flags[0]&uint64(elf.DF_BIND_NOW) != 0 {
			bindNow = true
		}
		if flags, err := ef.DynValue(elf.DT_FLAGS_1); err == nil && len(flags) > 0 {
			if flags[0]&uint64(elf.DF_1_NOW) != 0 {
				bindNow = true
			}
			if flags[0]&uint64(elf.DF_1_PIE) != 0 {
				pieFlag = true
			}
		}
		if v, err := ef.DynValue(elf.DT_BIND_NOW); err == nil && len(v) > 0 {
			bindNow = true
		}
	}
	if relro {
		p.RELRO = "partial"
		if bindNow {
			p.RELRO = "full"
		}
	}
	p.PIE = ef.Type == elf.ET_DYN && (pieFlag || ef.Entry != 0)
	// debug/elf reads a whole symbol table into memory, several times its
	// size: tables beyond the bound are not read, and the canary and
	// fortified calls are then unknown, not absent.
	if symbolsTooLarge(ef) {
		p.SymbolsUnread = true
		return p, nil
	}
	if syms, err := ef.ImportedSymbols(); err == nil {
		for _, s := range syms {
			switch {
			case s.Name == "__stack_chk_fail" || s.Name == "__stack_chk_guard":
				p.Canary = true
			case strings.HasPrefix(s.Name, "__") && strings.HasSuffix(s.Name, "_chk"):
				p.Fortified++
			}
		}
	}
	if p.Static {
		if syms, err := ef.Symbols(); err == nil {
			for _, s := range syms {
				if s.Name == "__stack_chk_fail" {
					p.Canary = true
				}
			}
		}
	}
	return p, nil
}
