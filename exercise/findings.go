package exercise

import (
	"fmt"
	"net"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"

	"glassbox.dev"
	"glassbox.dev/scan"
)

// The run stage's rules, the GB16xx family.
var (
	RuleRuntimeTrigger = scan.Rule{
		ID: "GB1601", Name: "input-opens-hidden-behaviour", Family: "runtime", Severity: glassbox.SeverityCritical,
		Summary: "A value found compiled into the program, given as input, made the running program open a listener, start a process or change privileges, and an ordinary input of the same shape did not.",
		Explanation: "A hidden trigger is a password to a feature nobody documented: vsftpd 2.3.4 opened a root shell on port 6200 when a user name ended in \":)\". " +
			"The static analysis found the value; the run shows what it opens.",
	}
	RuleOutbound = scan.Rule{
		ID: "GB1602", Name: "outbound-connection", Family: "runtime", Severity: glassbox.SeverityHigh,
		Summary:     "The program looked up an outside name or tried to connect out of the machine, though nothing it was asked to do needs it.",
		Explanation: "A connection at start that nobody asked for is how a backdoor phones home: it reports the installation, fetches commands or leaks data. The sandbox lets nothing leave; the attempt is recorded.",
	}
	RuleDefaultCredential = scan.Rule{
		ID: "GB1603", Name: "default-credential-accepted", Family: "runtime", Severity: glassbox.SeverityHigh,
		Summary:     "A listener accepted a default or hard-coded credential.",
		Explanation: "Universal default passwords are what botnets try first (EN 303 645 provision 5.1-1 forbids them); a password compiled into the program is a master key for every installation.",
	}
	RuleUndeclaredListener = scan.Rule{
		ID: "GB1604", Name: "undeclared-listener", Family: "runtime", Severity: glassbox.SeverityMedium,
		Summary:     "The program listens on every interface on a port its recipe does not declare.",
		Explanation: "Every listener is attack surface; one the vendor does not declare is not reviewed, documented or firewalled (CRA Annex I 2(j), EN 303 645 5.6).",
	}
	RuleDebugEndpoint = scan.Rule{
		ID: "GB1605", Name: "unauthenticated-debug-endpoint", Family: "runtime", Severity: glassbox.SeverityMedium,
		Summary:     "An HTTP debug endpoint answers without authentication.",
		Explanation: "Profilers, variable dumps and consoles expose memory, configuration and sometimes code execution to whoever reaches the port.",
	}
	RulePrivilege = scan.Rule{
		ID: "GB1606", Name: "privilege-gain-attempt", Family: "runtime", Severity: glassbox.SeverityMedium,
		Summary:     "The program tried to gain root or capabilities it was not started with.",
		Explanation: "A program started without privileges has no reason to ask for root; one that tries is probing for a way up.",
	}
)

// Rules are the run stage's rules.
func Rules() []scan.Rule {
	return []scan.Rule{RuleRuntimeTrigger, RuleOutbound, RuleDefaultCredential, RuleUndeclaredListener, RuleDebugEndpoint, RulePrivilege}
}

// judge turns what the runs showed into findings.
func judge(rep *Report, inputs []Input) []glassbox.Finding {
	out := []glassbox.Finding{}
	for _, run := range rep.Runs {
		out = append(out, judgeRun(&run)...)
	}
	for i := range out {
		out[i].Fingerprint = fingerprint(out[i])
	}
	return out
}

func judgeRun(run *RunReport) []glassbox.Finding {
	var out []glassbox.Finding
	path := "artifacts/" + run.Artifact
	cmd := strings.TrimSpace(run.Artifact + " " + strings.Join(run.Args, " "))
	finding := func(r scan.Rule, sev glassbox.Severity, msg string, flow []glassbox.FlowStep) glassbox.Finding {
		return glassbox.Finding{RuleID: r.ID, Rule: r.Name, Family: r.Family, Severity: sev, Message: msg,
			Explanation: r.Explanation, Path: path, Region: glassbox.Region{StartLine: 1}, Flow: flow}
	}
	stepAt := func(t time.Time, msg string) glassbox.FlowStep {
		return glassbox.FlowStep{Path: path, Line: 1, Message: fmt.Sprintf("+%.3fs %s", t.Sub(run.Start).Seconds(), msg)}
	}
	var steps []Step
	for _, p := range run.Probes {
		steps = append(steps, p.Steps...)
	}
	firstProbe := time.Time{}
	if len(steps) > 0 {
		firstProbe = steps[0].Start
	}
	when := func(t time.Time) string {
		for _, s := range steps {
			if !t.Before(s.Start) && !t.After(s.End) {
				return fmt.Sprintf("after the probe sent %q (%s)", s.Input, s.Via)
			}
		}
		if firstProbe.IsZero() || t.Before(firstProbe) {
			return "at start"
		}
		return "while it was probed"
	}
	within := func(s Step, kinds ...string) []Event {
		var evs []Event
		for _, e := range run.Events {
			if slices.Contains(kinds, e.Kind) && !e.At.Before(s.Start) && !e.At.After(s.End) {
				evs = append(evs, e)
			}
		}
		return evs
	}
	triggered := map[string]bool{} // listeners and events a trigger explains
	told := map[string]bool{}      // an input and the path it went by, reported once
	// Magic values against their controls.
	for i, s := range steps {
		if s.Kind != "magic" {
			continue
		}
		var ctl *Step
		for j := i - 1; j >= 0; j-- {
			if steps[j].Kind == "control" && steps[j].Via == s.Via {
				ctl = &steps[j]
				break
			}
		}
		// What the value did that its control did not, compared by what
		// was done, with the input itself taken out of it: a program that
		// reacts to every input alike (or does something now and then
		// whatever comes) does not hide a reaction of its own.
		var ctlDid map[string]bool
		if ctl != nil {
			ctlDid = signatures(succeeded(within(*ctl, "exec", "privilege", "listen"), "listen"), ctl.Opened, ctl.Input)
		}
		var acts []Event
		for _, e := range succeeded(within(s, "exec", "spawn", "privilege", "listen"), "listen") {
			if e.Kind == "spawn" || !ctlDid[signature(e, s.Input)] {
				acts = append(acts, e)
			}
		}
		var opened []Listener
		for _, l := range s.Opened {
			if !ctlDid[listenerSignature(l)] {
				opened = append(opened, l)
			}
		}
		if len(opened) == 0 && !hasKind(acts, "exec") && !hasKind(acts, "privilege") && !hasKind(acts, "listen") {
			continue
		}
		s.Opened = opened
		once := s.Via
		if s.Origin != nil {
			once += "\x00" + s.Origin.Value
		}
		if told[once] {
			continue
		}
		told[once] = true
		origin := ""
		if s.Origin != nil {
			origin = fmt.Sprintf(" (found by %s at %s)", s.Origin.Rule, s.Origin.Source)
		}
		flow := []glassbox.FlowStep{stepAt(s.Start, fmt.Sprintf("probe sends %q through %s to %s%s", s.Input, s.Via, listenerOfStep(run, s), origin))}
		if ctl != nil {
			flow = append([]glassbox.FlowStep{stepAt(ctl.Start, fmt.Sprintf("control: %q through %s opens nothing", ctl.Input, ctl.Via))}, flow...)
		}
		var what []string
		for _, e := range acts {
			flow = append(flow, stepAt(e.At, describe(e)))
			switch e.Kind {
			case "exec":
				what = append(what, "run "+strings.Join(e.Argv, " "))
			case "privilege":
				what = append(what, "call "+e.Call)
			case "listen":
				what = append(what, "listen on "+e.Address)
			}
		}
		for _, l := range s.Opened {
			triggered[l.key()] = true
			flow = append(flow, stepAt(l.FirstAt, "listener appears on "+l.Address+fmt.Sprintf(":%d (%s)", l.Port, l.Proto)))
			what = append(what, "listen on "+net.JoinHostPort(l.Address, strconv.Itoa(l.Port)))
		}
		if s.FollowUp != "" {
			flow = append(flow, stepAt(s.End, "connected to what opened: "+s.FollowUp))
		}
		out = append(out, finding(RuleRuntimeTrigger, glassbox.SeverityCritical,
			fmt.Sprintf("%s: the input %q%s, sent through %s, makes it %s; a control input of the same shape does not",
				cmd, s.Input, origin, s.Via, strings.Join(dedupe(what), ", ")), flow))
	}
	// Outbound lookups and connections.
	type dest struct{ name, addr string }
	reported := map[dest]bool{}
	for _, q := range run.DNS {
		if local(q.Name) || reported[dest{name: q.Name}] {
			continue
		}
		reported[dest{name: q.Name}] = true
		flow := []glassbox.FlowStep{stepAt(q.At, fmt.Sprintf("looks up %q (%s); the sinkhole answers %s", q.Name, q.Type, orNone(q.Answer)))}
		for _, e := range run.Events {
			if (e.Kind == "connect" || e.Kind == "send") && e.Name == q.Name {
				flow = append(flow, stepAt(e.At, describe(e)))
				reported[dest{addr: e.Address}] = true
			}
		}
		out = append(out, finding(RuleOutbound, glassbox.SeverityHigh,
			fmt.Sprintf("%s looks up %q %s", cmd, q.Name, when(q.At)), flow))
	}
	for _, e := range run.Events {
		if (e.Kind != "connect" && e.Kind != "send") || reported[dest{addr: e.Address}] || !outside(e.Address) {
			continue
		}
		reported[dest{addr: e.Address}] = true
		out = append(out, finding(RuleOutbound, glassbox.SeverityHigh,
			fmt.Sprintf("%s connects to %s %s", cmd, e.Address, when(e.At)), []glassbox.FlowStep{stepAt(e.At, describe(e))}))
	}
	// Credentials and debug endpoints.
	for _, s := range steps {
		switch {
		case s.Kind == "credential" && s.Accepted:
			out = append(out, finding(RuleDefaultCredential, glassbox.SeverityHigh,
				fmt.Sprintf("%s accepts the credential %q through %s on %s", cmd, s.Input, s.Via, listenerOfStep(run, s)),
				[]glassbox.FlowStep{stepAt(s.Start, fmt.Sprintf("logs in with %q: %q", s.Input, firstLine(s.Response)))}))
		case s.Kind == "debug-endpoint" && s.Accepted:
			out = append(out, finding(RuleDebugEndpoint, glassbox.SeverityMedium,
				fmt.Sprintf("%s serves %s without authentication on %s", cmd, s.Input, listenerOfStep(run, s)),
				[]glassbox.FlowStep{stepAt(s.Start, fmt.Sprintf("GET %s: %q", s.Input, firstLine(s.Response)))}))
		}
	}
	// Listeners nobody declared.
	for _, l := range run.Listeners {
		if !l.AllInterfaces() || l.Declared || triggered[l.key()] || !strings.HasPrefix(l.Proto, "tcp") {
			continue
		}
		flow := []glassbox.FlowStep{stepAt(l.FirstAt, fmt.Sprintf("listener on %s port %d (%s)", l.Address, l.Port, l.Proto))}
		for _, e := range run.Events {
			if e.Kind == "bind" && strings.HasSuffix(e.Address, fmt.Sprintf(":%d", l.Port)) {
				flow = append([]glassbox.FlowStep{stepAt(e.At, describe(e))}, flow...)
			}
		}
		decl := "the recipe declares no port for this run"
		if len(run.Ports) > 0 {
			decl = fmt.Sprintf("the recipe declares %v", run.Ports)
		}
		out = append(out, finding(RuleUndeclaredListener, glassbox.SeverityMedium,
			fmt.Sprintf("%s listens on all interfaces on port %d %s; %s", cmd, l.Port, when(l.FirstAt), decl), flow))
	}
	// Attempts to become root.
	for _, e := range run.Events {
		if e.Kind != "privilege" || !gainsRoot(e) || explained(out, e) {
			continue
		}
		out = append(out, finding(RulePrivilege, glassbox.SeverityMedium,
			fmt.Sprintf("%s calls %s(%s) %s", cmd, e.Call, strings.Join(e.Argv, ", "), when(e.At)), []glassbox.FlowStep{stepAt(e.At, describe(e))}))
	}
	return out
}

// succeeded drops the events of kind that failed: a listen that failed
// opened nothing.
func succeeded(evs []Event, kind string) []Event {
	var out []Event
	for _, e := range evs {
		if e.Kind != kind || !e.failed() {
			out = append(out, e)
		}
	}
	return out
}

// signatures are what a step did, each as signature says.
func signatures(evs []Event, opened []Listener, input string) map[string]bool {
	out := map[string]bool{}
	for _, e := range evs {
		out[signature(e, input)] = true
	}
	for _, l := range opened {
		out[listenerSignature(l)] = true
	}
	return out
}

// signature is an event with the step's input replaced by a placeholder.
func signature(e Event, input string) string {
	x := e.Kind + " " + e.Call + " " + e.Path + " " + strings.Join(e.Argv, "\x00")
	if e.Kind == "listen" {
		x = "listener " + e.Address
		if ap, err := netip.ParseAddrPort(e.Address); err == nil && ap.Port() >= 32768 {
			x = "listener " + ap.Addr().String() + " ephemeral"
		}
	}
	if input != "" {
		x = strings.ReplaceAll(x, input, "\x00input\x00")
	}
	return x
}

// listenerSignature names a listener by protocol, address and port; the
// ports the kernel hands out (32768 and up) are all one.
func listenerSignature(l Listener) string {
	port := strconv.Itoa(l.Port)
	if l.Port >= 32768 {
		port = "ephemeral"
	}
	return "listener " + l.Proto + " " + net.JoinHostPort(l.Address, port)
}

func hasKind(evs []Event, kind string) bool {
	for _, e := range evs {
		if e.Kind == kind {
			return true
		}
	}
	return false
}

// explained reports whether a trigger finding already shows e.
func explained(fs []glassbox.Finding, e Event) bool {
	d := describe(e)
	for _, f := range fs {
		if f.RuleID != RuleRuntimeTrigger.ID {
			continue
		}
		for _, st := range f.Flow {
			if strings.HasSuffix(st.Message, d) {
				return true
			}
		}
	}
	return false
}

// gainsRoot reports whether a privilege call asks for uid or gid 0 or for
// capabilities.
func gainsRoot(e Event) bool {
	if e.Call == "capset" {
		return true
	}
	for _, a := range e.Argv {
		if strings.TrimSpace(a) == "0" {
			return true
		}
	}
	return false
}

// describe is one event in a sentence.
func describe(e Event) string {
	res := ""
	if e.failed() {
		res = " (fails: " + strings.TrimPrefix(e.Result, "-1 ") + ")"
	}
	switch e.Kind {
	case "exec":
		return fmt.Sprintf("pid %d runs %q %q%s", e.PID, e.Path, e.Argv, res)
	case "spawn":
		return fmt.Sprintf("pid %d starts process %s", e.PID, e.Result)
	case "write":
		return fmt.Sprintf("pid %d writes %q (%s)%s", e.PID, e.Path, e.Call, res)
	case "bind", "listen":
		return fmt.Sprintf("pid %d %ss on %s%s", e.PID, e.Kind, e.Address, res)
	case "connect", "send":
		to := e.Address
		if e.Name != "" {
			to += fmt.Sprintf(" (%q)", e.Name)
		}
		verb := "connects"
		if e.Kind == "send" {
			verb = "sends"
		}
		return fmt.Sprintf("pid %d %s to %s%s", e.PID, verb, to, res)
	case "privilege", "namespace":
		return fmt.Sprintf("pid %d calls %s(%s)%s", e.PID, e.Call, strings.Join(e.Argv, ", "), res)
	case "exit":
		return fmt.Sprintf("pid %d %s", e.PID, e.Result)
	}
	return fmt.Sprintf("pid %d %s", e.PID, e.Call)
}

func listenerOfStep(run *RunReport, s Step) string {
	for _, p := range run.Probes {
		for _, x := range p.Steps {
			if x.Start.Equal(s.Start) && x.Input == s.Input {
				return fmt.Sprintf("port %d (%s)", p.Listener.Port, p.Protocol)
			}
		}
	}
	return "its listener"
}

// local reports whether a name looked up is the sandbox's own.
func local(name string) bool {
	n := strings.TrimSuffix(strings.ToLower(name), ".")
	return n == "localhost" || n == "glassbox" || strings.HasSuffix(n, ".localhost") || n == ""
}

// outside reports whether an address is off the machine, or one the
// sinkhole gave for an outside name.
func outside(addr string) bool {
	if strings.HasPrefix(addr, "unix:") {
		return false
	}
	ap, err := netip.ParseAddrPort(addr)
	if err != nil {
		return false
	}
	a := ap.Addr().Unmap()
	if sinkholeNet.Contains(a) {
		return true
	}
	if a == resolverAddr.Addr() && ap.Port() == resolverAddr.Port() {
		return false
	}
	return !a.IsLoopback() && !a.IsUnspecified()
}

func orNone(s string) string {
	if s == "" {
		return "no address"
	}
	return s
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	return strings.TrimSpace(s)
}

func dedupe(xs []string) []string {
	var out []string
	for _, x := range xs {
		if !slices.Contains(out, x) {
			out = append(out, x)
		}
	}
	return out
}

// fingerprint identifies a run-stage finding across runs: the rule, the
// artefact and the message without times.
func fingerprint(f glassbox.Finding) string {
	return scan.Fingerprint(f.RuleID, f.Path, f.Message)
}

// SARIF is the report's findings as SARIF 2.1.0, with each finding's
// observed trace as its code flow.
func SARIF(rep *Report) ([]byte, error) {
	res := &scan.Result{Rules: Rules()}
	for _, f := range rep.Findings {
		res.Findings = append(res.Findings, scan.Finding{Finding: f})
	}
	return scan.SARIF(res)
}
