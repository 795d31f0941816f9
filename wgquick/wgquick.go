package wgquick

import (
	"bufio"
	"bytes"
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"golang.zx2c4.com/wireguard/wgctrl/wgtypes"
)

// Config is one wg-quick file.
type Config struct {
	Interface Interface
	Peers     []Peer
}

// Interface is the [Interface] section. Zero values are left out when writing.
type Interface struct {
	// Comment lines written above the section, without the leading "# ".
	Comment    []string
	PrivateKey *wgtypes.Key // nil: no PrivateKey line (e.g. a key only the device holds)
	ListenPort int          // 0: none
	Address    []netip.Prefix
	DNS        []string // addresses or search domains, as wg-quick accepts
	MTU        int
	// Extra keeps lines wghub does not model (Table, PostUp, ...) in order,
	// as "Key = Value".
	Extra []string
}

// Peer is one [Peer] section.
type Peer struct {
	// Name is taken from a "# Name = x" or "# x" comment directly above the
	// section when parsing, and written that way.
	Name                string
	PublicKey           wgtypes.Key
	PresharedKey        *wgtypes.Key
	AllowedIPs          []netip.Prefix
	Endpoint            string // host:port, "" for none
	PersistentKeepalive int
}

// Format writes c in wg-quick syntax.
func (c *Config) Format() []byte {
	var b bytes.Buffer
	for _, l := range c.Interface.Comment {
		fmt.Fprintf(&b, "# %s\n", l)
	}
	b.WriteString("[Interface]\n")
	i := c.Interface
	if i.PrivateKey != nil {
		fmt.Fprintf(&b, "PrivateKey = %s\n", i.PrivateKey)
	}
	if i.ListenPort != 0 {
		fmt.Fprintf(&b, "ListenPort = %d\n", i.ListenPort)
	}
	if len(i.Address) > 0 {
		fmt.Fprintf(&b, "Address = %s\n", joinPrefixes(i.Address))
	}
	if len(i.DNS) > 0 {
		fmt.Fprintf(&b, "DNS = %s\n", strings.Join(i.DNS, ", "))
	}
	if i.MTU != 0 {
		fmt.Fprintf(&b, "MTU = %d\n", i.MTU)
	}
	for _, e := range i.Extra {
		fmt.Fprintf(&b, "%s\n", e)
	}
	for _, p := range c.Peers {
		b.WriteString("\n")
		if p.Name != "" {
			fmt.Fprintf(&b, "# Name = %s\n", p.Name)
		}
		b.WriteString("[Peer]\n")
		fmt.Fprintf(&b, "PublicKey = %s\n", p.PublicKey)
		if p.PresharedKey != nil {
			fmt.Fprintf(&b, "PresharedKey = %s\n", p.PresharedKey)
		}
		if len(p.AllowedIPs) > 0 {
			fmt.Fprintf(&b, "AllowedIPs = %s\n", joinPrefixes(p.AllowedIPs))
		}
		if p.Endpoint != "" {
			fmt.Fprintf(&b, "Endpoint = %s\n", p.Endpoint)
		}
		if p.PersistentKeepalive != 0 {
			fmt.Fprintf(&b, "PersistentKeepalive = %d\n", p.PersistentKeepalive)
		}
	}
	return b.Bytes()
}

func joinPrefixes(ps []netip.Prefix) string {
	s := make([]string, len(ps))
	for i, p := range ps {
		s[i] = p.String()
	}
	return strings.Join(s, ", ")
}

// ParseError reports a malformed line. It never quotes a key's value.
type ParseError struct {
	Line int
	Key  string
	Msg  string
}

func (e *ParseError) Error() string {
	if e.Key != "" {
		return fmt.Sprintf("wgquick: line %d: %s: %s", e.Line, e.Key, e.Msg)
	}
	return fmt.Sprintf("wgquick: line %d: %s", e.Line, e.Msg)
}

// Parse reads a wg-quick file. Keys are matched case-insensitively, as
// wg-quick does; unknown [Interface] keys are kept in Extra.
func Parse(data []byte) (*Config, error) {
	c := &Config{}
	section := ""
	var comment []string // comment lines directly above the current line
	var peer *Peer
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for n := 1; sc.Scan(); n++ {
		raw := strings.TrimSpace(sc.Text())
		if strings.HasPrefix(raw, "#") {
			comment = append(comment, strings.TrimSpace(strings.TrimPrefix(raw, "#")))
			continue
		}
		line := raw
		if i := strings.IndexByte(line, '#'); i >= 0 {
			line = strings.TrimSpace(line[:i])
		}
		if line == "" {
			comment = nil
			continue
		}
		if strings.HasPrefix(line, "[") {
			switch strings.ToLower(line) {
			case "[interface]":
				section = "interface"
				c.Interface.Comment = comment
			case "[peer]":
				section = "peer"
				c.Peers = append(c.Peers, Peer{Name: nameFromComment(comment)})
				peer = &c.Peers[len(c.Peers)-1]
			default:
				return nil, &ParseError{Line: n, Msg: fmt.Sprintf("unknown section %q", line)}
			}
			comment = nil
			continue
		}
		comment = nil
		key, val, ok := strings.Cut(line, "=")
		if !ok {
			return nil, &ParseError{Line: n, Msg: "expected Key = Value"}
		}
		key, val = strings.TrimSpace(key), strings.TrimSpace(val)
		var err error
		switch section {
		case "interface":
			err = c.Interface.set(key, val)
		case "peer":
			err = peer.set(key, val)
		default:
			return nil, &ParseError{Line: n, Key: key, Msg: "outside of [Interface] or [Peer]"}
		}
		if err != nil {
			return nil, &ParseError{Line: n, Key: key, Msg: err.Error()}
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("wgquick: %w", err)
	}
	return c, nil
}

// nameFromComment accepts the conventions other tools write above a [Peer]:
// "# Name = laptop", "# friendly_name = laptop" or a bare "# laptop".
func nameFromComment(lines []string) string {
	for i := len(lines) - 1; i >= 0; i-- {
		l := lines[i]
		if k, v, ok := strings.Cut(l, "="); ok {
			switch strings.ToLower(strings.TrimSpace(k)) {
			case "name", "friendly_name", "friendlyname":
				return strings.TrimSpace(v)
			}
			continue
		}
		if l != "" && !strings.ContainsAny(l, " \t") {
			return l
		}
	}
	return ""
}

func (i *Interface) set(key, val string) error {
	switch strings.ToLower(key) {
	case "privatekey":
		k, err := parseKey(val)
		if err != nil {
			return err
		}
		i.PrivateKey = &k
	case "listenport":
		p, err := strconv.ParseUint(val, 10, 16)
		if err != nil {
			return fmt.Errorf("invalid port %q", val)
		}
		i.ListenPort = int(p)
	case "address":
		ps, err := parsePrefixes(val, false)
		if err != nil {
			return err
		}
		i.Address = append(i.Address, ps...)
	case "dns":
		for _, d := range splitList(val) {
			i.DNS = append(i.DNS, d)
		}
	case "mtu":
		m, err := strconv.Atoi(val)
		if err != nil || m < 576 || m > 65535 {
			return fmt.Errorf("invalid MTU %q", val)
		}
		i.MTU = m
	default:
		i.Extra = append(i.Extra, key+" = "+val)
	}
	return nil
}

func (p *Peer) set(key, val string) error {
	switch strings.ToLower(key) {
	case "publickey":
		k, err := parseKey(val)
		if err != nil {
			return err
		}
		p.PublicKey = k
	case "presharedkey":
		k, err := parseKey(val)
		if err != nil {
			return err
		}
		p.PresharedKey = &k
	case "allowedips":
		ps, err := parsePrefixes(val, true)
		if err != nil {
			return err
		}
		p.AllowedIPs = append(p.AllowedIPs, ps...)
	case "endpoint":
		p.Endpoint = val
	case "persistentkeepalive":
		if val == "off" {
			return nil
		}
		k, err := strconv.ParseUint(val, 10, 16)
		if err != nil {
			return fmt.Errorf("invalid keepalive %q", val)
		}
		p.PersistentKeepalive = int(k)
	default:
		return fmt.Errorf("unknown key in [Peer]")
	}
	return nil
}

// parseKey never echoes its input: it may be a private key.
func parseKey(s string) (wgtypes.Key, error) {
	k, err := wgtypes.ParseKey(s)
	if err != nil {
		return wgtypes.Key{}, fmt.Errorf("not a base64 WireGuard key (%d characters)", len(s))
	}
	return k, nil
}

func splitList(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

// parsePrefixes reads a comma list of CIDRs; a bare address becomes a host
// prefix, as wg(8) and wg-quick accept. mask says whether the network form
// is required (AllowedIPs) or an interface address with host bits (Address).
func parsePrefixes(s string, mask bool) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, f := range splitList(s) {
		p, err := ParsePrefix(f)
		if err != nil {
			return nil, err
		}
		if mask {
			p = p.Masked()
		}
		out = append(out, p)
	}
	return out, nil
}

// ParsePrefix parses "addr/bits" or a bare address (as a /32 or /128).
func ParsePrefix(s string) (netip.Prefix, error) {
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return netip.Prefix{}, fmt.Errorf("invalid prefix %q", s)
		}
		return p, nil
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, fmt.Errorf("invalid address %q", s)
	}
	return netip.PrefixFrom(a, a.BitLen()), nil
}
