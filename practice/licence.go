package practice

import (
	"regexp"
	"slices"
	"strings"
)

// licenceTexts identify a licence from its text: every phrase must occur
// (case and spacing ignored). More specific entries come first.
var licenceTexts = []struct {
	id      string
	phrases []string
}{
	// Licences that are not open source, first: they are often added
	// to an open licence's text (the Commons Clause to Apache-2.0).
	{"BUSL-1.1", []string{"business source license"}},
	{"SSPL-1.0", []string{"server side public license"}},
	{"Elastic-2.0", []string{"elastic license 2.0"}},
	{"Commons-Clause", []string{"commons clause"}},
	{"PolyForm", []string{"polyform"}},
	{"CC-BY-NC", []string{"creative commons", "noncommercial"}},
	// Before the GNU licences, whose names the MPL's and EPL's texts quote.
	{"MPL-2.0", []string{"mozilla public license", "2.0"}},
	{"EPL-2.0", []string{"eclipse public license", "2.0"}},
	{"EPL-1.0", []string{"eclipse public license", "1.0"}},
	{"AGPL-3.0", []string{"gnu affero general public license", "version 3"}},
	{"LGPL-3.0", []string{"gnu lesser general public license", "version 3"}},
	{"LGPL-2.1", []string{"gnu lesser general public license", "version 2.1"}},
	{"LGPL-2.0", []string{"gnu library general public license", "version 2"}},
	{"GPL-3.0", []string{"gnu general public license", "version 3"}},
	{"GPL-2.0", []string{"gnu general public license", "version 2"}},
	{"Apache-2.0", []string{"apache license", "version 2.0"}},
	{"BSL-1.0", []string{"boost software license", "version 1.0"}},
	{"Unlicense", []string{"this is free and unencumbered software released into the public domain"}},
	{"CC0-1.0", []string{"cc0 1.0 universal"}},
	{"CC-BY-SA-4.0", []string{"attribution-sharealike 4.0 international"}},
	{"CC-BY-4.0", []string{"attribution 4.0 international"}},
	{"MIT", []string{"permission is hereby granted, free of charge, to any person obtaining a copy"}},
	{"BSD-3-Clause", []string{"redistribution and use in source and binary forms", "neither the name"}},
	{"BSD-3-Clause", []string{"redistribution and use in source and binary forms", "may not be used to endorse or promote"}},
	{"BSD-2-Clause", []string{"redistribution and use in source and binary forms", "this list of conditions and the following disclaimer"}},
	{"ISC", []string{"permission to use, copy, modify, and/or distribute this software for any purpose with or without fee is hereby granted", "copyright notice and this permission notice appear"}},
	{"0BSD", []string{"permission to use, copy, modify, and/or distribute this software for any purpose with or without fee is hereby granted"}},
	{"ISC", []string{"permission to use, copy, modify, and distribute this software for any purpose with or without fee is hereby granted"}},
	{"Zlib", []string{"this software is provided 'as-is', without any express or implied", "altered source versions must be plainly marked"}},
	{"PSF-2.0", []string{"python software foundation license"}},
	{"Artistic-2.0", []string{"the artistic license 2.0"}},
}

// openLicences are the SPDX ids of licences the OSI approved or the FSF
// counts as free (the SPDX licence list's isOsiApproved or isFsfLibre),
// for the licences glassbox identifies and those commonly declared.
var openLicences = []string{
	"0BSD", "AFL-3.0", "AGPL-3.0", "AGPL-3.0-only", "AGPL-3.0-or-later", "Apache-1.1", "Apache-2.0", "Artistic-2.0",
	"BSD-1-Clause", "BSD-2-Clause", "BSD-2-Clause-Patent", "BSD-3-Clause", "BSD-3-Clause-Clear", "BSL-1.0",
	"CC-BY-4.0", "CC-BY-SA-4.0", "CC0-1.0", "CDDL-1.0", "ECL-2.0", "EPL-1.0", "EPL-2.0", "EUPL-1.1", "EUPL-1.2",
	"GPL-2.0", "GPL-2.0-only", "GPL-2.0-or-later", "GPL-3.0", "GPL-3.0-only", "GPL-3.0-or-later", "ISC",
	"LGPL-2.0", "LGPL-2.0-only", "LGPL-2.0-or-later", "LGPL-2.1", "LGPL-2.1-only", "LGPL-2.1-or-later",
	"LGPL-3.0", "LGPL-3.0-only", "LGPL-3.0-or-later", "MIT", "MIT-0", "MPL-1.1", "MPL-2.0", "MS-PL", "MS-RL",
	"NCSA", "OFL-1.1", "OSL-3.0", "PostgreSQL", "PSF-2.0", "Python-2.0", "Ruby", "UPL-1.0", "Unicode-3.0",
	"Unicode-DFS-2016", "Unlicense", "Vim", "W3C", "WTFPL", "X11", "Zlib", "ZPL-2.1",
}

var (
	spdxLineRE = regexp.MustCompile(`SPDX-License-Identifier:\s*([^\n*]+?)\s*(\*/|-->|$)`)
	spdxIDRE   = regexp.MustCompile(`[A-Za-z0-9][A-Za-z0-9.+-]*`)
	spaceRE    = regexp.MustCompile(`\s+`)
)

// identifyLicence returns the SPDX ids a licence text names or contains.
func identifyLicence(text string) []string {
	var ids []string
	if m := spdxLineRE.FindAllStringSubmatch(text, -1); m != nil {
		for _, x := range m {
			ids = append(ids, spdxExpression(x[1])...)
		}
		return dedupe(ids)
	}
	norm := spaceRE.ReplaceAllString(strings.ToLower(strings.ReplaceAll(text, "\u2019", "'")), " ")
	norm = strings.NewReplacer("“", "\"", "”", "\"").Replace(norm)
	for _, l := range licenceTexts {
		all := true
		for _, p := range l.phrases {
			if !strings.Contains(norm, p) {
				all = false
				break
			}
		}
		if all {
			return []string{l.id}
		}
	}
	return nil
}

// spdxExpression returns the licence ids of an SPDX expression ("MIT OR
// Apache-2.0", "GPL-2.0-only WITH Classpath-exception-2.0"). npm's "SEE
// LICENSE IN FILE" names no licence: the file is read instead.
func spdxExpression(expr string) []string {
	if strings.HasPrefix(strings.ToUpper(strings.TrimSpace(expr)), "SEE LICENSE IN") {
		return nil
	}
	var ids []string
	with := false
	for _, tok := range spdxIDRE.FindAllString(expr, -1) {
		switch strings.ToUpper(tok) {
		case "AND", "OR":
			with = false
			continue
		case "WITH":
			with = true
			continue
		}
		if !with {
			ids = append(ids, strings.TrimSuffix(tok, "+"))
		}
		with = false
	}
	return ids
}

func dedupe(s []string) []string {
	slices.Sort(s)
	return slices.Compact(s)
}

func isOpenLicence(id string) bool {
	return slices.ContainsFunc(openLicences, func(o string) bool { return strings.EqualFold(o, id) })
}

var manifestLicenceRE = regexp.MustCompile(`(?m)^\s*"?license"?\s*[:=]\s*["']([^"']+)["']`)

func checkLicenceOSI(c *checker) Result {
	files := c.licenceFiles()
	var found []string
	var where []Location
	var unknown []string
	for _, f := range files {
		ids := identifyLicence(f.text)
		if len(ids) == 0 {
			unknown = append(unknown, f.Path)
			continue
		}
		found = append(found, ids...)
		where = append(where, Location{Path: f.Path, Line: 1, Text: strings.Join(ids, ", ")})
	}
	for _, p := range []string{"package.json", "cargo.toml", "pyproject.toml"} {
		if f := c.t.byPath[p]; f != nil {
			if m := manifestLicenceRE.FindStringSubmatch(f.text); m != nil {
				ids := spdxExpression(m[1])
				found = append(found, ids...)
				where = append(where, Location{Path: f.Path, Text: m[1]})
			}
		}
	}
	found = dedupe(found)
	if len(files) == 0 && len(found) == 0 {
		return c.fail("no licence file and no licence declared in a package manifest: the source is not under an open licence")
	}
	var closed []string
	for _, id := range found {
		switch {
		case strings.HasPrefix(id, "LicenseRef-") || strings.HasPrefix(id, "DocumentRef-"):
			unknown = append(unknown, id)
		case !isOpenLicence(id):
			closed = append(closed, id)
		}
	}
	if len(closed) > 0 {
		return c.fail("licence %s is neither OSI-approved nor free by the FSF's definition", strings.Join(closed, ", ")).at(where...)
	}
	if len(unknown) > 0 {
		return c.notAssessed("the licence in %s is not one glassbox identifies; an evaluator reads it", strings.Join(unknown, ", ")).at(where...)
	}
	return c.pass("licensed under %s, OSI-approved or FSF-free", strings.Join(found, ", ")).at(where...)
}
