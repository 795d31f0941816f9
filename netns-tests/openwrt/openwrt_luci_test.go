//go:build linux

package openwrt_test

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/vishvananda/netns"
	"golang.zx2c4.com/wireguard/wgctrl/wgtypes"

	"github.com/wghub/wghub/internal/chromium"
	"github.com/wghub/wghub/internal/openwrtrig"
	"github.com/wghub/wghub/wgquick"
)

// ScreenshotsEnv names a directory for the LuCI screenshots of `make demo`
// (scripts/demo.sh); unset, none are written.
const ScreenshotsEnv = "WGHUB_LUCI_SCREENSHOTS"

// Texts LuCI's RPC layer and rpcd produce for failed calls: none may
// reach a person on the page.
var rawRPC = []string{"RPC call to", "-32002", "-32000", "Access denied", "failed with error", "ubus code"}

// goPackagePrefix matches a message that starts like "hub: ..." or
// "rpcd: ...", Go's way of naming the package an error came from.
var goPackagePrefix = regexp.MustCompile(`^[a-z][a-z0-9/]*: `)

// luciPage is a browser session on the rig's LuCI.
type luciPage struct {
	t    *testing.T
	g    *openwrtrig.Gateway
	b    *chromium.Browser
	base string // http://127.0.0.1:PORT/cgi-bin/luci/
}

// dialIn connects to addr from inside network namespace ns. The thread
// goes back to its own namespace afterwards, so it survives (a thread Go
// ends would take Chromium with it if Chromium was started from it).
func dialIn(ctx context.Context, ns, addr string) (net.Conn, error) {
	runtime.LockOSThread()
	orig, err := netns.Get()
	if err != nil {
		runtime.UnlockOSThread()
		return nil, err
	}
	defer orig.Close()
	target, err := netns.GetFromName(ns)
	if err != nil {
		runtime.UnlockOSThread()
		return nil, err
	}
	defer target.Close()
	if err := netns.Set(target); err != nil {
		runtime.UnlockOSThread()
		return nil, err
	}
	var d net.Dialer
	c, err := d.DialContext(ctx, "tcp", addr)
	if netns.Set(orig) == nil {
		// Only a thread back in its own namespace may serve other goroutines.
		runtime.UnlockOSThread()
	}
	return c, err
}

// openLuCI starts a browser that reaches the rig's uhttpd through a
// loopback forwarder (the connections to uhttpd are made inside the
// router's network namespace).
func openLuCI(t *testing.T, g *openwrtrig.Gateway) *luciPage {
	t.Helper()
	addr := chromium.Forward(t, func(ctx context.Context) (net.Conn, error) {
		return dialIn(ctx, g.GW, "127.0.0.1:80")
	})
	return &luciPage{t: t, g: g, b: chromium.Start(t), base: "http://" + addr + "/cgi-bin/luci/"}
}

// run runs browser actions as one step, bounded so that a missing element
// fails the test with the step's name instead of hanging it.
func (p *luciPage) run(what string, actions ...chromedp.Action) {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.b.Ctx, 45*time.Second)
	defer cancel()
	if err := chromedp.Run(ctx, actions...); err != nil {
		p.shot("failed")
		p.t.Fatalf("%s: %v\nconsole: %v\npending requests: %q", what, err, p.b.Messages(), p.b.Pending())
	}
}

// js evaluates a script in the page and decodes its result into out.
func (p *luciPage) js(what, script string, out any) {
	p.t.Helper()
	p.run(what, chromedp.Evaluate(script, out))
}

// shot saves a screenshot of the whole page as name.png, into the demo's
// directory if set, else into the test's log directory when the test fails.
func (p *luciPage) shot(name string) string {
	dir := os.Getenv(ScreenshotsEnv)
	if dir == "" {
		return ""
	}
	var buf []byte
	ctx, cancel := context.WithTimeout(p.b.Ctx, 20*time.Second)
	defer cancel()
	if err := chromedp.Run(ctx, chromedp.FullScreenshot(&buf, 100)); err != nil {
		p.t.Logf("screenshot %s: %v", name, err)
		return ""
	}
	path := filepath.Join(dir, name+".png")
	if err := os.WriteFile(path, buf, 0o644); err != nil {
		p.t.Logf("screenshot %s: %v", name, err)
	}
	return path
}

// login logs in on LuCI's login dialog (the bootstrap theme moves the
// login form into a modal), as a person would.
func (p *luciPage) login(l openwrtrig.Login) {
	p.t.Helper()
	p.run("log in as "+l.User,
		chromedp.Navigate(p.base),
		chromedp.WaitVisible(`#luci_username`, chromedp.ByQuery),
		chromedp.SetValue(`#luci_username`, l.User, chromedp.ByQuery),
		chromedp.SendKeys(`#luci_password`, l.Password, chromedp.ByQuery),
		chromedp.Click(`.modal button.cbi-button-positive`, chromedp.ByQuery),
		chromedp.WaitVisible(`#topmenu > li`, chromedp.ByQuery),
	)
}

// openHub opens VPN > WireGuard Hub from the main menu and waits for the
// view to render wait.
func (p *luciPage) openHub(wait string) {
	p.t.Helper()
	var href string
	p.js("find VPN > WireGuard Hub in the menu", `(() => {
		const vpn = [...document.querySelectorAll('#topmenu > li.dropdown')]
			.find(li => li.firstElementChild.textContent.trim() == 'VPN');
		if (!vpn) return 'no VPN menu';
		const a = [...vpn.querySelectorAll('ul.dropdown-menu a')].find(a => a.textContent.trim() == 'WireGuard Hub');
		return a ? a.href : 'no WireGuard Hub entry under VPN';
	})()`, &href)
	if !strings.HasSuffix(href, "/admin/vpn/wghub") {
		p.t.Fatalf("menu: %s", href)
	}
	// The console is checked from here on: what LuCI's other pages log
	// (the landing Status page asks for every netifd protocol's LuCI
	// handler, and this LuCI subset has no luci-proto-wireguard) is not the
	// page under test's.
	p.run("leave "+href, chromedp.Navigate("about:blank"))
	p.b.Clear()
	p.run("open "+href, chromedp.Navigate(href), chromedp.WaitVisible(wait, chromedp.ByQuery))
}

// modalClosed waits until LuCI's modal dialog is closed (ui.hideModal
// keeps the dialog's nodes and hides the overlay by a class of body).
func modalClosed() chromedp.Action {
	return chromedp.Poll(`!document.body.classList.contains('modal-overlay-active')`, nil, chromedp.WithPollingInterval(100*time.Millisecond))
}

// text is the visible text of the page's main content and notifications.
func (p *luciPage) text() string {
	var s string
	p.js("read the page text", `document.body.innerText`, &s)
	return s
}

// noRawErrors fails the test when LuCI's raw RPC error text is on the page
// or the console holds an error.
func (p *luciPage) noRawErrors() {
	p.t.Helper()
	body := p.text()
	for _, raw := range rawRPC {
		if strings.Contains(body, raw) {
			p.t.Errorf("page shows raw RPC error text %q:\n%s", raw, body)
		}
	}
	for _, m := range p.b.Errors() {
		p.t.Errorf("console: %s", m)
	}
}

// uciGet reads an option of the router's UCI with the real uci CLI; "" if
// it is not set.
func uciGet(g *openwrtrig.Gateway, key string) string {
	out, err := g.UCI("-q", "get", key)
	if err != nil {
		return ""
	}
	return strings.TrimSpace(out)
}

// peerSection names the UCI section of the device called name
// ("network.wghub_3"), or "" when there is none: wghub gives section ids
// once and never derives them from the name.
func peerSection(g *openwrtrig.Gateway, name string) string {
	out, _ := g.UCI("show", "network")
	for _, line := range strings.Split(out, "\n") {
		if sec, ok := strings.CutSuffix(line, ".description='"+name+"'"); ok {
			return sec
		}
	}
	return ""
}

// peerGet reads an option of the device called name.
func peerGet(g *openwrtrig.Gateway, name, option string) string {
	sec := peerSection(g, name)
	if sec == "" {
		return ""
	}
	return uciGet(g, sec+"."+option)
}

// eventually polls cond until it returns nil or 30 s have passed: the page
// applies a click through an asynchronous RPC.
func eventually(t *testing.T, what string, cond func() error) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		err := cond()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: %v", what, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// settingsKeepalive is the hub's keepalive as wghub reports it.
func settingsKeepalive(t *testing.T, g *openwrtrig.Gateway) int {
	t.Helper()
	var s struct {
		Keepalive int `json:"keepalive"`
	}
	if err := g.UbusCall("wghub", "settings", nil, &s); err != nil {
		t.Fatal(err)
	}
	return s.Keepalive
}

// decodeQR reads the QR code in a PNG with zbarimg.
func decodeQR(t *testing.T, png []byte) string {
	t.Helper()
	zbar, err := exec.LookPath("zbarimg")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("zbarimg missing (Debian package zbar-tools)")
		}
		t.Skip("zbarimg missing (Debian package zbar-tools)")
	}
	path := filepath.Join(t.TempDir(), "qr.png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(zbar, "-q", "--raw", path).Output()
	if err != nil {
		t.Fatalf("zbarimg found no QR code in the dialog's screenshot: %v", err)
	}
	return strings.TrimSuffix(string(out), "\n")
}

// TestOpenwrtLuCI drives the WireGuard Hub page in real LuCI (OpenWrt's
// uhttpd, rpcd, LuCI's ucode dispatcher and bootstrap theme) with headless
// Chromium, as an owner and as a read-only user would use it.
func TestOpenwrtLuCI(t *testing.T) {
	if testing.Short() {
		t.Skip("starts an OpenWrt rig and a browser")
	}
	g := openwrtrig.New(t, openwrtrig.Options{Wghub: wghubBin})

	t.Run("owner", func(t *testing.T) { testLuCIOwner(t, g) })
	t.Run("read-only", func(t *testing.T) { testLuCIReadOnly(t, g) })
	t.Run("read-only-denied", func(t *testing.T) { testLuCIDenied(t, g) })
	t.Run("access", func(t *testing.T) { testLuCIAccess(t, g) })
}

// forceWritePermission makes every page believe its view may write, as a
// stale page or a changed ACL would, by patching LuCI's class as soon as
// luci.js defines it.
const forceWritePermission = `(() => {
	let cls;
	Object.defineProperty(window, 'LuCI', {
		configurable: true,
		get() { return cls; },
		set(v) { v.prototype.hasViewPermission = function() { return true; }; cls = v; }
	});
})();`

// testLuCIDenied offers a read-only login the write actions anyway: rpcd
// refuses them (-32002) and the page must say so in a sentence, with
// nothing of LuCI's raw RPC error text, and change nothing.
func testLuCIDenied(t *testing.T, g *openwrtrig.Gateway) {
	if peerGet(g, "phone", "public_key") == "" {
		t.Skip("needs the read-only subtest's device")
	}
	p := openLuCI(t, g)
	p.run("patch LuCI", chromedp.ActionFunc(func(ctx context.Context) error {
		_, err := page.AddScriptToEvaluateOnNewDocument(forceWritePermission).Do(ctx)
		return err
	}))
	p.login(openwrtrig.ReadOnly)
	p.openHub(`tr[data-peer="phone"] td.cbi-section-actions button`)
	p.run("click Disable",
		chromedp.Click(`//tr[@data-peer="phone"]//button[normalize-space()="Disable"]`, chromedp.BySearch),
		chromedp.WaitVisible(`#maincontent .alert-message.error`, chromedp.ByQuery),
	)
	var note string
	p.run("read the notification", chromedp.Text(`#maincontent .alert-message.error`, &note, chromedp.ByQuery))
	p.shot("luci-denied")
	if !strings.Contains(note, "you do not have permission") {
		t.Errorf("denied write shown as %q", note)
	}
	if v := peerGet(g, "phone", "disabled"); v == "1" {
		t.Errorf("a read-only login disabled the device")
	}
	p.noRawErrors()
}

func testLuCIOwner(t *testing.T, g *openwrtrig.Gateway) {
	p := openLuCI(t, g)
	p.login(openwrtrig.Root)

	// Set up: the hub is not set up yet, so the page is the setup form.
	p.openHub(`[id="widget.cbid.json.setup.endpoint"]`)
	p.shot("luci-setup")
	p.run("set up the hub",
		chromedp.SendKeys(`[id="widget.cbid.json.setup.endpoint"]`, "vpn.example.org", chromedp.ByQuery),
		chromedp.Click(`#wghub-setup-confirm`, chromedp.ByQuery),
		chromedp.WaitVisible(`#wghub-peers`, chromedp.ByQuery),
	)
	if got := uciGet(g, "network.wg0.proto"); got != "wireguard" {
		p.shot("failed")
		out, err := g.UCI("show", "network")
		t.Fatalf("after setup, network.wg0.proto = %q; uci show network (%v):\n%s\npage:\n%s", got, err, out, p.text())
	}

	// Add a device; the dialog shows its QR code and config.
	p.run("add a device",
		chromedp.Click(`#wghub-add`, chromedp.ByQuery),
		chromedp.WaitVisible(`[id="widget.cbid.json.device.name"]`, chromedp.ByQuery),
		chromedp.SendKeys(`[id="widget.cbid.json.device.name"]`, "laptop", chromedp.ByQuery),
	)
	p.shot("luci-add-form")
	p.run("confirm the new device",
		chromedp.Click(`#wghub-add-confirm`, chromedp.ByQuery),
		chromedp.WaitVisible(`#wghub-qr svg`, chromedp.ByQuery),
		chromedp.WaitVisible(`tr[data-peer="laptop"]`, chromedp.ByQuery),
	)
	var shown string
	var qrPNG []byte
	p.run("read the dialog",
		chromedp.Text(`#wghub-config`, &shown, chromedp.ByQuery),
		chromedp.Screenshot(`#wghub-qr`, &qrPNG, chromedp.ByQuery),
	)
	p.shot("luci-add")

	// The QR code is the config, and its keys are the ones in UCI.
	if qr := decodeQR(t, qrPNG); strings.TrimSpace(qr) != strings.TrimSpace(shown) {
		t.Errorf("QR code decodes to\n%s\nbut the dialog shows\n%s", qr, shown)
	}
	conf, err := wgquick.Parse([]byte(shown))
	if err != nil || conf.Interface.PrivateKey == nil || len(conf.Peers) != 1 {
		t.Fatalf("not a client config (%v):\n%s", err, shown)
	}
	peer := conf.Peers[0]
	priv := *conf.Interface.PrivateKey
	if got, want := priv.PublicKey().String(), peerGet(g, "laptop", "public_key"); got != want {
		t.Errorf("public key of the shown private key %s, laptop's public_key in UCI %s", got, want)
	}
	hubPriv, err := wgtypes.ParseKey(uciGet(g, "network.wg0.private_key"))
	if err != nil {
		t.Fatalf("network.wg0.private_key: %v", err)
	}
	if peer.PublicKey != hubPriv.PublicKey() {
		t.Errorf("[Peer] PublicKey %s is not the hub's %s", peer.PublicKey, hubPriv.PublicKey())
	}
	psk := ""
	if peer.PresharedKey != nil {
		psk = peer.PresharedKey.String()
	}
	if want := peerGet(g, "laptop", "preshared_key"); psk != want {
		t.Errorf("PresharedKey %q, UCI %q", psk, want)
	}
	address := fmt.Sprint(conf.Interface.Address)
	if ips := peerGet(g, "laptop", "allowed_ips"); !strings.Contains(address, strings.Fields(ips)[0]) {
		t.Errorf("Address %s, UCI allowed_ips %q", address, ips)
	}
	if !strings.HasPrefix(peer.Endpoint, "vpn.example.org:") {
		t.Errorf("Endpoint %q", peer.Endpoint)
	}

	// The download is the same file.
	p.run("download", chromedp.Click(`#wghub-download`, chromedp.ByQuery))
	file, err := p.b.Download("laptop.conf", 30*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if string(file) != shown {
		t.Errorf("laptop.conf:\n%s\ndialog:\n%s", file, shown)
	}
	p.run("close the dialog",
		chromedp.Click(`//div[contains(@class,"modal")]//button[normalize-space()="Close"]`, chromedp.BySearch),
		modalClosed(),
	)
	p.shot("luci")

	// A name already taken: wghub refuses it, the page says so in a
	// sentence of its own followed by wghub's message for people (issue
	// 14: no Go package name), and nothing is added. Where wghub names the
	// refused field, the dialog stays open and says it there; otherwise it
	// closes and a notification says it.
	const refusal = `#wghub-add-problem .alert-message.error, #maincontent > .alert-message.error`
	p.run("add the same name again",
		chromedp.Click(`#wghub-add`, chromedp.ByQuery),
		chromedp.WaitVisible(`[id="widget.cbid.json.device.name"]`, chromedp.ByQuery),
		chromedp.SendKeys(`[id="widget.cbid.json.device.name"]`, "laptop", chromedp.ByQuery),
		chromedp.Click(`#wghub-add-confirm`, chromedp.ByQuery),
		chromedp.WaitVisible(refusal, chromedp.ByQuery),
	)
	var refused string
	p.run("read the refusal", chromedp.Text(refusal, &refused, chromedp.ByQuery))
	p.shot("luci-refused")
	msg, ok := strings.CutPrefix(refused, "The device could not be added: ")
	if !ok || !strings.Contains(msg, "already exists") {
		t.Errorf("a taken name is reported as %q", refused)
	}
	if goPackagePrefix.MatchString(msg) {
		t.Errorf("the message shown starts with a Go package name: %q", msg)
	}
	var laptops int
	p.js("count rows", `document.querySelectorAll('tr[data-peer="laptop"]').length`, &laptops)
	if laptops != 1 {
		t.Errorf("%d rows for laptop after adding it twice", laptops)
	}
	p.run("dismiss",
		chromedp.Evaluate(`document.body.classList.contains('modal-overlay-active') && [...document.querySelectorAll('.modal button')].find(b => b.textContent.trim() == 'Cancel').click()`, nil),
		modalClosed(),
		chromedp.Evaluate(`document.querySelectorAll('#maincontent > .alert-message').forEach(n => n.remove())`, nil),
	)

	// Settings: LuCI's datatype check refuses a bad keepalive without a
	// call; a good one is saved by wghub.
	keepalive := `[id="widget.cbid.json.settings.keepalive"]`
	clear := chromedp.Evaluate(`document.getElementById('widget.cbid.json.settings.keepalive').value = ''`, nil)
	p.run("enter a bad keepalive",
		clear,
		chromedp.SendKeys(keepalive, "soon", chromedp.ByQuery),
		chromedp.Click(`#wghub-settings-save`, chromedp.ByQuery),
		chromedp.WaitVisible(`#maincontent .alert-message.error`, chromedp.ByQuery),
	)
	if s := settingsKeepalive(t, g); s != 25 {
		t.Errorf("keepalive %d after an invalid input, want 25 unchanged", s)
	}
	p.run("save keepalive 30",
		chromedp.Click(`#maincontent .alert-message.error button`, chromedp.ByQuery),
		clear,
		chromedp.SendKeys(keepalive, "30", chromedp.ByQuery),
		chromedp.Click(`#wghub-settings-save`, chromedp.ByQuery),
		chromedp.WaitVisible(`#maincontent .alert-message.info`, chromedp.ByQuery),
	)
	if s := settingsKeepalive(t, g); s != 30 {
		t.Errorf("keepalive %d after saving 30", s)
	}

	// Row buttons: disable, enable, remove.
	row := `tr[data-peer="laptop"]`
	clickRow := func(label string) {
		t.Helper()
		p.run(label, chromedp.Click(fmt.Sprintf(`//tr[@data-peer="laptop"]//td[contains(@class,"cbi-section-actions")]/div/button[normalize-space()=%q]`, label), chromedp.BySearch))
	}
	clickRow("Disable")
	eventually(t, "disabled in UCI", func() error {
		if v := peerGet(g, "laptop", "disabled"); v != "1" {
			return fmt.Errorf("laptop's disabled = %q", v)
		}
		return nil
	})
	p.run("row shows disabled", chromedp.WaitVisible(row+`.wghub-disabled`, chromedp.ByQuery))
	clickRow("Enable")
	eventually(t, "enabled in UCI", func() error {
		if v := peerGet(g, "laptop", "disabled"); v == "1" {
			return fmt.Errorf("laptop's disabled = %q", v)
		}
		return nil
	})
	p.run("row shows enabled", chromedp.WaitVisible(row+`:not(.wghub-disabled)`, chromedp.ByQuery))
	clickRow("Remove")
	p.run("confirm removal",
		chromedp.Click(`#wghub-remove-confirm`, chromedp.ByQuery),
		modalClosed(),
		chromedp.WaitNotPresent(row, chromedp.ByQuery),
	)
	if sec := peerSection(g, "laptop"); sec != "" {
		t.Errorf("%s (laptop) still in UCI after Remove", sec)
	}

	p.noRawErrors()
}

func testLuCIReadOnly(t *testing.T, g *openwrtrig.Gateway) {
	// A hub with a device, made outside the page.
	if uciGet(g, "network.wg0.proto") == "" {
		if out, err := g.Wghub("setup", "--endpoint", "vpn.example.org"); err != nil {
			t.Fatalf("wghub setup: %v\n%s", err, out)
		}
	}
	if out, err := g.Wghub("peer", "add", "phone"); err != nil {
		t.Fatalf("wghub peer add phone: %v\n%s", err, out)
	}
	p := openLuCI(t, g)
	p.login(openwrtrig.ReadOnly)
	p.openHub(`tr[data-peer="phone"]`)
	p.shot("luci-readonly")

	var buttons []string
	p.js("list the buttons", `[...document.querySelectorAll('#wghub button, #wghub .btn, #wghub .cbi-button')]
		.filter(b => !b.disabled && b.offsetParent !== null).map(b => b.textContent.trim() || b.className)`, &buttons)
	if len(buttons) != 0 {
		t.Errorf("a read-only login is offered the buttons %q", buttons)
	}
	var nodes []*cdp.Node
	p.run("find row actions", chromedp.Nodes(`#wghub .cbi-section-actions`, &nodes, chromedp.ByQueryAll, chromedp.AtLeast(0)))
	if len(nodes) != 0 {
		t.Errorf("%d row action cells for a read-only login", len(nodes))
	}
	var editable []string
	p.js("list the editable inputs", `[...document.querySelectorAll('#wghub input, #wghub select, #wghub textarea')]
		.filter(i => !i.disabled && !i.readOnly && i.type != 'hidden' && i.offsetParent !== null).map(i => i.id || i.name)`, &editable)
	if len(editable) != 0 {
		t.Errorf("a read-only login may edit %q", editable)
	}
	if body := p.text(); !strings.Contains(body, "read-only access") {
		t.Errorf("no read-only note on the page:\n%s", body)
	}
	p.noRawErrors()
}

// clientAccess is the access list of the device called name in wghub's
// own UCI config as the real `uci show` prints it ("'lan' 'router'"), or
// "" when the device follows the hub's default.
func clientAccess(t *testing.T, g *openwrtrig.Gateway, name string) string {
	t.Helper()
	out, err := g.UCI("show", "wghub")
	if err != nil {
		t.Fatalf("uci show wghub: %v\n%s", err, out)
	}
	sec := ""
	for _, line := range strings.Split(out, "\n") {
		if s, ok := strings.CutSuffix(line, ".name='"+name+"'"); ok {
			sec = s
		}
	}
	if sec == "" {
		t.Fatalf("no client section named %q in uci show wghub:\n%s", name, out)
	}
	for _, line := range strings.Split(out, "\n") {
		if v, ok := strings.CutPrefix(line, sec+".access="); ok {
			return v
		}
	}
	return ""
}

// peerRowAccess is the Access cell of the device's row on the page.
func (p *luciPage) peerRowAccess(name string) string {
	var s string
	p.js("read "+name+"'s access", fmt.Sprintf(`(() => {
		const td = document.querySelector('tr[data-peer=%q] td[data-title="Access"]');
		return td ? td.textContent.trim() : 'no Access cell';
	})()`, name), &s)
	return s
}

// testLuCIAccess: the owner gives a device its own access in the Edit
// dialog (only SSH to one LAN host) and changes the hub's default access
// (spoke to spoke on); real uci shows both, the page shows them after a
// reload, and a read-only login sees them with nothing to change.
func testLuCIAccess(t *testing.T, g *openwrtrig.Gateway) {
	if uciGet(g, "network.wg0.proto") == "" {
		if out, err := g.Wghub("setup", "--endpoint", "vpn.example.org"); err != nil {
			t.Fatalf("wghub setup: %v\n%s", err, out)
		}
	}
	if out, err := g.Wghub("peer", "add", "nas-backup"); err != nil {
		t.Fatalf("wghub peer add nas-backup: %v\n%s", err, out)
	}
	const host = "192.168.1.10 tcp/22"
	p := openLuCI(t, g)
	p.login(openwrtrig.Root)
	p.openHub(`tr[data-peer="nas-backup"] td.cbi-section-actions button`)
	if got := p.peerRowAccess("nas-backup"); got != "LAN (hub default)" {
		t.Errorf("a new device's access is shown as %q", got)
	}

	// The dialog: own access, LAN off, one host typed into the list.
	edit := func(opt string) string { return fmt.Sprintf(`[id="widget.cbid.json.edit.%s"]`, opt) }
	// LuCI's checkboxes carry the widget id as data-widget-id.
	flag := func(sid, opt string) string {
		return fmt.Sprintf(`[data-widget-id="widget.cbid.json.%s.%s"]`, sid, opt)
	}
	p.run("open the device's dialog",
		chromedp.Click(`//tr[@data-peer="nas-backup"]//td[contains(@class,"cbi-section-actions")]/div/button[normalize-space()="Edit"]`, chromedp.BySearch),
		chromedp.WaitVisible(edit("access_mode"), chromedp.ByQuery),
	)
	var hostsShown bool
	p.js("own access hidden while following the hub", `!!document.getElementById('widget.cbid.json.edit.access').offsetParent`, &hostsShown)
	if hostsShown {
		t.Errorf("the LAN hosts list is shown while the device follows the hub")
	}
	p.run("choose own access",
		chromedp.SetValue(edit("access_mode"), "own", chromedp.ByQuery),
		chromedp.Evaluate(`document.getElementById('widget.cbid.json.edit.access_mode').dispatchEvent(new Event('change', { bubbles: true }))`, nil),
		chromedp.WaitVisible(edit("access"), chromedp.ByQuery),
		chromedp.Click(flag("edit", "access_lan"), chromedp.ByQuery),
		chromedp.SendKeys(edit("access"), "printer", chromedp.ByQuery),
	)
	// LuCI's validator refuses a bad host before any call.
	p.run("save a bad host",
		chromedp.Click(`#wghub-edit-confirm`, chromedp.ByQuery),
		chromedp.WaitVisible(`#wghub-edit-problem .alert-message.error`, chromedp.ByQuery),
	)
	var problem string
	p.run("read the problem", chromedp.Text(`#wghub-edit-problem`, &problem, chromedp.ByQuery))
	if !strings.Contains(problem, "Expecting a LAN host or subnet") {
		t.Errorf("a bad host is reported as %q", problem)
	}
	if a := clientAccess(t, g, "nas-backup"); a != "" {
		t.Errorf("after a refused host, UCI has access %s", a)
	}
	p.run("type the host",
		chromedp.Evaluate(`document.getElementById('widget.cbid.json.edit.access').value = ''`, nil),
		chromedp.SendKeys(edit("access"), host+"\r", chromedp.ByQuery),
		chromedp.WaitVisible(`[id="cbid.json.edit.access"] .item`, chromedp.ByQuery),
	)
	p.shot("luci-access")
	p.run("save",
		chromedp.Click(`#wghub-edit-confirm`, chromedp.ByQuery),
		modalClosed(),
	)
	eventually(t, "the device's access in UCI", func() error {
		if a := clientAccess(t, g, "nas-backup"); a != "'"+host+"'" {
			return fmt.Errorf("uci show wghub: nas-backup's access = %s", a)
		}
		return nil
	})

	// The hub's default: spoke to spoke on.
	p.run("turn spoke to spoke on",
		chromedp.Click(flag("default_access", "access_spoke"), chromedp.ByQuery),
		chromedp.Click(`#wghub-settings-save`, chromedp.ByQuery),
		chromedp.WaitVisible(`#maincontent .alert-message.info`, chromedp.ByQuery),
	)
	if got, err := g.UCI("-q", "get", "wghub.hub.access"); err != nil || strings.TrimSpace(got) != "lan spoke" {
		t.Errorf("uci get wghub.hub.access = %q (%v), want lan spoke", got, err)
	}

	// After a reload the page shows both.
	p.run("reload", chromedp.Reload(), chromedp.WaitVisible(`tr[data-peer="nas-backup"]`, chromedp.ByQuery))
	if got := p.peerRowAccess("nas-backup"); got != host {
		t.Errorf("after a reload the device's access is shown as %q, want %q", got, host)
	}
	var spoke bool
	p.js("read the default access", `document.querySelector('`+flag("default_access", "access_spoke")+`').checked`, &spoke)
	if !spoke {
		t.Errorf("after a reload Other devices is not checked in the default access")
	}
	p.run("reopen the dialog",
		chromedp.Click(`//tr[@data-peer="nas-backup"]//td[contains(@class,"cbi-section-actions")]/div/button[normalize-space()="Edit"]`, chromedp.BySearch),
		chromedp.WaitVisible(`[id="cbid.json.edit.access"] .item`, chromedp.ByQuery),
	)
	var dialog struct {
		Mode  string   `json:"mode"`
		LAN   bool     `json:"lan"`
		Hosts []string `json:"hosts"`
	}
	p.js("read the dialog", `({
		mode: document.getElementById('widget.cbid.json.edit.access_mode').value,
		lan: document.querySelector('`+flag("edit", "access_lan")+`').checked,
		hosts: [...document.querySelectorAll('[id="cbid.json.edit.access"] .item input[type="hidden"]')].map(i => i.value)
	})`, &dialog)
	if dialog.Mode != "own" || dialog.LAN || len(dialog.Hosts) != 1 || dialog.Hosts[0] != host {
		t.Errorf("the dialog reopens with %+v", dialog)
	}
	p.run("close the dialog",
		chromedp.Click(`//div[contains(@class,"modal")]//button[normalize-space()="Cancel"]`, chromedp.BySearch),
		modalClosed(),
	)
	p.noRawErrors()

	// A read-only login sees the access and can change none of it.
	v := openLuCI(t, g)
	v.login(openwrtrig.ReadOnly)
	v.openHub(`tr[data-peer="nas-backup"]`)
	if got := v.peerRowAccess("nas-backup"); got != host {
		t.Errorf("a read-only login sees the device's access as %q", got)
	}
	if body := v.text(); !strings.Contains(body, "Default access\tLAN, Other devices") {
		t.Errorf("a read-only login does not see the default access LAN, Other devices:\n%s", body)
	}
	var writable []string
	v.js("list what could change the access", `[...document.querySelectorAll('#wghub button, #wghub input, #wghub select')]
		.filter(e => !e.disabled && e.type != 'hidden' && e.offsetParent !== null).map(e => e.id || e.textContent.trim())`, &writable)
	if len(writable) != 0 {
		t.Errorf("a read-only login is offered %q", writable)
	}
	v.shot("luci-access-readonly")
	v.noRawErrors()
}
