//go:build linux

package openwrt_test

import (
	"bufio"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wghub/wghub/internal/openwrtrig"
	netnstests "github.com/wghub/wghub/netns-tests"
	"golang.zx2c4.com/wireguard/wgctrl/wgtypes"
)

// Addresses of the access test, inside its namespaces only.
const (
	internetHost = "198.51.100.10" // beyond the router's WAN: the internet
	internetGW   = "203.0.113.254" // the WAN host that is the router's default gateway
	openPort     = "7000"          // served by the LAN host and the internet host (TCP and UDP echo)
	closedPort   = "7001"          // served by the LAN host too (TCP echo): a port a host rule leaves out
	dnsName      = "nas.wghub.test"
)

// device is a WireGuard client of the rig's hub in a namespace of its own,
// configured to send everything through the tunnel (AllowedIPs 0.0.0.0/0,
// default route via the tunnel): what it cannot reach, the hub stops.
type device struct {
	name, ns, vpn string
}

// startDevice adds a device with access (none: the hub's default) to the
// hub and brings its WireGuard up in a new namespace on the WAN switch.
func startDevice(t *testing.T, g *openwrtrig.Gateway, hubPub wgtypes.Key, name, wanAddr, vpn, access string) *device {
	t.Helper()
	key, err := wgtypes.GeneratePrivateKey()
	if err != nil {
		t.Fatal(err)
	}
	args := []string{"/usr/sbin/wghub", "peer", "add", name, "--public-key", key.PublicKey().String(), "--ip", vpn}
	if access != "" {
		args = append(args, "--access", access)
	}
	g.MustExec(t, args...)
	ns := g.AddWANHost(t, wanAddr)
	iface := netnstests.Iface(ns, 'd')
	kf := filepath.Join(t.TempDir(), "key")
	if err := os.WriteFile(kf, []byte(key.String()+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	netnstests.MustRun(t, ns, "wireguard-go", iface)
	t.Cleanup(func() { netnstests.Run(ns, "ip", "link", "del", iface) })
	sock := filepath.Join("/var/run/wireguard", iface+".sock")
	for i := 0; ; i++ {
		if _, err := os.Stat(sock); err == nil {
			break
		}
		if i == 500 {
			t.Fatalf("wireguard-go %s: no socket", iface)
		}
		time.Sleep(10 * time.Millisecond)
	}
	netnstests.MustRun(t, ns, "wg", "set", iface, "private-key", kf, "peer", hubPub.String(),
		"endpoint", openwrtrig.WANAddr+":51820", "allowed-ips", "0.0.0.0/0", "persistent-keepalive", "5")
	netnstests.MustRun(t, ns, "ip", "addr", "add", vpn+"/24", "dev", iface)
	netnstests.MustRun(t, ns, "ip", "link", "set", iface, "up")
	netnstests.MustRun(t, ns, "ip", "route", "add", "default", "dev", iface)
	// Nothing passes before the first handshake; the keepalive starts it.
	for i := 0; ; i++ {
		if p, ok := netnstests.Peers(t, ns, iface)[hubPub.String()]; ok && p.Handshake != 0 {
			break
		}
		if i == 100 {
			t.Fatalf("%s: no handshake with the hub", name)
		}
		time.Sleep(100 * time.Millisecond)
	}
	return &device{name: name, ns: ns, vpn: vpn}
}

// inNS runs fn with the calling goroutine in network namespace ns: sockets
// fn opens stay in ns.
func inNS(t *testing.T, ns string, fn func() error) error {
	t.Helper()
	restore := netnstests.EnterNS(t, ns)
	defer restore()
	return fn()
}

// serveEcho serves TCP (and with udp UDP) echo at addr in ns until the test ends.
func serveEcho(t *testing.T, ns, addr string, udp bool) {
	t.Helper()
	var l net.Listener
	var pc net.PacketConn
	err := inNS(t, ns, func() error {
		var err error
		if l, err = net.Listen("tcp", addr); err != nil {
			return err
		}
		if udp {
			pc, err = net.ListenPacket("udp", addr)
		}
		return err
	})
	if err != nil {
		t.Fatalf("echo server at %s: %v", addr, err)
	}
	t.Cleanup(func() {
		l.Close()
		if pc != nil {
			pc.Close()
		}
	})
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				r := bufio.NewReader(c)
				for {
					c.SetDeadline(time.Now().Add(10 * time.Second))
					line, err := r.ReadString('\n')
					if err != nil {
						return
					}
					c.Write([]byte(line))
				}
			}()
		}
	}()
	if pc != nil {
		go func() {
			buf := make([]byte, 1500)
			for {
				n, from, err := pc.ReadFrom(buf)
				if err != nil {
					return
				}
				pc.WriteTo(buf[:n], from)
			}
		}()
	}
}

// tcpEcho opens a TCP connection from ns to addr and has a line echoed.
func tcpEcho(t *testing.T, ns, addr string) error {
	var c net.Conn
	err := inNS(t, ns, func() error {
		var err error
		c, err = net.DialTimeout("tcp", addr, 2*time.Second)
		return err
	})
	if err != nil {
		return err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(2 * time.Second))
	if _, err := c.Write([]byte("hello\n")); err != nil {
		return err
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil || line != "hello\n" {
		return fmt.Errorf("echo: %q, %v", line, err)
	}
	return nil
}

// udpEcho sends a datagram from ns to addr and waits for its echo.
func udpEcho(t *testing.T, ns, addr string) error {
	var c net.Conn
	err := inNS(t, ns, func() error {
		var err error
		c, err = net.Dial("udp", addr)
		return err
	})
	if err != nil {
		return err
	}
	defer c.Close()
	buf := make([]byte, 64)
	for try := 0; try < 3; try++ {
		c.SetDeadline(time.Now().Add(700 * time.Millisecond))
		if _, err = c.Write([]byte("hello")); err != nil {
			return err
		}
		var n int
		if n, err = c.Read(buf); err == nil && string(buf[:n]) == "hello" {
			return nil
		}
	}
	return fmt.Errorf("no echo: %v", err)
}

// httpGet asks uhttpd on the router for its start page from ns.
func httpGet(t *testing.T, ns, host string) error {
	var c net.Conn
	err := inNS(t, ns, func() error {
		var err error
		c, err = net.DialTimeout("tcp", host+":80", 2*time.Second)
		return err
	})
	if err != nil {
		return err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(3 * time.Second))
	fmt.Fprintf(c, "GET / HTTP/1.0\r\nHost: %s\r\n\r\n", host)
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "HTTP/1.") {
		return fmt.Errorf("answer %q: %v", line, err)
	}
	return nil
}

// reach is one kind of traffic from a device.
type reach struct {
	what string
	try  func(d *device) error
}

func pingTo(g *openwrtrig.Gateway, dst string) reach {
	return reach{"ping " + dst, func(d *device) error { return g.Ping(d.ns, dst, 1, 2) }}
}

func tcpTo(t *testing.T, addr string) reach {
	return reach{"TCP " + addr, func(d *device) error { return tcpEcho(t, d.ns, addr) }}
}

func udpTo(t *testing.T, addr string) reach {
	return reach{"UDP " + addr, func(d *device) error { return udpEcho(t, d.ns, addr) }}
}

// check asserts that d gets through with each of pass and does not with
// each of deny.
func check(t *testing.T, d *device, pass, deny []reach) {
	t.Helper()
	for _, r := range pass {
		if err := r.try(d); err != nil {
			t.Errorf("%s (%s): %s should pass: %v", d.name, d.vpn, r.what, err)
		}
	}
	for _, r := range deny {
		if err := r.try(d); err == nil {
			t.Errorf("%s (%s): %s got through; it should be dropped", d.name, d.vpn, r.what)
		}
	}
}

// startDNS runs dnsmasq (OpenWrt's DNS server; Debian's build) on the
// router, answering dnsName with the LAN host's address.
func startDNS(t *testing.T, g *openwrtrig.Gateway) {
	t.Helper()
	cmd := g.Command("dnsmasq", "--keep-in-foreground", "--no-resolv", "--no-hosts", "--conf-file=/dev/null",
		"--pid-file=", "--user=root", "--log-facility=-", "--address=/"+dnsName+"/"+openwrtrig.LANHost)
	if err := cmd.Start(); err != nil {
		t.Fatalf("dnsmasq: %v", err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	for i := 0; ; i++ {
		if err := resolves(g.GW, "127.0.0.1"); err == nil {
			return
		} else if i == 50 {
			t.Fatalf("dnsmasq on the router does not answer: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// resolves asks server for dnsName from ns with busybox nslookup.
func resolves(ns, server string) error {
	out, err := netnstests.Run(ns, "busybox", "nslookup", "-type=a", dnsName, server)
	if err != nil {
		return fmt.Errorf("%v: %s", err, out)
	}
	if !strings.Contains(out, openwrtrig.LANHost) {
		return fmt.Errorf("no answer with %s: %s", openwrtrig.LANHost, out)
	}
	return nil
}

// TestOpenwrtAccess is issue 11 points 1-2 on firewall4: devices with
// each kind of access, each sending everything through its tunnel, get
// through the real firewall4 and nft with what they may reach (ping, TCP,
// UDP) and are dropped for the rest; DNS on the hub works for all, LuCI
// only for devices with router; spoke to spoke and the router follow the
// hub setting and each device's; every change is
// in force right after the command; and a UDP stream of one device loses
// nothing while another device's access changes 10 times.
func TestOpenwrtAccess(t *testing.T) {
	t.Parallel()
	g := openwrtrig.New(t, openwrtrig.Options{Wghub: wghubBin})
	g.MustExec(t, "/usr/sbin/wghub", "setup", "--endpoint", openwrtrig.WANAddr)
	g.WaitUp(t, "wg0")
	g.Settle(t)
	hubPub := hubKey(t, g)

	// The internet: a host beyond the WAN host that is the router's gateway.
	inet := g.AddWANHost(t, internetGW)
	netnstests.MustRun(t, inet, "ip", "addr", "add", internetHost+"/32", "dev", "lo")
	netnstests.MustRun(t, g.GW, "ip", "route", "add", "default", "via", internetGW, "dev", openwrtrig.WANDevice)
	serveEcho(t, inet, internetHost+":"+openPort, true)
	lan := openwrtrig.LANHost
	serveEcho(t, g.LAN, lan+":"+openPort, true)
	serveEcho(t, g.LAN, lan+":"+closedPort, false)
	startDNS(t, g)

	laptop := startDevice(t, g, hubPub, "laptop", "203.0.113.21", "192.168.100.21", "")
	net_ := startDevice(t, g, hubPub, "net", "203.0.113.22", "192.168.100.22", "internet")
	ssh := startDevice(t, g, hubPub, "ssh", "203.0.113.23", "192.168.100.23", lan+" tcp/"+openPort)
	admin := startDevice(t, g, hubPub, "admin", "203.0.113.24", "192.168.100.24", "lan,router")
	buddy := startDevice(t, g, hubPub, "buddy", "203.0.113.25", "192.168.100.25", "lan,spoke")
	g.Settle(t)
	for _, d := range []*device{laptop, net_, ssh, admin, buddy} {
		serveEcho(t, d.ns, d.vpn+":"+openPort, false)
	}

	lanAll := []reach{pingTo(g, lan), tcpTo(t, lan+":"+openPort), udpTo(t, lan+":"+openPort)}
	inetAll := []reach{pingTo(g, internetHost), tcpTo(t, internetHost+":"+openPort), udpTo(t, internetHost+":"+openPort)}
	luci := reach{"LuCI at " + openwrtrig.LANAddr, func(d *device) error { return httpGet(t, d.ns, openwrtrig.LANAddr) }}
	luciVPN := reach{"LuCI at 192.168.100.1", func(d *device) error { return httpGet(t, d.ns, "192.168.100.1") }}
	spokeTo := func(to *device) []reach {
		return []reach{pingTo(g, to.vpn), tcpTo(t, to.vpn+":"+openPort)}
	}

	t.Run("kinds", func(t *testing.T) {
		// lan (the hub's default): the LAN, not the internet, the router or other devices.
		check(t, laptop, lanAll, append(append(inetAll, luci, luciVPN), spokeTo(buddy)...))
		// internet only: the WAN host beyond the router, not the LAN.
		check(t, net_, inetAll, append(lanAll, luci))
		// One LAN host's TCP port: that, not its other port, ping or UDP.
		check(t, ssh, []reach{tcpTo(t, lan+":"+openPort)},
			[]reach{tcpTo(t, lan+":"+closedPort), pingTo(g, lan), udpTo(t, lan+":"+openPort), inetAll[1], luci})
		// router: LuCI on the router's addresses, and the LAN.
		check(t, admin, append([]reach{luci, luciVPN}, lanAll...), inetAll[:2])
		// spoke: buddy reaches laptop; laptop (no spoke) does not reach buddy (above).
		check(t, buddy, spokeTo(laptop), []reach{luci})
	})

	t.Run("dns", func(t *testing.T) {
		for _, d := range []*device{laptop, net_, ssh, admin, buddy} {
			if err := resolves(d.ns, openwrtrig.LANAddr); err != nil {
				t.Errorf("%s: DNS on the hub: %v", d.name, err)
			}
		}
	})

	t.Run("spoke-default-on", func(t *testing.T) {
		g.MustExec(t, "/usr/sbin/wghub", "setup", "--access", "lan,spoke")
		// Right after the command: laptop (on the default) reaches buddy;
		// ssh (its own access, no spoke) still reaches no device.
		check(t, laptop, spokeTo(buddy), nil)
		check(t, ssh, nil, spokeTo(laptop))
		g.MustExec(t, "/usr/sbin/wghub", "peer", "set", "laptop", "--access", "lan")
		check(t, laptop, nil, spokeTo(buddy))
		g.MustExec(t, "/usr/sbin/wghub", "peer", "set", "laptop", "--access", "default")
		g.MustExec(t, "/usr/sbin/wghub", "setup", "--access", "lan")
		check(t, laptop, lanAll[:1], spokeTo(buddy))
	})

	t.Run("router-default-on", func(t *testing.T) {
		// Under a default that opens the router, a device with access of
		// its own without router is kept out of LuCI, and still resolves.
		g.MustExec(t, "/usr/sbin/wghub", "setup", "--access", "lan,router")
		check(t, laptop, []reach{luci, luciVPN}, nil)
		check(t, ssh, nil, []reach{luci, luciVPN})
		if err := resolves(ssh.ns, openwrtrig.LANAddr); err != nil {
			t.Errorf("ssh: DNS on the hub under a router default: %v", err)
		}
		g.MustExec(t, "/usr/sbin/wghub", "setup", "--access", "lan")
		check(t, laptop, nil, []reach{luci})
	})

	t.Run("doctor", func(t *testing.T) {
		// The first device may not reach the LAN and nothing may by
		// default: doctor asks about a device that may (admin), and the
		// gateway is healthy.
		g.MustExec(t, "/usr/sbin/wghub", "peer", "set", "laptop", "--access", "internet")
		g.MustExec(t, "/usr/sbin/wghub", "setup", "--access", "none")
		out, _ := g.Exec("/usr/sbin/wghub", "doctor", "--json")
		var r struct {
			Checks []struct {
				Name, Message string
				OK            bool
			}
		}
		if err := json.Unmarshal([]byte(out), &r); err != nil {
			t.Fatalf("doctor --json: %v\n%s", err, out)
		}
		asked := false
		for _, c := range r.Checks {
			if !c.OK && (strings.HasPrefix(c.Name, "nft_") || c.Name == "firewall") {
				t.Errorf("doctor on a healthy gateway: %s: %s", c.Name, c.Message)
			}
			asked = asked || c.Name == "nft_forwarding" && strings.Contains(c.Message, "("+admin.vpn+")")
		}
		if !asked {
			t.Errorf("doctor did not ask the firewall about admin, the first device with lan:\n%s", out)
		}
		g.MustExec(t, "/usr/sbin/wghub", "setup", "--access", "lan")
		g.MustExec(t, "/usr/sbin/wghub", "peer", "set", "laptop", "--access", "default")
	})

	t.Run("changes-hitless", func(t *testing.T) {
		s := startUDPStream(t, laptop.ns, lan+":"+openPort)
		// And a TCP connection of a device with rules of its own.
		ts := startTCPStream(t, ssh.ns, lan+":"+openPort)
		for i := 0; i < 10; i++ {
			access, pass, deny := "lan", tcpTo(t, lan+":"+openPort), tcpTo(t, internetHost+":"+openPort)
			if i%2 == 0 {
				access, pass, deny = "internet", deny, pass
			}
			g.MustExec(t, "/usr/sbin/wghub", "peer", "set", "net", "--access", access)
			// In force right after the command, no reload by hand.
			check(t, net_, []reach{pass}, []reach{deny})
		}
		sent, got, outOfOrder := s.stop()
		t.Logf("UDP stream laptop -> LAN host during 10 access changes of another device: %d sent, %d echoed, %d lost", sent, got, sent-got)
		if sent < 100 || got != sent {
			t.Errorf("stream lost %d of %d datagrams (%d out of order) while another device's access changed", sent-got, sent, outOfOrder)
		}
		lines, err := ts.stop()
		t.Logf("TCP connection ssh -> LAN host during the same changes: %d lines echoed, error: %v", lines, err)
		if err != nil || lines < 100 {
			t.Errorf("TCP connection of ssh broke while another device's access changed: %d lines, %v", lines, err)
		}
	})
}

// hubKey is the hub's public key, from wghub status.
func hubKey(t *testing.T, g *openwrtrig.Gateway) wgtypes.Key {
	t.Helper()
	out := g.MustExec(t, "/usr/sbin/wghub", "status", "--json")
	i := strings.Index(out, `"public_key": "`)
	if i < 0 {
		t.Fatalf("wghub status --json has no public_key: %s", out)
	}
	k, err := wgtypes.ParseKey(out[i+len(`"public_key": "`) : i+len(`"public_key": "`)+44])
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// udpStream sends numbered datagrams every 5 ms from a namespace to a UDP
// echo server and counts the echoes.
type udpStream struct {
	c          net.Conn
	sent, got  atomic.Int64
	outOfOrder atomic.Int64
	cancel     context.CancelFunc
	wg         sync.WaitGroup
}

func startUDPStream(t *testing.T, ns, addr string) *udpStream {
	t.Helper()
	s := &udpStream{}
	if err := inNS(t, ns, func() error {
		var err error
		s.c, err = net.Dial("udp", addr)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.c.Close() })
	ctx, cancel := context.WithCancel(context.Background())
	s.cancel = cancel
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		buf := make([]byte, 8)
		for n := uint64(0); ; n++ {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
			binary.BigEndian.PutUint64(buf, n)
			if _, err := s.c.Write(buf); err == nil {
				s.sent.Add(1)
			}
		}
	}()
	go func() {
		buf := make([]byte, 64)
		last := int64(-1)
		for {
			n, err := s.c.Read(buf)
			if err != nil {
				if errors.Is(err, net.ErrClosed) {
					return
				}
				continue // an ICMP error for one datagram: counted as lost
			}
			if n == 8 {
				seq := int64(binary.BigEndian.Uint64(buf))
				if seq < last {
					s.outOfOrder.Add(1)
				}
				last = seq
				s.got.Add(1)
			}
		}
	}()
	return s
}

// stop ends sending and waits (up to 3 s) for the echoes still on the way.
func (s *udpStream) stop() (sent, got, outOfOrder int64) {
	s.cancel()
	s.wg.Wait()
	for i := 0; i < 30 && s.got.Load() < s.sent.Load(); i++ {
		time.Sleep(100 * time.Millisecond)
	}
	return s.sent.Load(), s.got.Load(), s.outOfOrder.Load()
}

// tcpStream exchanges a line every 5 ms over one TCP connection.
type tcpStream struct {
	lines  atomic.Int64
	cancel context.CancelFunc
	done   chan error
}

func startTCPStream(t *testing.T, ns, addr string) *tcpStream {
	t.Helper()
	var c net.Conn
	if err := inNS(t, ns, func() error {
		var err error
		c, err = net.DialTimeout("tcp", addr, 2*time.Second)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	ctx, cancel := context.WithCancel(context.Background())
	s := &tcpStream{cancel: cancel, done: make(chan error, 1)}
	go func() {
		r := bufio.NewReader(c)
		for n := 0; ; n++ {
			select {
			case <-ctx.Done():
				s.done <- nil
				return
			case <-time.After(5 * time.Millisecond):
			}
			c.SetDeadline(time.Now().Add(5 * time.Second))
			want := fmt.Sprintf("%d\n", n)
			if _, err := c.Write([]byte(want)); err != nil {
				s.done <- err
				return
			}
			if got, err := r.ReadString('\n'); err != nil || got != want {
				s.done <- fmt.Errorf("line %d: got %q, %v", n, got, err)
				return
			}
			s.lines.Add(1)
		}
	}()
	return s
}

// stop ends the exchange and returns the lines echoed and the first error.
func (s *tcpStream) stop() (int64, error) {
	s.cancel()
	err := <-s.done
	return s.lines.Load(), err
}
