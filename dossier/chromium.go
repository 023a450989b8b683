package dossier

import (
	"context"
	"errors"
	"fmt"
	"html"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"github.com/chromedp/chromedp"

	"glassbox.dev"
)

// PDFTimeout bounds printing the PDF, Chromium's start included.
const PDFTimeout = 60 * time.Second

// ErrNoChromium is returned (wrapped) when no Chromium is installed to
// print the PDF with.
var ErrNoChromium = errors.New("no Chromium to print the PDF with")

// chromiumNames are the names Chromium's builds install under.
var chromiumNames = []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "headless_shell", "chrome"}

// FindChromium returns the path of a Chromium on PATH, or an error saying
// how to get one.
func FindChromium() (string, error) {
	for _, n := range chromiumNames {
		if p, err := exec.LookPath(n); err == nil {
			return p, nil
		}
	}
	return "", &glassbox.Error{Code: glassbox.EUNAVAILABLE, Err: ErrNoChromium,
		Message: "the PDF of the technical file is printed by headless Chromium, and none is installed (apt-get install chromium); give --no-pdf to write the HTML and JSON alone"}
}

// Footer is what every page of the PDF carries at its foot.
type Footer struct {
	Release glassbox.Digest
	// Receipt cites the verdict's receipt: the log's origin and the
	// entry's index.
	Receipt string
}

func (f Footer) template() string {
	receipt := f.Receipt
	if receipt == "" {
		receipt = "no signed verdict"
	}
	return fmt.Sprintf(`<div style="width:100%%;margin:0 12mm;font:8px/1.5 'DejaVu Sans Mono',monospace;color:#333;border-top:0.5px solid #999;padding-top:2px">`+
		`<div style="display:flex;justify-content:space-between"><span>release %s</span><span>page <span class="pageNumber"></span> / <span class="totalPages"></span></span></div>`+
		`<div>verdict receipt: %s</div></div>`,
		html.EscapeString(string(f.Release)), html.EscapeString(receipt))
}

// PDF prints the HTML document at htmlPath to PDF with headless Chromium
// (chromium names its program; empty to look for one): A4, backgrounds
// printed, the footer on every page. It gives up after PDFTimeout.
func PDF(ctx context.Context, chromium, htmlPath string, footer Footer) ([]byte, error) {
	if chromium == "" {
		var err error
		if chromium, err = FindChromium(); err != nil {
			return nil, err
		}
	}
	abs, err := filepath.Abs(htmlPath)
	if err != nil {
		return nil, err
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(chromium))
	if os.Geteuid() == 0 {
		// Chromium refuses to run as root inside its own sandbox.
		opts = append(opts, chromedp.NoSandbox)
	}
	ctx, cancel := context.WithTimeout(ctx, PDFTimeout)
	defer cancel()
	actx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	defer cancelAlloc()
	bctx, cancelBrowser := chromedp.NewContext(actx)
	defer cancelBrowser()
	u := url.URL{Scheme: "file", Path: abs}
	if err := chromedp.Do(bctx, chromedp.Navigate(u.String())); err != nil {
		return nil, pdfError(ctx, err)
	}
	pdf, err := chromedp.Run(bctx, chromedp.PrintToPDF(
		chromedp.PDFPaper(chromedp.PaperA4),
		chromedp.PDFMargins(0.55, 0.55, 0.8, 0.55),
		chromedp.PDFPrintBackground(),
		chromedp.PDFHeaderTemplate(`<span></span>`),
		chromedp.PDFFooterTemplate(footer.template()),
		chromedp.PDFOutlineAndTagged(),
	))
	if err != nil {
		return nil, pdfError(ctx, err)
	}
	return pdf, nil
}

func pdfError(ctx context.Context, err error) error {
	if ctx.Err() == context.DeadlineExceeded {
		return glassbox.Errorf(glassbox.EUNAVAILABLE, "Chromium did not print the technical file within %s: %w", PDFTimeout, err)
	}
	return glassbox.Errorf(glassbox.EUNAVAILABLE, "Chromium could not print the technical file: %w", err)
}
