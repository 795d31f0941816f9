#!/usr/bin/env node
'use strict';

/*
 * Renders the wghub LuCI view with the stand-ins of lib/standins.js and
 * sample wghub answers into static HTML pages (with a small stylesheet
 * imitating LuCI's bootstrap theme) and photographs them with headless
 * Chromium.
 *
 *   node luci/tests/screenshot.js OUT.png
 *
 * writes OUT.png (the overview with devices, after one status poll),
 * OUT-add-form.png (the "Add device" dialog), OUT-add.png (its result: QR
 * code, download button, config text) and OUT-setup.png (the setup card of
 * a hub not yet set up). The pages stay in
 * a temporary directory that is removed afterwards (KEEP_HTML=1 keeps it).
 * CHROMIUM=/path overrides /usr/bin/chromium.
 */

const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawnSync } = require('node:child_process');

const { installFormat } = require('./lib/format.js');
const { createStandIns } = require('./lib/standins.js');
const { directives, VIEW } = require('./lib/harness.js');
const sample = require('./lib/sample.js');

const CSS = `
* { box-sizing: border-box; }
html { font-size: 14px; }
body { margin: 0; font-family: "Helvetica Neue", Helvetica, Arial, sans-serif; color: #404040;
	background: #f5f5f5; line-height: 1.5; padding-top: 48px; }
header { position: fixed; top: 0; left: 0; right: 0; height: 40px; z-index: 10;
	background: linear-gradient(#333, #222); box-shadow: 0 1px 3px rgba(0,0,0,.25); }
header .fill { display: flex; align-items: center; max-width: 1180px; margin: 0 auto; height: 40px; padding: 0 10px; }
header .brand { color: #fff; font-size: 20px; font-weight: 200; margin-right: 24px; text-decoration: none; }
header .nav a { color: #bfbfbf; text-decoration: none; padding: 10px 10px; font-size: 13px; }
header .nav a.active { color: #fff; background: #222; }
header .status { margin-left: auto; }
header .status span { background: #46a546; color: #fff; border-radius: 3px; padding: 2px 6px; font-size: 11px; font-weight: bold; }
#maincontent { max-width: 1180px; margin: 0 auto; padding: 10px 10px 40px; }
.tabs { display: flex; gap: 2px; border-bottom: 1px solid #ddd; margin: 0 0 14px; padding: 0; list-style: none; }
.tabs li a { display: block; padding: 6px 14px; color: #0069d6; text-decoration: none; border: 1px solid transparent;
	border-radius: 4px 4px 0 0; margin-bottom: -1px; }
.tabs li.active a { color: #555; background: #fff; border-color: #ddd #ddd transparent; }
h2 { font-size: 24px; font-weight: normal; margin: 8px 0 6px; color: #404040; }
h3 { font-size: 18px; font-weight: normal; margin: 0 0 10px; color: #404040; }
h4 { font-size: 16px; margin: 0 0 12px; }
.cbi-map-descr { margin: 0 0 16px; color: #666; max-width: 60em; }
.cbi-section { background: #fff; border: 1px solid #ddd; border-radius: 4px; padding: 14px 16px;
	margin: 0 0 18px; box-shadow: 0 1px 2px rgba(0,0,0,.05); }
.cbi-section-create { margin-top: 10px; }
.cbi-page-actions { text-align: right; border-top: 1px solid #eee; margin-top: 12px; padding-top: 12px; }
table.table { width: 100%; border-collapse: collapse; }
.table .th { text-align: left; font-weight: bold; padding: 6px 8px; border-bottom: 2px solid #ddd; white-space: nowrap; }
.table .td { padding: 6px 8px; border-top: 1px solid #eee; vertical-align: middle; }
.table tr.tr:first-child .td { border-top: 0; }
.table tr.cbi-section-table-row:nth-child(even) .td { background: #f9f9f9; }
.table .td.cbi-section-actions { text-align: right; white-space: nowrap; }
.table tr.placeholder .td { text-align: center; color: #888; padding: 14px; }
code { font-family: Menlo, Monaco, Consolas, monospace; font-size: 12px; background: #f7f7f9;
	border: 1px solid #e1e1e8; border-radius: 3px; padding: 1px 4px; color: #333; }
pre { font-family: Menlo, Monaco, Consolas, monospace; font-size: 12px; background: #f5f5f5;
	border: 1px solid #ccc; border-radius: 3px; padding: 8px 10px; margin: 0 0 12px; }
.btn, .cbi-button { display: inline-block; font: inherit; font-size: 13px; line-height: 18px; padding: 4px 12px;
	border-radius: 4px; border: 1px solid #ccc; border-bottom-color: #bbb; cursor: pointer; color: #333;
	background: linear-gradient(#fff, #e6e6e6); box-shadow: inset 0 1px 0 rgba(255,255,255,.2), 0 1px 2px rgba(0,0,0,.05); }
.cbi-button-add, .cbi-button-positive { color: #fff; border-color: #3d8b3d; background: linear-gradient(#62c462, #57a957); }
.cbi-button-apply, .cbi-button-action { color: #fff; border-color: #0050a3; background: linear-gradient(#049cdb, #0064cd); }
.cbi-button-remove, .cbi-button-negative { color: #fff; border-color: #a9302a; background: linear-gradient(#ee5f5b, #c43c35); }
.cbi-button-neutral { color: #333; }
.cbi-value { display: flex; align-items: flex-start; padding: 6px 0; }
.cbi-value-title { flex: 0 0 200px; text-align: right; padding: 5px 16px 0 0; color: #404040; }
.cbi-value-field { flex: 1; }
.cbi-value-description { color: #888; font-size: 12px; margin-top: 3px; max-width: 44em; }
.cbi-input-text, .cbi-input-select { font: inherit; font-size: 13px; padding: 4px 6px; width: 280px;
	border: 1px solid #ccc; border-radius: 3px; background: #fff; color: #555; }
.cbi-input-checkbox { margin-top: 8px; }
.cbi-input-invalid { border-color: #c43c35; color: #c43c35; }
.alert-message { position: relative; padding: 8px 14px; margin-bottom: 14px; color: #404040;
	background: #eedc94; border: 1px solid #eedc94; border-radius: 4px; }
.alert-message.error { color: #fff; background: #c43c35; border-color: #b33630; }
.alert-message.warning { background: #fcf8e3; border-color: #fbeed5; color: #8a6d3b; font-size: 13px; }
.alert-message p { margin: 0; }
.right { text-align: right; }
#modal_overlay { display: none; position: fixed; inset: 0; z-index: 100; overflow-y: auto;
	background: rgba(0,0,0,.5); padding: 32px 0; }
body.modal-overlay-active #modal_overlay { display: block; }
#modal_overlay .modal { width: 640px; max-width: 94%; margin: 0 auto; background: #fff; border-radius: 6px;
	border: 1px solid rgba(0,0,0,.3); box-shadow: 0 3px 7px rgba(0,0,0,.3); padding: 16px 20px; }
#modal_overlay .modal h4 { border-bottom: 1px solid #eee; padding-bottom: 10px; }
#modal_overlay .modal .cbi-value-title { flex-basis: 110px; }
footer { text-align: right; color: #999; font-size: 11px; max-width: 1180px; margin: 0 auto; padding: 0 10px; }
`;

/* The page script: the stand-ins, then the view, then the scenario. */
function pageScript(viewSource, requires, scenario) {
	return `
(${installFormat.toString()})(String);
var createStandIns = ${createStandIns.toString()};
var SCENARIO = ${JSON.stringify(scenario)};
var VIEW_SOURCE = ${JSON.stringify(viewSource)};

(async function() {
	var main = document.getElementById('maincontent');
	var answers = SCENARIO.answers, step = 0;
	var std = createStandIns({
		document: document,
		window: window,
		mainContent: main,
		reply: function(method, params) {
			if (method == 'status')
				return answers.status[Math.min(step, answers.status.length - 1)];
			return answers[method] || { error: 'no sample answer for ' + method };
		}
	});

	window.E = std.E;
	window._ = std._;

	var factory = new Function('window', 'document', 'L', ${JSON.stringify(requires)}.join(', '), VIEW_SOURCE);
	var modules = { view: std.view, rpc: std.rpc, ui: std.ui, poll: std.poll, dom: std.dom };
	var view = factory.apply(null, [ window, document, std.L ].concat(${JSON.stringify(requires)}.map(function(r) { return modules[r]; })));

	function find(root, label) {
		return Array.prototype.find.call(root.querySelectorAll('button'), function(b) { return b.textContent.trim() == label; });
	}

	function click(b) {
		return new Promise(function(resolve) { b.click(); setTimeout(resolve, 50); });
	}

	try {
		var node = await view.render(await view.load());
		document.getElementById('view').appendChild(node);

		/* one poll, as LuCI would run it five seconds later */
		step = 1;
		if (std.log.polls.length)
			await std.log.polls[0].fn();

		if (SCENARIO.name == 'add' || SCENARIO.name == 'add-form') {
			await click(find(node, 'Add device'));
			var modal = document.querySelector('#modal_overlay .modal');
			modal.querySelector('#wghub-add-name').value = 'work-laptop';
			modal.querySelector('#wghub-add-mode').value = 'split';

			if (SCENARIO.name == 'add') {
				step = 2;
				await click(find(modal, 'Add'));
			}
		}
	}
	catch (e) {
		document.body.insertBefore(document.createTextNode('screenshot page error: ' + e.stack), document.body.firstChild);
	}

	document.title = 'ready';
})();
`;
}

function page(viewSource, requires, scenario) {
	return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>WireGuard Hub - LuCI</title>
<style>${CSS}</style>
</head>
<body>
<header><div class="fill">
	<a class="brand" href="#">OpenWrt</a>
	<nav class="nav"><a href="#">Status</a><a href="#">System</a><a href="#">Services</a>
		<a href="#">Network</a><a class="active" href="#">VPN</a><a href="#">Logout</a></nav>
	<div class="status"><span>Refreshing</span></div>
</div></header>
<div id="maincontent">
	<ul class="tabs"><li class="active"><a href="#">WireGuard Hub</a></li></ul>
	<div id="view"></div>
</div>
<footer>Powered by LuCI (stand-ins for the wghub screenshot)</footer>
<script>${pageScript(viewSource, requires, scenario).replace(/<\/script/gi, '<\\/script')}</script>
</body>
</html>
`;
}

function scenarios() {
	const first = sample.statusDemo();
	const polled = sample.statusDemo();

	/* five seconds later */
	polled.peers.forEach((p) => {
		if (p.handshake_age >= 0)
			p.handshake_age += 5;
		if (p.enabled && p.rx_bytes)
			p.rx_bytes += 81920;
	});

	const added = sample.statusDemo();
	added.peers.push({
		name: 'work-laptop', public_key: 'Wk3lT7pX1bF5jN9rV3zD7hL1pT5xB9fJ3nR7vZ1dH5l=',
		addresses: [ '192.168.100.7/32' ], enabled: true, full_tunnel: false, endpoint: '',
		latest_handshake: 0, handshake_age: -1, rx_bytes: 0, tx_bytes: 0
	});

	return {
		overview: { name: 'overview', answers: { status: [ first, polled ] } },
		add: {
			name: 'add',
			answers: {
				status: [ first, polled, added ],
				peer_add: { peer: { name: 'work-laptop', addresses: [ '192.168.100.7/32' ], enabled: true, full_tunnel: false } },
				peer_config: sample.peerConfigReply('work-laptop', '192.168.100.7', false)
			}
		},
		'add-form': { name: 'add-form', answers: { status: [ first, polled ] } },
		setup: { name: 'setup', answers: { status: [ { setup: false, interface: 'wg0', peers: [] } ] } }
	};
}

function findChromium() {
	const bin = process.env.CHROMIUM || '/usr/bin/chromium';
	const deadline = Date.now() + 10 * 60 * 1000;

	/* it may still be being installed by the machine's setup */
	while (!fs.existsSync(bin)) {
		if (Date.now() > deadline)
			throw new Error('screenshot: ' + bin + ' not found (install the Debian package chromium)');
		console.error('screenshot: waiting for ' + bin + ' ...');
		spawnSync('sleep', [ '10' ]);
	}

	return bin;
}

function shoot(chromium, html, png, size) {
	const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'wghub-chromium-'));

	try {
		const r = spawnSync(chromium, [
			'--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
			'--disable-background-networking', '--disable-component-update', '--disable-sync',
			'--hide-scrollbars', '--allow-file-access-from-files',
			'--run-all-compositor-stages-before-draw', '--force-device-scale-factor=1',
			'--user-data-dir=' + profile,
			'--virtual-time-budget=5000',
			'--window-size=' + size,
			'--screenshot=' + png,
			'file://' + html
		], { encoding: 'utf8', timeout: 120000 });

		if (r.error)
			throw r.error;

		if (!fs.existsSync(png) || fs.statSync(png).size == 0)
			throw new Error('screenshot: chromium wrote no ' + png + ' (exit ' + r.status + ')\n' + r.stderr);
	}
	finally {
		fs.rmSync(profile, { recursive: true, force: true });
	}
}

function main(argv) {
	const out = argv[0];

	if (!out || !/\.png$/i.test(out)) {
		console.error('usage: node luci/tests/screenshot.js OUT.png');
		return 2;
	}

	const source = fs.readFileSync(VIEW, 'utf8');
	const requires = directives(source).requires.map((r) => r.as);
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wghub-luci-'));
	const chromium = findChromium();
	const base = path.resolve(out).replace(/\.png$/i, '');
	const shots = [
		[ 'overview', base + '.png', '1280,900' ],
		[ 'add-form', base + '-add-form.png', '1280,900' ],
		[ 'add', base + '-add.png', '1280,1000' ],
		[ 'setup', base + '-setup.png', '1280,760' ]
	];
	const all = scenarios();

	fs.mkdirSync(path.dirname(base), { recursive: true });

	try {
		for (const [ name, png, size ] of shots) {
			const html = path.join(dir, name + '.html');
			fs.writeFileSync(html, page(source, requires, all[name]));
			shoot(chromium, html, png, size);
			console.log(png);
		}
	}
	finally {
		if (process.env.KEEP_HTML)
			console.error('pages kept in ' + dir);
		else
			fs.rmSync(dir, { recursive: true, force: true });
	}

	return 0;
}

if (require.main === module) {
	try {
		process.exitCode = main(process.argv.slice(2));
	}
	catch (e) {
		console.error(e.message);
		process.exitCode = 1;
	}
}
