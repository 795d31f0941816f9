package nftrules

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/wghub/wghub/jsonval"
)

// Packet is what the evaluation knows of one packet of a new connection.
type Packet struct {
	IPv6     bool
	IIf, OIf string // device names; "" where the hook has none
	Src, Dst netip.Addr
	Proto    string // "tcp", "udp", "icmp", ...
	SPort    int
	DPort    int
	CtState  string // "" means "new"
}

// Verdict is what the ruleset does to a packet at a hook.
type Verdict struct {
	// Accept: every filter base chain of the hook let the packet through.
	Accept bool
	// NAT: a nat base chain masqueraded or source-NATed the packet.
	NAT bool
	// By names the chain and rule that decided, for messages.
	By string
	// Unknown lists rules taken as not matching because a statement in
	// them is not understood; the verdict is uncertain when it is not empty.
	Unknown []string
}

type result int

const (
	cont   result = iota // fell off the end of the chain
	ret                  // return: back to the caller
	accept               // accept verdict
	drop                 // drop or reject
	nat                  // masquerade or snat
)

type evaluator struct {
	rs      *Ruleset
	p       Packet
	by      string
	unknown []string
}

// Filter evaluates the filter base chains of hook ("input", "forward",
// "output", ...) for p, in priority order: the packet passes when none
// drops it.
func (rs *Ruleset) Filter(hook string, p Packet) Verdict {
	e := &evaluator{rs: rs, p: p}
	for _, c := range rs.baseChains("filter", hook, p.IPv6) {
		e.by = ""
		switch r := e.chain(c, 0); {
		case r == drop:
			return Verdict{By: e.by, Unknown: e.unknown}
		case r != accept && c.Policy == "drop":
			return Verdict{By: c.id() + " policy drop", Unknown: e.unknown}
		}
	}
	return Verdict{Accept: true, By: e.by, Unknown: e.unknown}
}

// SourceNAT evaluates the nat base chains of the postrouting hook for p.
func (rs *Ruleset) SourceNAT(p Packet) Verdict {
	e := &evaluator{rs: rs, p: p}
	for _, c := range rs.baseChains("nat", "postrouting", p.IPv6) {
		e.by = ""
		switch e.chain(c, 0) {
		case nat:
			return Verdict{Accept: true, NAT: true, By: e.by, Unknown: e.unknown}
		case drop:
			return Verdict{By: e.by, Unknown: e.unknown}
		}
	}
	return Verdict{Accept: true, Unknown: e.unknown}
}

func (rs *Ruleset) baseChains(typ, hook string, v6 bool) []*Chain {
	var out []*Chain
	for _, c := range rs.Chains {
		fam := c.Family == "inet" || c.Family == "ip" && !v6 || c.Family == "ip6" && v6
		if fam && c.Hook == hook && (c.Type == typ || c.Type == "" && typ == "filter") {
			out = append(out, c)
		}
	}
	// Stable insertion sort by priority (few base chains per hook).
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && out[j].Prio < out[j-1].Prio; j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}

func (c *Chain) id() string { return c.Family + " " + c.Table + " " + c.Name }

func (c *Chain) ruleID(i int) string {
	s := fmt.Sprintf("%s rule %d", c.id(), i+1)
	if r := c.Rules[i]; r.Comment != "" {
		s += fmt.Sprintf(" (%s)", r.Comment)
	}
	return s
}

const maxDepth = 64 // nft itself refuses deeper jump chains

func (e *evaluator) chain(c *Chain, depth int) result {
	if depth > maxDepth {
		return drop
	}
	for i := range c.Rules {
		if r, done := e.rule(c, i, depth); done {
			return r
		}
	}
	return cont
}

// rule runs rule i; done means the chain ends here with r.
func (e *evaluator) rule(c *Chain, i int, depth int) (r result, done bool) {
	for _, raw := range c.Rules[i].Expr {
		var stmt map[string]jsonval.Raw
		if jsonval.Unmarshal(raw, &stmt) != nil || len(stmt) != 1 {
			e.unknown = append(e.unknown, c.ruleID(i))
			return cont, false
		}
		for k, v := range stmt {
			switch k {
			case "match":
				ok, known := e.match(v)
				if !known {
					e.unknown = append(e.unknown, c.ruleID(i))
					return cont, false
				}
				if !ok {
					return cont, false
				}
			case "counter", "log", "limit", "notrack", "meta", "ct helper", "flow", "mangle":
				// No effect on the verdict ("meta" and "mangle" as statements set values).
			case "vmap":
				var vm struct {
					Key  jsonval.Raw
					Data struct{ Set []jsonval.Raw }
				}
				if jsonval.Unmarshal(v, &vm) != nil {
					e.unknown = append(e.unknown, c.ruleID(i))
					return cont, false
				}
				val, known, absent := e.value(vm.Key)
				if !known {
					e.unknown = append(e.unknown, c.ruleID(i))
					return cont, false
				}
				if absent {
					return cont, false
				}
				for _, el := range vm.Data.Set {
					var pair []jsonval.Raw
					if jsonval.Unmarshal(el, &pair) != nil || len(pair) != 2 {
						continue
					}
					if ok, known := contains(val, pair[0]); known && ok {
						return e.verdict(c, i, pair[1], depth)
					}
				}
				return cont, false
			default:
				return e.verdict(c, i, raw, depth)
			}
		}
	}
	return cont, false
}

// verdict applies a verdict statement.
func (e *evaluator) verdict(c *Chain, i int, raw jsonval.Raw, depth int) (result, bool) {
	var stmt map[string]jsonval.Raw
	jsonval.Unmarshal(raw, &stmt)
	for k, v := range stmt {
		switch k {
		case "accept":
			e.by = c.ruleID(i)
			return accept, true
		case "drop", "reject":
			e.by = c.ruleID(i)
			return drop, true
		case "masquerade", "snat":
			e.by = c.ruleID(i)
			return nat, true
		case "return":
			return ret, true
		case "jump", "goto":
			var t struct{ Target string }
			jsonval.Unmarshal(v, &t)
			target := e.rs.Chain(c.Family, c.Table, t.Target)
			if target == nil {
				e.unknown = append(e.unknown, c.ruleID(i))
				return cont, false
			}
			r := e.chain(target, depth+1)
			switch {
			case r == accept || r == drop || r == nat:
				return r, true
			case k == "goto":
				return ret, true
			}
			return cont, false // back from the jump: the next rule
		}
	}
	e.unknown = append(e.unknown, c.ruleID(i))
	return cont, false
}

// match evaluates {"op","left","right"}; known is false for what this
// package does not evaluate.
func (e *evaluator) match(raw jsonval.Raw) (ok, known bool) {
	var m struct {
		Op    string
		Left  jsonval.Raw
		Right jsonval.Raw
	}
	if jsonval.Unmarshal(raw, &m) != nil {
		return false, false
	}
	val, known, absent := e.value(m.Left)
	if !known {
		return false, false
	}
	if absent {
		// A header the packet does not have: nft's implicit protocol
		// match fails, whatever the operator.
		return false, true
	}
	in, known := contains(val, m.Right)
	if !known {
		return false, false
	}
	switch m.Op {
	case "==", "in", "":
		return in, true
	case "!=":
		return !in, true
	}
	return false, false
}

// value is the packet's value for an expression: a string, a number or an
// address. absent: the packet has no such header (a tcp port of a udp
// packet); known: the expression is understood.
func (e *evaluator) value(raw jsonval.Raw) (val any, known, absent bool) {
	var x map[string]jsonval.Raw
	if jsonval.Unmarshal(raw, &x) != nil {
		return nil, false, false
	}
	p := e.p
	if v, ok := x["meta"]; ok {
		var mk struct{ Key string }
		jsonval.Unmarshal(v, &mk)
		switch mk.Key {
		case "iifname", "iif":
			return p.IIf, true, false
		case "oifname", "oif":
			return p.OIf, true, false
		case "l4proto":
			return p.Proto, true, false
		case "nfproto":
			if p.IPv6 {
				return "ipv6", true, false
			}
			return "ipv4", true, false
		}
		return nil, false, false
	}
	if v, ok := x["ct"]; ok {
		var ck struct{ Key string }
		jsonval.Unmarshal(v, &ck)
		switch ck.Key {
		case "state":
			if p.CtState == "" {
				return "new", true, false
			}
			return p.CtState, true, false
		case "status":
			return "", true, false // a new, un-NATed connection has no status flags
		}
		return nil, false, false
	}
	if v, ok := x["payload"]; ok {
		var pl struct{ Protocol, Field string }
		jsonval.Unmarshal(v, &pl)
		switch pl.Protocol {
		case "ip", "ip6":
			if (pl.Protocol == "ip6") != p.IPv6 {
				return nil, true, true
			}
			switch pl.Field {
			case "saddr":
				return p.Src, true, false
			case "daddr":
				return p.Dst, true, false
			}
			return nil, false, false
		case "tcp", "udp", "th", "udplite", "sctp", "dccp":
			if pl.Protocol != "th" && pl.Protocol != p.Proto || pl.Protocol == "th" && p.Proto != "tcp" && p.Proto != "udp" {
				return nil, true, true
			}
			switch pl.Field {
			case "dport":
				return p.DPort, true, false
			case "sport":
				return p.SPort, true, false
			}
			return nil, false, false
		default:
			if pl.Protocol != p.Proto && !(pl.Protocol == "icmpv6" && p.Proto == "ipv6-icmp") {
				return nil, true, true
			}
			return nil, false, false
		}
	}
	if v, ok := x["&"]; ok {
		// A bitwise test of a header the packet lacks cannot match (tcp
		// flags of a udp packet); anything else is not evaluated.
		var ops []jsonval.Raw
		if jsonval.Unmarshal(v, &ops) == nil && len(ops) > 0 {
			if _, known, absent := e.value(ops[0]); known && absent {
				return nil, true, true
			}
		}
	}
	return nil, false, false
}

// contains reports whether val is in the right-hand side: a value, a
// prefix, a range, an anonymous set or a list of flags.
func contains(val any, raw jsonval.Raw) (in, known bool) {
	var s string
	if jsonval.Unmarshal(raw, &s) == nil {
		if strings.HasPrefix(s, "@") {
			return false, false // a named set
		}
		return equal(val, s)
	}
	var n float64
	if jsonval.Unmarshal(raw, &n) == nil {
		switch v := val.(type) {
		case int:
			return float64(v) == n, true
		case string:
			if num, ok := protoNumber(v); ok {
				return float64(num) == n, true
			}
			return false, true
		}
		return false, false
	}
	var list []jsonval.Raw
	if jsonval.Unmarshal(raw, &list) == nil {
		return anyOf(val, list)
	}
	var obj map[string]jsonval.Raw
	if jsonval.Unmarshal(raw, &obj) != nil {
		return false, false
	}
	if v, ok := obj["set"]; ok {
		if jsonval.Unmarshal(v, &list) != nil {
			// A set of one element may be given bare.
			return contains(val, v)
		}
		return anyOf(val, list)
	}
	if v, ok := obj["prefix"]; ok {
		var pf struct {
			Addr string
			Len  int
		}
		jsonval.Unmarshal(v, &pf)
		a, ok1 := val.(netip.Addr)
		base, err := netip.ParseAddr(pf.Addr)
		if !ok1 || err != nil {
			return false, false
		}
		pr, err := base.Prefix(pf.Len)
		if err != nil {
			return false, false
		}
		return pr.Contains(a), true
	}
	if v, ok := obj["range"]; ok {
		var rg []jsonval.Raw
		if jsonval.Unmarshal(v, &rg) != nil || len(rg) != 2 {
			return false, false
		}
		switch x := val.(type) {
		case int:
			var lo, hi int
			if jsonval.Unmarshal(rg[0], &lo) != nil || jsonval.Unmarshal(rg[1], &hi) != nil {
				return false, false
			}
			return lo <= x && x <= hi, true
		case netip.Addr:
			var ls, hs string
			jsonval.Unmarshal(rg[0], &ls)
			jsonval.Unmarshal(rg[1], &hs)
			lo, err1 := netip.ParseAddr(ls)
			hi, err2 := netip.ParseAddr(hs)
			if err1 != nil || err2 != nil {
				return false, false
			}
			return lo.Compare(x) <= 0 && x.Compare(hi) <= 0, true
		}
	}
	return false, false
}

func anyOf(val any, list []jsonval.Raw) (bool, bool) {
	for _, el := range list {
		in, known := contains(val, el)
		if !known {
			return false, false
		}
		if in {
			return true, true
		}
	}
	return false, true
}

// protoNumber is the IP protocol number of a name nft prints. (A switch,
// not a map: a package-level map is built at every start of wghub.)
func protoNumber(name string) (int, bool) {
	switch name {
	case "icmp":
		return 1, true
	case "tcp":
		return 6, true
	case "udp":
		return 17, true
	case "ipv6-icmp", "icmpv6":
		return 58, true
	case "sctp":
		return 132, true
	case "udplite":
		return 136, true
	}
	return 0, false
}

func equal(val any, s string) (bool, bool) {
	switch v := val.(type) {
	case string:
		if strings.HasSuffix(s, "*") && !strings.HasSuffix(s, `\*`) {
			return strings.HasPrefix(v, strings.TrimSuffix(s, "*")), true
		}
		if v == s {
			return true, true
		}
		if a, ok := protoNumber(v); ok {
			if b, _ := protoNumber(s); b == a {
				return true, true
			}
		}
		return false, true
	case netip.Addr:
		a, err := netip.ParseAddr(s)
		if err != nil {
			return false, false
		}
		return a == v, true
	case int:
		return false, false // a named service; not resolved here
	}
	return false, false
}
