#!/usr/bin/env node
'use strict';

/*
 * Generates luci-app-wghub/po/templates/wghub.pot the way LuCI's
 * build/i18n-scan.pl lays it out: the _('...') strings of the JavaScript
 * views, the menu titles and the ACL descriptions, sorted by msgid, each
 * with "#: applications/luci-app-wghub/<file>:<line>" references.
 *
 *   node luci/tests/mkpot.js          print the template
 *   node luci/tests/mkpot.js --write  rewrite po/templates/wghub.pot
 *
 * pot.test.js fails when the file is out of date.
 */

const fs = require('node:fs');
const path = require('node:path');

const APP = path.resolve(__dirname, '../luci-app-wghub');
const POT = path.join(APP, 'po/templates/wghub.pot');
const PREFIX = 'applications/luci-app-wghub/';

function walk(dir) {
	if (!fs.existsSync(dir))
		return [];

	return fs.readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
		const p = path.join(dir, d.name);
		return d.isDirectory() ? walk(p) : [ p ];
	}).sort();
}

function lineAt(text, index) {
	return text.slice(0, index).split('\n').length;
}

function unescapeJs(s) {
	return s.replace(/\\(u[0-9a-fA-F]{4}|x[0-9a-fA-F]{2}|[\s\S])/g, (m, e) => {
		switch (e[0]) {
		case 'n': return '\n';
		case 't': return '\t';
		case 'r': return '\r';
		case 'u': case 'x': return e.length > 1 ? String.fromCharCode(parseInt(e.slice(1), 16)) : e;
		default: return e;
		}
	});
}

/* The translatable strings of a JavaScript file: [{ msgid, line }].
 * Throws if a _( call has anything but one plain string literal first. */
function scanJs(text, file) {
	const out = [];
	const call = /(^|[^\w$.])_\(/g;
	const literal = /\s*(?:'((?:[^'\\\n]|\\.)*)'|"((?:[^"\\\n]|\\.)*)")\s*[,)]/y;

	for (let m = call.exec(text); m; m = call.exec(text)) {
		const at = m.index + m[1].length;
		literal.lastIndex = call.lastIndex;
		const lit = literal.exec(text);

		if (!lit)
			throw new Error(`${file}:${lineAt(text, at)}: _() needs a single string literal as first argument`);

		out.push({ msgid: unescapeJs(lit[1] !== undefined ? lit[1] : lit[2]), line: lineAt(text, at) });
	}

	return out;
}

/* Menu "title" and ACL "description" values of a JSON file. */
function scanJson(text) {
	const out = [];
	const re = /"(title|description)"\s*:\s*"((?:[^"\\]|\\.)*)"/g;

	for (let m = re.exec(text); m; m = re.exec(text))
		out.push({ msgid: JSON.parse('"' + m[2] + '"'), line: lineAt(text, m.index) });

	return out;
}

/* All entries: Map msgid -> ["file:line", ...] */
function collect() {
	const entries = new Map();
	const add = (file, items) => items.forEach((it) => {
		const ref = PREFIX + path.relative(APP, file).split(path.sep).join('/') + ':' + it.line;
		if (!entries.has(it.msgid))
			entries.set(it.msgid, []);
		entries.get(it.msgid).push(ref);
	});

	for (const f of walk(path.join(APP, 'htdocs')).filter((f) => f.endsWith('.js')))
		add(f, scanJs(fs.readFileSync(f, 'utf8'), f));

	for (const dir of [ 'root/usr/share/luci/menu.d', 'root/usr/share/rpcd/acl.d' ])
		for (const f of walk(path.join(APP, dir)).filter((f) => f.endsWith('.json')))
			add(f, scanJson(fs.readFileSync(f, 'utf8')));

	return entries;
}

function poString(s) {
	return '"' + s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n').replace(/\t/g, '\\t') + '"';
}

function generate() {
	const entries = collect();
	const ids = [ ...entries.keys() ].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
	let out = 'msgid ""\nmsgstr "Content-Type: text/plain; charset=UTF-8"\n';

	for (const id of ids) {
		out += '\n';
		for (const ref of entries.get(id))
			out += '#: ' + ref + '\n';
		out += 'msgid ' + poString(id) + '\nmsgstr ""\n';
	}

	return out;
}

/* The msgids of a .pot file. */
function parsePot(text) {
	const ids = [];
	const re = /^msgid "((?:[^"\\]|\\.)*)"$/gm;

	for (let m = re.exec(text); m; m = re.exec(text))
		if (m[1] !== '')
			ids.push(JSON.parse('"' + m[1] + '"'));

	return ids;
}

module.exports = { generate, collect, scanJs, scanJson, parsePot, POT };

if (require.main === module) {
	const pot = generate();

	if (process.argv.includes('--write')) {
		fs.mkdirSync(path.dirname(POT), { recursive: true });
		fs.writeFileSync(POT, pot);
		console.log('wrote ' + path.relative(process.cwd(), POT));
	}
	else {
		process.stdout.write(pot);
	}
}
