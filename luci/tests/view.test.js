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

/* A wghub stand-in: answers from a table of method -> reply or function. */
function backend(table) {
	return (method, params) => {
		if (!(method in table))
			return { error: 'unexpected call ' + method };
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

function calls(h) {
	return plain(h.log.calls).map((c) => c.method + ' ' + JSON.stringify(c.params));
}

test('the file parses and requires only what it uses', () => {
	const h = loadView({ reply: backend({}) });

	/* a LuCI class file is a function body (it ends in `return view.extend(...)`) */
	assert.doesNotThrow(() => new vm.Script('(function() {' + h.source + '\n})'));
	assert.equal(h.directives.strict, true);
	assert.deepEqual(h.directives.requires.map((r) => r.name), [ 'view', 'rpc', 'ui', 'poll', 'dom' ]);

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
		{ object: 'wghub', method: 'peer_add', params: [ 'name', 'full_tunnel', 'psk' ] },
		{ object: 'wghub', method: 'peer_config', params: [ 'name' ] },
		{ object: 'wghub', method: 'peer_remove', params: [ 'name' ] },
		{ object: 'wghub', method: 'peer_set', params: [ 'name', 'enabled' ] },
		{ object: 'wghub', method: 'setup', params: [ 'endpoint', 'subnet', 'lan', 'full_tunnel' ] },
		{ object: 'wghub', method: 'status', params: [] }
	]);
});

test('renders the hub header and a row per device', async () => {
	const h = loadView({ reply: backend({ status: sample.statusTwoPeers() }) });
	const node = await renderView(h);

	assert.deepEqual(calls(h), [ 'status {}' ]);

	const info = text(node.querySelector('#wghub-info'));
	assert.match(info, /Interface wg0 up/);
	assert.match(info, /Listen port 51820/);
	assert.ok(info.includes('Public key ' + sample.HUB_KEY));
	assert.match(info, /Devices 2 configured, 0 connected/);

	const headers = node.querySelectorAll('#wghub-peers th').map(text);
	assert.deepEqual(headers, [ 'Device', 'VPN address', 'Tunnel', 'Endpoint', 'Latest handshake', 'Received', 'Sent', 'Enabled', '' ]);

	const [ laptop, phone ] = rows(node);
	assert.equal(rows(node).length, 2);
	assert.deepEqual(cellTexts(laptop), [
		'laptop', '192.168.100.2', 'Split', '203.0.113.5:41820', '1m 20s ago', '1.21 MiB', '47.08 KiB', 'No',
		'Enable Show config Remove'
	]);
	assert.deepEqual(cellTexts(phone), [
		'phone', '192.168.100.3', 'Full', '—', 'never', '0 B', '0 B', 'Yes',
		'Disable Show config Remove'
	]);
	assert.ok(laptop.classList.contains('wghub-disabled'));
	assert.ok(!phone.classList.contains('wghub-disabled'));

	/* cells carry their column title for LuCI's narrow-screen layout */
	assert.equal(laptop.querySelector('td').getAttribute('data-title'), 'Device');

	assert.equal(h.log.notifications.length, 0);
	assert.equal(node.querySelectorAll('#wghub-setup').length, 0);
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
	status = { error: 'wghub: cannot read /etc/config/wghub' };
	await h.log.polls[0].fn();
	await h.log.polls[0].fn();
	assert.equal(h.log.notifications.length, 1);
	assert.equal(rows(node).length, 3);
});

test('shows the setup card when the hub is not set up, and sets it up', async () => {
	let status = { setup: false, interface: 'wg0', peers: [] };
	const h = loadView({
		reply: backend({
			status: () => plain(status),
			setup: (p) => { status = sample.statusTwoPeers(); return { changed: true, public_key: sample.HUB_KEY }; }
		})
	});
	const node = await renderView(h);

	assert.ok(node.querySelector('#wghub-setup'));
	assert.equal(node.querySelector('#wghub-peers'), null);
	assert.equal(node.querySelector('#wghub-subnet').value, '192.168.100.0/24');
	assert.equal(node.querySelector('#wghub-endpoint').value, '');
	assert.equal(node.querySelector('#wghub-full-tunnel').getAttribute('type'), 'checkbox');
	assert.equal(h.log.polls.length, 0, 'no polling on the setup card');

	const setupButtons = node.querySelectorAll('button');
	assert.deepEqual(setupButtons.map(text), [ 'Set up' ]);

	node.querySelector('#wghub-endpoint').value = ' vpn.example.org ';
	node.querySelector('#wghub-lan').value = '192.168.1.0/24, 10.0.0.0/8';
	node.querySelector('#wghub-full-tunnel').checked = true;
	await button(node, 'Set up').click();

	assert.deepEqual(calls(h), [
		'status {}',
		'setup {"endpoint":"vpn.example.org","subnet":"192.168.100.0/24","lan":["192.168.1.0/24","10.0.0.0/8"],"full_tunnel":true}',
		'status {}'
	]);

	/* the view is rebuilt in place as the hub overview, with polling */
	assert.equal(node.querySelector('#wghub-setup'), null);
	assert.equal(rows(node).length, 2);
	assert.equal(h.log.polls.length, 1);
	assert.equal(h.log.notifications.length, 0);
});

test('a failed setup shows the error and keeps the form', async () => {
	const h = loadView({
		reply: backend({
			status: { setup: false, peers: [] },
			setup: { error: 'setup: subnet "192.168.1.0/24" overlaps the LAN' }
		})
	});
	const node = await renderView(h);

	node.querySelector('#wghub-subnet').value = '192.168.1.0/24';
	await button(node, 'Set up').click();

	assert.equal(h.log.notifications.length, 1);
	assert.deepEqual(h.log.notifications[0].classes, [ 'error' ]);
	assert.equal(text(h.log.notifications[0].node), 'setup: subnet "192.168.1.0/24" overlaps the LAN');
	assert.ok(node.querySelector('#wghub-setup'));
	assert.equal(node.querySelector('#wghub-subnet').value, '192.168.1.0/24');
});

test('an {error} status reply is shown as an error notification', async () => {
	const h = loadView({ reply: backend({ status: { error: 'wghub: permission denied on /etc/config/wghub' } }) });
	const node = await renderView(h);

	assert.equal(h.log.notifications.length, 1);
	assert.deepEqual(h.log.notifications[0].classes, [ 'error' ]);
	assert.equal(text(h.log.notifications[0].node), 'wghub: permission denied on /etc/config/wghub');
	assert.equal(h.main.firstChild, h.log.notifications[0].node);
	assert.equal(node.querySelector('#wghub-peers'), null);
	assert.match(text(node), /could not be read/);
});

test('a ubus status code instead of a reply is shown as an error', async () => {
	const h = loadView({ reply: backend({ status: 6 }) });
	await renderView(h);

	assert.equal(h.log.notifications.length, 1);
	assert.equal(text(h.log.notifications[0].node), 'The request failed: Permission denied');
});

test('adds a device and shows its QR code, file and text', async () => {
	let status = sample.statusTwoPeers();
	const cfg = sample.peerConfigReply('tablet', '192.168.100.4', true);
	const h = loadView({
		reply: backend({
			status: () => plain(status),
			peer_add: (p) => {
				status.peers.push(Object.assign({}, status.peers[0], { name: p.name, full_tunnel: p.full_tunnel, addresses: [ '192.168.100.4/32' ] }));
				return { peer: { name: p.name, addresses: [ '192.168.100.4/32' ], enabled: true, full_tunnel: p.full_tunnel } };
			},
			peer_config: cfg
		})
	});
	const node = await renderView(h);

	await button(node, 'Add device').click();
	assert.equal(h.log.modals.length, 1);
	assert.equal(h.log.modals[0].title, 'Add device');

	const modal = h.log.modals[0].node;
	const options = modal.querySelectorAll('#wghub-add-mode option');
	assert.deepEqual(options.map((o) => o.getAttribute('value')), [ 'split', 'full' ]);
	assert.equal(modal.querySelector('#wghub-add-mode').value, 'split');

	/* an empty name is refused without a call */
	await button(modal, 'Add').click();
	assert.ok(modal.querySelector('#wghub-add-name').classList.contains('cbi-input-invalid'));
	assert.deepEqual(calls(h), [ 'status {}' ]);

	modal.querySelector('#wghub-add-name').value = 'tablet';
	modal.querySelector('#wghub-add-mode').value = 'full';
	await button(modal, 'Add').click();
	await settle();

	assert.deepEqual(calls(h).slice(0, 3), [
		'status {}',
		'peer_add {"name":"tablet","full_tunnel":true,"psk":true}',
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
	assert.equal(h.log.notifications.length, 0);
});

test('a failed peer_add closes the modal and shows the error', async () => {
	const h = loadView({
		reply: backend({
			status: sample.statusTwoPeers(),
			peer_add: { error: 'peer add: name "laptop" already exists' }
		})
	});
	const node = await renderView(h);

	await button(node, 'Add device').click();
	const modal = h.log.modals[0].node;
	modal.querySelector('#wghub-add-name').value = 'laptop';
	await button(modal, 'Add').click();

	assert.ok(!h.log.modalOpen);
	assert.equal(h.log.notifications.length, 1);
	assert.deepEqual(h.log.notifications[0].classes, [ 'error' ]);
	assert.equal(text(h.log.notifications[0].node), 'peer add: name "laptop" already exists');
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
	assert.deepEqual(calls(h).slice(1), [
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

test('errors of row actions are notified', async () => {
	const h = loadView({
		reply: backend({
			status: sample.statusTwoPeers(),
			peer_set: { error: 'peer set: peer "laptop": apply failed' },
			peer_config: { error: 'peer config: peer "phone" has no stored private key' },
			peer_remove: 6
		})
	});
	const node = await renderView(h);
	const [ laptop, phone ] = rows(node);

	await button(laptop, 'Enable').click();
	await button(phone, 'Show config').click();
	await button(phone, 'Remove').click();
	await button(h.log.modals.at(-1).node, 'Remove').click();

	assert.deepEqual(h.log.notifications.map((n) => [ n.classes.join(' '), text(n.node) ]), [
		[ 'error', 'peer set: peer "laptop": apply failed' ],
		[ 'error', 'peer config: peer "phone" has no stored private key' ],
		[ 'error', 'The request failed: Permission denied' ]
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
			peer_set: { error: '<img src=y onerror=alert(2)>' }
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

	const h2 = loadView({ reply: backend({ status: { setup: false } }) });
	await renderView(h2);

	const used = new Set(h.log.strings.concat(h2.log.strings));
	assert.ok(used.size > 40, 'strings recorded: ' + used.size);
	for (const s of used)
		assert.ok(pot.has(s), `_(${JSON.stringify(s)}) is missing from wghub.pot`);
});
