package linux

import (
	"errors"
	"fmt"
	"strings"

	"github.com/coreos/go-iptables/iptables"
)

// firewallUp makes iface's chains hold exactly s.Rules and the jumps to them
// exist, per family; a family that needs no rules has its chains removed.
// A chain already right is left alone, so a repeated Up does not open a
// window without rules.
func (h *Host) firewallUp(s Spec) error {
	for _, fam := range []Family{IPv4, IPv6} {
		rules := s.Rules(fam)
		t := h.ipt[fam]
		if len(rules) == 0 {
			if t != nil {
				if err := h.firewallDownFamily(fam, s.Interface); err != nil {
					return err
				}
			}
			continue
		}
		for _, tc := range [][2]string{{"filter", FwdChain(s.Interface)}, {"nat", NATChain(s.Interface)}} {
			var want []Rule
			for _, r := range rules {
				if r.Table == tc[0] && r.Chain == tc[1] {
					want = append(want, r)
				}
			}
			if err := h.syncChain(t, fam, tc[0], tc[1], want); err != nil {
				return err
			}
		}
		for _, j := range Jumps(fam, s.Interface) {
			ok, err := exists(t, j)
			if err != nil {
				return fmt.Errorf("checking %s rule %s: %w", famName(fam), j, err)
			}
			if ok {
				continue
			}
			if err := t.Insert(j.Table, j.Chain, 1, j.Spec...); err != nil {
				return fmt.Errorf("inserting %s rule %s: %w", famName(fam), j, err)
			}
		}
		h.logf("%s: %d rules in %s and %s", famName(fam), len(rules), FwdChain(s.Interface), NATChain(s.Interface))
	}
	return nil
}

// syncChain makes table/chain hold exactly want, in order; a chain that
// already does is not touched.
func (h *Host) syncChain(t *iptables.IPTables, fam Family, table, chain string, want []Rule) error {
	ok, err := t.ChainExists(table, chain)
	if err != nil {
		return fmt.Errorf("checking %s chain %s/%s: %w", famName(fam), table, chain, err)
	}
	if ok {
		lines, err := t.List(table, chain)
		if err != nil {
			return fmt.Errorf("listing %s chain %s/%s: %w", famName(fam), table, chain, err)
		}
		n := 0
		for _, l := range lines {
			if strings.HasPrefix(l, "-A ") {
				n++
			}
		}
		same := n == len(want)
		for i := 0; same && i < len(want); i++ {
			// -C checks presence, not position; with equal counts and
			// distinct rules, presence of all is equality up to order,
			// and order does not matter among these ACCEPT rules.
			if same, err = exists(t, want[i]); err != nil {
				return fmt.Errorf("checking %s rule %s: %w", famName(fam), want[i], err)
			}
		}
		if same {
			return nil
		}
	}
	if err := t.ClearChain(table, chain); err != nil {
		return fmt.Errorf("creating %s chain %s/%s: %w", famName(fam), table, chain, err)
	}
	for _, r := range want {
		if err := t.Append(r.Table, r.Chain, r.Spec...); err != nil {
			return fmt.Errorf("adding %s rule %s: %w", famName(fam), r, err)
		}
	}
	return nil
}

// firewallDown removes iface's jumps and chains in every family it can.
func (h *Host) firewallDown(iface string) error {
	var errs []error
	for _, fam := range []Family{IPv4, IPv6} {
		if h.ipt[fam] != nil {
			errs = append(errs, h.firewallDownFamily(fam, iface))
		}
	}
	return errors.Join(errs...)
}

func (h *Host) firewallDownFamily(fam Family, iface string) error {
	t := h.ipt[fam]
	var errs []error
	for _, j := range Jumps(fam, iface) {
		// Remove every copy: a hand-added duplicate would otherwise keep
		// the chain busy and make its deletion fail.
		for range 100 {
			ok, err := exists(t, j)
			if err != nil {
				errs = append(errs, fmt.Errorf("checking %s rule %s: %w", famName(fam), j, err))
				break
			}
			if !ok {
				break
			}
			if err := t.Delete(j.Table, j.Chain, j.Spec...); err != nil {
				errs = append(errs, fmt.Errorf("deleting %s rule %s: %w", famName(fam), j, err))
				break
			}
		}
	}
	for _, tc := range [][2]string{{"filter", FwdChain(iface)}, {"nat", NATChain(iface)}} {
		if err := t.ClearAndDeleteChain(tc[0], tc[1]); err != nil && !isNotExist(err) {
			errs = append(errs, fmt.Errorf("deleting %s chain %s/%s: %w", famName(fam), tc[0], tc[1], err))
		}
	}
	return errors.Join(errs...)
}

// exists is t.Exists, with a missing table or chain meaning "no".
func exists(t *iptables.IPTables, r Rule) (bool, error) {
	ok, err := t.Exists(r.Table, r.Chain, r.Spec...)
	if err != nil && isNotExist(err) {
		return false, nil
	}
	return ok, err
}

func isNotExist(err error) bool {
	var e *iptables.Error
	return errors.As(err, &e) && e.IsNotExist()
}

func famName(fam Family) string {
	if fam == IPv6 {
		return "ip6tables"
	}
	return "iptables"
}
