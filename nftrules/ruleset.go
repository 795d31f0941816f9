package nftrules

import (
	"fmt"

	"github.com/wghub/wghub/jsonval"
)

// Ruleset is the loaded ruleset: chains with their rules, in list order.
type Ruleset struct {
	Chains []*Chain
	byName map[string]*Chain // family/table/name
}

// Chain is one chain; Hook is "" for a regular chain.
type Chain struct {
	Family, Table, Name string
	Hook, Type          string
	Prio                int
	Policy              string // "accept" or "drop" for base chains
	Rules               []Rule
}

// Rule is one rule's statements, as nft's JSON gives them.
type Rule struct {
	Handle  int
	Comment string
	Expr    []jsonval.Raw
}

// Parse reads the output of `nft -j list ruleset`.
func Parse(data []byte) (*Ruleset, error) {
	var doc struct {
		Nftables []map[string]jsonval.Raw `json:"nftables"`
	}
	if err := jsonval.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("nftrules: %w", err)
	}
	rs := &Ruleset{byName: map[string]*Chain{}}
	for _, obj := range doc.Nftables {
		if raw, ok := obj["chain"]; ok {
			var c struct {
				Family, Table, Name, Hook, Type, Policy string
				Prio                                    jsonval.Raw
			}
			if err := jsonval.Unmarshal(raw, &c); err != nil {
				return nil, fmt.Errorf("nftrules: chain: %w", err)
			}
			ch := &Chain{Family: c.Family, Table: c.Table, Name: c.Name, Hook: c.Hook, Type: c.Type, Policy: c.Policy}
			jsonval.Unmarshal(c.Prio, &ch.Prio) // a named priority stays 0
			rs.Chains = append(rs.Chains, ch)
			rs.byName[key(c.Family, c.Table, c.Name)] = ch
		}
	}
	for _, obj := range doc.Nftables {
		if raw, ok := obj["rule"]; ok {
			var r struct {
				Family, Table, Chain, Comment string
				Handle                        int
				Expr                          []jsonval.Raw
			}
			if err := jsonval.Unmarshal(raw, &r); err != nil {
				return nil, fmt.Errorf("nftrules: rule: %w", err)
			}
			ch := rs.byName[key(r.Family, r.Table, r.Chain)]
			if ch == nil {
				return nil, fmt.Errorf("nftrules: rule in unknown chain %s %s %s", r.Family, r.Table, r.Chain)
			}
			ch.Rules = append(ch.Rules, Rule{Handle: r.Handle, Comment: r.Comment, Expr: r.Expr})
		}
	}
	return rs, nil
}

func key(family, table, name string) string { return family + "/" + table + "/" + name }

// Empty reports whether no chain is loaded at all (no firewall).
func (rs *Ruleset) Empty() bool { return len(rs.Chains) == 0 }

// Chain returns the chain of that family, table and name, or nil.
func (rs *Ruleset) Chain(family, table, name string) *Chain {
	return rs.byName[key(family, table, name)]
}
