package nftrules

import "testing"

// A rule's protocol matches a packet's by name, by the other name nft has
// for it, or by number; other protocols do not match.
func TestProtocolNamesAndNumbers(t *testing.T) {
	for _, tt := range []struct {
		pkt, rule string // the packet's protocol; the rule's JSON value
		in        bool
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
		in, known := contains(tt.pkt, []byte(tt.rule))
		if !known || in != tt.in {
			t.Errorf("protocol %s against %s: in %v (known %v), want %v", tt.pkt, tt.rule, in, known, tt.in)
		}
	}
}
