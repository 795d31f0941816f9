package linux

import (
	"bytes"
	"errors"
	"fmt"
	"os/exec"
	"strings"

	"github.com/coreos/go-iptables/iptables"
)

// firewallUp makes iface's chains hold exactly s.Rules and the jumps to
// them exist, per family; a family that needs no rules has its chains
// removed. Each family is loaded by one `iptables-restore --noflush` (see
// restoreInput): the chains change in one transaction, so no device ever
// sees a moment with another's rules half loaded, and conntrack is not
// touched (established connections keep flowing).
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
		var missing []Rule
		for _, j := range Jumps(fam, s.Interface) {
			ok, err := exists(t, j)
			if err != nil {
				return fmt.Errorf("checking %s rule %s: %w", famName(fam), j, err)
			}
			if !ok {
				missing = append(missing, j)
			}
		}
		if err := h.restore(fam, restoreInput(s.Interface, rules, missing)); err != nil {
			return err
		}
		h.logf("%s: %d rules loaded into %s, %s and %s", famName(fam), len(rules),
			FwdChain(s.Interface), InChain(s.Interface), NATChain(s.Interface))
	}
	return nil
}

// restore runs the family's iptables-restore --noflush on input: other
// chains and tables stay as they are.
func (h *Host) restore(fam Family, input string) error {
	bin := h.restoreBin[fam]
	cmd := exec.Command(bin, "-w", "5", "--noflush")
	cmd.Stdin = strings.NewReader(input)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("loading wghub's %s rules with %s: %w: %s", famName(fam), bin, err, bytes.TrimSpace(out))
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
	for _, tc := range chains(iface) {
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
