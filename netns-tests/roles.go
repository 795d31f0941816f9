//go:build linux

package netnstests

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wghub/wghub/backend/linux"
	"golang.zx2c4.com/wireguard/wgctrl/wgtypes"
)

// Main is the TestMain of packages using the harness: os.Exit(RunTests(m)).
func Main(m *testing.M) { os.Exit(RunTests(m)) }

// RunTests plays the role of a re-executed test binary (RoleEnv set) and exits;
// otherwise it runs the tests and returns their exit code, failing the run
// if they left namespaces, sockets or state files behind.
func RunTests(m *testing.M) int {
	if role := os.Getenv(RoleEnv); role != "" {
		os.Exit(runRole(role, os.Args[1:]))
	}
	// The tests mostly wait (for timeouts that prove traffic does not
	// pass): run more of them at once than there are CPUs, unless
	// -test.parallel says otherwise.
	flag.Parse()
	explicit := false
	flag.Visit(func(f *flag.Flag) { explicit = explicit || f.Name == "test.parallel" })
	if !explicit {
		flag.Set("test.parallel", "4")
	}
	code := m.Run()
	if left := Leftovers(); len(left) > 0 {
		fmt.Fprintf(os.Stderr, "netnstests: tests left behind:\n  %s\n", strings.Join(left, "\n  "))
		for _, l := range left {
			if ns, ok := strings.CutPrefix(l, "namespace "); ok {
				DeleteNS(ns)
			}
		}
		if code == 0 {
			code = 1
		}
	}
	return code
}

func runRole(role string, args []string) int {
	var err error
	switch role {
	case "serve":
		err = serve(args)
	case "dial":
		err = dial(args)
	case "udp":
		err = dialUDP(args)
	case "dns":
		err = resolve(args)
	case "driver":
		err = drive(args)
	default:
		err = fmt.Errorf("unknown role %q", role)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", role, err)
		return 1
	}
	return 0
}

// self is the argv that re-executes this test binary.
func self() string {
	exe, err := os.Executable()
	if err != nil {
		panic(err)
	}
	return exe
}

// serve ADDR: a TCP server that prints "ready", then per connection reads
// one line: "WHO" answers the remote address it sees; "SINK" counts bytes
// until EOF and answers the count. On the same address and port, UDP:
// every datagram is answered with the remote address.
func serve(args []string) error {
	if len(args) != 1 {
		return fmt.Errorf("usage: serve ADDR")
	}
	l, err := net.Listen("tcp", args[0])
	if err != nil {
		return err
	}
	u, err := net.ListenPacket("udp", args[0])
	if err != nil {
		return err
	}
	go echoUDP(u)
	fmt.Println("ready")
	for {
		c, err := l.Accept()
		if err != nil {
			return err
		}
		go func() {
			defer c.Close()
			r := bufio.NewReader(c)
			c.SetReadDeadline(time.Now().Add(10 * time.Second))
			line, err := r.ReadString('\n')
			if err != nil {
				return
			}
			switch strings.TrimSpace(line) {
			case "WHO":
				fmt.Fprintf(c, "%s\n", c.RemoteAddr())
			case "SINK":
				c.SetReadDeadline(time.Now().Add(60 * time.Second))
				n, _ := io.Copy(io.Discard, r)
				fmt.Fprintf(c, "%d\n", n)
			}
		}()
	}
}

func echoUDP(u net.PacketConn) {
	buf := make([]byte, 1500)
	for {
		_, from, err := u.ReadFrom(buf)
		if err != nil {
			return
		}
		u.WriteTo([]byte(from.String()+"\n"), from)
	}
}

// udp ADDR TIMEOUT: sends a datagram to ADDR (again every 300 ms) until an
// answer comes or TIMEOUT passes, and prints the answer (the address the
// server saw).
func dialUDP(args []string) error {
	if len(args) != 2 {
		return fmt.Errorf("usage: udp ADDR TIMEOUT")
	}
	timeout, err := time.ParseDuration(args[1])
	if err != nil {
		return err
	}
	c, err := net.Dial("udp", args[0])
	if err != nil {
		return err
	}
	defer c.Close()
	end := time.Now().Add(timeout)
	buf := make([]byte, 1500)
	for time.Now().Before(end) {
		c.Write([]byte("WHO\n"))
		dl := time.Now().Add(300 * time.Millisecond)
		if dl.After(end) {
			dl = end
		}
		c.SetReadDeadline(dl)
		n, err := c.Read(buf)
		if err == nil {
			fmt.Print(string(buf[:n]))
			return nil
		}
	}
	return fmt.Errorf("no answer from %s within %s", args[0], timeout)
}

// dns SERVER NAME tcp|udp TIMEOUT: looks NAME up at SERVER:53 over tcp or
// udp only (Go's resolver) and prints the addresses.
func resolve(args []string) error {
	if len(args) != 4 {
		return fmt.Errorf("usage: dns SERVER NAME tcp|udp TIMEOUT")
	}
	timeout, err := time.ParseDuration(args[3])
	if err != nil {
		return err
	}
	server, network := net.JoinHostPort(args[0], "53"), args[2]
	r := &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, _, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, network, server)
	}}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	addrs, err := r.LookupHost(ctx, args[1])
	if err != nil {
		return err
	}
	fmt.Println(strings.Join(addrs, " "))
	return nil
}

// dial ADDR TIMEOUT [SECONDS]: connects within TIMEOUT; without SECONDS asks
// "WHO" and prints the answer, with it streams zeros for SECONDS and prints
// "BYTES SECONDS" as counted by the server.
func dial(args []string) error {
	if len(args) < 2 {
		return fmt.Errorf("usage: dial ADDR TIMEOUT [SECONDS]")
	}
	timeout, err := time.ParseDuration(args[1])
	if err != nil {
		return err
	}
	c, err := net.DialTimeout("tcp", args[0], timeout)
	if err != nil {
		return err
	}
	defer c.Close()
	if len(args) == 2 {
		c.SetDeadline(time.Now().Add(timeout))
		fmt.Fprintf(c, "WHO\n")
		line, err := bufio.NewReader(c).ReadString('\n')
		if err != nil {
			return fmt.Errorf("reading answer: %w", err)
		}
		fmt.Print(line)
		return nil
	}
	dur, err := time.ParseDuration(args[2])
	if err != nil {
		return err
	}
	fmt.Fprintf(c, "SINK\n")
	buf := make([]byte, 64<<10)
	start := time.Now()
	c.SetWriteDeadline(start.Add(dur + 10*time.Second))
	for time.Since(start) < dur {
		if _, err := c.Write(buf); err != nil {
			return err
		}
	}
	c.(*net.TCPConn).CloseWrite()
	c.SetReadDeadline(time.Now().Add(20 * time.Second))
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		return fmt.Errorf("reading count: %w", err)
	}
	fmt.Printf("%s %f\n", strings.TrimSpace(line), time.Since(start).Seconds())
	return nil
}

// DriverSpec is linux.Spec in a form the driver role reads from a file.
type DriverSpec struct {
	Interface  string
	PrivateKey string
	ListenPort int
	Addresses  []netip.Prefix
	Peers      []DriverPeer
	Routes     []netip.Prefix
	LANDevice  string
	VPN, LAN   []netip.Prefix
	Default    linux.Access
	StateDir   string
}

// DriverPeer is one peer of a DriverSpec.
type DriverPeer struct {
	PublicKey  string
	AllowedIPs []netip.Prefix
}

func (p DriverPeer) config() (wgtypes.PeerConfig, error) {
	k, err := wgtypes.ParseKey(p.PublicKey)
	if err != nil {
		return wgtypes.PeerConfig{}, err
	}
	pc := wgtypes.PeerConfig{PublicKey: k, ReplaceAllowedIPs: true}
	for _, a := range p.AllowedIPs {
		pc.AllowedIPs = append(pc.AllowedIPs, *ipNet(a))
	}
	return pc, nil
}

func ipNet(p netip.Prefix) *net.IPNet {
	return &net.IPNet{IP: p.Addr().AsSlice(), Mask: net.CIDRMask(p.Bits(), p.Addr().BitLen())}
}

// Spec converts d to a linux.Spec.
func (d DriverSpec) Spec() (linux.Spec, error) {
	k, err := wgtypes.ParseKey(d.PrivateKey)
	if err != nil {
		return linux.Spec{}, err
	}
	s := linux.Spec{Interface: d.Interface, PrivateKey: k, ListenPort: d.ListenPort, Addresses: d.Addresses,
		Routes: d.Routes, LANDevice: d.LANDevice, VPN: d.VPN, LAN: d.LAN, Default: d.Default, StateDir: d.StateDir}
	for _, p := range d.Peers {
		pc, err := p.config()
		if err != nil {
			return linux.Spec{}, err
		}
		s.Peers = append(s.Peers, pc)
	}
	return s, nil
}

// drive SPECFILE up|down|add PUB IP...|remove PUB...: the stand-in for the
// wghub CLI, calling package linux in the namespace it runs in.
func drive(args []string) error {
	if len(args) < 2 {
		return fmt.Errorf("usage: driver SPECFILE up|down|add PUB PREFIX|remove PUB")
	}
	b, err := os.ReadFile(args[0])
	if err != nil {
		return err
	}
	var d DriverSpec
	if err := json.Unmarshal(b, &d); err != nil {
		return err
	}
	s, err := d.Spec()
	if err != nil {
		return err
	}
	h, err := linux.NewWithOptions(linux.Options{Log: os.Stderr})
	if err != nil {
		return err
	}
	defer h.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	switch op := args[1]; op {
	case "up":
		return h.Up(ctx, s)
	case "down":
		return h.Down(ctx, s)
	case "add":
		if len(args) != 4 {
			return fmt.Errorf("usage: add PUB PREFIX")
		}
		pfx, err := netip.ParsePrefix(args[3])
		if err != nil {
			return err
		}
		pc, err := DriverPeer{PublicKey: args[2], AllowedIPs: []netip.Prefix{pfx}}.config()
		if err != nil {
			return err
		}
		return h.ApplyPeers(s.Interface, []wgtypes.PeerConfig{pc}, nil, nil, nil)
	case "remove":
		if len(args) != 3 {
			return fmt.Errorf("usage: remove PUB")
		}
		k, err := wgtypes.ParseKey(args[2])
		if err != nil {
			return err
		}
		return h.ApplyPeers(s.Interface, nil, []wgtypes.Key{k}, nil, nil)
	case "status":
		dev, err := h.Status(s.Interface)
		if err != nil {
			return err
		}
		for _, p := range dev.Peers {
			fmt.Printf("%s %d %d %d\n", p.PublicKey, p.LastHandshakeTime.Unix(), p.ReceiveBytes, p.TransmitBytes)
		}
		return nil
	default:
		return fmt.Errorf("unknown op %q", op)
	}
}

// atoi is strconv.Atoi for test parsing, 0 on error.
func atoi(s string) int64 {
	n, _ := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	return n
}
