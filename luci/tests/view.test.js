'use strict';

/*
 * The LuCI view view/wghub/overview.js, loaded as luci.js loads it, with
 * stand-ins for LuCI's modules that record the ubus calls, notifications,
 * modals and poll registrations (lib/harness.js).
 */

const test = require('node:test');
const assert = require('node:assert/strict');
const vm = require('node:vm');

const { loadView, renderView, settle } = require('./lib/harness.js');
const { text } = require('./lib/fakedom.js');
const sample = require('./lib/sample.js');
const { parsePot, POT } = require('./mkpot.js');
const fs = require('node:fs');

const plain = (x) => JSON.parse(JSON.stringify(x));

/* A wghub stand-in: answers from a table of method -> reply or function;
 * `settings` answers with the sample settings unless given. */
function backend(table) {
	table = Object.assign({ settings: sample.settings() }, table);
	return (method, params) => {
		if (!(method in table))
			return { error: 'unexpected call ' + method, code: 'METHOD_NOT_FOUND' };
		const r = table[method];
		return typeof(r) == 'function' ? r(params) : plain(r);
	};
}

function rows(node) {
	return node.querySelectorAll('#wghub-peers tr[data-peer]');
}

function cellTexts(tr) {
	return tr.querySelectorAll('td').map(text);
}

function button(node, label) {
	const b = node.querySelectorAll('button').find((b) => text(b) == label);
	assert.ok(b, `button "${label}" not found`);
	return b;
}

/* The input of form option `option` of JSONMap section `sid`. */
function input(node, sid, option) {
	const id = `widget.cbid.json.${sid}.${option}`;
	const el = node.querySelector(`[id="${id}"]`) || node.querySelector(`[data-widget-id="${id}"]`);
	assert.ok(el, `input ${sid}.${option} not found`);
	return el;
}

/* Sets the access options of form section sid: mode ('default', 'own' or
 * null for a form without one), the kinds checked, the LAN hosts typed. */
function setAccess(node, sid, mode, kinds, hosts) {
	if (mode != null) {
		const sel = input(node, sid, 'access_mode');
		sel.value = mode;
		sel.dispatchEvent({ type: 'change' });
	}
	for (const k of [ 'lan', 'internet', 'router', 'spoke' ])
		input(node, sid, 'access_' + k).checked = kinds.includes(k);
	input(node, sid, 'access').value = hosts;
}

/* Whether the form option of section sid is shown (its dependencies met). */
function shown(node, sid, option) {
	const value = input(node, sid, option).parentNode.parentNode;
	assert.ok(value.classList.contains('cbi-value'));
	return !value.classList.contains('hidden');
}

function notes(h) {
	return h.log.notifications.map((n) => [ n.classes.join(' '), text(n.node) ]);
}

function calls(h) {
	return plain(h.log.calls).map((c) => c.method + ' ' + JSON.stringify(c.params));
}

test('the file parses and requires only what it uses', () => {
	const h = loadView({ reply: backend({}) });

	/* a LuCI class file is a function body (it ends in `return view.extend(...)`) */
	assert.doesNotThrow(() => new vm.Script('(function() {' + h.source + '\n})'));
	assert.equal(h.directives.strict, true);
	assert.deepEqual(h.directives.requires.map((r) => r.name), [ 'view', 'form', 'rpc', 'ui', 'poll', 'dom' ]);

	for (const r of h.directives.requires)
		assert.match(h.source.replace(/^'require [^']*';$/gm, ''), new RegExp('\\b' + r.as + '\\.'),
			`required module ${r.name} is not used`);

	assert.equal(h.view.handleSave, null);
	assert.equal(h.view.handleSaveApply, null);
	assert.equal(h.view.handleReset, null);
	assert.equal(typeof(h.view.load), 'function');
	assert.equal(typeof(h.view.render), 'function');
});

test('declares exactly the wghub methods it calls, with their parameters', () => {
	const h = loadView({ reply: backend({}) });
	const declared = plain(h.log.declared).map((d) => ({ object: d.object, method: d.method, params: d.params || [] }))
		.sort((a, b) => a.method.localeCompare(b.method));

	assert.deepEqual(declared, [
		{ object: 'wghub', method: 'peer_add', params: [ 'name', 'psk', 'public_key', 'access' ] },
		{ object: 'wghub', method: 'peer_config', params: [ 'name' ] },
		{ object: 'wghub', method: 'peer_remove', params: [ 'name' ] },
		{ object: 'wghub', method: 'peer_set', params: [ 'name', 'enabled', 'access' ] },
		{ object: 'wghub', method: 'settings', params: [] },
		{ object: 'wghub', method: 'settings_set', params: [ 'endpoint', 'lan', 'dns', 'keepalive', 'access' ] },
		{ object: 'wghub', method: 'setup', params: [ 'endpoint', 'port', 'subnet', 'subnet6', 'lan', 'dns', 'full_tunnel' ] },
		{ object: 'wghub', method: 'status', params: [] }
	]);
});

test('renders the hub header and a row per device', async () => {
	const h = loadView({ reply: backend({ status: sample.statusTwoPeers() }) });
	const node = await renderView(h);

	assert.deepEqual(calls(h), [ 'status {}', 'settings {}' ]);

	const info = text(node.querySelector('#wghub-info'));
	assert.match(info, /Interface wg0 up/);
	assert.match(info, /Listen port 51820/);
	assert.ok(info.includes('Public key ' + sample.HUB_KEY));
	assert.match(info, /Devices 2 configured, 0 connected/);

	const headers = node.querySelectorAll('#wghub-peers th').map(text);
	assert.deepEqual(headers, [ 'Device', 'VPN address', 'Access', 'Endpoint', 'Latest handshake', 'Received', 'Sent', 'Enabled', '' ]);

	const [ laptop, phone ] = rows(node);
	assert.equal(rows(node).length, 2);
	assert.deepEqual(cellTexts(laptop), [
		'laptop', '192.168.100.2', 'LAN (hub default)', '203.0.113.5:41820', '1m 20s ago', '1.21 MiB', '47.08 KiB', 'No',
		'Edit Enable Show config Remove'
	]);
	assert.deepEqual(cellTexts(phone), [
		'phone', '192.168.100.3', 'LAN, Internet', '—', 'never', '0 B', '0 B', 'Yes',
		'Edit Disable Show config Remove'
	]);
	assert.ok(laptop.classList.contains('wghub-disabled'));
	assert.ok(!phone.classList.contains('wghub-disabled'));

	/* row buttons sit in the div wrapper LuCI's themes lay out as a row */
	const actions = laptop.querySelector('td.cbi-section-actions');
	assert.equal(actions.children.length, 1);
	assert.equal(actions.firstElementChild.tagName, 'DIV');
	assert.equal(actions.firstElementChild.querySelectorAll('button').length, 4);

	/* cells carry their column title for LuCI's narrow-screen layout */
	assert.equal(laptop.querySelector('td').getAttribute('data-title'), 'Device');

	/* the settings form shows the settings reply */
	assert.equal(input(node, 'settings', 'endpoint').value, 'vpn.example.org:51820');
	assert.equal(input(node, 'settings', 'keepalive').value, '25');
	assert.ok(node.querySelector('#wghub-settings-save'));

	assert.equal(h.log.notifications.length, 0);
	assert.equal(node.querySelector('#wghub-readonly'), null);
});

test('a read-only login is offered no write action', async () => {
	const h = loadView({ canWrite: false, reply: backend({ status: sample.statusTwoPeers() }) });
	const node = await renderView(h);

	assert.equal(rows(node).length, 2);
	assert.equal(node.querySelectorAll('button').length, 0, 'buttons: ' + node.querySelectorAll('button').map(text));
	assert.equal(node.querySelectorAll('td.cbi-section-actions').length, 0);
	assert.ok(node.querySelector('#wghub-readonly'));
	assert.equal(node.querySelectorAll('input').length, 0, 'settings shown as a form');
	assert.match(text(node.querySelector('#wghub-settings')), /Public endpoint vpn\.example\.org:51820/);
	assert.match(text(node.querySelector('#wghub-settings')), /Default access LAN/);
	/* the access of every device is shown */
	assert.deepEqual(rows(node).map((r) => cellTexts(r)[2]), [ 'LAN (hub default)', 'LAN, Internet' ]);
	assert.equal(rows(node)[0].querySelectorAll('td').length, 8);

	/* nor a setup form for a hub not set up */
	const h2 = loadView({ canWrite: false, reply: backend({ status: { setup: false, peers: [] } }) });
	const node2 = await renderView(h2);
	assert.equal(node2.querySelectorAll('button').length, 0);
	assert.equal(node2.querySelectorAll('input').length, 0);
	assert.match(text(node2), /not set up yet/);

	assert.deepEqual(calls(h).concat(calls(h2)), [ 'status {}', 'settings {}', 'status {}' ]);
});

test('formats handshake ages', async () => {
	const ages = [ [ 0, '0s ago' ], [ 59, '59s ago' ], [ 60, '1m 0s ago' ], [ 3599, '59m 59s ago' ],
		[ 3600, '1h 0m ago' ], [ 90061, '1d 1h ago' ], [ -1, 'never' ] ];
	const status = sample.statusTwoPeers();
	status.peers = ages.map(([ age ], i) => Object.assign({}, status.peers[0], {
		name: 'p' + i, handshake_age: age, latest_handshake: age < 0 ? 0 : 1764000000
	}));

	const h = loadView({ reply: backend({ status: status }) });
	const node = await renderView(h);

	assert.deepEqual(rows(node).map((r) => cellTexts(r)[4]), ages.map((a) => a[1]));
});

test('polls the status every 5 seconds and updates the rows in place', async () => {
	let status = sample.statusTwoPeers();
	const h = loadView({ reply: backend({ status: () => plain(status) }) });
	const node = await renderView(h);

	assert.equal(h.log.polls.length, 1);
	assert.equal(h.log.polls[0].interval, 5);

	const before = rows(node);
	status.peers[0].handshake_age = 7;
	status.peers[0].rx_bytes = 2 * 1024 * 1024 * 1024;
	status.peers[0].enabled = true;
	status.peers[1].handshake_age = 30;
	status.peers[1].latest_handshake = 1764000050;
	status.up = false;

	await h.log.polls[0].fn();

	const after = rows(node);
	assert.equal(after[0], before[0], 'row replaced instead of updated');
	assert.equal(after[1], before[1], 'row replaced instead of updated');
	assert.equal(cellTexts(after[0])[4], '7s ago');
	assert.equal(cellTexts(after[0])[5], '2.00 GiB');
	assert.equal(cellTexts(after[1])[4], '30s ago');
	assert.equal(cellTexts(after[0])[7], 'Yes');
	assert.ok(!after[0].classList.contains('wghub-disabled'));
	assert.match(text(node.querySelector('#wghub-info')), /Interface wg0 down/);
	assert.match(text(node.querySelector('#wghub-info')), /2 configured, 2 connected/);

	/* a device added elsewhere shows up */
	status.peers.push(Object.assign({}, status.peers[0], { name: 'tablet', addresses: [ '192.168.100.9/32' ] }));
	await h.log.polls[0].fn();
	assert.deepEqual(rows(node).map((r) => cellTexts(r)[0]), [ 'laptop', 'phone', 'tablet' ]);

	/* a failing poll notifies once, not every five seconds */
	status = { error: 'cannot read /etc/config/wghub', code: 'UNKNOWN_ERROR' };
	await h.log.polls[0].fn();
	await h.log.polls[0].fn();
	assert.deepEqual(notes(h), [ [ 'error', 'The status of the hub could not be read: cannot read /etc/config/wghub' ] ]);
	assert.equal(rows(node).length, 3);
});

test('shows the setup form when the hub is not set up, and sets it up', async () => {
	let status = { setup: false, interface: 'wg0', peers: [] };
	const h = loadView({
		reply: backend({
			status: () => plain(status),
			setup: (p) => { status = sample.statusTwoPeers(); return { changed: true, public_key: sample.HUB_KEY }; }
		})
	});
	const node = await renderView(h);

	assert.equal(node.querySelector('#wghub-peers'), null);
	assert.equal(input(node, 'setup', 'subnet').value, '192.168.100.0/24');
	assert.equal(input(node, 'setup', 'endpoint').value, '');
	assert.equal(input(node, 'setup', 'full_tunnel').getAttribute('type'), 'checkbox');
	assert.equal(h.log.polls.length, 0, 'no polling on the setup form');
	assert.deepEqual(node.querySelectorAll('button').map(text), [ 'Set up' ]);

	/* the endpoint is required: no call without it */
	await button(node, 'Set up').click();
	assert.deepEqual(calls(h), [ 'status {}' ]);
	assert.deepEqual(notes(h), [ [ 'error', 'Option "Public endpoint" must not be empty.' ] ]);
	assert.ok(input(node, 'setup', 'endpoint').classList.contains('cbi-input-invalid'));

	input(node, 'setup', 'endpoint').value = ' vpn.example.org ';
	input(node, 'setup', 'lan').value = '192.168.1.0/24, 10.0.0.0/8';
	input(node, 'setup', 'full_tunnel').checked = true;
	await button(node, 'Set up').click();

	assert.deepEqual(calls(h), [
		'status {}',
		'setup {"endpoint":"vpn.example.org","port":51820,"subnet":"192.168.100.0/24","lan":["192.168.1.0/24","10.0.0.0/8"],"full_tunnel":true}',
		'status {}',
		'settings {}'
	]);

	/* the view is rebuilt in place as the hub overview, with polling */
	assert.equal(node.querySelector('[id="widget.cbid.json.setup.endpoint"]'), null);
	assert.equal(rows(node).length, 2);
	assert.equal(h.log.polls.length, 1);
	assert.equal(h.log.notifications.length, 1);
});

test('a failed setup shows the error as a sentence and keeps the form', async () => {
	const h = loadView({
		reply: backend({
			status: { setup: false, peers: [] },
			setup: { error: 'subnet 192.168.1.0/24 overlaps the LAN', code: 'INVALID_ARGUMENT' }
		})
	});
	const node = await renderView(h);

	input(node, 'setup', 'endpoint').value = 'vpn.example.org';
	input(node, 'setup', 'subnet').value = '192.168.1.0/24';
	await button(node, 'Set up').click();

	assert.deepEqual(notes(h), [ [ 'error', 'The hub could not be set up: subnet 192.168.1.0/24 overlaps the LAN' ] ]);
	assert.equal(input(node, 'setup', 'subnet').value, '192.168.1.0/24');
});

test('an {error} status reply is shown as an error notification', async () => {
	const h = loadView({ reply: backend({ status: { error: 'permission denied on /etc/config/wghub', code: 'UNKNOWN_ERROR' } }) });
	const node = await renderView(h);

	assert.deepEqual(notes(h), [ [ 'error', 'The status of the hub could not be read: permission denied on /etc/config/wghub' ] ]);
	assert.equal(h.main.firstChild, h.log.notifications[0].node);
	assert.equal(node.querySelector('#wghub-peers'), null);
	assert.match(text(node), /could not be read/);
});

test('a ubus status code instead of a reply is shown as a sentence', async () => {
	const h = loadView({ reply: backend({ status: 6 }) });
	await renderView(h);

	assert.deepEqual(notes(h), [ [ 'error', 'The status of the hub could not be read: the router answered "Permission denied".' ] ]);
});

test('a JSON-RPC access denial becomes a sentence, never LuCI\'s raw RPC text', async () => {
	const h = loadView({
		reply: backend({
			status: sample.statusTwoPeers(),
			peer_set: () => { throw { rpcError: -32002 }; },
			peer_remove: () => { throw { rpcError: -32000, message: 'Object not found' }; },
			peer_config: () => { throw new Error('fetch failed'); }
		})
	});
	const node = await renderView(h);
	const [ laptop ] = rows(node);

	await button(laptop, 'Enable').click();
	await button(laptop, 'Show config').click();
	await button(laptop, 'Remove').click();
	await button(h.log.modals.at(-1).node, 'Remove').click();

	assert.deepEqual(notes(h), [
		[ 'error', 'The device "laptop" could not be enabled: you do not have permission to do this. Log in as a user with write access to the WireGuard hub.' ],
		[ 'error', 'The configuration of "laptop" could not be shown: the router did not answer as expected. Reload the page and try again.' ],
		[ 'error', 'The device "laptop" could not be removed: the wghub service is not available on this router (is the wghub package installed?).' ]
	]);
	for (const [ , t ] of notes(h))
		assert.doesNotMatch(t, /RPC call|-320|failed with/);
});

test('adds a device and shows its QR code, file and text', async () => {
	let status = sample.statusTwoPeers();
	const cfg = sample.peerConfigReply('tablet', '192.168.100.4', true);
	const h = loadView({
		reply: backend({
			status: () => plain(status),
			peer_add: (p) => {
				status.peers.push(Object.assign({}, status.peers[0], { name: p.name, access: p.access, own_access: true, addresses: [ '192.168.100.4/32' ] }));
				return { peer: { name: p.name, addresses: [ '192.168.100.4/32' ], enabled: true, access: p.access, own_access: true, has_private_key: true } };
			},
			peer_config: cfg
		})
	});
	const node = await renderView(h);

	await button(node, 'Add device').click();
	assert.equal(h.log.modals.length, 1);
	assert.equal(h.log.modals[0].title, 'Add device');

	const modal = h.log.modals[0].node;
	const options = modal.querySelectorAll('select option');
	assert.deepEqual(options.map((o) => [ o.getAttribute('value'), text(o) ]), [ [ 'default', 'Hub default: LAN' ], [ 'own', 'Own access' ] ]);
	assert.equal(input(modal, 'device', 'access_mode').value, 'default');
	assert.equal(input(modal, 'device', 'psk').checked, true, 'preshared key on by default');

	/* an empty name is refused without a call, the dialog stays and
	 * says why (notifications would be hidden behind it) */
	await button(modal, 'Add').click();
	assert.ok(input(modal, 'device', 'name').classList.contains('cbi-input-invalid'));
	assert.deepEqual(calls(h), [ 'status {}', 'settings {}' ]);
	assert.ok(h.log.modalOpen);
	assert.equal(text(modal.querySelector('#wghub-add-problem')), 'Option "Name" must not be empty.');

	/* so is a malformed public key */
	input(modal, 'device', 'name').value = 'tablet';
	input(modal, 'device', 'public_key').value = 'not-a-key';
	await button(modal, 'Add').click();
	assert.equal(calls(h).length, 2);
	assert.match(text(modal.querySelector('#wghub-add-problem')), /Public key.*invalid/);
	assert.equal(h.log.notifications.length, 0);

	input(modal, 'device', 'public_key').value = '';
	setAccess(modal, 'device', 'own', [ 'lan', 'internet' ], '');
	await button(modal, 'Add').click();
	await settle();

	assert.deepEqual(calls(h).slice(2, 4), [
		'peer_add {"name":"tablet","psk":true,"access":["lan","internet"]}',
		'status {}'
	]);
	assert.ok(calls(h).includes('peer_config {"name":"tablet"}'));
	assert.equal(rows(node).length, 3, 'table refreshed after adding');

	assert.equal(h.log.modals.length, 2);
	const shown = h.log.modals[1].node;
	assert.equal(h.log.modals[1].title, 'Configuration of tablet');
	assert.ok(h.log.modalOpen);

	const qr = shown.querySelector('.wghub-qr');
	assert.ok(qr, 'QR container');
	assert.equal(qr.innerHTML, cfg.qr_svg, 'the SVG is inserted as markup');
	assert.equal(shown.querySelector('pre').textContent, cfg.config);
	assert.match(text(shown), /private key/);

	await button(shown, 'Download tablet.conf').click();
	assert.deepEqual(h.downloads, [ { filename: 'tablet.conf', text: cfg.config, attached: true } ]);
	assert.equal(h.blobs[0].type, 'text/plain');
	assert.equal(h.document.body.querySelectorAll('a').length, 0, 'download link removed again');

	await button(shown, 'Close').click();
	assert.ok(!h.log.modalOpen);
});

test('a device added with its own public key shows no configuration', async () => {
	const key = 'Lp0AqW9vX2cR5tY8uI1oP4aS7dF0gH3jK6lZ9xC2vB4=';
	const h = loadView({
		reply: backend({
			status: sample.statusTwoPeers(),
			peer_add: (p) => ({ peer: { name: p.name, public_key: p.public_key, enabled: true, has_private_key: false } })
		})
	});
	const node = await renderView(h);

	await button(node, 'Add device').click();
	const modal = h.log.modals[0].node;
	input(modal, 'device', 'name').value = 'router2';
	input(modal, 'device', 'psk').checked = false;
	input(modal, 'device', 'public_key').value = key;
	await button(modal, 'Add').click();
	await settle();

	assert.equal(calls(h)[2], 'peer_add {"name":"router2","psk":false,"public_key":"' + key + '"}');
	assert.ok(!calls(h).some((c) => c.startsWith('peer_config')));
	assert.ok(!h.log.modalOpen);
	assert.deepEqual(notes(h), [ [ 'info', 'The device "router2" has been added. Its configuration uses the private key kept on the device.' ] ]);
});

test('a failed peer_add closes the modal and shows the error', async () => {
	const h = loadView({
		reply: backend({
			status: sample.statusTwoPeers(),
			peer_add: { error: 'a device named "laptop" already exists', code: 'INVALID_ARGUMENT' }
		})
	});
	const node = await renderView(h);

	await button(node, 'Add device').click();
	const modal = h.log.modals[0].node;
	input(modal, 'device', 'name').value = 'laptop';
	await button(modal, 'Add').click();

	assert.ok(!h.log.modalOpen);
	assert.deepEqual(notes(h), [ [ 'error', 'The device could not be added: a device named "laptop" already exists' ] ]);
	assert.ok(!calls(h).some((c) => c.startsWith('peer_config')));
});

test('a value wghub refuses keeps the dialog open with the field marked', async () => {
	const h = loadView({
		reply: backend({
			status: sample.statusTwoPeers(),
			peer_add: { error: 'a peer named "laptop" already exists', code: 'INVALID_ARGUMENT', field: 'name', kind: 'conflict' }
		})
	});
	const node = await renderView(h);

	await button(node, 'Add device').click();
	const modal = h.log.modals[0].node;
	input(modal, 'device', 'name').value = 'laptop';
	await button(modal, 'Add').click();

	assert.ok(h.log.modalOpen, 'dialog closed');
	assert.ok(input(modal, 'device', 'name').classList.contains('cbi-input-invalid'));
	assert.equal(text(modal.querySelector('#wghub-add-problem .alert-message.error')),
		'The device could not be added: a peer named "laptop" already exists');
	assert.equal(h.log.notifications.length, 0);
	assert.ok(!calls(h).some((c) => c.startsWith('peer_config')));
});

test('row buttons: disable, enable, show config, remove', async () => {
	const status = sample.statusTwoPeers();
	const h = loadView({
		reply: backend({
			status: () => plain(status),
			peer_set: (p) => {
				status.peers.find((x) => x.name == p.name).enabled = p.enabled;
				return { peer: { name: p.name, enabled: p.enabled } };
			},
			peer_remove: (p) => {
				status.peers = status.peers.filter((x) => x.name != p.name);
				return { removed: p.name };
			},
			peer_config: (p) => sample.peerConfigReply(p.name, '192.168.100.2', false)
		})
	});
	const node = await renderView(h);
	let [ laptop, phone ] = rows(node);

	await button(laptop, 'Enable').click();
	await button(phone, 'Disable').click();
	assert.deepEqual(calls(h).slice(2), [
		'peer_set {"name":"laptop","enabled":true}', 'status {}',
		'peer_set {"name":"phone","enabled":false}', 'status {}'
	]);
	assert.equal(cellTexts(laptop)[7], 'Yes');
	assert.ok(!laptop.classList.contains('wghub-disabled'));
	assert.equal(cellTexts(phone)[7], 'No');
	assert.ok(phone.classList.contains('wghub-disabled'));
	assert.equal(text(button(phone, 'Enable')), 'Enable');

	await button(laptop, 'Show config').click();
	assert.equal(calls(h).at(-1), 'peer_config {"name":"laptop"}');
	assert.equal(h.log.modals.at(-1).title, 'Configuration of laptop');
	assert.match(h.log.modals.at(-1).node.querySelector('.wghub-qr').innerHTML, /^<svg /);

	/* remove asks first; Cancel does nothing */
	const n = h.log.calls.length;
	await button(phone, 'Remove').click();
	assert.equal(h.log.modals.at(-1).title, 'Remove device');
	assert.match(text(h.log.modals.at(-1).node), /Remove the device "phone"\?/);
	await button(h.log.modals.at(-1).node, 'Cancel').click();
	assert.equal(h.log.calls.length, n);

	await button(phone, 'Remove').click();
	await button(h.log.modals.at(-1).node, 'Remove').click();
	assert.deepEqual(calls(h).slice(n), [ 'peer_remove {"name":"phone"}', 'status {}' ]);
	assert.ok(!h.log.modalOpen);
	assert.deepEqual(rows(node).map((r) => cellTexts(r)[0]), [ 'laptop' ]);
	assert.equal(h.log.notifications.length, 0);
});

test('settings are saved through settings_set; an emptied list is sent empty', async () => {
	const h = loadView({ reply: backend({ status: sample.statusTwoPeers(), settings_set: (p) => Object.assign(sample.settings(), p) }) });
	const node = await renderView(h);

	input(node, 'settings', 'endpoint').value = 'home.example.net:51821';
	input(node, 'settings', 'dns').value = '';
	input(node, 'settings', 'keepalive').value = '0';
	await button(node, 'Save settings').click();

	assert.deepEqual(calls(h).slice(2), [
		'settings_set {"endpoint":"home.example.net:51821","lan":["192.168.1.0/24"],"dns":[],"keepalive":0,"access":["lan"]}',
		'status {}'
	]);
	assert.deepEqual(notes(h), [ [ 'info', 'The settings have been saved.' ] ]);
});

test('a change saved but not applied is a warning, not a failure', async () => {
	const h = loadView({
		reply: backend({
			status: sample.statusTwoPeers(),
			settings_set: (p) => Object.assign(sample.settings(), p, {
				saved: true, applied: false, warning: 'applying to the running system failed: no such device'
			})
		})
	});
	const node = await renderView(h);
	input(node, 'settings', 'keepalive').value = '30';
	await button(node, 'Save settings').click();
	assert.deepEqual(notes(h), [
		[ 'warning', 'The change was saved, but not applied to the running system: applying to the running system failed: no such device' ],
		[ 'info', 'The settings have been saved.' ]
	]);
});

test('errors of row actions are notified as sentences', async () => {
	const h = loadView({
		reply: backend({
			status: sample.statusTwoPeers(),
			peer_set: { error: 'the running interface could not be changed', code: 'UNKNOWN_ERROR' },
			peer_config: { error: 'no private key is stored for "phone"', code: 'NOT_FOUND' },
			peer_remove: 6
		})
	});
	const node = await renderView(h);
	const [ laptop, phone ] = rows(node);

	await button(laptop, 'Enable').click();
	await button(phone, 'Show config').click();
	await button(phone, 'Remove').click();
	await button(h.log.modals.at(-1).node, 'Remove').click();

	assert.deepEqual(notes(h), [
		[ 'error', 'The device "laptop" could not be enabled: the running interface could not be changed' ],
		[ 'error', 'The configuration of "phone" could not be shown: no private key is stored for "phone"' ],
		[ 'error', 'The device "phone" could not be removed: the router answered "Permission denied".' ]
	]);
	assert.ok(!h.log.modalOpen);
});

test('names and messages from the router are shown as text, not markup', async () => {
	const status = sample.statusTwoPeers();
	status.peers[0].name = '<img src=x onerror=alert(1)>';
	const h = loadView({
		reply: backend({
			status: status,
			peer_config: { name: '<b>x</b>', config: '<script>', qr_svg: '<img src=x>' },
			peer_set: { error: '<img src=y onerror=alert(2)>', code: 'UNKNOWN_ERROR' }
		})
	});
	const node = await renderView(h);
	const row = rows(node)[0];

	assert.equal(row.querySelectorAll('img').length, 0);
	assert.equal(text(row.querySelector('td')), '<img src=x onerror=alert(1)>');

	/* markup would end up in a Markup node (innerHTML) in the fake DOM */
	const hasMarkup = (n) => n.childNodes.some((c) => (c.html !== undefined && /</.test(c.html)) || (c.nodeType == 1 && hasMarkup(c)));
	assert.ok(!hasMarkup(row), 'peer name inserted as HTML');

	await button(row, 'Enable').click();
	assert.ok(!hasMarkup(h.log.notifications[0].node), 'error message inserted as HTML');

	await button(row, 'Show config').click();
	const modal = h.log.modals.at(-1);
	assert.equal(modal.title, 'Configuration of &#60;b&#62;x&#60;/b&#62;');
	assert.equal(modal.node.querySelector('.wghub-qr'), null, 'non-SVG qr_svg taken as markup');
	assert.ok(!hasMarkup(modal.node.querySelector('pre')));
});

test('every string shown goes through _() and is in the .pot', async () => {
	const pot = new Set(parsePot(fs.readFileSync(POT, 'utf8')));
	const status = sample.statusTwoPeers();
	const h = loadView({
		reply: backend({
			status: status,
			peer_config: sample.peerConfigReply('laptop', '192.168.100.2', false),
			peer_set: { error: 'x' }
		})
	});
	const node = await renderView(h);

	await button(node, 'Add device').click();
	await button(rows(node)[0], 'Show config').click();
	await button(rows(node)[0], 'Remove').click();
	await button(rows(node)[0], 'Edit').click();

	const h2 = loadView({ canWrite: false, reply: backend({ status: { setup: false } }) });
	await renderView(h2);

	const used = new Set(h.log.strings.concat(h2.log.strings));
	assert.ok(used.size > 40, 'strings recorded: ' + used.size);
	for (const s of used)
		assert.ok(pot.has(s), `_(${JSON.stringify(s)}) is missing from wghub.pot`);
});

test('the device dialog: own access, back to the hub default, none', async () => {
	const status = sample.statusTwoPeers();
	const h = loadView({
		reply: backend({
			status: () => plain(status),
			peer_set: (p) => {
				const peer = status.peers.find((x) => x.name == p.name);
				const def = p.access.length == 1 && p.access[0] == 'default';
				peer.access = def ? [ 'lan' ] : (p.access[0] == 'none' ? [] : p.access);
				peer.own_access = !def;
				return { peer: peer };
			}
		})
	});
	const node = await renderView(h);

	/* laptop follows the hub: the dialog says so, and hides the choices */
	await button(rows(node)[0], 'Edit').click();
	let modal = h.log.modals.at(-1);
	assert.equal(modal.title, 'Device laptop');
	assert.equal(input(modal.node, 'edit', 'access_mode').value, 'default');
	assert.ok(!shown(modal.node, 'edit', 'access_lan'));
	assert.ok(!shown(modal.node, 'edit', 'access'));

	/* its own: a single host, SSH only */
	setAccess(modal.node, 'edit', 'own', [], '192.168.1.10 tcp/22');
	assert.ok(shown(modal.node, 'edit', 'access_lan'));
	assert.ok(shown(modal.node, 'edit', 'access'));
	await button(modal.node, 'Save').click();
	await settle();
	assert.deepEqual(calls(h).slice(2), [ 'peer_set {"name":"laptop","access":["192.168.1.10 tcp/22"]}', 'status {}' ]);
	assert.ok(!h.log.modalOpen);
	assert.equal(cellTexts(rows(node)[0])[2], '192.168.1.10 tcp/22');

	/* phone has its own: the dialog starts from it */
	await button(rows(node)[1], 'Edit').click();
	modal = h.log.modals.at(-1);
	assert.equal(input(modal.node, 'edit', 'access_mode').value, 'own');
	assert.deepEqual([ 'lan', 'internet', 'router', 'spoke' ].map((k) => input(modal.node, 'edit', 'access_' + k).checked),
		[ true, true, false, false ]);
	setAccess(modal.node, 'edit', 'default', [ 'lan', 'internet' ], '');
	await button(modal.node, 'Save').click();
	await settle();
	assert.equal(calls(h).at(-2), 'peer_set {"name":"phone","access":["default"]}');
	assert.equal(cellTexts(rows(node)[1])[2], 'LAN (hub default)');

	/* nothing at all is "none", not the default */
	await button(rows(node)[1], 'Edit').click();
	modal = h.log.modals.at(-1);
	setAccess(modal.node, 'edit', 'own', [], '');
	await button(modal.node, 'Save').click();
	await settle();
	assert.equal(calls(h).at(-2), 'peer_set {"name":"phone","access":["none"]}');
	assert.equal(cellTexts(rows(node)[1])[2], 'None (DNS only)');
	assert.equal(h.log.notifications.length, 0);
});

test('LAN hosts are checked before a call, and a host wghub refuses keeps the dialog open', async () => {
	const h = loadView({
		reply: backend({
			status: sample.statusTwoPeers(),
			peer_set: (p) => p.access.includes('192.168.100.7')
				? { error: 'access "192.168.100.7" is on the VPN subnet 192.168.100.0/24: use "spoke" to let a device reach other devices',
					code: 'UNKNOWN_ERROR', kind: 'conflict', field: 'access' }
				: { peer: { name: p.name, access: p.access, own_access: true } }
		})
	});
	const node = await renderView(h);

	const bad = [
		[ 'printer', /Expecting a LAN host or subnet/ ],
		[ '192.168.1.300', /Expecting a LAN host or subnet/ ],
		[ '192.168.1.0/33', /Expecting a LAN host or subnet/ ],
		[ '192.168.1.10 tcp 22', /Expecting a LAN host or subnet/ ],
		[ '192.168.1.10 sctp/22', /Expecting tcp, udp or icmp/ ],
		[ '192.168.1.10 icmp/8', /Expecting tcp, udp or icmp/ ],
		[ '192.168.1.10 tcp/0', /Expecting a port from 1 to 65535/ ],
		[ '192.168.1.10 udp/9000-8000', /Expecting a port from 1 to 65535/ ],
		[ '192.168.1.10 tcp/65536', /Expecting a port from 1 to 65535/ ]
	];
	for (const [ host, why ] of bad) {
		await button(rows(node)[0], 'Edit').click();
		const modal = h.log.modals.at(-1).node;
		setAccess(modal, 'edit', 'own', [ 'lan' ], host);
		await button(modal, 'Save').click();
		assert.ok(h.log.modalOpen, host);
		const problem = text(modal.querySelector('#wghub-edit-problem'));
		assert.match(problem, /^Option "LAN hosts" contains an invalid input value\./, host);
		assert.match(problem, why, host);
		assert.ok(input(modal, 'edit', 'access').classList.contains('cbi-input-invalid'), host);
		assert.equal(calls(h).length, 2, host + ': called wghub');
	}

	const good = [ '192.168.1.10', '192.168.1.0/28', '192.168.1.10 TCP/22', '10.0.0.5 udp/5000-5010', '192.168.1.20 icmp', 'fd00::10 tcp/443' ];
	await button(rows(node)[0], 'Edit').click();
	let modal = h.log.modals.at(-1).node;
	setAccess(modal, 'edit', 'own', [ 'router' ], good.join(', '));
	await button(modal, 'Save').click();
	assert.equal(calls(h)[2], 'peer_set {"name":"laptop","access":' + JSON.stringify([ 'router' ].concat(good)) + '}');
	assert.ok(!h.log.modalOpen);

	/* refused by wghub: the dialog stays, the list is marked, the sentence is wghub's */
	await button(rows(node)[0], 'Edit').click();
	modal = h.log.modals.at(-1).node;
	setAccess(modal, 'edit', 'own', [], '192.168.100.7');
	await button(modal, 'Save').click();
	assert.ok(h.log.modalOpen);
	assert.ok(input(modal, 'edit', 'access').classList.contains('cbi-input-invalid'));
	assert.equal(text(modal.querySelector('#wghub-edit-problem')),
		'The access of "laptop" could not be changed: access "192.168.100.7" is on the VPN subnet 192.168.100.0/24: use "spoke" to let a device reach other devices');
	assert.equal(h.log.notifications.length, 0);
});

test('a device added with its own access, or following the hub', async () => {
	const h = loadView({
		reply: backend({
			status: sample.statusTwoPeers(),
			peer_add: (p) => ({ peer: { name: p.name, has_private_key: false } })
		})
	});
	const node = await renderView(h);

	await button(node, 'Add device').click();
	let modal = h.log.modals.at(-1).node;
	assert.ok(!shown(modal, 'device', 'access_router'), 'own access shown while following the hub');
	input(modal, 'device', 'name').value = 'nas-backup';
	setAccess(modal, 'device', 'own', [ 'spoke' ], '192.168.1.10 tcp/22, 192.168.1.20 icmp');
	await button(modal, 'Add').click();
	assert.deepEqual(calls(h).filter((c) => c.startsWith('peer_add')),
		[ 'peer_add {"name":"nas-backup","psk":true,"access":["spoke","192.168.1.10 tcp/22","192.168.1.20 icmp"]}' ]);

	/* the hub's default: no access argument at all, whatever the hidden boxes say */
	await button(node, 'Add device').click();
	modal = h.log.modals.at(-1).node;
	input(modal, 'device', 'name').value = 'tv';
	setAccess(modal, 'device', 'default', [ 'router' ], 'printer');
	await button(modal, 'Add').click();
	assert.equal(calls(h).filter((c) => c.startsWith('peer_add')).at(-1), 'peer_add {"name":"tv","psk":true}');
});

test('the hub settings show and change the default access, spoke to spoke included', async () => {
	let settings = sample.settings();
	const h = loadView({
		reply: backend({
			status: sample.statusTwoPeers(),
			settings: () => plain(settings),
			settings_set: (p) => { settings = Object.assign(sample.settings(), p); return plain(settings); }
		})
	});
	const node = await renderView(h);

	assert.deepEqual([ 'lan', 'internet', 'router', 'spoke' ].map((k) => input(node, 'default_access', 'access_' + k).checked),
		[ true, false, false, false ]);
	assert.equal(input(node, 'default_access', 'access').value, '');
	assert.match(text(node.querySelector('#wghub-settings')), /Other devices/);

	setAccess(node, 'default_access', null, [ 'lan', 'spoke' ], '192.168.1.10 tcp/22');
	await button(node, 'Save settings').click();
	assert.equal(calls(h)[2],
		'settings_set {"endpoint":"vpn.example.org:51820","lan":["192.168.1.0/24"],"dns":["192.168.1.1"],"keepalive":25,"access":["lan","spoke","192.168.1.10 tcp/22"]}');

	/* the device dialog names the new default */
	await button(rows(node)[0], 'Edit').click();
	const opts = h.log.modals.at(-1).node.querySelectorAll('select option').map(text);
	assert.deepEqual(opts, [ 'Hub default: LAN, Other devices, 192.168.1.10 tcp/22', 'Own access' ]);

	/* nothing checked is none; a bad host is refused before the call */
	setAccess(node, 'default_access', null, [], '');
	await button(node, 'Save settings').click();
	assert.match(calls(h).at(-2), /"access":\["none"\]\}$/);
	const n = calls(h).length;
	setAccess(node, 'default_access', null, [ 'lan' ], 'nas');
	await button(node, 'Save settings').click();
	assert.equal(calls(h).length, n);
	assert.match(notes(h).at(-1)[1], /^Option "LAN hosts" contains an invalid input value\. Expecting a LAN host/);
});
