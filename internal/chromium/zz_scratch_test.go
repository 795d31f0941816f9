package chromium

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

func TestScratchLogin(t *testing.T) {
	u := os.Getenv("SCRATCH_URL")
	if u == "" {
		t.Skip()
	}
	b := Start(t)
	ctx, cancel := context.WithTimeout(b.Ctx, 40*time.Second)
	defer cancel()
	err := chromedp.Run(ctx,
		chromedp.Navigate(u),
		chromedp.WaitVisible(`#luci_username`, chromedp.ByQuery),
		chromedp.SetValue(`#luci_username`, "root", chromedp.ByQuery),
		chromedp.SendKeys(`#luci_password`, "rig-root", chromedp.ByQuery),
		chromedp.Click(`.modal button.cbi-button-positive`, chromedp.ByQuery),
		chromedp.WaitVisible(`#topmenu > li`, chromedp.ByQuery),
	)
	t.Log(err, b.Messages(), b.Pending())
}
