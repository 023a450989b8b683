package practice_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"glassbox.dev"
	"glassbox.dev/practice"
)

// release makes a release of files (path → content) and artefacts held in
// memory.
func release(files, artifacts map[string]string) practice.Input {
	blobs := map[glassbox.Digest][]byte{}
	mk := func(m map[string]string) []glassbox.File {
		var out []glassbox.File
		for p, c := range m {
			d := glassbox.DigestOf([]byte(c))
			blobs[d] = []byte(c)
			out = append(out, glassbox.File{Path: p, Size: int64(len(c)), Mode: glassbox.ModeRegular, Digest: d})
		}
		glassbox.SortFiles(out)
		return out
	}
	rel := &glassbox.Release{ID: glassbox.Digest("sha256:" + strings.Repeat("0", 64)), Manifest: glassbox.Manifest{
		Product: "acme/tool", Version: "1.2.0", Source: glassbox.Source{Kind: glassbox.SourceDirectory, Files: mk(files)}, Artifacts: mk(artifacts)}}
	open := func(_ context.Context, d glassbox.Digest) (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(blobs[d])), nil
	}
	return practice.Input{Release: rel, Open: open}
}

func run(t *testing.T, in practice.Input) *practice.Report {
	t.Helper()
	rep, err := practice.Run(t.Context(), in)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Results) != len(glassbox.RepositoryChecks) {
		t.Fatalf("%d results, want one per repository check (%d)", len(rep.Results), len(glassbox.RepositoryChecks))
	}
	for i, r := range rep.Results {
		if r.Check != glassbox.RepositoryChecks[i] {
			t.Fatalf("result %d is %s, want %s", i, r.Check, glassbox.RepositoryChecks[i])
		}
	}
	return rep
}

func want(t *testing.T, rep *practice.Report, check string, status glassbox.CheckStatus, in string) {
	t.Helper()
	r, ok := rep.Result(check)
	if !ok {
		t.Fatalf("no result for %s", check)
	}
	if r.Status != status || !strings.Contains(r.Summary+fmtWhere(r.Where), in) {
		t.Errorf("%s: %s (%s %s), want %s mentioning %q", check, r.Status, r.Summary, fmtWhere(r.Where), status, in)
	}
}

func fmtWhere(ws []practice.Location) string {
	var b strings.Builder
	for _, w := range ws {
		b.WriteString(" " + w.Path + ":" + w.Text)
	}
	return b.String()
}

const elf = "\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00binary"

// wellRun is a project that follows every practice the checks look for.
var wellRun = map[string]string{
	"LICENSE": "MIT License\n\nPermission is hereby granted, free of charge, to any person obtaining a copy of this software",
	"README.md": "# tool\n\n## Usage\n\nRun `tool --help` to see every command; `tool scan DIR` scans a directory and prints what it found, one line each.\n\n" +
		"## Building\n\n    go build ./cmd/tool\n\nRun the tests with `go test ./...`.\n\n## Verifying releases\n\nCheck a download with `sha256sum -c SHA256SUMS` and its signature with\n" +
		"`cosign verify-blob --certificate-identity https://github.com/acme/tool/.github/workflows/release.yml@refs/tags/v1.2.0 --certificate-oidc-issuer https://token.actions.githubusercontent.com`.\n\n" +
		"## Community\n\nQuestions and proposals go to the mailing list acme-tool@googlegroups.com.\n\n## Reporting bugs\n\nReport bugs at https://github.com/acme/tool/issues.\n",
	"SECURITY.md": "# Security policy\n\n## Supported versions\n\nOnly the latest minor release receives security fixes; older releases are end of life.\n\n" +
		"## Reporting\n\nE-mail security@acme.example. We acknowledge reports within 3 business days and coordinate disclosure with you, publishing an advisory within 90 days.\n\n" +
		"## Dependencies\n\nVulnerable dependencies of high or critical severity are fixed within 14 days, and none is left unaddressed before a release.\n\n" +
		"## Static analysis\n\nCodeQL findings of high severity must be fixed before merge.\n\n" +
		"## Secrets\n\nRelease signing keys are stored in the CI secret store only; access is limited to maintainers and the keys are rotated yearly; tokens must never be committed.\n",
	"CONTRIBUTING.md":        "# Contributing\n\nEvery pull request must add or update tests for the change it makes, pass `golangci-lint run`, and carry a Signed-off-by line (DCO).\n\nChanges are approved by a maintainer before merging.\n",
	"GOVERNANCE.md":          "# Governance\n\nMaintainers are responsible for reviewing changes and cutting releases; reviewers triage issues.\n\nA contributor becomes a maintainer when nominated by a maintainer and approved by a vote of the maintainers.\n",
	"MAINTAINERS":            "Ada Lovelace <ada@acme.example> @ada\n",
	"CHANGELOG.md":           "# Changes\n\n## v1.2.0\n\n- scan follows symlinks\n",
	"docs/ARCHITECTURE.md":   "# Architecture\n\n" + strings.Repeat("The scanner reads each file, the reporter prints results. ", 40),
	"go.mod":                 "module github.com/acme/tool\n\ngo 1.22\n",
	"main.go":                "package main\n",
	".github/dependabot.yml": "version: 2\n",
	".github/workflows/ci.yml": `name: ci
on: [push, pull_request]
permissions:
  contents: read
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: go test ./...
      - run: go vet ./... && govulncheck ./...
      - env:
          TITLE: ${{ github.event.pull_request.title }}
        run: echo "$TITLE"
`,
	".github/workflows/release.yml": `on:
  push:
    tags: ['v*']
jobs:
  release:
    permissions:
      contents: write
      id-token: write
    runs-on: ubuntu-latest
    steps:
      - run: make release
`,
}

func TestWellRunProjectPasses(t *testing.T) {
	in := release(wellRun, map[string]string{"tool-1.2.0-linux-amd64": elf, "SHA256SUMS": "abc  tool-1.2.0-linux-amd64\n", "SHA256SUMS.sig": "sig"})
	in.Release.Manifest.SBOM = &glassbox.File{Path: "tool.cdx.json"}
	in.Vulns = &practice.VulnFacts{}
	in.History = &glassbox.GitHistory{Tags: []glassbox.GitTag{{Name: "v1.2.0"}}, Commit: strings.Repeat("a", 40), Commits: []glassbox.GitCommit{
		{ID: strings.Repeat("a", 40), Author: "Ada", AuthorTime: time.Unix(1, 0), Committer: "Ada", CommitTime: time.Unix(2, 0), SignedOffBy: []string{"Ada <ada@acme.example>"}},
	}}
	in.Release.Manifest.Source.History = &glassbox.File{Path: "git-history.json"}
	rep := run(t, in)
	for _, r := range rep.Results {
		if r.Status != glassbox.CheckPass {
			t.Errorf("%s: %s: %s%s", r.Check, r.Status, r.Summary, fmtWhere(r.Where))
		}
	}
}

func TestPoorlyRunProjectFails(t *testing.T) {
	files := map[string]string{
		"LICENSE":         "Business Source License 1.1\n\nLicensor: Acme. Licensed Work: tool. Apache License, Version 2.0 after the change date.",
		"README.md":       "# tool\n\nInstall with `curl http://get.acme.example/install.sh | sh`.\n",
		"main.go":         "package main\n",
		"app.js":          "console.log(1)\n",
		"bin/tool":        elf,
		"assets/data.zip": "PK\x03\x04\x00\x00binary\x00",
		".github/workflows/triage.yml": `on: pull_request_target
permissions: write-all
jobs:
  greet:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
        with:
          ref: ${{ github.event.pull_request.head.sha }}
      - run: |
          echo "thanks"
          echo "${{ github.event.issue.title }}"
      - run: ./deploy "${{ inputs.target }}"
`,
	}
	in := release(files, map[string]string{"tool": elf})
	in.Vulns = &practice.VulnFacts{NotAffecting: []string{"GO-2024-0001"}}
	in.History = &glassbox.GitHistory{Commit: strings.Repeat("b", 40), Tags: []glassbox.GitTag{{Name: "v1.1.0", Annotated: true, Message: "v1.1.0"}}, Commits: []glassbox.GitCommit{
		{ID: strings.Repeat("b", 40), Author: "Bob", AuthorTime: time.Unix(1, 0), Committer: "Bob", CommitTime: time.Unix(2, 0), Subject: "fix"},
	}}
	in.Release.Manifest.Source.History = &glassbox.File{Path: "git-history.json"}
	rep := run(t, in)
	for _, c := range []struct{ check, in string }{
		{"repo.licence-osi", "BUSL-1.1"},
		{"repo.security-policy", "no security policy"},
		{"repo.dependency-manifest", "Go, JavaScript/TypeScript"},
		{"repo.no-executables", "bin/tool"},
		{"repo.no-unreviewable-binaries", "zip archive"},
		{"repo.ci-least-privilege", "write-all"},
		{"repo.ci-untrusted-input", "triage.yml:12"},
		{"repo.ci-untrusted-checkout", "pull_request.head.sha"},
		{"repo.ci-trusted-input", "inputs.target"},
		{"repo.signed-off", "1 of 1"},
		{"repo.signed-release", "is signed (v1.1.0)"},
		{"repo.changelog", "no change log"},
		{"repo.version-unique", "v1.1.0"},
		{"repo.assets-named", "tool"},
		{"repo.sbom-shipped", "without an SBOM"},
		{"repo.vex-shipped", "GO-2024-0001"},
		{"repo.https-channels", "http://get.acme.example"},
		{"repo.ci-tests", "no CI configuration runs the tests"},
	} {
		want(t, rep, c.check, glassbox.CheckFail, c.in)
	}
	want(t, rep, "repo.ci-default-permissions", glassbox.CheckPass, "")
	want(t, rep, "repo.history", glassbox.CheckPass, "1 commit")
}

// TestNotDecidedIsNotPassed: what the evidence cannot decide is not
// assessed, never passed.
func TestNotDecidedIsNotPassed(t *testing.T) {
	in := release(map[string]string{
		"LICENSE":                  "Some custom licence text nobody has seen before.",
		"main.c":                   "int main(void){return 0;}\n",
		".travis.yml":              "language: c\nscript: make\n",
		".github/workflows/ci.yml": "on: push\njobs:\n  b:\n    runs-on: ubuntu-latest\n    steps:\n      - run: make\n",
	}, nil)
	rep := run(t, in)
	want(t, rep, "repo.licence-osi", glassbox.CheckError, "not one glassbox identifies")
	want(t, rep, "repo.history", glassbox.CheckError, "not submitted from git")
	want(t, rep, "repo.signed-off", glassbox.CheckError, "--git")
	want(t, rep, "repo.vex-shipped", glassbox.CheckError, "did not run")
	want(t, rep, "repo.ci-default-permissions", glassbox.CheckError, "default token permissions")
	want(t, rep, "repo.ci-untrusted-input", glassbox.CheckError, "Travis CI")
	want(t, rep, "repo.dependency-manifest", glassbox.CheckNotApplicable, "C, C++")
	want(t, rep, "repo.assets-named", glassbox.CheckNotApplicable, "")
	want(t, rep, "repo.sbom-shipped", glassbox.CheckNotApplicable, "")
	for _, r := range rep.Results {
		if r.Status == glassbox.CheckPass && slices.Contains([]string{"repo.licence-osi", "repo.history", "repo.signed-off"}, r.Check) {
			t.Errorf("%s passed on evidence that cannot decide it", r.Check)
		}
	}
}

// TestArchivePrefix: a source whose files are all under one directory (a
// release tarball's) is read from inside it.
func TestArchivePrefix(t *testing.T) {
	rep := run(t, release(map[string]string{"tool-1.2.0/LICENSE": wellRun["LICENSE"], "tool-1.2.0/SECURITY.md": wellRun["SECURITY.md"]}, nil))
	want(t, rep, "repo.licence-file", glassbox.CheckPass, "LICENSE")
	want(t, rep, "repo.security-policy", glassbox.CheckPass, "SECURITY.md")
}

// FuzzRun: hostile documents and workflows never make the checks panic.
func FuzzRun(f *testing.F) {
	f.Add("README.md", "# x\n## Usage\n[a][b]\n\n[b]: https://x\n")
	f.Add(".github/workflows/a.yml", "on: [pull_request_target]\njobs: {a: {steps: [{uses: actions/checkout@v4, with: {ref: '${{ github.head_ref }}'}}]}}")
	f.Add("LICENSE", "SPDX-License-Identifier: (MIT OR Apache-2.0) WITH x")
	f.Add("package.json", `{"repository": "acme/x", "license": "MIT"}`)
	f.Fuzz(func(t *testing.T, name, content string) {
		if glassbox.ValidatePath(name) != nil {
			return
		}
		if _, err := practice.Run(context.Background(), release(map[string]string{name: content}, map[string]string{name: content})); err != nil {
			t.Fatal(err)
		}
	})
}

// TestFoundOnRealProjects keeps the cases trying the checks on real
// projects from the module proxy and npm showed: wording that must count,
// and wording that must not.
func TestFoundOnRealProjects(t *testing.T) {
	// chalk's README: "support" about colours is not a support policy.
	rep := run(t, release(map[string]string{"readme.md": "# chalk\n\n## 256 and Truecolor color support\n\nChalk supports 256 colors. Colors are downsampled to an ANSI color format that is supported by the terminal emulator.\n"}, nil))
	want(t, rep, "repo.support-scope", glassbox.CheckFail, "")
	// hello's SECURITY.md: fixing reported vulnerabilities within days is
	// not a policy for vulnerable dependencies.
	rep = run(t, release(map[string]string{"SECURITY.md": "## Reporting a vulnerability\nWrite to security@hello.example. We acknowledge within 2 working days and agree a disclosure date, sooner once a fix ships.\n"}, nil))
	want(t, rep, "repo.sca-policy", glassbox.CheckFail, "")
	// cobra: tests run through a make target; only the newest major
	// release gets security fixes.
	rep = run(t, release(map[string]string{
		".github/workflows/test.yml": "on: [push, pull_request]\npermissions:\n  contents: read\njobs:\n  t:\n    runs-on: ubuntu-latest\n    steps:\n      - run: RICHGO_FORCE_COLOR=1 make richtest\n",
		"SECURITY.md":                "# Security\n\nReport to security@cobra.example.\n\n## Supported Versions\n\nSecurity fixes will typically only be released for the most recent major release.\n",
	}, nil))
	want(t, rep, "repo.ci-tests", glassbox.CheckPass, "test.yml")
	want(t, rep, "repo.support-scope", glassbox.CheckPass, "SECURITY.md")
	want(t, rep, "repo.support-end", glassbox.CheckPass, "SECURITY.md")
}

// TestHostileDocumentsAreBounded: documents made to be slow to read (many
// references, headings and lines) are read in bounded time; the test
// fails by the package's timeout, never by timing.
func TestHostileDocumentsAreBounded(t *testing.T) {
	var b strings.Builder
	b.WriteString("# Security\n\n")
	for i := 0; b.Len() < 250<<10; i++ {
		b.WriteString("[a][r" + strings.Repeat("x", i%50) + "] ")
		if i%7 == 0 {
			b.WriteString("\n[r" + strings.Repeat("x", i%50) + "]: https://x\n###### h\n")
		}
	}
	rep := run(t, release(map[string]string{"README.md": b.String(), "SECURITY.md": b.String(), "CONTRIBUTING.md": b.String()}, nil))
	want(t, rep, "repo.security-policy", glassbox.CheckPass, "")
}

// TestUnreadDocumentsLeaveNotAssessed: past the bound on documents read, a
// document check that found nothing cannot say it is not there.
func TestUnreadDocumentsLeaveNotAssessed(t *testing.T) {
	files := map[string]string{}
	for i := range 410 {
		files[fmt.Sprintf("docs/page%03d.md", i)] = "# page\n\nnothing here\n"
	}
	rep := run(t, release(files, nil))
	want(t, rep, "repo.security-policy", glassbox.CheckError, "were not read")
	want(t, rep, "repo.licence-file", glassbox.CheckFail, "")
}

// TestLicencesIdentified: licence texts whose wording quotes others' are
// told apart (the review found GPL taken for a non-commercial licence,
// MPL-2.0 for AGPL-3.0), and npm's "SEE LICENSE IN" defers to the file.
func TestLicencesIdentified(t *testing.T) {
	for _, p := range []struct{ file, want string }{
		{"/usr/share/common-licenses/GPL-2", "GPL-2.0"},
		{"/usr/share/common-licenses/GPL-3", "GPL-3.0"},
		{"/usr/share/common-licenses/MPL-2.0", "MPL-2.0"},
		{"/usr/share/common-licenses/Apache-2.0", "Apache-2.0"},
		{"/usr/share/common-licenses/LGPL-2.1", "LGPL-2.1"},
	} {
		b, err := os.ReadFile(p.file)
		if err != nil {
			t.Logf("%s: %v", p.file, err)
			continue
		}
		rep := run(t, release(map[string]string{"LICENSE": string(b)}, nil))
		want(t, rep, "repo.licence-osi", glassbox.CheckPass, p.want)
	}
	rep := run(t, release(map[string]string{"LICENSE.txt": wellRun["LICENSE"], "package.json": "{\n  \"name\": \"x\",\n  \"license\": \"SEE LICENSE IN LICENSE.txt\"\n}\n"}, nil))
	want(t, rep, "repo.licence-osi", glassbox.CheckPass, "MIT")
	rep = run(t, release(map[string]string{"LICENSE": "SPDX-License-Identifier: LicenseRef-Acme-1.0\n"}, nil))
	want(t, rep, "repo.licence-osi", glassbox.CheckError, "LicenseRef-Acme-1.0")
}

// TestReviewFindings keeps the cases a review of the checks found.
func TestReviewFindings(t *testing.T) {
	// A commit id is not a key fingerprint; "make sure" is not a build
	// command; a change log's "updated dependencies" is not a policy.
	rep := run(t, release(map[string]string{
		"README.md":    "# x\n\n## Building\n\nMake sure you have a recent compiler.\n\nSee https://github.com/acme/x/commit/0123456789abcdef0123456789abcdef01234567 for the fix.\n",
		"CHANGELOG.md": "# 1.0\n\n- Updated dependencies\n- Added dependency on zlib\n",
	}, nil))
	want(t, rep, "repo.signer-identity", glassbox.CheckFail, "")
	want(t, rep, "repo.build-instructions", glassbox.CheckFail, "")
	want(t, rep, "repo.dependency-policy", glassbox.CheckFail, "")

	// A security tool's README title does not make the README a policy.
	rep = run(t, release(map[string]string{"README.md": "# Security scanner for containers\n\n[![ci](https://ci.example/badge.svg)](https://ci.example)\n\nMaintained by dev@acme.example.\n"}, nil))
	want(t, rep, "repo.security-policy", glassbox.CheckFail, "")

	// Untrusted data behind format(), aliases to write scopes, a checkout
	// of the merge commit.
	rep = run(t, release(map[string]string{
		".github/workflows/a.yml": `on: [pull_request_target]
jobs:
  j:
    permissions: &w {contents: write}
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
        with:
          ref: ${{ github.event.pull_request.merge_commit_sha }}
      - run: echo "${{ format('T {0}', github.event.issue.title) }}"
permissions: *w
`,
		"README.md": "# x\n",
	}, nil))
	want(t, rep, "repo.ci-untrusted-input", glassbox.CheckFail, "format(")
	want(t, rep, "repo.ci-least-privilege", glassbox.CheckFail, "contents: write")
	want(t, rep, "repo.ci-untrusted-checkout", glassbox.CheckFail, "merge_commit_sha")

	// Text cut in the middle of a multi-byte character at the read bound
	// is still text.
	rep = run(t, release(map[string]string{"docs/ja.md": strings.Repeat("あ", 3000)}, nil))
	want(t, rep, "repo.no-unreviewable-binaries", glassbox.CheckPass, "")
}
