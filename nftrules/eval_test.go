package nftrules

import (
	"encoding/json"
	"net/netip"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/wghub/wghub/jsonval"
)

// testdata/fw4-shaped.json is `nft -j list ruleset` (nftables 1.0.6) of
// testdata/fw4-shaped.nft: the chains firewall4 renders for lan (br-lan),
// wan (eth1) and wghub's vpn zone (wg0) with the forwarding vpn->lan, the
// listen-port rule and the `config nat` masquerade.
func load(t *testing.T) *Ruleset {
	t.Helper()
	b, err := os.ReadFile("testdata/fw4-shaped.json")
	if err != nil {
		t.Fatal(err)
	}
	rs, err := Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	return rs
}

// without removes the rules of chain whose comment or statements contain s.
func without(t *testing.T, rs *Ruleset, chain, s string) {
	t.Helper()
	c := rs.Chain("inet", "fw4", chain)
	n := len(c.Rules)
	c.Rules = slices.DeleteFunc(c.Rules, func(r Rule) bool {
		b, _ := json.Marshal(r.Expr)
		return strings.Contains(r.Comment+string(b), s)
	})
	if len(c.Rules) == n {
		t.Fatalf("no rule with %q in %s", s, chain)
	}
}

var (
	vpnHost = netip.MustParseAddr("192.168.100.2")
	lanHost = netip.MustParseAddr("192.168.1.20")
	wanHost = netip.MustParseAddr("203.0.113.10")
)

func TestFilterForward(t *testing.T) {
	rs := load(t)
	toLAN := Packet{IIf: "wg0", OIf: "br-lan", Src: vpnHost, Dst: lanHost, Proto: "tcp", DPort: 80}
	if v := rs.Filter("forward", toLAN); !v.Accept || !strings.Contains(v.By, "accept_to_lan") || len(v.Unknown) != 0 {
		t.Errorf("vpn->lan: %+v, want accepted by accept_to_lan", v)
	}
	toWAN := Packet{IIf: "wg0", OIf: "eth1", Src: vpnHost, Dst: wanHost, Proto: "udp", DPort: 53}
	if v := rs.Filter("forward", toWAN); v.Accept {
		t.Errorf("vpn->wan without a forwarding: %+v, want dropped", v)
	}
	est := toWAN
	est.CtState = "established"
	if v := rs.Filter("forward", est); !v.Accept {
		t.Errorf("established vpn->wan: %+v, want accepted by the ct state map", v)
	}
	without(t, rs, "forward_vpn", "accept_to_lan")
	if v := rs.Filter("forward", toLAN); v.Accept || !strings.Contains(v.By, "handle_reject") {
		t.Errorf("vpn->lan without the forwarding rule: %+v, want rejected", v)
	}
}

func TestSourceNAT(t *testing.T) {
	rs := load(t)
	p := Packet{IIf: "wg0", OIf: "br-lan", Src: vpnHost, Dst: lanHost, Proto: "icmp"}
	if v := rs.SourceNAT(p); !v.NAT || !strings.Contains(v.By, "wghub-masquerade-ipv4") {
		t.Errorf("vpn->lan: %+v, want masqueraded by wghub's rule", v)
	}
	other := p
	other.Src = netip.MustParseAddr("10.0.0.1")
	if v := rs.SourceNAT(other); v.NAT {
		t.Errorf("another source: %+v, want not masqueraded", v)
	}
	v6 := Packet{IPv6: true, OIf: "br-lan", Src: netip.MustParseAddr("fd00::2"), Dst: netip.MustParseAddr("fd01::2"), Proto: "udp"}
	if v := rs.SourceNAT(v6); v.NAT {
		t.Errorf("IPv6: %+v, want not masqueraded (ip saddr does not match ip6)", v)
	}
	without(t, rs, "srcnat_lan", "wghub-masquerade")
	if v := rs.SourceNAT(p); v.NAT {
		t.Errorf("rule deleted: %+v, want not masqueraded", v)
	}
}

func TestFilterInput(t *testing.T) {
	rs := load(t)
	port := Packet{IIf: "eth1", Src: wanHost, Proto: "udp", DPort: 51820}
	if v := rs.Filter("input", port); !v.Accept || !strings.Contains(v.By, "Allow-wghub-wg0") {
		t.Errorf("udp 51820 from wan: %+v", v)
	}
	v6 := port
	v6.IPv6, v6.Src = true, netip.MustParseAddr("2001:db8::10")
	if v := rs.Filter("input", v6); !v.Accept {
		t.Errorf("udp 51820 from wan over IPv6: %+v", v)
	}
	for _, p := range []Packet{
		{IIf: "eth1", Src: wanHost, Proto: "udp", DPort: 51821},
		{IIf: "eth1", Src: wanHost, Proto: "tcp", DPort: 22}, // through syn_flood's limit, then rejected
	} {
		if v := rs.Filter("input", p); v.Accept || !strings.Contains(v.By, "handle_reject") {
			t.Errorf("%s %d from wan: %+v, want rejected", p.Proto, p.DPort, v)
		}
	}
	if v := rs.Filter("input", Packet{IIf: "wg0", Src: vpnHost, Proto: "tcp", DPort: 22}); !v.Accept {
		t.Errorf("tcp 22 from the vpn zone (input ACCEPT): %+v", v)
	}
	without(t, rs, "input_wan", "Allow-wghub")
	if v := rs.Filter("input", port); v.Accept {
		t.Errorf("port rule deleted: %+v, want rejected", v)
	}
}

func TestUnknownStatements(t *testing.T) {
	rs := load(t)
	c := rs.Chain("inet", "fw4", "forward_vpn")
	xt := Rule{Comment: "iptables-nft", Expr: []jsonval.Raw{
		jsonval.Raw(`{"xt":{"type":"match","name":"conntrack"}}`), jsonval.Raw(`{"drop":null}`)}}
	c.Rules = append([]Rule{xt}, c.Rules...)
	v := rs.Filter("forward", Packet{IIf: "wg0", OIf: "br-lan", Src: vpnHost, Dst: lanHost, Proto: "tcp", DPort: 80})
	if !v.Accept || len(v.Unknown) != 1 || !strings.Contains(v.Unknown[0], "forward_vpn rule 1") {
		t.Errorf("verdict %+v: want accepted, with the xt rule reported as not evaluated", v)
	}
}

func TestEmpty(t *testing.T) {
	rs, err := Parse([]byte(`{"nftables":[{"metainfo":{"version":"1.0.6"}}]}`))
	if err != nil || !rs.Empty() {
		t.Fatalf("empty ruleset: %v %v", rs, err)
	}
	if v := rs.Filter("forward", Packet{Proto: "tcp"}); !v.Accept {
		t.Error("no chains: the packet passes")
	}
	if _, err := Parse([]byte("not json")); err == nil {
		t.Error("bad JSON: no error")
	}
}
