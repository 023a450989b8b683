package storetest

import (
	"path"
	"testing"

	"glassbox.dev"
	"glassbox.dev/internal/jcs"
)

// NewRelease returns a release of product at version whose manifest looks
// like what ingest makes of a small Go project: a source directory with a
// symbolic link and an executable script, a build recipe, two artefacts and
// an SBOM, all with digests of their (made-up) content. The content depends
// on product and version, so every pair has its own ID.
//
// The edits run on the manifest before its ID is computed, so the ID is
// always the digest of the manifest's canonical JSON, even for a manifest
// that the edits made invalid. SubmittedAt is left zero.
func NewRelease(t testing.TB, product, version string, edits ...func(*glassbox.Manifest)) *glassbox.Release {
	t.Helper()
	name := path.Base(product)
	m := glassbox.Manifest{
		Type:    glassbox.ManifestType,
		Product: product,
		Version: version,
		Source: glassbox.Source{
			Kind: glassbox.SourceDirectory,
			Files: []glassbox.File{
				regular("go.mod", "module example.com/"+product+"\n\ngo 1.24\n"),
				regular("cmd/"+name+"/main.go", "package main\n\nimport \"fmt\"\n\nconst version = \""+version+"\"\n\nfunc main() { fmt.Println(\""+name+"\", version) }\n"),
				regular("LICENSE", "Apache License\nVersion 2.0, January 2004\n"),
				regular("Makefile", "build:\n\tgo build -trimpath -o bin/"+name+" ./cmd/"+name+"\n"),
				symlink("README", "README.md"),
				regular("README.md", "# "+product+"\n\nRelease "+version+".\n"),
				executable("scripts/release.sh", "#!/bin/sh\nset -eu\nmake build\n"),
			},
		},
		Recipe: ptr(executable("build.sh", "#!/bin/sh\nset -eu\nmake build VERSION="+version+"\n")),
		Artifacts: []glassbox.File{
			executable(name+"-linux-amd64", "\x7fELF amd64 "+product+" "+version),
			executable(name+"-linux-arm64", "\x7fELF arm64 "+product+" "+version),
		},
		SBOM: ptr(regular("sbom.spdx.json", `{"spdxVersion":"SPDX-2.3","name":"`+product+`-`+version+`"}`)),
	}
	glassbox.SortFiles(m.Source.Files)
	glassbox.SortFiles(m.Artifacts)
	for _, edit := range edits {
		edit(&m)
	}
	return &glassbox.Release{ID: ManifestID(t, &m), Manifest: m}
}

// ManifestID returns the digest of m's canonical JSON: the ID of a release
// with this manifest.
func ManifestID(t testing.TB, m *glassbox.Manifest) glassbox.Digest {
	t.Helper()
	b, err := jcs.Marshal(m)
	if err != nil {
		t.Fatalf("canonical JSON of %s: %v", m, err)
	}
	return glassbox.DigestOf(b)
}

// Edits for NewRelease.

// fromArchive makes the source an archive that was unpacked.
func fromArchive(m *glassbox.Manifest) {
	m.Source.Kind = glassbox.SourceArchive
	m.Source.Archive = ptr(regular(path.Base(m.Product)+"-"+m.Version+".tar.gz", "\x1f\x8b archive of "+m.String()))
}

// fromGit makes the source a git commit.
func fromGit(m *glassbox.Manifest) {
	m.Source.Kind = glassbox.SourceGit
	m.Source.Commit = glassbox.DigestOf([]byte(m.String())).Hex()[:40]
}

// sourceOnly drops everything but the source.
func sourceOnly(m *glassbox.Manifest) {
	m.Recipe, m.Artifacts, m.SBOM = nil, nil, nil
}

// withFile adds a regular source file, keeping the files sorted.
func withFile(path, content string) func(*glassbox.Manifest) {
	return func(m *glassbox.Manifest) {
		m.Source.Files = append(m.Source.Files, regular(path, content))
		glassbox.SortFiles(m.Source.Files)
	}
}

func regular(path, content string) glassbox.File {
	return glassbox.File{Path: path, Size: int64(len(content)), Mode: glassbox.ModeRegular, Digest: glassbox.DigestOf([]byte(content))}
}

func executable(path, content string) glassbox.File {
	f := regular(path, content)
	f.Mode = glassbox.ModeExecutable
	return f
}

func symlink(path, target string) glassbox.File {
	f := regular(path, target)
	f.Mode, f.Target = glassbox.ModeSymlink, target
	return f
}

func ptr[T any](v T) *T { return &v }
