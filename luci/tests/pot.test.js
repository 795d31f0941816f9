'use strict';

/*
 * po/templates/wghub.pot is what mkpot.js generates from the view, the menu
 * and the ACL. Regenerate with: node luci/tests/mkpot.js --write
 */

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');

const { generate, scanJs, parsePot, POT } = require('./mkpot.js');
const { VIEW } = require('./lib/harness.js');

test('wghub.pot is in sync with the _() strings', () => {
	assert.ok(fs.existsSync(POT), 'po/templates/wghub.pot is missing');
	assert.equal(fs.readFileSync(POT, 'utf8'), generate(),
		'wghub.pot is out of date: run node luci/tests/mkpot.js --write');
});

test('every _() string of the view, the menu title and the ACL description are in the .pot', () => {
	const ids = parsePot(fs.readFileSync(POT, 'utf8'));
	const view = scanJs(fs.readFileSync(VIEW, 'utf8'), VIEW).map((e) => e.msgid);

	assert.ok(view.length > 40);
	for (const s of view)
		assert.ok(ids.includes(s), s);

	assert.ok(ids.includes('WireGuard Hub'));
	assert.ok(ids.includes('Grant access to the WireGuard hub (wghub)'));
	assert.equal(new Set(ids).size, ids.length, 'duplicate msgid');
});

test('the scanner refuses _() without a string literal and reads escapes', () => {
	assert.throws(() => scanJs("var x = _(name);", 'x.js'), /string literal/);
	assert.throws(() => scanJs("var x = _('a' + b);", 'x.js'), /string literal/);
	assert.deepEqual(scanJs("_('it\\'s')\n_(\"a \\\"b\\\"\", 'ctx')\nfoo_('no')", 'x.js'), [
		{ msgid: "it's", line: 1 },
		{ msgid: 'a "b"', line: 2 }
	]);
});
