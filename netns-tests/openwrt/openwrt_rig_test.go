//go:build linux

package openwrt_test

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/wghub/wghub/internal/openwrtrig"
)

// TestOpenwrtRig boots a gateway and checks what every other test relies
// on: the ubus objects (wghub's exec plugin among them), and LuCI's ucode
// dispatcher serving its login form and logging root in with a session
// that reaches the wghub page.
func TestOpenwrtRig(t *testing.T) {
	t.Parallel()
	g := openwrtrig.New(t, openwrtrig.Options{Wghub: wghubBin})
	out, err := g.Ubus("list")
	if err != nil {
		t.Fatal(err)
	}
	for _, obj := range []string{"wghub", "system", "luci", "luci-rpc", "file", "uci", "network.interface.lan", "session"} {
		if !strings.Contains(out, obj+"\n") {
			t.Errorf("ubus list lacks %s:\n%s", obj, out)
		}
	}

	c := g.HTTPClient()
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	get := func(u string, cookie *http.Cookie) (*http.Response, string) {
		t.Helper()
		req, _ := http.NewRequest("GET", u, nil)
		if cookie != nil {
			req.AddCookie(cookie)
		}
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, string(b)
	}
	if _, body := get(g.URL()+"cgi-bin/luci/", nil); !strings.Contains(body, "luci_password") {
		t.Fatalf("LuCI serves no login form:\n%.2000s", body)
	}
	resp, err := c.PostForm(g.URL()+"cgi-bin/luci/", url.Values{
		"luci_username": {openwrtrig.Root.User}, "luci_password": {openwrtrig.Root.Password}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	var session *http.Cookie
	for _, ck := range resp.Cookies() {
		if strings.HasPrefix(ck.Name, "sysauth") && ck.Value != "" {
			session = ck
		}
	}
	if session == nil {
		t.Fatalf("LuCI login as root: %s, no session cookie", resp.Status)
	}
	if resp, body := get(g.URL()+"cgi-bin/luci/admin/vpn/wghub", session); resp.StatusCode != 200 || !strings.Contains(body, "wghub/overview") {
		t.Errorf("the wghub page: %s\n%.2000s", resp.Status, body)
	}
}
