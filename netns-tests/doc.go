// Package netnstests holds wghub's end-to-end tests: hubs, external peers
// and LAN hosts built from network namespaces and veth pairs on one machine,
// with real WireGuard (the userspace implementation), real iptables and real
// traffic. Its non-test files are the harness, also used by backend/linux's
// tests; nothing here is part of the wghub binary.
//
// The tests need root and `ip netns`; without them they skip. Traffic only
// ever goes to addresses inside the namespaces the tests create.
package netnstests
