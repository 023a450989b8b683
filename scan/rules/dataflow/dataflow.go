// Package dataflow follows untrusted input (HTTP requests and responses,
// network connections, bytes received from a socket) across the functions
// and files of a package to the calls that decide what program runs
// (exec.Command's name or shell script, syscall.Exec, plugin.Open;
// system, popen and exec* in C): the GB15xx family.
//
// It is a set analyser: it sees a Go package (the files of one directory
// with one package clause) or a directory's C files at once, computes a
// summary per function (which parameters reach a sink, which reach the
// results, which results carry input) and iterates the summaries to a
// fixpoint, so a backdoor that reads in one function and executes in
// another, in another file, is followed as one path.
package dataflow

import (
	"path"

	"glassbox.dev"
	"glassbox.dev/scan"
)

// RuleInputToExec is the family's rule.
var RuleInputToExec = scan.Rule{
	ID:       "GB1501",
	Name:     "untrusted-input-decides-command",
	Family:   "dataflow",
	Severity: glassbox.SeverityHigh,
	Summary:  "Data received from the network (a request, a connection, a download) decides which program runs or which shell script is run.",
	Explanation: "A program that lets bytes from the network choose the command it executes hands whoever sends them a shell: " +
		"that is the working part of a remote-access backdoor, however the path is split across functions and files. " +
		"Arguments given to a fixed program are not reported; command-line arguments and the environment are the operator's, not a remote party's, and are not sources.",
}

// analyzer is the family's set analyser.
type analyzer struct{}

func init() { scan.Register(analyzer{}) }

func (analyzer) Rules() []scan.Rule { return []scan.Rule{RuleInputToExec} }

// Analyze does nothing: every rule of the family needs the whole set.
func (analyzer) Analyze(*scan.File) []glassbox.Finding { return nil }

// SetOf groups a directory's Go files (split by package clause later) and
// its C files. Test code is left out: it is not shipped.
func (analyzer) SetOf(p, lang string) string {
	if scan.IsTestPath(p) {
		return ""
	}
	switch lang {
	case "go":
		return "go:" + path.Dir(p)
	case "c", "cpp":
		return "c:" + path.Dir(p)
	}
	return ""
}

// AnalyzeSet follows input to sinks in the set.
func (analyzer) AnalyzeSet(s *scan.FileSet) []glassbox.Finding {
	if len(s.Files) == 0 {
		return nil
	}
	switch s.Files[0].Lang {
	case "go":
		return analyzeGo(s.Files)
	case "c", "cpp":
		return analyzeC(s.Files)
	}
	return nil
}
