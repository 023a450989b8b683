package sbom

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"sort"
	"strings"
	"time"

	cdx "github.com/CycloneDX/cyclonedx-go"

	"glassbox.dev"
)

// Subject is what an SBOM describes: a release, a source tree or a binary.
// It becomes the CycloneDX metadata.component.
type Subject struct {
	Name    string
	Version string // "" when unknown
	PURL    string // "" when it has none
	// Hashes are the subject's digests, spelled as components' are
	// ("sha256:<hex>" for a file).
	Hashes []string
}

// Option changes the BOM before it is encoded, for callers that add to it
// (vulnerabilities for a VEX, dependencies).
type Option func(*cdx.BOM)

// sourceProperty names the CycloneDX property that says where a component
// was found; one component may carry several.
const sourceProperty = "glassbox:source"

// CycloneDX returns a CycloneDX 1.6 JSON document listing components, with
// subject as its metadata.component. Components with the same package URL
// are listed once, with every place they were found as a glassbox:source
// property and the union of their hashes. The output is deterministic: no
// timestamp, components sorted, and a serial number derived from the
// document's content, so the same input gives the same bytes; At adds a
// timestamp the caller fixes. The tool is glassbox at glassbox.Version().
func CycloneDX(subject Subject, components []glassbox.Component, opts ...Option) ([]byte, error) {
	bom := cdx.NewBOM()
	bom.SpecVersion = cdx.SpecVersion1_6
	meta := &cdx.Component{
		BOMRef:     subjectRef(subject),
		Type:       cdx.ComponentTypeApplication,
		Name:       subject.Name,
		Version:    subject.Version,
		PackageURL: subject.PURL,
		Hashes:     cdxHashes(subject.Hashes),
	}
	if meta.Name == "" {
		return nil, glassbox.Errorf(glassbox.EINVALID, "cyclonedx: the SBOM's subject has no name")
	}
	bom.Metadata = &cdx.Metadata{
		Component: meta,
		Tools: &cdx.ToolsChoice{Components: &[]cdx.Component{{
			Type: cdx.ComponentTypeApplication, Name: "glassbox", Version: glassbox.Version(),
		}}},
	}

	merged := mergeByPURL(components)
	list := make([]cdx.Component, 0, len(merged))
	refs := []string{}
	for _, m := range merged {
		c := cdx.Component{
			BOMRef:     m.PURL,
			Type:       cdx.ComponentTypeLibrary,
			Name:       m.Name,
			Version:    m.Version,
			PackageURL: m.PURL,
			Hashes:     cdxHashes(m.Hashes),
		}
		if m.Ecosystem == EcosystemMaven {
			if g, a, ok := strings.Cut(m.Name, ":"); ok {
				c.Group, c.Name = g, a
			}
		}
		props := make([]cdx.Property, 0, len(m.sources)+1)
		for _, s := range m.sources {
			props = append(props, cdx.Property{Name: sourceProperty, Value: s})
		}
		if m.Direct {
			props = append(props, cdx.Property{Name: "glassbox:direct", Value: "true"})
		}
		if m.Ecosystem != EcosystemC {
			props = append(props, cdx.Property{Name: "glassbox:ecosystem", Value: m.Ecosystem})
		}
		c.Properties = &props
		list = append(list, c)
		refs = append(refs, c.BOMRef)
	}
	bom.Components = &list
	bom.Dependencies = &[]cdx.Dependency{{Ref: meta.BOMRef, Dependencies: &refs}}
	for _, o := range opts {
		o(bom)
	}

	// The serial number is a name-based UUID of the document without it.
	unserialised, err := encodeBOM(bom)
	if err != nil {
		return nil, err
	}
	bom.SerialNumber = contentUUID(unserialised)
	return encodeBOM(bom)
}

// At sets the document's metadata.timestamp. Give it a time the input
// fixes (a release's submission), not the clock, so that the same input
// still gives the same bytes.
func At(t time.Time) Option {
	return func(bom *cdx.BOM) {
		if !t.IsZero() {
			bom.Metadata.Timestamp = t.UTC().Format(time.RFC3339)
		}
	}
}

func encodeBOM(bom *cdx.BOM) ([]byte, error) {
	var buf bytes.Buffer
	enc := cdx.NewBOMEncoder(&buf, cdx.BOMFileFormatJSON)
	enc.SetPretty(true)
	enc.SetEscapeHTML(false)
	if err := enc.EncodeVersion(bom, cdx.SpecVersion1_6); err != nil {
		return nil, glassbox.Errorf(glassbox.EINTERNAL, "cyclonedx: encode: %w", err)
	}
	return buf.Bytes(), nil
}

// contentUUID returns "urn:uuid:" and a version-5-shaped UUID made from the
// SHA-256 of data.
func contentUUID(data []byte) string {
	h := sha256.Sum256(data)
	u := h[:16]
	u[6] = u[6]&0x0f | 0x50
	u[8] = u[8]&0x3f | 0x80
	x := hex.EncodeToString(u)
	return fmt.Sprintf("urn:uuid:%s-%s-%s-%s-%s", x[0:8], x[8:12], x[12:16], x[16:20], x[20:32])
}

func subjectRef(s Subject) string {
	if s.PURL != "" {
		return s.PURL
	}
	if s.Version != "" {
		return s.Name + "@" + s.Version
	}
	return s.Name
}

// merged is a component found in one or more places.
type merged struct {
	glassbox.Component
	sources []string
}

// mergeByPURL lists each package URL once, in Sort's order.
func mergeByPURL(components []glassbox.Component) []merged {
	cs := append([]glassbox.Component(nil), components...)
	Sort(cs)
	var out []merged
	index := make(map[string]int)
	for _, c := range cs {
		if c.PURL == "" {
			c.PURL = PURL(c.Ecosystem, c.Name, c.Version)
		}
		i, ok := index[c.PURL]
		if !ok {
			index[c.PURL] = len(out)
			out = append(out, merged{Component: c, sources: []string{c.Source}})
			out[len(out)-1].Hashes = append([]string(nil), c.Hashes...)
			continue
		}
		m := &out[i]
		m.sources = appendUnique(m.sources, c.Source)
		m.Direct = m.Direct || c.Direct
		for _, h := range c.Hashes {
			m.Hashes = appendUnique(m.Hashes, h)
		}
	}
	for i := range out {
		sort.Strings(out[i].sources)
		sort.Strings(out[i].Hashes)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].PURL < out[j].PURL })
	return out
}

func appendUnique(list []string, s string) []string {
	for _, x := range list {
		if x == s {
			return list
		}
	}
	return append(list, s)
}

// cdxHashes converts hashes as manifests write them into CycloneDX hashes
// (algorithm and lower-case hex). Go's h1: is the SHA-256 of the module's
// file-list summary, converted as cyclonedx-gomod does; npm's integrity is
// Subresource Integrity (algorithm-base64); Python and Cargo lock files
// write algorithm:hex. A hash in no known form is left out rather than
// mislabelled.
func cdxHashes(hashes []string) *[]cdx.Hash {
	var out []cdx.Hash
	seen := make(map[cdx.Hash]bool)
	for _, h := range hashes {
		for _, one := range strings.Fields(h) {
			c, ok := cdxHash(one)
			if ok && !seen[c] {
				seen[c] = true
				out = append(out, c)
			}
		}
	}
	if len(out) == 0 {
		return nil
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Algorithm != out[j].Algorithm {
			return out[i].Algorithm < out[j].Algorithm
		}
		return out[i].Value < out[j].Value
	})
	return &out
}

var hashAlgorithms = map[string]struct {
	algo cdx.HashAlgorithm
	size int
}{
	"h1":     {cdx.HashAlgoSHA256, 32},
	"md5":    {cdx.HashAlgoMD5, 16},
	"sha1":   {cdx.HashAlgoSHA1, 20},
	"sha256": {cdx.HashAlgoSHA256, 32},
	"sha384": {cdx.HashAlgoSHA384, 48},
	"sha512": {cdx.HashAlgoSHA512, 64},
}

func cdxHash(h string) (cdx.Hash, bool) {
	var name, value string
	var b64 bool
	if n, v, ok := strings.Cut(h, ":"); ok {
		name, value, b64 = n, v, n == "h1"
	} else if n, v, ok := strings.Cut(h, "-"); ok {
		name, value, b64 = n, v, true
	} else {
		return cdx.Hash{}, false
	}
	a, ok := hashAlgorithms[strings.ToLower(name)]
	if !ok {
		return cdx.Hash{}, false
	}
	var raw []byte
	var err error
	if b64 {
		raw, err = base64.StdEncoding.DecodeString(value)
	} else {
		raw, err = hex.DecodeString(value)
	}
	if err != nil || len(raw) != a.size {
		return cdx.Hash{}, false
	}
	return cdx.Hash{Algorithm: a.algo, Value: hex.EncodeToString(raw)}, true
}
