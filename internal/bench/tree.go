package bench

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/wghub/wghub/hub"
	"github.com/wghub/wghub/uci"
	"golang.zx2c4.com/wireguard/wgctrl/wgtypes"
)

// AddPeers gives the hub in the OpenWrt config directory dir (set up, no
// peers yet) n peers named p0000, p0001...: addFirst adds the first the
// way wghub does (`wghub peer add p0000`: a key pair and a preshared key),
// and the others are copies of its sections with their own names, ids,
// keys and addresses (adding thousands one by one would take minutes).
// hub.Load then reads them back: should the copies no longer follow
// wghub's layout, AddPeers fails rather than let a bench measure a tree
// wghub would not write.
func AddPeers(dir string, n int, addFirst func(name string) error) error {
	if err := addFirst("p0000"); err != nil {
		return err
	}
	h, err := load(dir)
	if err != nil || len(h.Peers) != 1 || h.Peers[0].PrivateKey == nil || h.Peers[0].PresharedKey == nil {
		return fmt.Errorf("bench: the first peer did not load back with its keys (%v)", err)
	}
	first := h.Peers[0]
	old := []string{"'" + first.Name + "'", "_" + first.ID + "'", first.PublicKey.String(), first.PresharedKey.String(),
		first.PrivateKey.String(), "'" + first.Addresses[0].String() + "'"}
	keys := make([][3]string, n) // private, public, preshared
	for i := 1; i < n; i++ {
		priv, err := wgtypes.GeneratePrivateKey()
		if err != nil {
			return err
		}
		psk, err := wgtypes.GenerateKey()
		if err != nil {
			return err
		}
		keys[i] = [3]string{priv.String(), priv.PublicKey().String(), psk.String()}
	}
	for _, c := range []string{hub.OpenWrt.Network, hub.OpenWrt.Hub} {
		path := filepath.Join(dir, c)
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		// The first peer's sections: those whose name ends in its id.
		var block strings.Builder
		in := false
		for _, l := range strings.SplitAfter(string(data), "\n") {
			if strings.HasPrefix(l, "config ") {
				in = strings.HasSuffix(strings.TrimSpace(l), "_"+first.ID+"'")
			}
			if in {
				block.WriteString(l)
			}
		}
		if block.Len() == 0 {
			return fmt.Errorf("bench: no section of the first peer in %s", c)
		}
		tmpl := strings.TrimRight(block.String(), "\n") + "\n"
		out := []byte(strings.TrimRight(string(data), "\n") + "\n")
		a := first.Addresses[0].Addr()
		for i := 1; i < n; i++ {
			a = a.Next()
			k := keys[i]
			out = append(out, '\n')
			out = append(out, strings.NewReplacer(old[0], fmt.Sprintf("'p%04d'", i), old[1], fmt.Sprintf("_%d'", i+1),
				old[2], k[1], old[3], k[2], old[4], k[0], old[5], fmt.Sprintf("'%s/32'", a)).Replace(tmpl)...)
		}
		if err := os.WriteFile(path, out, 0o600); err != nil {
			return err
		}
	}
	if h, err = load(dir); err != nil {
		return fmt.Errorf("bench: the copied peers do not load: %w", err)
	}
	if len(h.Peers) != n {
		return fmt.Errorf("bench: %d peers load back, want %d", len(h.Peers), n)
	}
	return nil
}

func load(dir string) (*hub.Hub, error) {
	cfgs := map[string]*uci.Config{}
	for _, c := range hub.OpenWrt.Configs() {
		var err error
		if cfgs[c], err = (&uci.Tree{Dir: dir}).Load(c); err != nil {
			return nil, err
		}
	}
	return hub.Load(cfgs, hub.OpenWrt)
}
