package cli

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net/netip"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/wghub/wghub/control"
	"github.com/wghub/wghub/hub"
	"github.com/wghub/wghub/qr"
	"github.com/wghub/wghub/wgquick"
	"golang.zx2c4.com/wireguard/wgctrl/wgtypes"
)

// setupFlags registers the options setup and import share.
func setupFlags(fs *flag.FlagSet, r *control.SetupRequest) func() error {
	var subnet, subnet6 string
	var lan, dns multi
	keepalive := -1
	full := false
	fs.StringVar(&r.Interface, "interface", "", "WireGuard interface name (default wg0)")
	fs.IntVar(&r.Port, "port", 0, "UDP listen port (default 51820)")
	fs.StringVar(&subnet, "subnet", "", "IPv4 VPN subnet (default 192.168.100.0/24)")
	fs.StringVar(&subnet6, "subnet6", "", "IPv6 VPN subnet")
	fs.BoolVar(&r.IPv6, "ipv6", false, "add a random IPv6 ULA /64 VPN subnet")
	fs.StringVar(&r.Endpoint, "endpoint", "", "public HOST[:PORT] clients connect to")
	fs.Var(&lan, "lan", "LAN subnet clients reach (repeat; default: the lan interface's)")
	fs.Var(&dns, "dns", "DNS server for clients (repeat; default: the router's LAN address)")
	fs.IntVar(&keepalive, "keepalive", -1, "PersistentKeepalive for clients (default 25, 0 off)")
	fs.BoolVar(&full, "full-tunnel", false, "forward VPN traffic to the WAN for every client")
	fs.StringVar(&r.LANDevice, "lan-device", "", "plain Linux: device towards the LAN")
	return func() error {
		var err error
		if subnet != "" {
			if r.Subnet, err = netip.ParsePrefix(subnet); err != nil {
				return usagef("--subnet %q is not a CIDR like 192.168.100.0/24", subnet)
			}
		}
		if subnet6 != "" {
			if r.Subnet6, err = netip.ParsePrefix(subnet6); err != nil {
				return usagef("--subnet6 %q is not a CIDR like fd00:1::/64", subnet6)
			}
		}
		if lan != nil {
			if r.LAN, err = parseCIDRs("--lan", lan); err != nil {
				return err
			}
		}
		if dns != nil {
			r.DNS = []string(dns)
		}
		if keepalive >= 0 {
			r.Keepalive = &keepalive
		}
		if full {
			r.FullTunnel = &full
		}
		return nil
	}
}

func parseCIDRs(flagName string, vals []string) ([]netip.Prefix, error) {
	out := []netip.Prefix{}
	for _, v := range vals {
		for _, f := range strings.Split(v, ",") {
			p, err := wgquick.ParsePrefix(strings.TrimSpace(f))
			if err != nil {
				return nil, usagef("%s %q is not a CIDR", flagName, f)
			}
			out = append(out, p.Masked())
		}
	}
	return out, nil
}

func (e *env) setup(args []string) error {
	fs := flag.NewFlagSet("setup", flag.ContinueOnError)
	var r control.SetupRequest
	finish := setupFlags(fs, &r)
	e.jsonFlag(fs)
	if _, err := parseFlags(fs, args, 0); err != nil {
		return err
	}
	if err := finish(); err != nil {
		return err
	}
	res, err := e.mgr.Setup(e.ctx, r)
	if err != nil {
		return err
	}
	return e.report(func() { e.reportSetup(res) }, setupJSON(res))
}

func setupJSON(res *control.SetupResult) map[string]any {
	s := res.Hub.Settings
	return map[string]any{"created": res.Created, "changed": res.Changed, "interface": s.Interface,
		"listen_port": s.Port(), "public_key": res.Hub.PrivateKey.PublicKey().String()}
}

func (e *env) reportSetup(res *control.SetupResult) {
	if e.global.dryRun {
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

func (e *env) teardown(args []string) error {
	fs := flag.NewFlagSet("teardown", flag.ContinueOnError)
	e.jsonFlag(fs)
	if _, err := parseFlags(fs, args, 0); err != nil {
		return err
	}
	if err := e.mgr.Teardown(e.ctx); err != nil {
		return err
	}
	return e.report(func() {
		fmt.Fprintln(e.stdout, "wghub: removed the hub, its peers and its firewall sections")
	}, nil)
}

func (e *env) updown(cmd string, args []string) error {
	fs := flag.NewFlagSet(cmd, flag.ContinueOnError)
	if _, err := parseFlags(fs, args, 0); err != nil {
		return err
	}
	ud, ok := e.mgr.Backend.(interface {
		Up(*hub.Hub) error
		Down(*hub.Hub) error
	})
	if !ok {
		return fmt.Errorf("%s: on OpenWrt netifd runs the interface: use ifup/ifdown %s", cmd, hub.DefaultInterface)
	}
	h, _, err := e.mgr.Load()
	if err != nil {
		return err
	}
	if cmd == "up" {
		return ud.Up(h)
	}
	return ud.Down(h)
}

func (e *env) status(args []string) error {
	fs := flag.NewFlagSet("status", flag.ContinueOnError)
	asJSON := fs.Bool("json", false, "JSON output")
	if _, err := parseFlags(fs, args, 0); err != nil {
		return err
	}
	st, err := e.mgr.Status()
	if err != nil {
		return err
	}
	if *asJSON {
		return writeJSON(e.stdout, st)
	}
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

func (e *env) doctor(args []string) error {
	fs := flag.NewFlagSet("doctor", flag.ContinueOnError)
	asJSON := fs.Bool("json", false, "JSON output")
	if _, err := parseFlags(fs, args, 0); err != nil {
		return err
	}
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
	if *asJSON {
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

func (e *env) importConf(args []string) error {
	fs := flag.NewFlagSet("import", flag.ContinueOnError)
	var r control.SetupRequest
	finish := setupFlags(fs, &r)
	e.jsonFlag(fs)
	pos, err := parseFlags(fs, args, 1)
	if err != nil {
		return err
	}
	if err := finish(); err != nil {
		return err
	}
	data, err := os.ReadFile(pos[0])
	if err != nil {
		return err
	}
	res, err := e.mgr.Import(e.ctx, data, r)
	if err != nil {
		return err
	}
	extra := setupJSON(res)
	extra["peers"] = len(res.Hub.Peers)
	return e.report(func() {
		e.reportSetup(res)
		fmt.Fprintf(e.stdout, "imported %d peer(s)\n", len(res.Hub.Peers))
	}, extra)
}

func (e *env) export(args []string) error {
	fs := flag.NewFlagSet("export", flag.ContinueOnError)
	if _, err := parseFlags(fs, args, 0); err != nil {
		return err
	}
	h, _, err := e.mgr.Load()
	if err != nil {
		return err
	}
	_, err = e.stdout.Write(h.ServerConfig())
	return err
}

func (e *env) peer(args []string) error {
	if len(args) == 0 {
		return usagef("peer: expected add, remove, enable, disable, list, config or qr")
	}
	sub, args := args[0], args[1:]
	switch sub {
	case "add":
		return e.peerAdd(args)
	case "remove", "rm", "enable", "disable":
		fs := flag.NewFlagSet("peer "+sub, flag.ContinueOnError)
		e.jsonFlag(fs)
		pos, err := parseFlags(fs, args, 1)
		if err != nil {
			return err
		}
		if sub == "remove" || sub == "rm" {
			err = e.mgr.PeerRemove(e.ctx, pos[0])
		} else {
			_, err = e.mgr.PeerSetEnabled(e.ctx, pos[0], sub == "enable")
		}
		if err != nil {
			return err
		}
		done := map[string]string{"remove": "removed", "rm": "removed", "enable": "enabled", "disable": "disabled"}[sub]
		return e.report(func() {
			fmt.Fprintf(e.stdout, "wghub: peer %s %s\n", pos[0], done)
		}, map[string]any{"name": pos[0], "done": done})
	case "list", "ls":
		fs := flag.NewFlagSet("peer list", flag.ContinueOnError)
		asJSON := fs.Bool("json", false, "JSON output")
		if _, err := parseFlags(fs, args, 0); err != nil {
			return err
		}
		peers, err := e.mgr.Peers()
		if err != nil {
			return err
		}
		if *asJSON {
			return writeJSON(e.stdout, map[string]any{"peers": peers})
		}
		tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "NAME\tADDRESS\tENABLED\tTUNNEL\tPUBLIC KEY")
		for _, p := range peers {
			tunnel := "split"
			if p.FullTunnel {
				tunnel = "full"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", p.Name, strings.Join(p.Addresses, ","), yesNo(p.Enabled), tunnel, p.PublicKey)
		}
		return tw.Flush()
	case "config":
		fs := flag.NewFlagSet("peer config", flag.ContinueOnError)
		pos, err := parseFlags(fs, args, 1)
		if err != nil {
			return err
		}
		conf, err := e.mgr.ClientConfig(pos[0])
		if conf != nil {
			e.stdout.Write(conf)
		}
		if errors.Is(err, hub.ErrNoPrivateKey) {
			fmt.Fprintf(e.stderr, "wghub: %v\n", err)
			return nil
		}
		return err
	case "qr":
		return e.peerQR(args)
	}
	return usagef("peer: unknown subcommand %q", sub)
}

func (e *env) peerAdd(args []string) error {
	fs := flag.NewFlagSet("peer add", flag.ContinueOnError)
	var r hub.PeerRequest
	e.jsonFlag(fs)
	ip := fs.String("ip", "", "VPN address (default: lowest free)")
	pub := fs.String("public-key", "", "the device's own public key (the hub then stores no client secret)")
	fs.BoolVar(&r.PSK, "psk", false, "add a preshared key")
	fs.BoolVar(&r.FullTunnel, "full-tunnel", false, "route all of the client's traffic through the hub")
	var lan, routes multi
	fs.Var(&lan, "lan", "LAN subnet this client reaches (repeat; default: the hub's)")
	fs.Var(&routes, "route", "subnet behind this peer, routed to it (repeat)")
	pos, err := parseFlags(fs, args, 1)
	if err != nil {
		return err
	}
	r.Name = pos[0]
	if *ip != "" {
		if r.IP, err = netip.ParseAddr(*ip); err != nil {
			return usagef("--ip %q is not an IP address", *ip)
		}
	}
	if *pub != "" {
		k, err := wgtypes.ParseKey(*pub)
		if err != nil {
			return usagef("--public-key: not a base64 WireGuard key (%d characters)", len(*pub))
		}
		r.PublicKey = &k
	}
	if lan != nil {
		if r.LAN, err = parseCIDRs("--lan", lan); err != nil {
			return err
		}
	}
	if routes != nil {
		if r.Routes, err = parseCIDRs("--route", routes); err != nil {
			return err
		}
	}
	p, err := e.mgr.PeerAdd(e.ctx, r)
	if err != nil {
		return err
	}
	return e.report(func() {
		fmt.Fprintf(e.stdout, "wghub: added peer %s at %s\n", p.Name, joinPrefixes(p.Addresses))
		if p.PrivateKey != nil {
			fmt.Fprintf(e.stdout, "client config: wghub peer config %s   (QR: wghub peer qr %s)\n", quoteArg(p.Name), quoteArg(p.Name))
		}
	}, map[string]any{"peer": control.Info(p)})
}

func (e *env) peerQR(args []string) error {
	fs := flag.NewFlagSet("peer qr", flag.ContinueOnError)
	png := fs.String("png", "", "write a PNG to FILE")
	svg := fs.String("svg", "", "write an SVG to FILE")
	pos, err := parseFlags(fs, args, 1)
	if err != nil {
		return err
	}
	conf, err := e.mgr.ClientConfig(pos[0])
	if err != nil {
		return err
	}
	code, err := qr.Encode(conf, qr.M)
	if err != nil {
		return err
	}
	// The image holds the client's private key: files are 0600.
	if *png != "" {
		if err := writePrivate(*png, code.PNG(8)); err != nil {
			return err
		}
	}
	if *svg != "" {
		if err := writePrivate(*svg, code.SVG(8)); err != nil {
			return err
		}
	}
	if *png == "" && *svg == "" {
		fmt.Fprint(e.stdout, code.Terminal())
	}
	return nil
}

func writeJSON(w interface{ Write([]byte) (int, error) }, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
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
