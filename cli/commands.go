package cli

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"
	"reflect"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/wghub/wghub/control"
	"github.com/wghub/wghub/errkind"
	"github.com/wghub/wghub/hub"
	"github.com/wghub/wghub/jsonval"
	"github.com/wghub/wghub/qr"
	"github.com/wghub/wghub/request"
	"github.com/wghub/wghub/rpcd"
)

// A command is one line of the command table.
type command struct {
	path     string       // "peer add"
	aliases  []string     // other paths ("peer rm")
	summary  string       // one line for the command list
	about    string       // more, for its --help; "" when the summary says it all
	method   string       // the ubus method taking the same arguments; "" if none
	args     reflect.Type // a request struct: the operation's arguments
	extra    reflect.Type // command-line-only options (output), or none{}
	open     bool         // needs the config tree and backend
	readOnly bool         // changes nothing
	// run calls the handler with the argument and option structs (made
	// from args and extra). Only run is typed by def: each of def's
	// instances is code and a long name in the router binary.
	run func(e *env, args, extra any) error
}

// none is the empty option set.
type none struct{}

// jsonOut is the output option of read commands.
type jsonOut struct {
	JSON bool `json:"-" flag:"json" help:"print JSON (the reply of the ubus method)"`
}

// qrOut chooses where peer qr writes the code.
type qrOut struct {
	PNG string `json:"-" flag:"png" meta:"FILE" help:"write a PNG to FILE (mode 0600: it holds the private key)"`
	SVG string `json:"-" flag:"svg" meta:"FILE" help:"write an SVG to FILE (mode 0600)"`
}

// callArgs is the rpcd exec protocol's method argument.
type callArgs struct {
	Method string `json:"-" pos:"METHOD" help:"the ubus method"`
}

// Check accepts any method name: rpcd answers an unknown one.
func (*callArgs) Check() error { return nil }

// def builds a command whose handler takes a pointer to its argument
// struct (A) and to its options (X). Pointers all share one shape, so
// def is compiled once, not once per command.
func def[A, X any](summary, method string, open bool, run func(*env, A, X) error) *command {
	return &command{summary: summary, method: method, open: open,
		args: reflect.TypeFor[A]().Elem(), extra: reflect.TypeFor[X]().Elem(),
		run: func(e *env, a, x any) error { return run(e, a.(A), x.(X)) }}
}

func (c *command) with(about string) *command {
	c.about = about
	return c
}

// reads marks a command that changes nothing.
func (c *command) reads() *command {
	c.readOnly = true
	return c
}

// An entry is one line of the command table: the paths that find it and
// how to build its command. The table is data the linker lays out, so
// starting the program builds none of it; a command line builds the one
// command it runs (help builds them all).
type entry struct {
	path    string   // "peer add"
	aliases []string // other paths ("peer rm")
	build   func() *command
}

func (t entry) command() *command {
	c := t.build()
	c.path, c.aliases = t.path, t.aliases
	return c
}

// commands is the command table; help lists it in this order.
var commands = []entry{
	{"setup", nil, func() *command {
		return def("create or update the hub (idempotent)", "setup", true, (*env).setup).with(
			"Sets up the WireGuard interface, its firewall zone, the forwarding into the LAN, the masquerade and the\n" +
				"rule opening the listen port. Run again to change settings; arguments left out keep their value.")
	}},
	{"teardown", nil, func() *command {
		return def("remove everything wghub added", "", true, (*env).teardown)
	}},
	{"up", nil, func() *command {
		return def("start the hub (plain Linux backend)", "", true, func(e *env, _ *request.None, _ *none) error { return e.updown(true) })
	}},
	{"down", nil, func() *command {
		return def("stop the hub (plain Linux backend)", "", true, func(e *env, _ *request.None, _ *none) error { return e.updown(false) })
	}},
	{"status", nil, func() *command {
		return def("interface and peers, live", "status", true, (*env).status).reads()
	}},
	{"doctor", nil, func() *command {
		return def("check what breaks hub-and-spoke and say how to fix it", "doctor", true, (*env).doctor).reads()
	}},
	{"sync", nil, func() *command {
		return def("make the running interface equal the config, without a restart", "", true, (*env).sync).with(
			"Changes only the peers, keys, allowed IPs, keepalives, endpoints and listen port that differ, so\n" +
				"tunnels that are already right keep their sessions. Does nothing while the interface is down.\n" +
				"On OpenWrt the package runs it on every ifup of the hub's interface (/etc/hotplug.d/iface).")
	}},
	{"settings", nil, func() *command {
		return def("show the hub's settings", "settings", true, (*env).settings).reads()
	}},
	{"settings set", nil, func() *command {
		return def("change endpoint, DNS, LAN, keepalive or the default access (no restart)", "settings_set", true, (*env).settingsSet).with(
			"--access sets the default access: what every device may reach through the hub unless it has its own\n" +
				"(wghub peer set NAME --access); it applies at once, tunnels stay up. Items:\n" + accessItemsHelp +
				"Examples:\n" +
				"  wghub settings set --access lan,spoke       (devices reach the LAN and each other)\n" +
				"  wghub settings set --access default         (back to lan)")
	}},
	{"import", nil, func() *command {
		return def("adopt an existing wg-quick server config", "", true, (*env).importConf)
	}},
	{"export", nil, func() *command {
		return def("print the hub as a wg-quick server config (with its private key)", "", true, (*env).export).reads()
	}},
	{"peer add", nil, func() *command {
		return def("add a device: key pair, address, client config", "peer_add", true, (*env).peerAdd).with(accessHelp +
			"  wghub peer add laptop                          (the hub's default access)\n" +
			"  wghub peer add laptop --access lan,router\n" +
			"  wghub peer add nas-backup --access '192.168.1.10 tcp/22'")
	}},
	{"peer remove", []string{"peer rm"}, func() *command {
		return def("remove a device", "peer_remove", true, (*env).peerRemove)
	}},
	{"peer enable", nil, func() *command {
		return def("let a device connect again", "peer_set", true, func(e *env, a *request.PeerName, o *jsonOut) error { return e.peerEnable(a, o, true) })
	}},
	{"peer disable", nil, func() *command {
		return def("keep a device out without removing it", "peer_set", true, func(e *env, a *request.PeerName, o *jsonOut) error { return e.peerEnable(a, o, false) })
	}},
	{"peer set", nil, func() *command {
		return def("change a device: enabled, access, full tunnel, LAN", "peer_set", true, (*env).peerSet).with(accessHelp +
			"  wghub peer set laptop --access lan,router\n" +
			"  wghub peer set laptop --access '192.168.1.10 tcp/22' --access '192.168.1.20 icmp'\n" +
			"  wghub peer set laptop --access default        (back to the hub's default access)")
	}},
	{"peer list", []string{"peer ls"}, func() *command {
		return def("list the devices", "peers", true, (*env).peerList).reads()
	}},
	{"peer config", nil, func() *command {
		return def("print a device's wg-quick config (with its private key)", "peer_config", true, (*env).peerConfig).reads()
	}},
	{"peer qr", nil, func() *command {
		return def("the same as a QR code for phones", "", true, (*env).peerQR).reads()
	}},
	{"recover", nil, func() *command {
		return def("finish a change a crash interrupted (every command does this first)", "", true, (*env).recover).with(
			"Every wghub command first finishes (or undoes) a change of several files that a crash or power cut\n" +
				"interrupted. This one does only that: run it at boot before netifd and the firewall read the files.")
	}},
	{"version", nil, func() *command {
		return def("print the version", "", false, func(e *env, _ *request.None, _ *none) error {
			fmt.Fprintln(e.stdout, version)
			return nil
		})
	}},
	{"list", nil, func() *command {
		return def("rpcd plugin: list the ubus methods", "", false, func(e *env, _ *request.None, _ *none) error { return e.rpcd("list", nil) })
	}},
	{"call", nil, func() *command {
		return def("rpcd plugin: run a ubus method (JSON on stdin and stdout)", "", false, func(e *env, a *callArgs, _ *none) error {
			return e.rpcd("call", []string{a.Method})
		})
	}},
}

// accessHelp explains --access for peer add and peer set; the examples
// follow it.
const accessHelp = "--access says what the device may reach through the hub (the hub's firewall enforces it):\n" +
	accessItemsHelp +
	"Without --access the device follows the hub's default access (wghub settings).\nExamples:\n"

// accessItemsHelp lists the access items, for --help.
const accessItemsHelp = "  lan        the LAN subnets\n" +
	"  internet   everything beyond the LAN (full tunnel)\n" +
	"  router     the hub itself: web interface, SSH (DNS on the hub is always reachable)\n" +
	"  spoke      other devices on the VPN\n" +
	"  none       nothing but DNS\n" +
	"  HOST       a LAN host or subnet, optionally one protocol and port: '192.168.1.10 tcp/22',\n" +
	"             '192.168.1.0/28', '10.0.0.5 udp/5000-5010', '192.168.1.20 icmp'\n"

// lookup finds a command by path or alias and builds it.
func lookup(path string) *command {
	for _, t := range commands {
		if t.path == path || contains(t.aliases, path) {
			return t.command()
		}
	}
	return nil
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

// isGroup reports whether word starts commands of two words ("peer").
func isGroup(word string) bool {
	for _, t := range commands {
		if g, _, ok := strings.Cut(t.path, " "); ok && g == word {
			return true
		}
	}
	return false
}

// groupCommand is a stand-in command whose help lists the group.
func groupCommand(group string) *command {
	return &command{path: group, args: reflect.TypeFor[request.None](), extra: reflect.TypeFor[none]()}
}

// help prints the command list (c nil), a group's commands or one
// command's usage and flags.
func help(w io.Writer, c *command) {
	if c == nil {
		fmt.Fprint(w, "usage: wghub [global flags] COMMAND [flags]\n\ncommands:\n")
		listCommands(w, "")
		fmt.Fprint(w, "\nglobal flags (anywhere on the line):\n")
		request.Help(w, reflect.TypeFor[globals]())
		fmt.Fprint(w, exitHelp)
		return
	}
	if c.run == nil {
		fmt.Fprintf(w, "usage: wghub %s COMMAND [flags]\n\ncommands:\n", c.path)
		listCommands(w, c.path+" ")
		fmt.Fprintf(w, "\nwghub %s COMMAND --help shows a command's flags.\n", c.path)
		return
	}
	line := "usage: wghub " + c.path
	for _, p := range request.Positional(c.args) {
		line += " " + p
	}
	for _, p := range request.Positional(c.extra) {
		line += " " + p
	}
	fmt.Fprintf(w, "%s [flags]\n\n%s.\n", line, strings.ToUpper(c.summary[:1])+c.summary[1:])
	if c.about != "" {
		fmt.Fprintf(w, "%s\n", c.about)
	}
	if len(c.aliases) > 0 {
		fmt.Fprintf(w, "Also: wghub %s.\n", strings.Join(c.aliases, ", wghub "))
	}
	if c.method != "" {
		fmt.Fprintf(w, "Over ubus: ubus call wghub %s, with the same arguments (names with '_').\n", c.method)
	}
	var pos []request.Field
	for _, t := range []reflect.Type{c.args, c.extra} {
		for _, f := range request.Fields(t) {
			if f.Pos != "" {
				pos = append(pos, f)
			}
		}
	}
	if len(pos) > 0 {
		fmt.Fprint(w, "\narguments:\n")
		for _, f := range pos {
			fmt.Fprintf(w, "  %-12s  %s\n", f.Pos, f.Help)
		}
	}
	if hasFlags(c.args) || hasFlags(c.extra) {
		fmt.Fprint(w, "\nflags:\n")
		request.Help(w, c.args, c.extra)
	}
	fmt.Fprint(w, "\nglobal flags (anywhere on the line):\n")
	request.Help(w, reflect.TypeFor[globals]())
}

func hasFlags(t reflect.Type) bool {
	for _, f := range request.Fields(t) {
		if f.Pos == "" {
			return true
		}
	}
	return false
}

func listCommands(w io.Writer, prefix string) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, t := range commands {
		if strings.HasPrefix(t.path, prefix) {
			fmt.Fprintf(tw, "  %s\t%s\n", t.path, t.build().summary)
		}
	}
	tw.Flush()
}

const exitHelp = `
exit status: 0 done; 1 failed (or doctor found problems); 2 wrong command line or
invalid argument; 3 not found; 4 conflicts with the hub's state; 5 hub (or a setting
it needs) not set up; 6 permission denied; 7 not supported here.
wghub COMMAND --help shows a command's flags. Peer changes apply live, without
restarting the interface.
`

// Handlers. Each decodes nothing itself: its arguments arrive as the
// request struct the ubus method fills too.

func (e *env) setup(a *request.Setup, o *jsonOut) error {
	res, err := a.Do(e.ctx, e.mgr)
	if err != nil {
		return err
	}
	return e.report(o, func() { e.reportSetup(res) }, setupJSON(res))
}

func setupJSON(res *control.SetupResult) map[string]any {
	s := res.Hub.Settings
	return map[string]any{"created": res.Created, "changed": res.Changed, "interface": s.Interface,
		"listen_port": s.Port(), "public_key": res.Hub.PrivateKey.PublicKey().String()}
}

func (e *env) reportSetup(res *control.SetupResult) {
	if e.global.DryRun {
		return
	}
	s := res.Hub.Settings
	verb := "updated"
	if res.Created {
		verb = "set up"
	}
	if !res.Changed {
		verb = "already set up; nothing changed for"
	}
	fmt.Fprintf(e.stdout, "wghub: %s hub %s on UDP %d, VPN %s, LAN %s\n", verb, s.Interface, s.Port(),
		joinPrefixes(s.Subnets), joinPrefixes(s.LAN))
	fmt.Fprintf(e.stdout, "public key: %s\n", res.Hub.PrivateKey.PublicKey())
	if s.Endpoint == "" {
		fmt.Fprintln(e.stdout, "note: no --endpoint yet; client configs need the address clients reach this hub at")
	}
}

func joinPrefixes(ps []netip.Prefix) string {
	if len(ps) == 0 {
		return "none"
	}
	s := make([]string, len(ps))
	for i, p := range ps {
		s[i] = p.String()
	}
	return strings.Join(s, ", ")
}

func (e *env) teardown(_ *request.None, o *jsonOut) error {
	if err := e.mgr.Teardown(e.ctx); err != nil {
		return err
	}
	return e.report(o, func() {
		fmt.Fprintln(e.stdout, "wghub: removed the hub, its peers and its firewall sections")
	}, nil)
}

func (e *env) updown(up bool) error {
	ud, ok := e.mgr.Backend.(interface {
		Up(*hub.Hub) error
		Down(*hub.Hub) error
	})
	if !ok {
		return errkind.New(errkind.Unsupported, "on OpenWrt netifd runs the interface: use ifup/ifdown %s", hub.DefaultInterface)
	}
	h, _, err := e.mgr.Load()
	if err != nil {
		return err
	}
	if up {
		return ud.Up(h)
	}
	return ud.Down(h)
}

func (e *env) status(_ *request.None, o *jsonOut) error {
	relaxGC()
	r, err := e.mgr.ReadStatus()
	if err != nil {
		return err
	}
	if o.JSON {
		return r.WriteJSON(e.stdout, true) // streamed: encoding/json's bytes, without its cost
	}
	st := r.Status()
	if !st.Setup {
		fmt.Fprintln(e.stdout, "no hub is set up (wghub setup --endpoint HOST)")
		return nil
	}
	state := "down"
	if st.Up {
		state = "up"
	}
	fmt.Fprintf(e.stdout, "interface %s (%s), UDP %d, %s\npublic key %s\nendpoint %s\n\n", st.Interface, state,
		st.ListenPort, strings.Join(st.Addresses, ", "), st.PublicKey, orDash(st.Endpoint))
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tADDRESS\tENDPOINT\tHANDSHAKE\tRX\tTX\tENABLED")
	for _, p := range st.Peers {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", p.Name, strings.Join(p.Addresses, ","), orDash(p.Endpoint),
			age(p.HandshakeAge), humanBytes(p.RxBytes), humanBytes(p.TxBytes), yesNo(p.Enabled))
	}
	return tw.Flush()
}

func (e *env) doctor(_ *request.None, o *jsonOut) error {
	checks, err := e.mgr.Doctor(e.ctx)
	if err != nil {
		return err
	}
	failed := 0
	for _, c := range checks {
		if !c.OK {
			failed++
		}
	}
	if o.JSON {
		if err := writeJSON(e.stdout, map[string]any{"checks": checks}); err != nil {
			return err
		}
	} else {
		for _, c := range checks {
			mark := "ok  "
			if !c.OK {
				mark = "FAIL"
			}
			fmt.Fprintf(e.stdout, "%s %-16s %s\n", mark, c.Name, c.Message)
			if c.Fix != "" {
				fmt.Fprintf(e.stdout, "     %-16s fix: %s\n", "", c.Fix)
			}
		}
	}
	if failed > 0 {
		return errSilent
	}
	return nil
}

func (e *env) settings(_ *request.None, o *jsonOut) error {
	h, _, err := e.mgr.Load()
	if err != nil {
		return err
	}
	return e.printSettings(h, o.JSON)
}

func (e *env) settingsSet(a *request.SettingsSet, o *jsonOut) error {
	h, err := a.Do(e.ctx, e.mgr)
	if err != nil {
		return err
	}
	var perr error
	b, _ := jsonval.Marshal(rpcd.SettingsOf(h))
	var extra map[string]any
	jsonval.Unmarshal(b, &extra)
	err = e.report(o, func() { perr = e.printSettings(h, false) }, extra)
	if err == nil {
		err = perr
	}
	return err
}

func (e *env) printSettings(h *hub.Hub, asJSON bool) error {
	if asJSON {
		return writeJSON(e.stdout, rpcd.SettingsOf(h))
	}
	s := h.Settings
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	for _, row := range [][2]string{
		{"interface", s.Interface}, {"port", fmt.Sprint(s.Port())}, {"endpoint", orDash(s.Endpoint)},
		{"subnets", joinPrefixes(s.Subnets)}, {"lan", joinPrefixes(s.LAN)}, {"dns", orDash(strings.Join(s.DNS, ", "))},
		{"keepalive", fmt.Sprint(s.Keepalive)}, {"full tunnel", yesNo(s.Access.Internet)},
		{"spoke to spoke", yesNo(s.Access.Spoke)}, {"default access", s.Access.String()},
	} {
		fmt.Fprintf(tw, "%s\t%s\n", row[0], row[1])
	}
	return tw.Flush()
}

func (e *env) importConf(a *request.Import, o *jsonOut) error {
	r, err := a.Setup.Request()
	if err != nil {
		return err
	}
	data, err := os.ReadFile(a.File)
	if err != nil {
		return err
	}
	res, err := e.mgr.Import(e.ctx, data, r)
	if err != nil {
		return err
	}
	extra := setupJSON(res)
	extra["peers"] = len(res.Hub.Peers)
	return e.report(o, func() {
		e.reportSetup(res)
		fmt.Fprintf(e.stdout, "imported %d peer(s)\n", len(res.Hub.Peers))
	}, extra)
}

func (e *env) export(_ *request.None, _ *none) error {
	h, _, err := e.mgr.Load()
	if err != nil {
		return err
	}
	_, err = e.stdout.Write(h.ServerConfig())
	return err
}

func (e *env) peerAdd(a *request.PeerAdd, o *jsonOut) error {
	editGC()
	p, err := a.Do(e.ctx, e.mgr)
	if err != nil {
		return err
	}
	return e.report(o, func() {
		fmt.Fprintf(e.stdout, "wghub: added peer %s at %s\n", p.Name, joinPrefixes(p.Addresses))
		if p.PrivateKey != nil {
			fmt.Fprintf(e.stdout, "client config: wghub peer config %s   (QR: wghub peer qr %s)\n", quoteArg(p.Name), quoteArg(p.Name))
		}
	}, map[string]any{"peer": p.Info})
}

func (e *env) peerRemove(a *request.PeerName, o *jsonOut) error {
	editGC()
	if err := a.Remove(e.ctx, e.mgr); err != nil {
		return err
	}
	return e.peerDone(o, a.Name, "removed")
}

func (e *env) peerEnable(a *request.PeerName, o *jsonOut, on bool) error {
	editGC()
	set := request.PeerSet{Name: a.Name, Enabled: &on}
	if _, err := set.Do(e.ctx, e.mgr); err != nil {
		return err
	}
	return e.peerDone(o, a.Name, map[bool]string{true: "enabled", false: "disabled"}[on])
}

func (e *env) peerSet(a *request.PeerSet, o *jsonOut) error {
	editGC()
	if _, err := a.Do(e.ctx, e.mgr); err != nil {
		return err
	}
	return e.peerDone(o, a.Name, "changed")
}

func (e *env) peerDone(o *jsonOut, name, done string) error {
	return e.report(o, func() {
		fmt.Fprintf(e.stdout, "wghub: peer %s %s\n", name, done)
	}, map[string]any{"name": name, "done": done})
}

// quoteArg quotes a peer name for a shell command line when it needs it
// ("my tablet", "Anna's phone").
func quoteArg(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_.@%+=:,/", r))
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// recover finishes or undoes a change an earlier run was killed in (the
// manager did so on opening; this reports it).
func (e *env) recover(_ *request.None, _ *none) error {
	rec, err := e.mgr.Tree.Recover()
	if err != nil {
		return err
	}
	if rec == nil {
		fmt.Fprintln(e.stdout, "wghub: no interrupted change")
		return nil
	}
	what := "finished"
	if !rec.Forward {
		what = "undid (changed since by someone else: " + strings.Join(rec.Conflict, ", ") + ")"
	}
	fmt.Fprintf(e.stdout, "wghub: %s an interrupted change of %s\n", what, strings.Join(rec.Configs, ", "))
	return nil
}

func (e *env) peerList(_ *request.None, o *jsonOut) error {
	// One peer at a time: a hub of thousands is never held twice (as a
	// list and as its rendering).
	if o.JSON {
		l := &jsonList{w: bufio.NewWriter(e.stdout), key: "peers"}
		if err := e.mgr.EachPeer(func(p control.PeerInfo) error { return l.add(p) }); err != nil {
			return err
		}
		return l.close()
	}
	// tabwriter writes cell by cell: buffered, that is not a system call
	// each.
	bw := bufio.NewWriter(e.stdout)
	tw := tabwriter.NewWriter(bw, 0, 4, 2, ' ', 0)
	header := func() { fmt.Fprintln(tw, "NAME\tADDRESS\tENABLED\tACCESS\tPUBLIC KEY") }
	rows := 0
	err := e.mgr.EachPeer(func(p control.PeerInfo) error {
		if rows == 0 {
			header()
		}
		rows++
		_, err := fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", p.Name, strings.Join(p.Addresses, ","), yesNo(p.Enabled), accessText(p), p.PublicKey)
		return err
	})
	if err != nil {
		return err
	}
	if rows == 0 {
		header()
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	return bw.Flush()
}

// jsonList writes {"key": [items...]} as writeJSON would, one item at a
// time.
type jsonList struct {
	w   *bufio.Writer
	key string
	n   int
}

func (l *jsonList) add(v any) error {
	b, err := jsonval.MarshalIndent(v, "    ", "  ")
	if err != nil {
		return err
	}
	if l.n == 0 {
		k, _ := jsonval.Marshal(l.key)
		l.w.WriteString("{\n  " + string(k) + ": [\n    ")
	} else {
		l.w.WriteString(",\n    ")
	}
	l.n++
	_, err = l.w.Write(b)
	return err
}

func (l *jsonList) close() error {
	if l.n == 0 {
		k, _ := jsonval.Marshal(l.key)
		l.w.WriteString("{\n  " + string(k) + ": []\n}\n")
	} else {
		l.w.WriteString("\n  ]\n}\n")
	}
	return l.w.Flush()
}

// accessText is a device's access for a table: its items ("lan,
// internet"), "none", and "(hub default)" after an access it follows from
// the hub rather than has of its own.
func accessText(p control.PeerInfo) string {
	s := "none"
	if len(p.Access) > 0 {
		s = strings.Join(p.Access, ", ")
	}
	if !p.OwnAccess {
		s += " (hub default)"
	}
	return s
}

func (e *env) peerConfig(a *request.PeerName, _ *none) error {
	conf, err := a.Config(e.mgr)
	if conf != nil {
		e.stdout.Write(conf)
	}
	if request.IsNoPrivateKey(err) {
		fmt.Fprintf(e.stderr, "wghub: warning: %v; put the device's private key into the config\n", err)
		return nil
	}
	return err
}

func (e *env) peerQR(a *request.PeerName, o *qrOut) error {
	conf, err := a.Config(e.mgr)
	if err != nil {
		return err
	}
	code, err := qr.Encode(conf, qr.M)
	if err != nil {
		return err
	}
	// The image holds the client's private key: files are 0600.
	if o.PNG != "" {
		if err := writePrivate(o.PNG, code.PNG(8)); err != nil {
			return err
		}
	}
	if o.SVG != "" {
		if err := writePrivate(o.SVG, code.SVG(8)); err != nil {
			return err
		}
	}
	if o.PNG == "" && o.SVG == "" {
		fmt.Fprint(e.stdout, code.Terminal())
	}
	return nil
}

// rpcd serves the rpcd exec plugin protocol. The manager is opened only for
// "call": rpcd runs "list" at every start, and it must stay cheap.
func (e *env) rpcd(cmd string, args []string) error {
	if cmd == "call" && len(args) == 1 {
		switch args[0] {
		case "status":
			relaxGC()
		case "peer_add", "peer_remove", "peer_set":
			editGC() // LuCI's edits, as the command line's
		}
	}
	err := rpcd.Run(e.ctx, append([]string{cmd}, args...), e.stdin, e.stdout, func() (*control.Manager, error) {
		if err := e.open(); err != nil {
			return nil, err
		}
		e.mgr.Log = nil // stderr is discarded by rpcd; messages would only cost time
		return e.mgr, nil
	})
	if err != nil && !errors.Is(err, errkind.Invalid) {
		return errkind.New(errkind.Invalid, "%w", err)
	}
	return err
}

func writeJSON(w interface{ Write([]byte) (int, error) }, v any) error {
	b, err := jsonval.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func age(sec int64) string {
	if sec < 0 {
		return "never"
	}
	return (time.Duration(sec) * time.Second).String() + " ago"
}

func humanBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}
