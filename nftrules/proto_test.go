package nftrules

import (
	"fmt"
	"testing"
)

// A rule's protocol matches a packet's by name, by the other name nft has
// for it, or by number; other protocols do not match.
func TestProtocolNamesAndNumbers(t *testing.T) {
	for _, tt := range []struct {
		pkt, rule string // the packet's protocol; the rule's JSON value
		accept    bool
	}{
		{"tcp", `"tcp"`, true},
		{"tcp", `6`, true},
		{"udp", `17`, true},
		{"icmpv6", `"ipv6-icmp"`, true},
		{"ipv6-icmp", `58`, true},
		{"sctp", `132`, true},
		{"udplite", `136`, true},
		{"icmp", `1`, true},
		{"tcp", `17`, false},
		{"udp", `"tcp"`, false},
		{"icmp", `"icmpv6"`, false},
		{"gre", `47`, false},
	} {
		// An input chain that drops all but what the rule accepts.
		rs, err := Parse(fmt.Appendf(nil, `{"nftables": [
{"table": {"family": "inet", "name": "t", "handle": 1}},
{"chain": {"family": "inet", "table": "t", "name": "in", "handle": 1, "type": "filter", "hook": "input", "prio": 0, "policy": "drop"}},
{"rule": {"family": "inet", "table": "t", "chain": "in", "handle": 2, "expr": [
  {"match": {"op": "==", "left": {"meta": {"key": "l4proto"}}, "right": %s}}, {"accept": null}]}}]}`, tt.rule))
		if err != nil {
			t.Fatal(err)
		}
		v := rs.Filter("input", Packet{IIf: "wg0", Proto: tt.pkt})
		if v.Accept != tt.accept || len(v.Unknown) > 0 {
			t.Errorf("protocol %s against %s: %+v, want accept %v", tt.pkt, tt.rule, v, tt.accept)
		}
	}
}
