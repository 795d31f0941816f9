'use strict';

/*
 * The package around the view: Makefile, menu entry, rpcd ACL. The ACL must
 * grant every ubus method the view declares, and nothing in its read group
 * may reveal secrets (peer_config returns a client's private key).
 */

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');

const { loadView, APP } = require('./lib/harness.js');

const MENU = path.join(APP, 'root/usr/share/luci/menu.d/luci-app-wghub.json');
const ACL = path.join(APP, 'root/usr/share/rpcd/acl.d/luci-app-wghub.json');

/* wghub methods whose answer contains private keys. */
const SECRET = [ 'peer_config' ];

/* The rpcd contract (spec ARCH.md): read and write groups. */
const READ = [ 'status', 'peers', 'settings', 'doctor' ];
const WRITE = [ 'peer_add', 'peer_remove', 'peer_set', 'peer_config', 'setup', 'settings_set' ];

function readJson(file) {
	return JSON.parse(fs.readFileSync(file, 'utf8'));
}

test('Makefile is a luci.mk package depending on wghub', () => {
	const mk = fs.readFileSync(path.join(APP, 'Makefile'), 'utf8');

	assert.match(mk, /^include \$\(TOPDIR\)\/rules\.mk$/m);
	assert.match(mk, /^LUCI_TITLE:=\S.*$/m);
	assert.match(mk, /^LUCI_DEPENDS:=\+luci-base \+wghub$/m);
	assert.match(mk, /^PKG_LICENSE:=\S+$/m);
	assert.match(mk, /^include \.\.\/\.\.\/luci\.mk$/m);
	assert.match(mk, /^# call BuildPackage - OpenWrt buildroot signature$/m);
	assert.ok(mk.indexOf('include ../../luci.mk') > mk.indexOf('LUCI_DEPENDS'), 'variables must come before the include');
});

test('menu entry opens the view under VPN', () => {
	const menu = readJson(MENU);

	assert.deepEqual(Object.keys(menu), [ 'admin/vpn/wghub' ]);

	const e = menu['admin/vpn/wghub'];
	assert.equal(e.title, 'WireGuard Hub');
	assert.deepEqual(e.action, { type: 'view', path: 'wghub/overview' });
	assert.deepEqual(e.depends, { acl: [ 'luci-app-wghub' ] });
	assert.equal(typeof(e.order), 'number');
	assert.ok(fs.existsSync(path.join(APP, 'htdocs/luci-static/resources/view', e.action.path + '.js')),
		'the view file of the menu entry exists');
});

test('ACL grants the wghub methods, read and write separately, and no UCI', () => {
	const acl = readJson(ACL);

	assert.deepEqual(Object.keys(acl), [ 'luci-app-wghub' ]);

	const g = acl['luci-app-wghub'];
	assert.equal(typeof(g.description), 'string');
	assert.deepEqual(Object.keys(g).sort(), [ 'description', 'read', 'write' ]);
	assert.deepEqual(g.read, { ubus: { wghub: READ } });
	assert.deepEqual(g.write, { ubus: { wghub: WRITE } });

	/* /etc/config/wghub holds client private keys: no uci grant at all */
	assert.equal(g.read.uci, undefined);
	assert.equal(g.write.uci, undefined);
});

test('every ubus method the view declares is granted', () => {
	const g = readJson(ACL)['luci-app-wghub'];
	const h = loadView({ reply: () => ({}) });

	assert.ok(h.log.declared.length > 0);

	for (const d of h.log.declared) {
		const read = (g.read.ubus[d.object] || []).includes(d.method);
		const write = (g.write.ubus[d.object] || []).includes(d.method);
		assert.ok(read || write, `${d.object}.${d.method} is declared by the view but not granted`);
	}
});

test('the read group reveals no secrets', () => {
	const g = readJson(ACL)['luci-app-wghub'];

	for (const object of Object.keys(g.read.ubus))
		for (const m of g.read.ubus[object]) {
			assert.notEqual(m, '*', 'wildcard in the read group');
			assert.ok(!SECRET.includes(m), `${object}.${m} reveals private keys and must be write-only`);
		}

	for (const m of SECRET)
		assert.ok(g.write.ubus.wghub.includes(m), `${m} must be in the write group`);
});
