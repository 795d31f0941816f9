// Package nftrules reads the loaded nftables ruleset (`nft -j list
// ruleset`) and answers what it does to one packet: is a new connection
// accepted at a hook, is it masqueraded on the way out. doctor uses it to
// check that wghub's firewall is in force, not just written in UCI.
//
// It evaluates the statements firewall4 and iptables-nft's native
// translations use: meta iif/oif/iifname/oifname/l4proto/nfproto, ip/ip6
// saddr/daddr, tcp/udp/th sport/dport, ct state, verdict maps on those,
// jump/goto/return, accept/drop/reject, masquerade/snat, with values,
// prefixes, ranges and anonymous sets. A rule with a statement it does not
// know (named sets, bitwise expressions, xt matches, ...) is taken as not
// matching and reported in the verdict's Unknown list, so a caller can say
// the answer is uncertain instead of wrong.
//
// Not covered: netdev/bridge/arp tables, packet marks, rates and quotas
// (limit is taken as matching), flowtables.
package nftrules
