package chromium

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

const page = `<!DOCTYPE html><html><body>
<button id="dl">download</button>
<script>
console.log('hello', 42);
console.error('something broke');
document.getElementById('dl').addEventListener('click', function() {
	const url = URL.createObjectURL(new Blob(['[Interface]\nPrivateKey = x\n'], { type: 'text/plain' }));
	const a = document.createElement('a');
	a.href = url; a.download = 'laptop.conf';
	document.body.appendChild(a); a.click(); a.remove();
});
setTimeout(function() { null.boom; }, 0);
</script>
<img src="/missing.png">
</body></html>`

// The collector is what the LuCI test's "zero console errors" relies on:
// it must see console.error, an uncaught exception and a failed resource
// load, and a blob download must arrive under its suggested name.
func TestCollectsErrorsAndDownloads(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/html")
		w.Write([]byte(page))
	}))
	defer srv.Close()

	b := Start(t)
	if err := chromedp.Run(b.Ctx,
		chromedp.Navigate(srv.URL),
		chromedp.Click("#dl", chromedp.ByQuery),
	); err != nil {
		t.Fatal(err)
	}
	got, err := b.Download("laptop.conf", 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != "[Interface]\nPrivateKey = x\n" {
		t.Errorf("download = %q", got)
	}

	want := map[string]bool{"console error: something broke": false, "exception": false, "missing.png": false}
	deadline := time.Now().Add(10 * time.Second)
	for {
		for _, m := range b.Errors() {
			s := m.String()
			switch {
			case strings.HasPrefix(s, "console error: something broke"):
				want["console error: something broke"] = true
			case m.Source == "exception" && strings.Contains(s, "null"):
				want["exception"] = true
			case m.Source == "log" && strings.Contains(m.URL, "/missing.png"):
				want["missing.png"] = true
			}
		}
		all := true
		for _, ok := range want {
			all = all && ok
		}
		if all {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("collected %v, missing some of %v", b.Messages(), want)
		}
		time.Sleep(50 * time.Millisecond)
	}
	for _, m := range b.Messages() {
		if m.Source == "console" && m.Level == "log" && m.Text != "hello 42" {
			t.Errorf("console.log collected as %q, want %q", m.Text, "hello 42")
		}
	}
}
