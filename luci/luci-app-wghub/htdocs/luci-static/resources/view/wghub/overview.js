'use strict';
'require view';
'require rpc';
'require ui';
'require poll';
'require dom';

/*
 * WireGuard Hub: status of the hub and its devices, adding, removing,
 * enabling and disabling devices, and showing a device's configuration as
 * text, file and QR code. Everything goes through the ubus object `wghub`
 * (the rpcd exec plugin of the wghub package); this page writes no UCI
 * itself, so it has no Save/Apply buttons.
 *
 * Every wghub reply is a JSON object; a failed call answers {"error": "..."}.
 * A number instead of an object is a ubus status (e.g. permission denied).
 */

const callStatus = rpc.declare({
	object: 'wghub',
	method: 'status'
});

const callPeerAdd = rpc.declare({
	object: 'wghub',
	method: 'peer_add',
	params: [ 'name', 'full_tunnel', 'psk' ]
});

const callPeerRemove = rpc.declare({
	object: 'wghub',
	method: 'peer_remove',
	params: [ 'name' ]
});

const callPeerSet = rpc.declare({
	object: 'wghub',
	method: 'peer_set',
	params: [ 'name', 'enabled' ]
});

const callPeerConfig = rpc.declare({
	object: 'wghub',
	method: 'peer_config',
	params: [ 'name' ]
});

const callSetup = rpc.declare({
	object: 'wghub',
	method: 'setup',
	params: [ 'endpoint', 'subnet', 'lan', 'full_tunnel' ]
});

/* Seconds since the last handshake under which a device counts as connected
 * (WireGuard re-handshakes every two minutes while traffic flows). */
const CONNECTED_WITHIN = 180;

/* Returns the failure message of a wghub reply, or null if it succeeded. */
function failure(reply) {
	if (typeof(reply) == 'number')
		return _('The request failed: %s').format(rpc.getStatusText(reply));

	if (reply == null || typeof(reply) != 'object' || Array.isArray(reply))
		return _('wghub gave no usable answer.');

	if (reply.error != null)
		return String(reply.error);

	return null;
}

/* Passes a successful reply on and turns a failed one into an Error. */
function expectOk(reply) {
	const msg = failure(reply);

	if (msg != null)
		throw new Error(msg);

	return reply;
}

function notifyError(err) {
	const msg = (err && err.message) ? err.message : String(err);

	/* The message is wrapped in an array so that it becomes a text node: a
	 * bare string child would be parsed as HTML. */
	ui.addNotification(null, E('p', [ msg ]), 'error');
}

/* "1m 20s ago" for an age in seconds; "never" for a negative age. */
function formatAge(age) {
	if (age == null || age < 0)
		return _('never');

	age = Math.floor(age);

	const d = Math.floor(age / 86400),
	      h = Math.floor(age % 86400 / 3600),
	      m = Math.floor(age % 3600 / 60),
	      s = age % 60;

	if (d > 0)
		return _('%dd %dh ago').format(d, h);

	if (h > 0)
		return _('%dh %dm ago').format(h, m);

	if (m > 0)
		return _('%dm %ds ago').format(m, s);

	return _('%ds ago').format(s);
}

/* Seconds since the peer's latest handshake, -1 if there never was one. */
function handshakeAge(peer) {
	if (!(peer.latest_handshake > 0))
		return -1;

	if (typeof(peer.handshake_age) == 'number')
		return peer.handshake_age;

	return Math.max(0, Date.now() / 1000 - peer.latest_handshake);
}

function formatBytes(n) {
	return '%1024.2mB'.format(n || 0);
}

/* Tunnel addresses without the /32 or /128 of a single host. */
function formatAddresses(addrs) {
	return (Array.isArray(addrs) ? addrs : []).map(function(a) {
		return String(a).replace(/\/(32|128)$/, '');
	}).join(', ');
}

/* "laptop" -> "laptop.conf", keeping only characters the WireGuard apps
 * accept in a tunnel name. */
function configFilename(name) {
	return String(name).replace(/[^A-Za-z0-9_=+.-]/g, '_') + '.conf';
}

/* Splits "192.168.1.0/24, 10.0.0.0/8" into a list. */
function splitList(value) {
	return String(value || '').split(/[\s,]+/).filter(function(v) {
		return v != '';
	});
}

/* One labelled form row in LuCI's cbi layout. */
function field(input, title, description) {
	return E('div', { 'class': 'cbi-value' }, [
		E('label', { 'class': 'cbi-value-title', 'for': input.getAttribute('id') }, title),
		E('div', { 'class': 'cbi-value-field' }, [
			input,
			description ? E('div', { 'class': 'cbi-value-description' }, description) : ''
		])
	]);
}

const STYLE = [
	'#wghub code.wghub-key { word-break: break-all; }',
	'#wghub .wghub-state-up { color: #2a7d2a; font-weight: bold; }',
	'#wghub .wghub-state-down { color: #b22; font-weight: bold; }',
	'#wghub tr.wghub-disabled > td:not(.cbi-section-actions) { opacity: 0.55; }',
	'#wghub .cbi-section-actions button { margin: 0 0.2em 0.2em 0; }',
	'#wghub-peers td.td { white-space: nowrap; }',
	'#wghub-peers td.wghub-addr { white-space: normal; }',
	'.wghub-qr { background: #fff; padding: 8px; margin: 0 auto 1em; width: 280px; height: 280px; }',
	'.wghub-qr svg { display: block; width: 100%; height: 100%; }',
	'pre.wghub-config { max-height: 22em; overflow: auto; white-space: pre; }'
].join('\n');

return view.extend({
	load: function() {
		return callStatus();
	},

	render: function(status) {
		this.root = E('div', { 'class': 'cbi-map', 'id': 'wghub' });
		this.fill(status);
		return this.root;
	},

	/* Replaces the page content with the setup card or the hub overview. */
	fill: function(status) {
		const msg = failure(status);

		if (msg != null) {
			this.mode = 'error';
			this.refreshFailed = true;
			notifyError(msg);
			dom.content(this.root, [
				E('style', {}, STYLE),
				E('h2', {}, _('WireGuard Hub')),
				E('div', { 'class': 'cbi-section' }, [
					E('p', {}, E('em', {}, _('The status of the hub could not be read.')))
				])
			]);
		}
		else if (!status.setup) {
			this.mode = 'setup';
			dom.content(this.root, [ E('style', {}, STYLE) ].concat(this.renderSetup()));
		}
		else {
			this.mode = 'hub';
			dom.content(this.root, [ E('style', {}, STYLE) ].concat(this.renderHub(status)));
		}

		if (this.mode != 'setup' && !this.polling) {
			this.polling = true;
			poll.add(L.bind(this.refresh, this), 5);
		}
	},

	renderSetup: function() {
		const inputs = {
			endpoint: E('input', {
				'type': 'text',
				'class': 'cbi-input-text',
				'id': 'wghub-endpoint',
				'placeholder': 'vpn.example.org:51820'
			}),
			subnet: E('input', {
				'type': 'text',
				'class': 'cbi-input-text',
				'id': 'wghub-subnet',
				'value': '192.168.100.0/24'
			}),
			lan: E('input', {
				'type': 'text',
				'class': 'cbi-input-text',
				'id': 'wghub-lan',
				'placeholder': '192.168.1.0/24'
			}),
			full: E('input', {
				'type': 'checkbox',
				'class': 'cbi-input-checkbox',
				'id': 'wghub-full-tunnel'
			})
		};

		return [
			E('h2', {}, _('WireGuard Hub')),
			E('div', { 'class': 'cbi-map-descr' },
				_('Turn this router into a WireGuard server for your devices. Each device gets its own key and address and reaches the VPN and your LAN through the router.')),
			E('div', { 'class': 'cbi-section', 'id': 'wghub-setup' }, [
				E('h3', {}, _('Set up the hub')),
				E('div', { 'class': 'cbi-section-node' }, [
					field(inputs.endpoint, _('Public endpoint'),
						_('Host name or public IP address of this router, optionally with the port, as devices on the internet reach it.')),
					field(inputs.subnet, _('VPN subnet'),
						_('Addresses for the tunnel. The router takes the first one, devices the following ones.')),
					field(inputs.lan, _('LAN access'),
						_('Networks behind the router that devices may reach, separated by spaces or commas.')),
					field(inputs.full, _('Full tunnel'),
						_('Let devices send all their internet traffic through the router as well.'))
				]),
				E('div', { 'class': 'cbi-page-actions' }, [
					E('button', {
						'class': 'cbi-button cbi-button-apply',
						'click': ui.createHandlerFn(this, 'handleSetup', inputs)
					}, _('Set up'))
				])
			])
		];
	},

	handleSetup: function(inputs, ev) {
		const endpoint = inputs.endpoint.value.trim(),
		      subnet = inputs.subnet.value.trim(),
		      lan = splitList(inputs.lan.value),
		      full = !!inputs.full.checked;

		return callSetup(endpoint, subnet, lan, full)
			.then(expectOk)
			.then(function() { return callStatus(); })
			.then(L.bind(this.fill, this))
			.catch(notifyError);
	},

	renderHub: function(status) {
		this.infoTable = E('table', { 'class': 'table', 'id': 'wghub-info' });
		this.peerTable = E('table', { 'class': 'table cbi-section-table', 'id': 'wghub-peers' });
		this.rows = {};
		this.rowNames = null;

		this.updateInfo(status);
		this.updatePeers(status.peers);

		return [
			E('h2', {}, _('WireGuard Hub')),
			E('div', { 'class': 'cbi-map-descr' },
				_('Devices connect to this router over WireGuard and reach the VPN and your LAN through it. Add a device, then scan its QR code with the WireGuard app or import its configuration file.')),
			E('div', { 'class': 'cbi-section' }, [
				E('h3', {}, _('Hub')),
				this.infoTable
			]),
			E('div', { 'class': 'cbi-section' }, [
				E('h3', {}, _('Devices')),
				this.peerTable,
				E('div', { 'class': 'cbi-section-create' }, [
					E('button', {
						'class': 'cbi-button cbi-button-add',
						'id': 'wghub-add',
						'click': ui.createHandlerFn(this, 'handleAdd')
					}, _('Add device'))
				])
			])
		];
	},

	updateInfo: function(status) {
		const peers = Array.isArray(status.peers) ? status.peers : [],
		      connected = peers.filter(function(p) {
		          const age = handshakeAge(p);
		          return p.enabled && age >= 0 && age < CONNECTED_WITHIN;
		      }).length;

		const rows = [
			[ _('Interface'), [
				E('span', {}, [ status.interface || '' ]), ' ',
				status.up
					? E('span', { 'class': 'wghub-state-up' }, _('up'))
					: E('span', { 'class': 'wghub-state-down' }, _('down'))
			] ],
			[ _('Listen port'), [ String(status.listen_port || '') ] ],
			[ _('Public key'), E('code', { 'class': 'wghub-key' }, [ status.public_key || '' ]) ],
			[ _('Endpoint'), [ status.endpoint || '' ] ],
			[ _('VPN addresses'), [ formatAddresses(status.addresses) ] ],
			[ _('Devices'), [ _('%d configured, %d connected').format(peers.length, connected) ] ]
		];

		dom.content(this.infoTable, rows.map(function(r) {
			return E('tr', { 'class': 'tr' }, [
				E('td', { 'class': 'td left', 'width': '33%' }, r[0]),
				E('td', { 'class': 'td left' }, r[1])
			]);
		}));
	},

	titles: function() {
		return [
			_('Device'), _('VPN address'), _('Tunnel'), _('Endpoint'),
			_('Latest handshake'), _('Received'), _('Sent'), _('Enabled')
		];
	},

	/* Rebuilds the rows when the set of devices changed, otherwise only
	 * rewrites the cells of the existing rows (so a click in progress on a
	 * row's button is not lost every five seconds). */
	updatePeers: function(peers) {
		peers = Array.isArray(peers) ? peers : [];

		const names = peers.map(function(p) { return p.name; });

		this.peers = {};
		peers.forEach(L.bind(function(p) { this.peers[p.name] = p; }, this));

		if (this.rowNames == null || names.join('\n') != this.rowNames.join('\n')) {
			const titles = this.titles();

			this.rows = {};
			this.rowNames = names;

			const header = E('tr', { 'class': 'tr table-titles' },
				titles.map(function(t) { return E('th', { 'class': 'th' }, t); })
					.concat([ E('th', { 'class': 'th cbi-section-actions' }, '') ]));

			const rows = peers.map(L.bind(function(p) {
				const row = this.renderPeerRow(p, titles);
				this.rows[p.name] = row;
				return row.tr;
			}, this));

			if (!rows.length)
				rows.push(E('tr', { 'class': 'tr placeholder' }, [
					E('td', { 'class': 'td', 'colspan': titles.length + 1 },
						E('em', {}, _('No devices yet. Use "Add device" to create the first one.')))
				]));

			dom.content(this.peerTable, [ header ].concat(rows));
		}

		peers.forEach(L.bind(function(p) {
			this.updatePeerRow(this.rows[p.name], p);
		}, this));
	},

	renderPeerRow: function(peer, titles) {
		/* column 1 holds the addresses, the only one allowed to wrap */
		const cells = titles.map(function(t, i) {
			return E('td', { 'class': (i == 1) ? 'td wghub-addr' : 'td', 'data-title': t });
		});

		const toggle = E('button', {
			'class': 'cbi-button cbi-button-neutral',
			'click': ui.createHandlerFn(this, 'handleToggle', peer.name)
		}, '');

		const actions = E('td', { 'class': 'td cbi-section-actions' }, [
			toggle,
			E('button', {
				'class': 'cbi-button cbi-button-action',
				'click': ui.createHandlerFn(this, 'handleShowConfig', peer.name)
			}, _('Show config')),
			E('button', {
				'class': 'cbi-button cbi-button-remove',
				'click': ui.createHandlerFn(this, 'handleRemove', peer.name)
			}, _('Remove'))
		]);

		const tr = E('tr', { 'class': 'tr cbi-section-table-row', 'data-peer': peer.name },
			cells.concat([ actions ]));

		return { tr: tr, cells: cells, toggle: toggle };
	},

	updatePeerRow: function(row, peer) {
		const values = [
			E('strong', {}, [ peer.name ]),
			[ formatAddresses(peer.addresses) ],
			[ peer.full_tunnel ? _('Full') : _('Split') ],
			[ peer.endpoint || '—' ],
			[ formatAge(handshakeAge(peer)) ],
			[ formatBytes(peer.rx_bytes) ],
			[ formatBytes(peer.tx_bytes) ],
			[ peer.enabled ? _('Yes') : _('No') ]
		];

		values.forEach(function(v, i) { dom.content(row.cells[i], v); });

		dom.content(row.toggle, [ peer.enabled ? _('Disable') : _('Enable') ]);

		if (peer.enabled)
			row.tr.classList.remove('wghub-disabled');
		else
			row.tr.classList.add('wghub-disabled');
	},

	/* Polled every five seconds, and after every change. */
	refresh: function() {
		return callStatus().then(L.bind(function(status) {
			const msg = failure(status);

			if (msg != null)
				return this.refreshFailure(msg);

			this.refreshFailed = false;

			if (!status.setup) {
				if (this.mode != 'setup')
					this.fill(status);
			}
			else if (this.mode != 'hub') {
				this.fill(status);
			}
			else {
				this.updateInfo(status);
				this.updatePeers(status.peers);
			}
		}, this), L.bind(function(err) {
			this.refreshFailure(err && err.message ? err.message : String(err));
		}, this));
	},

	/* One notification per outage, not one every five seconds. */
	refreshFailure: function(msg) {
		if (!this.refreshFailed)
			notifyError(msg);

		this.refreshFailed = true;
	},

	handleAdd: function(ev) {
		const name = E('input', {
			'type': 'text',
			'class': 'cbi-input-text',
			'id': 'wghub-add-name',
			'placeholder': 'laptop'
		});

		const mode = E('select', { 'class': 'cbi-input-select', 'id': 'wghub-add-mode' }, [
			E('option', { 'value': 'split', 'selected': '' }, _('Split tunnel: only the VPN and the LAN')),
			E('option', { 'value': 'full' }, _('Full tunnel: all traffic through the router'))
		]);

		ui.showModal(_('Add device'), [
			E('p', {}, _('A key pair and the next free address are created for the device.')),
			field(name, _('Name'), _('Letters, digits, "-" and "_", e.g. laptop or anna-phone.')),
			field(mode, _('Traffic'), null),
			E('div', { 'class': 'right' }, [
				E('button', { 'class': 'btn', 'click': ui.hideModal }, _('Cancel')), ' ',
				E('button', {
					'class': 'btn cbi-button-action',
					'id': 'wghub-add-confirm',
					'click': ui.createHandlerFn(this, 'handleAddConfirm', name, mode)
				}, _('Add'))
			])
		]);

		if (typeof(name.focus) == 'function')
			name.focus();
	},

	handleAddConfirm: function(nameInput, modeInput, ev) {
		const name = nameInput.value.trim(),
		      full = (modeInput.value == 'full');

		if (name == '') {
			nameInput.classList.add('cbi-input-invalid');
			return;
		}

		return callPeerAdd(name, full, true)
			.then(expectOk)
			.then(L.bind(function(reply) {
				const added = (reply.peer && reply.peer.name) ? reply.peer.name : name;

				this.refresh();

				return callPeerConfig(added);
			}, this))
			.then(expectOk)
			.then(L.bind(this.showConfig, this))
			.catch(function(err) {
				ui.hideModal();
				notifyError(err);
			});
	},

	handleShowConfig: function(name, ev) {
		return callPeerConfig(name)
			.then(expectOk)
			.then(L.bind(this.showConfig, this))
			.catch(notifyError);
	},

	/* The modal with the QR code, the download button and the text of a
	 * peer_config reply. */
	showConfig: function(reply) {
		const name = String(reply.name || ''),
		      config = String(reply.config || ''),
		      filename = configFilename(name),
		      svg = String(reply.qr_svg || '');

		ui.showModal(_('Configuration of %h').format(name), [
			E('p', {}, _('Scan the QR code with the WireGuard app on a phone, or download the file and import it on a computer.')),
			/* The SVG markup is made by wghub itself; only an <svg> element is
			 * taken as markup. */
			/^\s*<svg[\s>]/.test(svg)
				? E('div', { 'class': 'wghub-qr' }, svg)
				: E('p', {}, E('em', {}, _('No QR code available.'))),
			E('div', { 'class': 'alert-message warning' },
				_('The configuration contains the private key of the device. Anyone who has it can connect as this device.')),
			E('pre', { 'class': 'wghub-config' }, [ config ]),
			E('div', { 'class': 'right' }, [
				E('button', {
					'class': 'btn cbi-button-action',
					'id': 'wghub-download',
					'click': L.bind(this.download, this, filename, config)
				}, [ _('Download %s').format(filename) ]), ' ',
				E('button', { 'class': 'btn', 'click': ui.hideModal }, _('Close'))
			])
		]);
	},

	/* Saves text as a file through a temporary link to a Blob. */
	download: function(filename, text, ev) {
		const blob = new Blob([ text ], { type: 'text/plain' }),
		      url = URL.createObjectURL(blob),
		      link = E('a', { 'href': url, 'download': filename, 'style': 'display:none' });

		document.body.appendChild(link);
		link.click();
		document.body.removeChild(link);
		window.setTimeout(function() { URL.revokeObjectURL(url); }, 1000);
	},

	handleToggle: function(name, ev) {
		const peer = this.peers[name];

		if (!peer)
			return;

		return callPeerSet(name, !peer.enabled)
			.then(expectOk)
			.then(L.bind(this.refresh, this))
			.catch(notifyError);
	},

	handleRemove: function(name, ev) {
		ui.showModal(_('Remove device'), [
			E('p', {}, [ _('Remove the device "%s"? Its configuration stops working at once and cannot be shown again.').format(name) ]),
			E('div', { 'class': 'right' }, [
				E('button', { 'class': 'btn', 'click': ui.hideModal }, _('Cancel')), ' ',
				E('button', {
					'class': 'btn cbi-button-negative',
					'id': 'wghub-remove-confirm',
					'click': ui.createHandlerFn(this, 'handleRemoveConfirm', name)
				}, _('Remove'))
			])
		]);
	},

	handleRemoveConfirm: function(name, ev) {
		return callPeerRemove(name)
			.then(expectOk)
			.then(L.bind(function() {
				ui.hideModal();
				return this.refresh();
			}, this))
			.catch(function(err) {
				ui.hideModal();
				notifyError(err);
			});
	},

	handleSave: null,
	handleSaveApply: null,
	handleReset: null
});
