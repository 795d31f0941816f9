package control

import (
	"io"

	"github.com/wghub/wghub/jsonw"
)

// The status reply is written field by field (package jsonw) instead of
// through encoding/json, whose reflection and indenting pass cost more than
// reading a thousand peers. The output is encoding/json's for the same
// structs, byte for byte; TestStatusJSONMatchesEncodingJSON fills every
// field and compares.
//
// To add a field: add it to the struct with its json tag, then write it
// here at the same place in the same order (with the tag's omitempty,
// if any, as an if). The test fails until both agree.

// WriteJSON writes s as encoding/json would (MarshalIndent with two
// spaces when indent is set), and a newline.
func (s *Status) WriteJSON(w io.Writer, indent bool) error {
	jw := jsonw.New(w, indent)
	s.writeHead(jw)
	if s.Peers == nil {
		jw.Null()
	} else {
		jw.BeginArray()
		for i := range s.Peers {
			jw.Elem()
			s.Peers[i].writeJSON(jw)
		}
		jw.EndArray()
	}
	jw.EndObject()
	return jw.Close()
}

// writeHead opens the object and writes every field up to the "peers"
// key; the caller writes the peers and closes the object.
func (s *Status) writeHead(w *jsonw.Writer) {
	w.BeginObject()
	w.Key("setup")
	w.Bool(s.Setup)
	if s.Interface != "" {
		w.Key("interface")
		w.String(s.Interface)
	}
	w.Key("up")
	w.Bool(s.Up)
	if s.ListenPort != 0 {
		w.Key("listen_port")
		w.Int(int64(s.ListenPort))
	}
	if s.PublicKey != "" {
		w.Key("public_key")
		w.String(s.PublicKey)
	}
	if s.Endpoint != "" {
		w.Key("endpoint")
		w.String(s.Endpoint)
	}
	if len(s.Addresses) > 0 {
		w.Key("addresses")
		w.Strings(s.Addresses)
	}
	w.Key("peers")
}

func (p *PeerStatus) writeJSON(w *jsonw.Writer) {
	w.BeginObject()
	p.PeerInfo.writeFields(w)
	w.Key("endpoint")
	w.String(p.Endpoint)
	w.Key("latest_handshake")
	w.Int(p.LatestHandshake)
	w.Key("handshake_age")
	w.Int(p.HandshakeAge)
	w.Key("rx_bytes")
	w.Int(p.RxBytes)
	w.Key("tx_bytes")
	w.Int(p.TxBytes)
	w.EndObject()
}

// writeFields writes PeerInfo's members into the object being written:
// PeerStatus embeds it, so encoding/json inlines them.
func (p *PeerInfo) writeFields(w *jsonw.Writer) {
	w.Key("name")
	w.String(p.Name)
	w.Key("public_key")
	w.String(p.PublicKey)
	w.Key("addresses")
	w.Strings(p.Addresses)
	if len(p.Routes) > 0 {
		w.Key("routes")
		w.Strings(p.Routes)
	}
	w.Key("enabled")
	w.Bool(p.Enabled)
	w.Key("full_tunnel")
	w.Bool(p.FullTunnel)
	w.Key("access")
	w.Strings(p.Access)
	w.Key("own_access")
	w.Bool(p.OwnAccess)
	if len(p.LAN) > 0 {
		w.Key("lan")
		w.Strings(p.LAN)
	}
	w.Key("has_private_key")
	w.Bool(p.HasPrivateKey)
	w.Key("has_psk")
	w.Bool(p.HasPSK)
}
