'use strict';

/*
 * Loads a LuCI view file the way luci.js does — the leading 'require x'
 * directives name the modules, the source becomes the body of
 * function(window, document, L, <modules...>) — inside a Node vm context
 * whose String.prototype.format is LuCI's, with the stand-ins of
 * standins.js for the modules and a fake DOM.
 */

const fs = require('node:fs');
const path = require('node:path');
const vm = require('node:vm');

const { Document } = require('./fakedom.js');
const { createStandIns } = require('./standins.js');
const { installFormat } = require('./format.js');

const APP = path.resolve(__dirname, '../../luci-app-wghub');
const VIEW = path.join(APP, 'htdocs/luci-static/resources/view/wghub/overview.js');

/* The leading directive strings of a LuCI class file: 'use strict' and
 * 'require name [as alias]'. */
function directives(source) {
	const re = /^(?:\s+|\/\/[^\n]*\n|\/\*[\s\S]*?\*\/)*(['"])(use strict|require[ \t]+(\S+)(?:[ \t]+as[ \t]+([a-zA-Z_]\S*))?)\1;?/;
	const out = { strict: false, requires: [] };
	let rest = source;

	for (let m = re.exec(rest); m; m = re.exec(rest)) {
		if (m[2] == 'use strict')
			out.strict = true;
		else
			out.requires.push({ name: m[3], as: m[4] || m[3].replace(/[^a-zA-Z0-9_]/g, '_') });
		rest = rest.slice(m[0].length);
	}

	return out;
}

/*
 * opts.reply(method, params): canned wghub answers (see standins.js).
 * Returns { view, std, log, document, window, blobs, downloads, source }.
 */
function loadView(opts) {
	opts = opts || {};

	const source = fs.readFileSync(opts.file || VIEW, 'utf8');
	const document = new Document();
	const main = document.createElement('div');
	main.setAttribute('id', 'maincontent');
	document.body.appendChild(main);

	const timers = [];
	const reloads = [];
	const window = {
		document: document,
		location: { reload: () => reloads.push(true) },
		setTimeout: (fn, ms) => { timers.push({ fn: fn, ms: ms }); return timers.length; },
		clearTimeout: () => {}
	};

	const std = createStandIns({
		document: document,
		window: window,
		mainContent: main,
		reply: opts.reply || (() => ({ error: 'no canned reply' })),
		canWrite: opts.canWrite
	});

	const blobs = [];
	const urls = [];

	class Blob {
		constructor(parts, options) {
			this.parts = parts;
			this.type = options && options.type;
			blobs.push(this);
		}
	}

	const URL = {
		createObjectURL: (blob) => { urls.push(blob); return 'blob:wghub/' + urls.length; },
		revokeObjectURL: () => {}
	};

	const ctx = vm.createContext({ E: std.E, _: std._, Blob: Blob, URL: URL, console: console });
	vm.runInContext('(' + installFormat.toString() + ')(String);', ctx);

	const dirs = directives(source);
	const modules = { view: std.view, form: std.form, rpc: std.rpc, ui: std.ui, poll: std.poll, dom: std.dom };
	const args = dirs.requires.map((r) => {
		if (!(r.name in modules))
			throw new Error('harness: no stand-in for module ' + r.name);
		return modules[r.name];
	});

	const factory = vm.runInContext(
		'(function(window, document, L' + dirs.requires.map((r) => ', ' + r.as).join('') + ') {' + source + '\n})',
		ctx, { filename: opts.file || VIEW });

	const view = factory.apply(null, [ window, document, std.L ].concat(args));

	/* What the user downloaded: the Blob text and the link's file name. */
	const downloads = [];
	const createElement = document.createElement.bind(document);
	document.createElement = (tag) => {
		const el = createElement(tag);
		if (String(tag).toLowerCase() == 'a') {
			el.click = () => {
				const n = +String(el.getAttribute('href')).replace('blob:wghub/', '');
				downloads.push({ filename: el.getAttribute('download'), text: urls[n - 1].parts.join(''), attached: !!el.parentNode });
				return Promise.resolve([]);
			};
		}
		return el;
	};

	return {
		view: view,
		std: std,
		log: std.log,
		document: document,
		main: main,
		window: window,
		timers: timers,
		blobs: blobs,
		downloads: downloads,
		directives: dirs,
		source: source
	};
}

/* Runs load() and render() as LuCI does and attaches the result to the page. */
async function renderView(h) {
	const data = await h.view.load();
	const node = await h.view.render(data);
	h.main.appendChild(node);
	return node;
}

/* Lets pending promise callbacks run. */
function settle() {
	return new Promise((resolve) => setImmediate(resolve));
}

module.exports = { loadView, renderView, settle, directives, APP, VIEW };
