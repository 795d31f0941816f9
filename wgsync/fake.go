package wgsync

import (
	"fmt"
	"net"
	"os"
	"slices"

	"golang.zx2c4.com/wireguard/wgctrl/wgtypes"
)

// FakeDevice is an in-memory WireGuard device with the kernel's
// configuration semantics, for tests: Remove, UpdateOnly,
// ReplaceAllowedIPs, an allowed IP moving to the last peer given it, the
// all-zero preshared key clearing it. Configs records every call.
type FakeDevice struct {
	Dev     *wgtypes.Device // nil: the interface is down
	Configs []wgtypes.Config
}

// Device returns a copy of the device, or os.ErrNotExist.
func (f *FakeDevice) Device(name string) (*wgtypes.Device, error) {
	if f.Dev == nil || f.Dev.Name != name {
		return nil, fmt.Errorf("fake: %s: %w", name, os.ErrNotExist)
	}
	d := *f.Dev
	d.Peers = nil
	for _, p := range f.Dev.Peers {
		p.AllowedIPs = slices.Clone(p.AllowedIPs)
		d.Peers = append(d.Peers, p)
	}
	return &d, nil
}

// ConfigureDevice applies cfg as the kernel would.
func (f *FakeDevice) ConfigureDevice(name string, cfg wgtypes.Config) error {
	if f.Dev == nil || f.Dev.Name != name {
		return fmt.Errorf("fake: %s: %w", name, os.ErrNotExist)
	}
	f.Configs = append(f.Configs, cfg)
	d := f.Dev
	if cfg.PrivateKey != nil {
		d.PrivateKey, d.PublicKey = *cfg.PrivateKey, cfg.PrivateKey.PublicKey()
	}
	if cfg.ListenPort != nil {
		d.ListenPort = *cfg.ListenPort
	}
	if cfg.ReplacePeers {
		d.Peers = nil
	}
	for _, pc := range cfg.Peers {
		i := slices.IndexFunc(d.Peers, func(p wgtypes.Peer) bool { return p.PublicKey == pc.PublicKey })
		if pc.Remove {
			if i >= 0 {
				d.Peers = slices.Delete(d.Peers, i, i+1)
			}
			continue
		}
		if i < 0 {
			if pc.UpdateOnly {
				continue
			}
			d.Peers = append(d.Peers, wgtypes.Peer{PublicKey: pc.PublicKey, ProtocolVersion: 1})
			i = len(d.Peers) - 1
		}
		p := &d.Peers[i]
		if pc.PresharedKey != nil {
			p.PresharedKey = *pc.PresharedKey
		}
		if pc.Endpoint != nil {
			e := *pc.Endpoint
			p.Endpoint = &e
		}
		if pc.PersistentKeepaliveInterval != nil {
			p.PersistentKeepaliveInterval = *pc.PersistentKeepaliveInterval
		}
		if pc.ReplaceAllowedIPs {
			p.AllowedIPs = nil
		}
		for _, a := range pc.AllowedIPs {
			// An allowed IP belongs to one peer: taking it removes it elsewhere.
			for j := range d.Peers {
				d.Peers[j].AllowedIPs = slices.DeleteFunc(d.Peers[j].AllowedIPs, func(n net.IPNet) bool { return n.String() == a.String() })
			}
			p = &d.Peers[i]
			p.AllowedIPs = append(p.AllowedIPs, a)
		}
	}
	return nil
}
