package request

import (
	"context"
	"errors"
	"net/netip"
	"strings"

	"github.com/wghub/wghub/control"
	"github.com/wghub/wghub/errkind"
	"github.com/wghub/wghub/hub"
	"github.com/wghub/wghub/wgquick"
	"golang.zx2c4.com/wireguard/wgctrl/wgtypes"
)

// Checker is implemented by every operation: Check validates the arguments
// without any I/O, so interfaces refuse bad input before opening a config.
type Checker interface{ Check() error }

// None is an operation without arguments (status, peers, settings, doctor,
// teardown, export).
type None struct{}

// Check accepts.
func (*None) Check() error { return nil }

// PeerName names an existing peer (peer_remove, peer_config). Lookups take
// any non-empty name: a stored peer's name is its UCI description, which
// other tools may have edited; a name no peer has is errkind.NotFound.
type PeerName struct {
	Name string `json:"name" pos:"NAME" help:"the peer's name"`
}

// Check requires a name.
func (a *PeerName) Check() error { return needName(a.Name) }

func needName(name string) error {
	if name == "" {
		return errkind.Invalidf("name", "missing argument \"name\"")
	}
	return nil
}

// PeerAdd adds a device.
type PeerAdd struct {
	Name       string   `json:"name" pos:"NAME" help:"the device's name: letters, digits, '-' and '_'"`
	IP         string   `json:"ip" meta:"ADDR" help:"its VPN address (default: the lowest free one)"`
	PublicKey  string   `json:"public_key" meta:"KEY" help:"the device's own public key; the hub then stores no client secret"`
	PSK        *bool    `json:"psk" help:"add a preshared key (default: yes, unless --public-key; --no-psk for none)"`
	FullTunnel bool     `json:"full_tunnel" help:"route all of the device's traffic through the hub (adds internet to its access)"`
	Access     []string `json:"access" meta:"ACCESS" help:"what the device may reach: lan, internet, router, spoke, none, or a LAN host such as '192.168.1.10 tcp/22' (default: the hub's)"`
	LAN        []string `json:"lan" meta:"CIDR" help:"LAN subnet this device reaches (default: the hub's)"`
	Routes     []string `json:"routes" flag:"route" meta:"CIDR" help:"subnet behind this device, routed to it"`
}

// DefaultPSK is whether a new peer gets a preshared key when the request
// does not say, the same from every interface: yes when the hub generates
// the key pair (the client config then carries both), no for a device that
// brings its own public key (its owner would have to copy the preshared key
// over by hand).
func DefaultPSK(ownKey bool) bool { return !ownKey }

// Request converts a to hub's request, checking every argument.
func (a *PeerAdd) Request() (hub.PeerRequest, error) {
	r := hub.PeerRequest{Name: a.Name, PSK: DefaultPSK(a.PublicKey != ""), FullTunnel: a.FullTunnel}
	if err := hub.ValidateName(a.Name); err != nil {
		return r, err
	}
	if a.PSK != nil {
		r.PSK = *a.PSK
	}
	if a.PublicKey != "" {
		k, err := wgtypes.ParseKey(strings.TrimSpace(a.PublicKey))
		if err != nil {
			// The value is not echoed: a pasted private key must not land in a log.
			return r, errkind.Invalidf("public_key", "the public key is not a base64 WireGuard key (%d characters)", len(a.PublicKey))
		}
		r.PublicKey = &k
	}
	if a.IP != "" {
		ip, err := netip.ParseAddr(strings.TrimSpace(a.IP))
		if err != nil {
			return r, errkind.Invalidf("ip", "%q is not an IP address", a.IP)
		}
		r.IP = ip
	}
	var err error
	if len(a.Access) > 0 {
		acc, err := hub.ParseAccess("access", a.Access)
		if err != nil {
			return r, err
		}
		r.Access = &acc
	}
	if r.LAN, err = Prefixes("lan", a.LAN); err != nil {
		return r, err
	}
	if len(r.LAN) == 0 {
		r.LAN = nil // none given: the hub's
	}
	if r.Routes, err = Prefixes("routes", a.Routes); err != nil {
		return r, err
	}
	return r, nil
}

// Check validates a.
func (a *PeerAdd) Check() error { _, err := a.Request(); return err }

// Do adds the peer.
func (a *PeerAdd) Do(ctx context.Context, m *control.Manager) (*control.Peer, error) {
	r, err := a.Request()
	if err != nil {
		return nil, err
	}
	return m.PeerAdd(ctx, r)
}

// PeerSet changes a peer; arguments left out stay as they are.
type PeerSet struct {
	Name       string    `json:"name" pos:"NAME" help:"the peer's name"`
	Enabled    *bool     `json:"enabled" help:"whether the peer may connect (--enabled=false disables)"`
	FullTunnel *bool     `json:"full_tunnel" help:"route all of the device's traffic through the hub (adds or removes internet)"`
	Access     *[]string `json:"access" meta:"ACCESS" help:"what the device may reach: lan, internet, router, spoke, none, LAN hosts such as '192.168.1.10 tcp/22'; default or an empty value: the hub's"`
	LAN        *[]string `json:"lan" meta:"CIDR" help:"LAN subnets this device reaches; an empty value: the hub's"`
}

// Update converts a to hub's update.
func (a *PeerSet) Update() (hub.PeerUpdate, error) {
	u := hub.PeerUpdate{Enabled: a.Enabled, FullTunnel: a.FullTunnel}
	if err := needName(a.Name); err != nil {
		return u, err
	}
	if a.Access != nil {
		if isDefault(*a.Access) {
			u.DefaultAccess = true
		} else {
			acc, err := hub.ParseAccess("access", *a.Access)
			if err != nil {
				return u, err
			}
			u.Access = &acc
		}
	}
	if a.LAN != nil {
		lan, err := Prefixes("lan", *a.LAN)
		if err != nil {
			return u, err
		}
		u.LAN = &lan
	}
	return u, nil
}

// Check validates a.
func (a *PeerSet) Check() error { _, err := a.Update(); return err }

// Do changes the peer.
func (a *PeerSet) Do(ctx context.Context, m *control.Manager) (*control.Peer, error) {
	u, err := a.Update()
	if err != nil {
		return nil, err
	}
	return m.PeerUpdate(ctx, a.Name, u)
}

// Remove removes the peer a names.
func (a *PeerName) Remove(ctx context.Context, m *control.Manager) error {
	if err := a.Check(); err != nil {
		return err
	}
	return m.PeerRemove(ctx, a.Name)
}

// Config returns the peer's client config. Without a stored private key it
// returns the config with a placeholder and an error matching
// hub.ErrNoPrivateKey.
func (a *PeerName) Config(m *control.Manager) ([]byte, error) {
	if err := a.Check(); err != nil {
		return nil, err
	}
	return m.ClientConfig(a.Name)
}

// Setup creates or updates the hub. Arguments left out (empty, zero) keep
// what an existing hub has, or take defaults for a new one.
type Setup struct {
	Endpoint   string   `json:"endpoint" meta:"HOST[:PORT]" help:"public address clients connect to"`
	Subnet     string   `json:"subnet" meta:"CIDR" help:"IPv4 VPN subnet (default 192.168.100.0/24)"`
	Subnet6    string   `json:"subnet6" meta:"CIDR" help:"IPv6 VPN subnet (default: none)"`
	IPv6       bool     `json:"ipv6" help:"add a random IPv6 ULA /64 VPN subnet when there is none"`
	Port       int      `json:"port" meta:"N" help:"UDP listen port (default 51820)"`
	Interface  string   `json:"interface" meta:"NAME" help:"WireGuard interface name (default wg0)"`
	LAN        []string `json:"lan" meta:"CIDR" help:"LAN subnet clients reach (default: the LAN interface's)"`
	DNS        []string `json:"dns" meta:"IP" help:"DNS server for clients (default: the router's LAN address)"`
	Keepalive  *int     `json:"keepalive" meta:"SECONDS" help:"PersistentKeepalive in client configs (default 25, 0 off)"`
	FullTunnel *bool    `json:"full_tunnel" help:"forward VPN traffic to the WAN for every client"`
	Access     []string `json:"access" meta:"ACCESS" help:"what devices reach unless they have their own: lan, internet, router, spoke, none, LAN hosts (default lan)"`
	LANDevice  string   `json:"lan_device" meta:"DEV" help:"plain Linux: the device towards the LAN"`
}

// Request converts a to control's request, checking every argument.
func (a *Setup) Request() (control.SetupRequest, error) {
	r := control.SetupRequest{Interface: strings.TrimSpace(a.Interface), IPv6: a.IPv6, Endpoint: strings.TrimSpace(a.Endpoint),
		FullTunnel: a.FullTunnel, LANDevice: strings.TrimSpace(a.LANDevice)}
	if r.Endpoint != "" {
		if err := hub.ValidateEndpoint(r.Endpoint); err != nil {
			return r, err
		}
	}
	if a.Port != 0 {
		if err := hub.ValidatePort(a.Port); err != nil {
			return r, err
		}
		r.Port = a.Port
	}
	if a.Keepalive != nil {
		if err := hub.ValidateKeepalive(*a.Keepalive); err != nil {
			return r, err
		}
		r.Keepalive = a.Keepalive
	}
	var err error
	if a.Subnet != "" {
		if r.Subnet, err = netip.ParsePrefix(strings.TrimSpace(a.Subnet)); err != nil {
			return r, errkind.Invalidf("subnet", "subnet %q is not a CIDR like 192.168.100.0/24", a.Subnet)
		}
	}
	if a.Subnet6 != "" {
		if r.Subnet6, err = netip.ParsePrefix(strings.TrimSpace(a.Subnet6)); err != nil {
			return r, errkind.Invalidf("subnet6", "subnet6 %q is not a CIDR like fd00:1::/64", a.Subnet6)
		}
	}
	// An empty list (a form's empty field) keeps what there is, or the
	// default: a hub without any LAN is not what anybody asks setup for.
	if lan, err := Prefixes("lan", a.LAN); err != nil {
		return r, err
	} else if len(lan) > 0 {
		r.LAN = lan
	}
	if dns := Split(a.DNS); len(dns) > 0 {
		r.DNS = dns
	}
	if len(a.Access) > 0 {
		acc, err := hub.ParseAccess("access", a.Access)
		if err != nil {
			return r, err
		}
		r.Access = &acc
	}
	return r, nil
}

// Check validates a.
func (a *Setup) Check() error { _, err := a.Request(); return err }

// Do runs setup.
func (a *Setup) Do(ctx context.Context, m *control.Manager) (*control.SetupResult, error) {
	r, err := a.Request()
	if err != nil {
		return nil, err
	}
	return m.Setup(ctx, r)
}

// Import adopts a wg-quick server config; the setup arguments supply what
// the file cannot tell (endpoint, LAN, DNS). Command line only: the file is
// read from the hub's own disk.
type Import struct {
	File string `json:"-" pos:"FILE" help:"the wg-quick config to adopt"`
	Setup
}

// SettingsSet changes settings that need no restart; arguments left out
// stay as they are.
type SettingsSet struct {
	Endpoint  *string   `json:"endpoint" meta:"HOST[:PORT]" help:"public address clients connect to"`
	DNS       *[]string `json:"dns" meta:"IP" help:"DNS servers for clients; an empty value: none"`
	LAN       *[]string `json:"lan" meta:"CIDR" help:"LAN subnets clients reach; an empty value: none"`
	Keepalive *int      `json:"keepalive" meta:"SECONDS" help:"PersistentKeepalive in client configs (0 off)"`
	Access    *[]string `json:"access" meta:"ACCESS" help:"what devices reach unless they have their own: lan, internet, router, spoke (devices reach each other), none, LAN hosts such as '192.168.1.10 tcp/22'; default or an empty value: lan"`
}

// Request converts a to control's request.
func (a *SettingsSet) Request() (control.SetupRequest, error) {
	var r control.SetupRequest
	if a.Endpoint != nil {
		ep := strings.TrimSpace(*a.Endpoint)
		if ep != "" {
			if err := hub.ValidateEndpoint(ep); err != nil {
				return r, err
			}
		}
		r.Endpoint = ep
	}
	if a.DNS != nil {
		r.DNS = append([]string{}, Split(*a.DNS)...)
	}
	if a.LAN != nil {
		lan, err := Prefixes("lan", *a.LAN)
		if err != nil {
			return r, err
		}
		r.LAN = lan
	}
	if a.Keepalive != nil {
		if err := hub.ValidateKeepalive(*a.Keepalive); err != nil {
			return r, err
		}
		r.Keepalive = a.Keepalive
	}
	if a.Access != nil {
		acc, err := accessOrDefault(*a.Access, hub.DefaultAccess)
		if err != nil {
			return r, err
		}
		r.Access = &acc
	}
	return r, nil
}

// accessOrDefault parses an access argument that may also be "default" or
// empty, which both mean def.
func accessOrDefault(vals []string, def hub.Access) (hub.Access, error) {
	if isDefault(vals) {
		return def, nil
	}
	return hub.ParseAccess("access", vals)
}

// isDefault reports whether an access argument asks for the default: an
// empty value or the word "default".
func isDefault(vals []string) bool {
	items := Split(vals)
	return len(items) == 0 || len(items) == 1 && strings.EqualFold(items[0], "default")
}

// Check validates a.
func (a *SettingsSet) Check() error { _, err := a.Request(); return err }

// Do changes the settings.
func (a *SettingsSet) Do(ctx context.Context, m *control.Manager) (*hub.Hub, error) {
	r, err := a.Request()
	if err != nil {
		return nil, err
	}
	return m.Settings(ctx, r)
}

// Split flattens list values, splitting each on commas and dropping
// empty parts: "a, b" and ["a", "b"] are the same list everywhere.
func Split(vals []string) []string {
	var out []string
	for _, v := range vals {
		for _, f := range strings.Split(v, ",") {
			if f = strings.TrimSpace(f); f != "" {
				out = append(out, f)
			}
		}
	}
	return out
}

// Prefixes parses the CIDRs of a list argument (host bits are cleared, as
// wg-quick does); the result is empty, not nil, for an empty list.
func Prefixes(field string, vals []string) ([]netip.Prefix, error) {
	out := []netip.Prefix{}
	for _, v := range Split(vals) {
		p, err := wgquick.ParsePrefix(v)
		if err != nil {
			return nil, errkind.Invalidf(field, "%s: %q is not a CIDR like 192.168.1.0/24", field, v)
		}
		out = append(out, p.Masked())
	}
	return out, nil
}

// IsNoPrivateKey reports whether err says only that a client config lacks
// its private key (the config itself is still usable).
func IsNoPrivateKey(err error) bool { return errors.Is(err, hub.ErrNoPrivateKey) }
