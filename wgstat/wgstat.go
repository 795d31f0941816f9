// Package wgstat reads what a status shows of a running WireGuard
// interface (listen port; per peer its endpoint, last handshake and byte
// counters) from a userspace implementation's UAPI socket, one peer at a
// time. wgctrl reads the same into a wgtypes.Device: allowed IPs, keys and
// a resolved address per peer, which for a thousand peers was a quarter of
// `wghub status`'s CPU time and a third of its allocations. The values
// come out as wgctrl gives them (its quirks included), so a status read
// either way is the same.
//
// Kernel devices are not read here (wgctrl's netlink path stays).
package wgstat

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"strconv"
	"time"

	"golang.zx2c4.com/wireguard/wgctrl/wgtypes"
)

// Peer is one running peer as status shows it.
type Peer struct {
	PublicKey wgtypes.Key
	Endpoint  string    // as net.UDPAddr prints it, IPv4-mapped addresses as IPv4; "" none
	Handshake time.Time // zero: never
	Rx, Tx    int64
}

// ErrFormat is returned for a reply that is not the UAPI's; the caller
// may read the device another way.
var ErrFormat = errors.New("wgstat: unexpected UAPI reply")

// SocketDir is where userspace implementations (wireguard-go) put their
// UAPI sockets, and where wgctrl looks for them.
const SocketDir = "/var/run/wireguard"

// SocketPath is iface's UAPI socket.
func SocketPath(iface string) string { return SocketDir + "/" + iface + ".sock" }

// Read asks the UAPI socket at path for the device ("get=1") and calls fn
// with each peer, reusing p between calls. It returns the listen port.
func Read(path string, fn func(p *Peer)) (listenPort int, err error) {
	c, err := net.Dial("unix", path)
	if err != nil {
		return 0, err
	}
	defer c.Close()
	if _, err := io.WriteString(c, "get=1\n\n"); err != nil {
		return 0, err
	}
	return Parse(bufio.NewReaderSize(c, 8<<10), fn)
}

// Parse reads a UAPI "get" reply (key=value lines up to an empty line).
func Parse(r *bufio.Reader, fn func(p *Peer)) (listenPort int, err error) {
	var p Peer
	inPeer := false
	var hsSec int64
	for {
		line, err := r.ReadSlice('\n')
		if err != nil {
			if err == io.EOF || err == bufio.ErrBufferFull {
				return 0, fmt.Errorf("%w: %v", ErrFormat, err)
			}
			return 0, err
		}
		line = line[:len(line)-1]
		if len(line) == 0 {
			break
		}
		k, v, ok := bytes.Cut(line, []byte("="))
		if !ok || bytes.IndexByte(v, '=') >= 0 { // wgctrl wants exactly one '='
			return 0, fmt.Errorf("%w: %q", ErrFormat, line)
		}
		switch string(k) {
		case "errno":
			if n, err := strconv.Atoi(string(v)); err != nil || n != 0 {
				return 0, fmt.Errorf("wgstat: device answered errno=%s", v)
			}
			continue
		case "public_key":
			if inPeer {
				fn(&p)
			}
			inPeer = true
			p, hsSec = Peer{}, 0
			if hex.DecodedLen(len(v)) != wgtypes.KeyLen {
				return 0, fmt.Errorf("%w: public_key %q", ErrFormat, v)
			}
			if _, err := hex.Decode(p.PublicKey[:], v); err != nil {
				return 0, fmt.Errorf("%w: public_key %q", ErrFormat, v)
			}
			continue
		}
		if !inPeer {
			if string(k) == "listen_port" {
				if listenPort, err = strconv.Atoi(string(v)); err != nil {
					return 0, fmt.Errorf("%w: listen_port %q", ErrFormat, v)
				}
			}
			continue
		}
		switch string(k) {
		case "endpoint":
			if p.Endpoint, err = endpoint(v); err != nil {
				return 0, err
			}
		case "last_handshake_time_sec":
			if hsSec, err = strconv.ParseInt(string(v), 10, 64); err != nil {
				return 0, fmt.Errorf("%w: %q", ErrFormat, line)
			}
		case "last_handshake_time_nsec":
			ns, err := strconv.ParseInt(string(v), 10, 64)
			if err != nil {
				return 0, fmt.Errorf("%w: %q", ErrFormat, line)
			}
			// As wgctrl: a handshake only when both parts are non-zero.
			if hsSec > 0 && ns > 0 {
				p.Handshake = time.Unix(hsSec, ns)
			}
		case "rx_bytes":
			if p.Rx, err = strconv.ParseInt(string(v), 10, 64); err != nil {
				return 0, fmt.Errorf("%w: %q", ErrFormat, line)
			}
		case "tx_bytes":
			if p.Tx, err = strconv.ParseInt(string(v), 10, 64); err != nil {
				return 0, fmt.Errorf("%w: %q", ErrFormat, line)
			}
		}
	}
	if inPeer {
		fn(&p)
	}
	return listenPort, nil
}

// endpoint prints v ("1.2.3.4:5", "[::1]:5", "[fe80::1%eth0]:5") as
// net.UDPAddr.String prints what net.ResolveUDPAddr makes of it. Anything
// else (a name, an IPv4 with a zone) is ErrFormat: the caller falls back
// to wgctrl, which resolves it.
func endpoint(v []byte) (string, error) {
	ap, err := netip.ParseAddrPort(string(v))
	if err != nil {
		return "", fmt.Errorf("%w: endpoint %q", ErrFormat, v)
	}
	ip := ap.Addr()
	if ip.Is4In6() {
		if ip.Zone() != "" {
			return "", fmt.Errorf("%w: endpoint %q", ErrFormat, v)
		}
		ip = ip.Unmap()
	}
	return netip.AddrPortFrom(ip, ap.Port()).String(), nil
}

// FromDevice calls fn with each peer of d (a device wgctrl read), as Read
// would give it.
func FromDevice(d *wgtypes.Device, fn func(p *Peer)) {
	var p Peer
	for i := range d.Peers {
		dp := &d.Peers[i]
		p = Peer{PublicKey: dp.PublicKey, Handshake: dp.LastHandshakeTime, Rx: dp.ReceiveBytes, Tx: dp.TransmitBytes}
		if dp.Endpoint != nil {
			p.Endpoint = EndpointString(dp.Endpoint)
		}
		fn(&p)
	}
}

// EndpointString is a.String(), which took a fifth of status's per-peer
// time at 1000 peers, through net/netip.
func EndpointString(a *net.UDPAddr) string {
	ip, ok := netip.AddrFromSlice(a.IP)
	if !ok || a.Port < 0 || a.Port > 65535 {
		return a.String()
	}
	ip = ip.Unmap() // net prints an IPv4-mapped address as IPv4
	if a.Zone != "" {
		if ip.Is4() {
			return a.String()
		}
		ip = ip.WithZone(a.Zone)
	}
	return netip.AddrPortFrom(ip, uint16(a.Port)).String()
}
