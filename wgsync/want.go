package wgsync

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"github.com/wghub/wghub/hub"
	"github.com/wghub/wghub/uci"
	"github.com/wghub/wghub/wgquick"
	"golang.zx2c4.com/wireguard/wgctrl/wgtypes"
)

// DefaultEndpointPort is the port netifd's handler uses when a peer has an
// endpoint_host but no endpoint_port.
const DefaultEndpointPort = 51820

// Want is the device UCI describes.
type Want struct {
	Interface  string
	PrivateKey wgtypes.Key
	// ListenPort is 0 when UCI sets none: the kernel then picks one and
	// any port on the device is right.
	ListenPort int
	Peers      []Peer
}

// Peer is one enabled peer section.
type Peer struct {
	Section      string       // UCI section name
	Name         string       // description, or the section name
	PublicKey    wgtypes.Key  //
	PresharedKey *wgtypes.Key // nil: none
	AllowedIPs   []netip.Prefix
	// AllowedIPsItems counts the words of UCI's allowed_ips list as netifd's
	// handler sees them (an item may join several prefixes with commas).
	AllowedIPsItems int
	// EndpointHost is "" when UCI gives no endpoint: the device then learns
	// it from the peer and any endpoint on the device is right.
	EndpointHost string
	EndpointPort int // DefaultEndpointPort unless set
	Keepalive    int // seconds, 0 off
	// RouteAllowedIPs asks netifd to route the allowed IPs to the device.
	RouteAllowedIPs bool
}

// Skipped is a peer section netifd's handler ignores, with the reason.
type Skipped struct {
	Section string
	Reason  string
}

// FromUCI reads the interface iface and its peers from the network config
// (on OpenWrt /etc/config/network; on a plain Linux hub wghub's own file).
func FromUCI(nc *uci.Config, iface string) (*Want, []Skipped, error) {
	is := nc.Section(iface)
	if is == nil || is.Type() != "interface" {
		return nil, nil, fmt.Errorf("wgsync: %s: no interface section %q", nc.Name(), iface)
	}
	w := &Want{Interface: iface}
	pk, _ := is.Get("private_key")
	k, err := wgtypes.ParseKey(pk)
	if err != nil {
		return nil, nil, fmt.Errorf("wgsync: %s.%s.private_key is not a valid key", nc.Name(), iface)
	}
	w.PrivateKey = k
	if v, ok := is.Get("listen_port"); ok && v != "" {
		if w.ListenPort, err = port(v); err != nil {
			return nil, nil, fmt.Errorf("wgsync: %s.%s.listen_port: %w", nc.Name(), iface, err)
		}
	}
	var skipped []Skipped
	for _, s := range nc.SectionsByType("wireguard_" + iface) {
		if isTrue(get(s, "disabled")) {
			continue
		}
		p, err := peer(s)
		if err != nil {
			skipped = append(skipped, Skipped{Section: s.Name(), Reason: err.Error()})
			continue
		}
		w.Peers = append(w.Peers, *p)
	}
	return w, skipped, nil
}

func peer(s *uci.Section) (*Peer, error) {
	p := &Peer{Section: s.Name(), Name: get(s, "description"), EndpointPort: DefaultEndpointPort}
	if p.Name == "" {
		p.Name = s.Name()
	}
	pub := get(s, "public_key")
	if pub == "" {
		return nil, fmt.Errorf("no public_key")
	}
	var err error
	if p.PublicKey, err = wgtypes.ParseKey(pub); err != nil {
		return nil, fmt.Errorf("public_key is not a valid key")
	}
	if psk := get(s, "preshared_key"); psk != "" {
		k, err := wgtypes.ParseKey(psk)
		if err != nil {
			return nil, fmt.Errorf("preshared_key is not a valid key")
		}
		p.PresharedKey = &k
	}
	items := s.List("allowed_ips")
	p.AllowedIPsItems = len(strings.Fields(strings.Join(items, " ")))
	for _, f := range hub.SplitList(items) {
		a, err := wgquick.ParsePrefix(f)
		if err != nil {
			return nil, fmt.Errorf("allowed_ips %q is not an address or prefix", f)
		}
		p.AllowedIPs = append(p.AllowedIPs, a.Masked())
	}
	p.EndpointHost = strings.TrimSuffix(strings.TrimPrefix(get(s, "endpoint_host"), "["), "]")
	if v := get(s, "endpoint_port"); v != "" {
		if p.EndpointPort, err = port(v); err != nil {
			return nil, fmt.Errorf("endpoint_port: %w", err)
		}
	}
	if v := get(s, "persistent_keepalive"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > 65535 {
			return nil, fmt.Errorf("persistent_keepalive %q is not 0-65535", v)
		}
		p.Keepalive = n
	}
	p.RouteAllowedIPs = isTrue(get(s, "route_allowed_ips"))
	return p, nil
}

func get(s *uci.Section, name string) string {
	v, _ := s.Get(name)
	return v
}

func port(v string) (int, error) {
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 || n > 65535 {
		return 0, fmt.Errorf("%q is not a port", v)
	}
	return n, nil
}

// isTrue is config_get_bool's reading of a flag.
func isTrue(v string) bool {
	switch v {
	case "1", "on", "true", "yes", "enabled":
		return true
	}
	return false
}
