package wgstat

import (
	"net"
	"testing"
)

func TestEndpointString(t *testing.T) {
	for _, a := range []*net.UDPAddr{
		{IP: net.IPv4(192, 0, 2, 1), Port: 51820},
		{IP: net.IP{192, 0, 2, 1}, Port: 1},
		{IP: net.ParseIP("2001:db8::1"), Port: 65535},
		{IP: net.ParseIP("fe80::1"), Port: 4, Zone: "eth0"},
		{IP: net.ParseIP("::ffff:10.1.2.3"), Port: 0},
		{IP: net.IPv4(10, 0, 0, 1), Port: 7, Zone: "eth0"},
		{IP: nil, Port: 9},
		{IP: net.IP{1, 2, 3}, Port: 9},
	} {
		if got, want := EndpointString(a), a.String(); got != want {
			t.Errorf("EndpointString(%#v) = %q, want %q", a, got, want)
		}
	}
}
