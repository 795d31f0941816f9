'use strict';
'require view';
'require form';
'require rpc';
'require ui';
'require poll';
'require dom';

/*
 * WireGuard Hub: status of the hub and its devices, adding, removing,
 * enabling and disabling devices, showing a device's configuration as text,
 * file and QR code, what each device may reach through the hub (its access:
 * the hub's default, or its own), and the hub's settings, the default
 * access among them. Everything goes through the ubus
 * object `wghub` (the rpcd exec plugin of the wghub package), which applies
 * each change at once; this page stages no UCI changes, so it has no
 * Save/Apply footer.
 *
 * Forms are LuCI form.JSONMap instances (validation by LuCI's datatypes);
 * their values are sent to wghub, which validates them again.
 *
 * A logged-in user whose ACL grants only the read group sees everything but
 * is offered no action that would be refused (LuCI's view permission,
 * L.hasViewPermission(), is false for such a user).
 *
 * Failures reach people as sentences: a wghub reply {"error": "...",
 * "code": "..."} shows wghub's message after what failed; a ubus or
 * JSON-RPC failure (e.g. -32002, access denied) gets a sentence of its own,
 * never LuCI's raw "RPC call to ... failed" text.
 */

const callStatus = rpc.declare({
	object: 'wghub',
	method: 'status'
});

const callSettings = rpc.declare({
	object: 'wghub',
	method: 'settings'
});

const callSettingsSet = rpc.declare({
	object: 'wghub',
	method: 'settings_set',
	params: [ 'endpoint', 'lan', 'dns', 'keepalive', 'access' ]
});

const callPeerAdd = rpc.declare({
	object: 'wghub',
	method: 'peer_add',
	params: [ 'name', 'psk', 'public_key', 'access' ]
});

const callPeerRemove = rpc.declare({
	object: 'wghub',
	method: 'peer_remove',
	params: [ 'name' ]
});

const callPeerSet = rpc.declare({
	object: 'wghub',
	method: 'peer_set',
	params: [ 'name', 'enabled', 'access' ]
});

const callPeerConfig = rpc.declare({
	object: 'wghub',
	method: 'peer_config',
	params: [ 'name' ]
});

const callSetup = rpc.declare({
	object: 'wghub',
	method: 'setup',
	params: [ 'endpoint', 'port', 'subnet', 'subnet6', 'lan', 'dns', 'full_tunnel' ]
});

/* Seconds since the last handshake under which a device counts as connected
 * (WireGuard re-handshakes every two minutes while traffic flows). */
const CONNECTED_WITHIN = 180;

/* JSON-RPC error codes of uhttpd's /ubus (ubus status + -32000 offsets). */
const RPC_ACCESS_DENIED = -32002;
const RPC_OBJECT_NOT_FOUND = -32000;

/*
 * A failed wghub call. Exactly one of the three is set:
 * rpcCode   JSON-RPC error code of uhttpd's /ubus (e.g. -32002);
 * status    ubus status number of a reply without data;
 * code      wghub's own code ("INVALID_ARGUMENT", ...), message its text,
 *           field the argument it refuses, if wghub names one.
 */
function WghubError(fields) {
	const err = new Error(fields.message || '');

	err.name = 'WghubError';
	err.rpcCode = fields.rpcCode;
	err.status = fields.status;
	err.code = fields.code;
	err.field = fields.field;

	return err;
}

/* Turns JSON-RPC errors of wghub calls into WghubErrors carrying the code,
 * so that no message text needs to be matched later. LuCI's own
 * interceptor (session expiry on -32002) runs as well. */
rpc.addInterceptor(function(msg, req) {
	if (req == null || req.object != 'wghub' || !L.isObject(msg) || !L.isObject(msg.error))
		return;

	return Promise.reject(WghubError({ rpcCode: msg.error.code }));
});

/* Passes a successful reply on and throws a WghubError for a failed one. */
function expectOk(reply) {
	if (typeof(reply) == 'number')
		throw WghubError({ status: reply });

	if (!L.isObject(reply))
		throw WghubError({ code: 'NO_DATA', message: _('wghub gave no usable answer.') });

	if (reply.error != null)
		throw WghubError({
			code: String(reply.code || 'UNKNOWN_ERROR'),
			message: String(reply.error),
			field: (typeof(reply.field) == 'string') ? reply.field : null
		});

	/* A write that was saved but could not be applied to the running
	 * system: not a failure (the router boots with it), but the owner
	 * must know the tunnels do not have it yet. */
	if (reply.saved === true && typeof(reply.warning) == 'string' && reply.warning != '')
		ui.addNotification(null, E('p', [
			_('The change was saved, but not applied to the running system: %s').format(reply.warning)
		]), 'warning');

	return reply;
}

/* The sentence shown for a failure of the action described by `what`. */
function describe(what, err) {
	if (err == null || err.name != 'WghubError')
		return _('%s: the router did not answer as expected. Reload the page and try again.').format(what);

	if (err.rpcCode == RPC_ACCESS_DENIED)
		return _('%s: you do not have permission to do this. Log in as a user with write access to the WireGuard hub.').format(what);

	if (err.rpcCode == RPC_OBJECT_NOT_FOUND)
		return _('%s: the wghub service is not available on this router (is the wghub package installed?).').format(what);

	if (err.rpcCode != null)
		return _('%s: the router refused the request.').format(what);

	if (err.status != null)
		return _('%s: the router answered "%s".').format(what, rpc.getStatusText(err.status));

	return _('%s: %s').format(what, err.message);
}

function notify(text) {
	/* A text node, never markup: messages may quote names typed by people. */
	ui.addNotification(null, E('p', [ text ]), 'error');
}

/* Returns a rejection handler notifying the failure of `what`. A
 * SessionError is LuCI's own: it already shows the login dialog. */
function notifier(what) {
	return function(err) {
		if (err && err.name == 'SessionError')
			return;

		notify(describe(what, err));
	};
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

/* A WireGuard key: 32 bytes in base64, 44 characters ending in "=". */
function validateKey(section_id, value) {
	if (value == null || value == '')
		return true;

	if (!/^[A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]=$/.test(value))
		return _('Expecting a WireGuard public key (44 characters of base64)');

	return true;
}

/* The kinds of access wghub knows besides LAN hosts, as the form's flags
 * name them (access_<kind>). */
const ACCESS_KINDS = [ 'lan', 'internet', 'router', 'spoke' ];

function accessLabel(kind) {
	switch (kind) {
	case 'lan':      return _('LAN');
	case 'internet': return _('Internet');
	case 'router':   return _('Router');
	case 'spoke':    return _('Other devices');
	}

	return kind;
}

/* An access (a list of wghub's access items) for people: "LAN, Internet",
 * "192.168.1.10 tcp/22"; no access at all is "None". */
function formatAccess(items) {
	items = Array.isArray(items) ? items : [];

	if (!items.length)
		return _('None (DNS only)');

	return items.map(function(it) {
		return (ACCESS_KINDS.indexOf(it) > -1) ? accessLabel(it) : String(it);
	}).join(', ');
}

/* A device's access for its row: its own, or the hub's default marked as
 * such. */
function formatPeerAccess(peer) {
	const text = formatAccess(peer.access);

	return peer.own_access ? text : _('%s (hub default)').format(text);
}

/* The JSONMap values of the access options for an access. */
function accessData(items) {
	const out = { access: [] };

	items = Array.isArray(items) ? items : [];

	ACCESS_KINDS.forEach(function(k) { out['access_' + k] = (items.indexOf(k) > -1) ? '1' : '0'; });
	items.forEach(function(it) {
		if (ACCESS_KINDS.indexOf(it) < 0)
			out.access.push(String(it));
	});

	return out;
}

/* The access the options of a parsed form give, as wghub's items; nothing
 * at all is "none" (wghub reads an empty list as "the default"). */
function accessItems(options, section_id) {
	const items = [];

	ACCESS_KINDS.forEach(function(k) {
		if (options['access_' + k].formvalue(section_id) == '1')
			items.push(k);
	});

	L.toArray(options.access.formvalue(section_id)).forEach(function(h) {
		h = String(h).trim().replace(/\s+/g, ' ');

		if (h != '' && items.indexOf(h) < 0)
			items.push(h);
	});

	return items.length ? items : [ 'none' ];
}

/* A LAN host or subnet with an optional protocol and port, as wghub
 * takes it: "192.168.1.10", "192.168.1.0/28", "192.168.1.10 tcp/22",
 * "10.0.0.5 udp/5000-5010", "192.168.1.20 icmp". wghub checks it again. */
function validateHost(section_id, value) {
	if (value == null || String(value).trim() == '')
		return true;

	const f = String(value).trim().split(/\s+/),
	      example = _('Expecting a LAN host or subnet, optionally with one protocol and port, e.g. 192.168.1.10 tcp/22');

	const octet = '(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])',
	      v4 = new RegExp('^' + octet + '(\\.' + octet + '){3}(/(3[0-2]|[12]?[0-9]))?$'),
	      v6 = /^[0-9a-fA-F:.]*:[0-9a-fA-F:.]*(\/(12[0-8]|1[01][0-9]|[1-9]?[0-9]))?$/;

	if (f.length > 2 || !(v4.test(f[0]) || v6.test(f[0])))
		return example;

	if (f.length == 1 || /^icmp$/i.test(f[1]))
		return true;

	const m = /^(tcp|udp)(\/([0-9]+)(-([0-9]+))?)?$/i.exec(f[1]);

	if (!m)
		return _('Expecting tcp, udp or icmp after the address, with tcp and udp optionally a port or range, e.g. tcp/22 or udp/5000-5010');

	if (m[3] != null) {
		const lo = +m[3], hi = (m[5] != null) ? +m[5] : lo;

		if (lo < 1 || hi > 65535 || lo > hi)
			return _('Expecting a port from 1 to 65535, or a range such as 8000-8080');
	}

	return true;
}

/* Adds the access options to a form section: a flag per kind and a list of
 * LAN hosts (named "access", the argument wghub names when it refuses
 * one). With `mode`, they show only when the device has its own access. */
function accessOptions(s, o, mode) {
	const depend = function(opt) {
		if (mode)
			opt.depends('access_mode', 'own');

		return opt;
	};

	o.access_lan = depend(s.option(form.Flag, 'access_lan', accessLabel('lan'),
		_('The networks behind the router (the LAN).')));
	o.access_internet = depend(s.option(form.Flag, 'access_internet', accessLabel('internet'),
		_('Everything beyond the LAN: all traffic goes through the router (full tunnel).')));
	o.access_router = depend(s.option(form.Flag, 'access_router', accessLabel('router'),
		_('The router itself: this web interface, SSH. DNS on the router stays reachable in any case.')));
	o.access_spoke = depend(s.option(form.Flag, 'access_spoke', accessLabel('spoke'),
		_('The other devices of the hub (spoke to spoke).')));

	o.access = depend(s.option(form.DynamicList, 'access', _('LAN hosts'),
		_('Single hosts or subnets, optionally one protocol and port, e.g. 192.168.1.10 tcp/22, 192.168.1.0/28, 192.168.1.20 icmp.')));
	o.access.placeholder = '192.168.1.10 tcp/22';
	o.access.validate = validateHost;
}

/* Adds the choice between the hub's default access and the device's own
 * (with accessOptions after it); `hubDefault` is the hub's access items. */
function accessModeOption(s, o, hubDefault) {
	o.access_mode = s.option(form.ListValue, 'access_mode', _('Access'),
		_('What the device may reach through the router; the router enforces it and the device\'s configuration follows it.'));
	o.access_mode.value('default', _('Hub default: %s').format(formatAccess(hubDefault)));
	o.access_mode.value('own', _('Own access'));
	accessOptions(s, o, true);
}

/* Marks the input of a form option that wghub refused, as LuCI marks
 * invalid input; false if the form has no such option. */
function markRefused(sid, err) {
	const el = (err && err.field)
		? document.getElementById('widget.cbid.json.%s.%s'.format(sid, err.field)) : null;

	if (el)
		el.classList.add('cbi-input-invalid');

	return el != null;
}

/* A dialog's Cancel and confirm buttons, as LuCI's own dialogs have them. */
function dialogActions(id, label, handler) {
	return E('div', { 'class': 'right' }, [
		E('button', { 'class': 'btn', 'click': ui.hideModal }, _('Cancel')), ' ',
		E('button', { 'class': 'btn cbi-button-action', 'id': id, 'click': handler }, label)
	]);
}

/* The failure handler of a dialog's save: invalid input keeps the dialog
 * open, marked by LuCI; so does a value wghub refuses in form sid (a name
 * already taken, a host on the VPN), shown in problem. Anything else closes
 * the dialog and is notified as what failed. */
function dialogFailed(sid, problem, what) {
	return function(err) {
		const text = (err.name == 'FormError') ? err.message
			: markRefused(sid, err) ? describe(what, err) : null;

		if (text != null)
			return dom.content(problem, E('div', { 'class': 'alert-message error' }, [ text ]));

		ui.hideModal();
		notifier(what)(err);
	};
}

/* Validates a form. A rejection is a FormError carrying LuCI's sentence
 * about the offending field (the field itself is marked by LuCI). */
function parseForm(m) {
	return m.parse().catch(function(err) {
		const e = new Error((err && err.message) ? err.message : String(err));

		e.name = 'FormError';
		throw e;
	});
}

/* The values of a parsed JSONMap section as wghub arguments: an empty text
 * or list is left out (wghub then keeps or chooses the value). */
function formValues(options, section_id) {
	const out = {};

	for (const key in options) {
		let v = options[key].formvalue(section_id);

		if (options[key] instanceof form.Flag)
			v = (v == '1');
		else if (Array.isArray(v))
			v = v.length ? v : undefined;
		else if (v == null || String(v).trim() == '')
			v = undefined;
		else
			v = String(v).trim();

		out[key] = v;
	}

	return out;
}

const STYLE = [
	'#wghub code.wghub-key { word-break: break-all; }',
	'#wghub .wghub-state-up { color: #2a7d2a; font-weight: bold; }',
	'#wghub .wghub-state-down { color: #b22; font-weight: bold; }',
	'#wghub tr.wghub-disabled > td:not(.cbi-section-actions) { opacity: 0.55; }',
	'#wghub-peers td.wghub-addr { white-space: normal; }',
	'.wghub-qr { background: #fff; padding: 8px; margin: 0 auto 1em; width: 280px; height: 280px; }',
	'.wghub-qr svg { display: block; width: 100%; height: 100%; }',
	'pre.wghub-config { max-height: 22em; overflow: auto; white-space: pre; }'
].join('\n');

return view.extend({
	load: function() {
		return callStatus().then(expectOk).then(function(status) {
			if (!status.setup)
				return [ status, null ];

			return callSettings().then(expectOk).then(function(settings) {
				return [ status, settings ];
			});
		}).catch(function(err) {
			return [ err, null ];
		});
	},

	render: function(data) {
		/* true: write actions offered; false: read-only login */
		this.canWrite = (L.hasViewPermission() === true);
		this.root = E('div', { 'id': 'wghub' });

		return this.fill(data[0], data[1]).then(L.bind(function() {
			return this.root;
		}, this));
	},

	/* Replaces the page content with the setup form or the hub overview.
	 * status is a status reply or the error that prevented reading it. */
	fill: function(status, settings) {
		let content;

		if (status instanceof Error) {
			this.mode = 'error';
			this.refreshFailed = true;
			notifier(_('The status of the hub could not be read'))(status);
			content = Promise.resolve([
				E('h2', {}, _('WireGuard Hub')),
				E('div', { 'class': 'cbi-section' }, [
					E('p', {}, E('em', {}, _('The status of the hub could not be read.')))
				])
			]);
		}
		else if (!status.setup) {
			this.mode = 'setup';
			content = this.renderSetup();
		}
		else {
			this.mode = 'hub';
			content = this.renderHub(status, settings);
		}

		if (this.mode != 'setup' && !this.polling) {
			this.polling = true;
			poll.add(L.bind(this.refresh, this), 5);
		}

		return content.then(L.bind(function(nodes) {
			dom.content(this.root, [ E('style', {}, STYLE) ].concat(nodes));
		}, this));
	},

	/* A note for logins that may look but not change anything. */
	readOnlyNote: function() {
		if (this.canWrite)
			return '';

		return E('div', { 'class': 'alert-message notice', 'id': 'wghub-readonly' },
			_('You are logged in with read-only access: the hub can be viewed here but not changed.'));
	},

	renderSetup: function() {
		/* nothing to show but a form a read-only login could not submit */
		if (!this.canWrite)
			return Promise.resolve([
				E('h2', {}, _('WireGuard Hub')),
				this.readOnlyNote(),
				E('div', { 'class': 'cbi-section' }, [
					E('p', {}, E('em', {}, _('The hub is not set up yet. A user with write access can set it up on this page.')))
				])
			]);

		const m = new form.JSONMap({
			setup: { subnet: '192.168.100.0/24', port: '51820' }
		}, _('WireGuard Hub'),
			_('Turn this router into a WireGuard server for your devices. Each device gets its own key and address and reaches the VPN and your LAN through the router.'));

		const s = m.section(form.NamedSection, 'setup', 'setup', _('Set up the hub'));
		const o = {};

		o.endpoint = s.option(form.Value, 'endpoint', _('Public endpoint'),
			_('Host name or public IP address of this router, optionally with the port, as devices on the internet reach it.'));
		o.endpoint.datatype = 'or(host,hostport,ipaddrport(1))';
		o.endpoint.placeholder = 'vpn.example.org';
		o.endpoint.rmempty = false;

		o.port = s.option(form.Value, 'port', _('Listen port'),
			_('UDP port the router listens on; open it on any router in front of this one.'));
		o.port.datatype = 'port';
		o.port.placeholder = '51820';

		o.subnet = s.option(form.Value, 'subnet', _('VPN subnet'),
			_('Addresses for the tunnel. The router takes the first one, devices the following ones.'));
		o.subnet.datatype = 'cidr4';
		o.subnet.rmempty = false;

		o.subnet6 = s.option(form.Value, 'subnet6', _('IPv6 VPN subnet'),
			_('Optional, e.g. a /64 of your ULA prefix.'));
		o.subnet6.datatype = 'cidr6';

		o.lan = s.option(form.DynamicList, 'lan', _('LAN access'),
			_('Networks behind the router that devices may reach. Empty: the router\'s LAN networks.'));
		o.lan.datatype = 'cidr';
		o.lan.placeholder = '192.168.1.0/24';

		o.dns = s.option(form.DynamicList, 'dns', _('DNS servers'),
			_('Given to devices in their configuration. Empty: the router\'s LAN address.'));
		o.dns.datatype = 'ipaddr';

		o.full_tunnel = s.option(form.Flag, 'full_tunnel', _('Full tunnel'),
			_('Let devices send all their internet traffic through the router as well.'));

		return m.render().then(L.bind(function(node) {
			return [
				node,
				E('div', { 'class': 'cbi-page-actions' }, [
					E('button', {
						'class': 'cbi-button cbi-button-apply',
						'id': 'wghub-setup-confirm',
						'click': ui.createHandlerFn(this, 'handleSetup', m, o)
					}, _('Set up'))
				])
			];
		}, this));
	},

	handleSetup: function(m, options, ev) {
		const what = _('The hub could not be set up');

		return parseForm(m).then(function() {
			const v = formValues(options, 'setup');

			return callSetup(v.endpoint, v.port != null ? +v.port : undefined, v.subnet,
				v.subnet6, v.lan, v.dns, v.full_tunnel).then(expectOk);
		}).then(L.bind(function() {
			return this.reload();
		}, this), function(err) {
			if (err.name == 'FormError')
				return notify(err.message);

			markRefused('setup', err);
			notifier(what)(err);
		});
	},

	/* Reads status and settings again and redraws the whole page. */
	reload: function() {
		return this.load().then(L.bind(function(data) {
			return this.fill(data[0], data[1]);
		}, this));
	},

	renderHub: function(status, settings) {
		this.settings = settings || {};
		this.infoTable = E('table', { 'class': 'table', 'id': 'wghub-info' });
		this.peerTable = E('table', { 'class': 'table cbi-section-table', 'id': 'wghub-peers' });
		this.rows = {};
		this.rowNames = null;

		this.updateInfo(status);
		this.updatePeers(status.peers);

		return this.renderSettings(settings).then(L.bind(function(settingsNode) {
			return [
				E('h2', {}, _('WireGuard Hub')),
				E('div', { 'class': 'cbi-map-descr' },
					_('Devices connect to this router over WireGuard and reach the VPN and your LAN through it. Add a device, then scan its QR code with the WireGuard app or import its configuration file.')),
				this.readOnlyNote(),
				E('div', { 'class': 'cbi-section' }, [
					E('h3', {}, _('Hub')),
					this.infoTable
				]),
				E('div', { 'class': 'cbi-section' }, [
					E('h3', {}, _('Devices')),
					this.peerTable,
					this.canWrite ? E('div', { 'class': 'cbi-section-create' }, [
						E('button', {
							'class': 'cbi-button cbi-button-add',
							'id': 'wghub-add',
							'title': _('Add device'),
							'click': ui.createHandlerFn(this, 'handleAdd')
						}, _('Add device'))
					]) : ''
				]),
				settingsNode
			];
		}, this));
	},

	/* The hub's settings: a form, or a table for read-only logins (a
	 * disabled form would still show LuCI's list buttons). */
	renderSettings: function(settings) {
		settings = settings || {};

		if (!this.canWrite) {
			const list = function(v) { return Array.isArray(v) ? v.join(', ') : ''; };

			return Promise.resolve(E('div', { 'class': 'cbi-section', 'id': 'wghub-settings' }, [
				E('h3', {}, _('Settings')),
				E('table', { 'class': 'table' }, [
					[ _('Public endpoint'), settings.endpoint || '' ],
					[ _('LAN access'), list(settings.lan) ],
					[ _('DNS servers'), list(settings.dns) ],
					[ _('Persistent keepalive'), (settings.keepalive != null) ? String(settings.keepalive) : '' ],
					[ _('Default access'), formatAccess(settings.access) ]
				].map(function(r) {
					return E('tr', { 'class': 'tr' }, [
						E('td', { 'class': 'td left', 'width': '33%' }, r[0]),
						E('td', { 'class': 'td left' }, [ r[1] ])
					]);
				}))
			]));
		}

		const m = new form.JSONMap({
			settings: {
				endpoint: settings.endpoint || '',
				keepalive: (settings.keepalive != null) ? String(settings.keepalive) : '',
				lan: Array.isArray(settings.lan) ? settings.lan : [],
				dns: Array.isArray(settings.dns) ? settings.dns : []
			},
			default_access: accessData(settings.access)
		});

		const s = m.section(form.NamedSection, 'settings', 'settings', _('Settings'),
			_('Used in the configuration of devices added from now on; devices already set up keep theirs until you show and import their configuration again.'));
		const o = {};

		o.endpoint = s.option(form.Value, 'endpoint', _('Public endpoint'),
			_('Host name or public IP address of this router, optionally with the port.'));
		o.endpoint.datatype = 'or(host,hostport,ipaddrport(1))';
		o.endpoint.rmempty = false;

		o.lan = s.option(form.DynamicList, 'lan', _('LAN access'),
			_('Networks behind the router that devices may reach.'));
		o.lan.datatype = 'cidr';

		o.dns = s.option(form.DynamicList, 'dns', _('DNS servers'),
			_('Given to devices in their configuration.'));
		o.dns.datatype = 'ipaddr';

		o.keepalive = s.option(form.Value, 'keepalive', _('Persistent keepalive'),
			_('Seconds between keepalive packets from devices behind NAT; 0 turns them off.'));
		o.keepalive.datatype = 'range(0,65535)';
		o.keepalive.rmempty = false;

		/* the hub's default access, spoke to spoke included: applies at
		 * once to every device that follows it */
		const so = m.section(form.NamedSection, 'default_access', 'default_access', _('Default access'),
			_('What devices may reach through the router unless they have access of their own. The router enforces it at once; the configuration of a device changes when it gains or loses Internet.'));

		accessOptions(so, o, false);

		return m.render().then(L.bind(function(node) {
			return E('div', { 'id': 'wghub-settings' }, [
				node,
				E('div', { 'class': 'cbi-page-actions' }, [
					E('button', {
						'class': 'cbi-button cbi-button-save',
						'id': 'wghub-settings-save',
						'click': ui.createHandlerFn(this, 'handleSettingsSave', m, o)
					}, _('Save settings'))
				])
			]);
		}, this));
	},

	handleSettingsSave: function(m, options, ev) {
		const what = _('The settings could not be saved');

		return parseForm(m).then(function() {
			const v = formValues(options, 'settings');

			/* an emptied list is sent as [] so that wghub clears it */
			return callSettingsSet(v.endpoint, v.lan || [], v.dns || [],
				v.keepalive != null ? +v.keepalive : undefined,
				accessItems(options, 'default_access')).then(expectOk);
		}).then(L.bind(function(reply) {
			this.settings = reply;
			ui.addNotification(null, E('p', [ _('The settings have been saved.') ]), 'info');

			/* devices that follow the default show it */
			return this.refresh();
		}, this), function(err) {
			if (err.name == 'FormError')
				return notify(err.message);

			markRefused('settings', err) || markRefused('default_access', err);
			notifier(what)(err);
		});
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
			_('Device'), _('VPN address'), _('Access'), _('Endpoint'),
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
					.concat(this.canWrite ? [ E('th', { 'class': 'th cbi-section-actions' }, '') ] : []));

			const rows = peers.map(L.bind(function(p) {
				const row = this.renderPeerRow(p, titles);
				this.rows[p.name] = row;
				return row.tr;
			}, this));

			if (!rows.length)
				rows.push(E('tr', { 'class': 'tr placeholder' }, [
					E('td', { 'class': 'td', 'colspan': titles.length + 1 },
						E('em', {}, this.canWrite
							? _('No devices yet. Use "Add device" to create the first one.')
							: _('No devices yet.')))
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

		let toggle = null;
		let actions = [];

		if (this.canWrite) {
			toggle = E('button', {
				'class': 'cbi-button cbi-button-neutral',
				'click': ui.createHandlerFn(this, 'handleToggle', peer.name)
			}, '');

			/* the wrapper div is what LuCI's themes lay out as a button row */
			actions = [ E('td', { 'class': 'td cbi-section-table-cell nowrap cbi-section-actions' }, E('div', {}, [
				E('button', {
					'class': 'cbi-button cbi-button-edit',
					'click': ui.createHandlerFn(this, 'handleEdit', peer.name)
				}, _('Edit')),
				toggle,
				E('button', {
					'class': 'cbi-button cbi-button-action',
					'click': ui.createHandlerFn(this, 'handleShowConfig', peer.name)
				}, _('Show config')),
				E('button', {
					'class': 'cbi-button cbi-button-remove',
					'click': ui.createHandlerFn(this, 'handleRemove', peer.name)
				}, _('Remove'))
			])) ];
		}

		const tr = E('tr', { 'class': 'tr cbi-section-table-row', 'data-peer': peer.name },
			cells.concat(actions));

		return { tr: tr, cells: cells, toggle: toggle };
	},

	updatePeerRow: function(row, peer) {
		const values = [
			E('strong', {}, [ peer.name ]),
			[ formatAddresses(peer.addresses) ],
			[ formatPeerAccess(peer) ],
			[ peer.endpoint || '—' ],
			[ formatAge(handshakeAge(peer)) ],
			[ formatBytes(peer.rx_bytes) ],
			[ formatBytes(peer.tx_bytes) ],
			[ peer.enabled ? _('Yes') : _('No') ]
		];

		values.forEach(function(v, i) { dom.content(row.cells[i], v); });

		if (row.toggle)
			dom.content(row.toggle, [ peer.enabled ? _('Disable') : _('Enable') ]);

		if (peer.enabled)
			row.tr.classList.remove('wghub-disabled');
		else
			row.tr.classList.add('wghub-disabled');
	},

	/* Polled every five seconds, and after every change. */
	refresh: function() {
		return callStatus().then(expectOk).then(L.bind(function(status) {
			this.refreshFailed = false;

			if (!status.setup) {
				if (this.mode != 'setup')
					return this.reload();
			}
			else if (this.mode != 'hub') {
				return this.reload();
			}
			else {
				this.updateInfo(status);
				this.updatePeers(status.peers);
			}
		}, this), L.bind(function(err) {
			/* one notification per outage, not one every five seconds */
			if (!this.refreshFailed)
				notifier(_('The status of the hub could not be read'))(err);

			this.refreshFailed = true;
		}, this));
	},

	handleAdd: function(ev) {
		const m = new form.JSONMap({
			device: Object.assign({ psk: '1', access_mode: 'default' }, accessData(this.settings && this.settings.access))
		});

		const s = m.section(form.NamedSection, 'device', 'device');
		const o = {};

		o.name = s.option(form.Value, 'name', _('Name'),
			_('How the device is listed here, e.g. laptop or anna-phone.'));
		o.name.rmempty = false;
		o.name.placeholder = 'laptop';

		accessModeOption(s, o, this.settings && this.settings.access);

		o.psk = s.option(form.Flag, 'psk', _('Preshared key'),
			_('An additional symmetric key, for protection against future quantum computers.'));

		o.public_key = s.option(form.Value, 'public_key', _('Public key'),
			_('Optional: the public key of a key pair made on the device. Then no private key is created or stored on the router, and no configuration with a QR code can be shown.'));
		o.public_key.validate = validateKey;

		/* errors while the dialog stays open are shown in it: LuCI's
		 * notifications sit behind the dialog's overlay */
		const problem = E('div', { 'id': 'wghub-add-problem' });

		return m.render().then(L.bind(function(node) {
			ui.showModal(_('Add device'), [
				E('p', {}, _('A key pair and the next free address are created for the device.')),
				node,
				problem,
				dialogActions('wghub-add-confirm', _('Add'), ui.createHandlerFn(this, 'handleAddConfirm', m, o, problem))
			]);

			const input = node.querySelector('input[type="text"]');

			if (input)
				input.focus();
		}, this));
	},

	handleAddConfirm: function(m, options, problem, ev) {
		const what = _('The device could not be added');

		dom.content(problem, []);

		return parseForm(m).then(L.bind(function() {
			const v = formValues(options, 'device');

			return callPeerAdd(v.name, v.psk, v.public_key,
				(v.access_mode == 'own') ? accessItems(options, 'device') : undefined)
				.then(expectOk)
				.then(L.bind(function(reply) {
					const peer = reply.peer || {};

					this.refresh();

					if (peer.has_private_key === false) {
						ui.hideModal();
						ui.addNotification(null, E('p', [
							_('The device "%s" has been added. Its configuration uses the private key kept on the device.').format(peer.name || v.name)
						]), 'info');
						return;
					}

					return callPeerConfig(peer.name || v.name)
						.then(expectOk)
						.then(L.bind(this.showConfig, this), notifier(_('The configuration of the new device could not be shown')));
				}, this));
		}, this)).catch(dialogFailed('device', problem, what));
	},

	/* The device's dialog: follow the hub's default access, or its own. */
	handleEdit: function(name, ev) {
		const peer = this.peers[name];

		if (!peer)
			return;

		const hubDefault = this.settings ? this.settings.access : null;
		const m = new form.JSONMap({
			edit: Object.assign({ access_mode: peer.own_access ? 'own' : 'default' },
				accessData(peer.own_access ? peer.access : hubDefault))
		});

		const s = m.section(form.NamedSection, 'edit', 'edit');
		const o = {};

		accessModeOption(s, o, hubDefault);

		const problem = E('div', { 'id': 'wghub-edit-problem' });

		return m.render().then(L.bind(function(node) {
			ui.showModal(_('Device %h').format(name), [
				node,
				problem,
				dialogActions('wghub-edit-confirm', _('Save'), ui.createHandlerFn(this, 'handleEditConfirm', name, m, o, problem))
			]);
		}, this));
	},

	handleEditConfirm: function(name, m, options, problem, ev) {
		const what = _('The access of "%s" could not be changed').format(name);

		dom.content(problem, []);

		return parseForm(m).then(L.bind(function() {
			const own = (options.access_mode.formvalue('edit') == 'own');

			return callPeerSet(name, undefined, own ? accessItems(options, 'edit') : [ 'default' ])
				.then(expectOk)
				.then(L.bind(function() {
					ui.hideModal();
					return this.refresh();
				}, this));
		}, this)).catch(dialogFailed('edit', problem, what));
	},

	handleShowConfig: function(name, ev) {
		return callPeerConfig(name)
			.then(expectOk)
			.then(L.bind(this.showConfig, this))
			.catch(notifier(_('The configuration of "%s" could not be shown').format(name)));
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
				? E('div', { 'class': 'wghub-qr', 'id': 'wghub-qr' }, svg)
				: E('p', {}, E('em', {}, _('No QR code available.'))),
			E('div', { 'class': 'alert-message warning' },
				_('The configuration contains the private key of the device. Anyone who has it can connect as this device.')),
			E('pre', { 'class': 'wghub-config', 'id': 'wghub-config' }, [ config ]),
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

		const what = peer.enabled
			? _('The device "%s" could not be disabled').format(name)
			: _('The device "%s" could not be enabled').format(name);

		return callPeerSet(name, !peer.enabled)
			.then(expectOk)
			.then(L.bind(this.refresh, this))
			.catch(notifier(what));
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
				notifier(_('The device "%s" could not be removed').format(name))(err);
			});
	},

	handleSave: null,
	handleSaveApply: null,
	handleReset: null
});
