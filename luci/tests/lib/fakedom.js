'use strict';

/*
 * A small DOM for running LuCI views under Node without dependencies:
 * elements, text nodes, attributes, classList, events, input values, and
 * querySelector(All) for simple selectors (tag, #id, .class, [attr],
 * [attr="v"], compounds of those, joined by descendant spaces).
 *
 * innerHTML is not parsed: the markup is kept in one Markup child node
 * (nodeType 3, .html holds the markup, .data the text without tags), which
 * is enough to see that markup was inserted and what it reads as.
 *
 * element.click() returns a Promise of whatever the listeners returned, so a
 * test can wait for a LuCI handler to finish.
 */

class Node {
	constructor(nodeType) {
		this.nodeType = nodeType;
		this.parentNode = null;
		this.childNodes = [];
	}

	get firstChild() { return this.childNodes[0] || null; }
	get lastChild() { return this.childNodes[this.childNodes.length - 1] || null; }

	get textContent() {
		return this.childNodes.map((c) => c.textContent).join('');
	}
}

class Text extends Node {
	constructor(data) {
		super(3);
		this.data = String(data);
	}

	get textContent() { return this.data; }
}

class Markup extends Node {
	constructor(html) {
		super(3);
		this.html = String(html);
		this.data = this.html.replace(/<[^>]*>/g, '')
			.replace(/&#60;|&lt;/g, '<').replace(/&#62;|&gt;/g, '>')
			.replace(/&#34;|&quot;/g, '"').replace(/&#39;/g, "'").replace(/&#38;|&amp;/g, '&');
	}

	get textContent() { return this.data; }
}

class ClassList {
	constructor(el) { this.el = el; }

	list() { return (this.el.getAttribute('class') || '').split(/\s+/).filter(Boolean); }
	contains(c) { return this.list().includes(c); }

	add(...cs) {
		const l = this.list();
		cs.forEach((c) => { if (!l.includes(c)) l.push(c); });
		this.el.setAttribute('class', l.join(' '));
	}

	remove(...cs) {
		this.el.setAttribute('class', this.list().filter((c) => !cs.includes(c)).join(' '));
	}

	toggle(c, force) {
		const on = (force === undefined) ? !this.contains(c) : force;
		if (on) this.add(c); else this.remove(c);
		return on;
	}
}

class Element extends Node {
	constructor(ownerDocument, tag) {
		super(1);
		this.ownerDocument = ownerDocument;
		this.tagName = String(tag).toUpperCase();
		this.attributes = new Map();
		this.listeners = {};
		this.style = {};
		this.classList = new ClassList(this);
		this._value = undefined;
		this._checked = undefined;
	}

	setAttribute(k, v) { this.attributes.set(String(k).toLowerCase(), String(v)); }
	getAttribute(k) { const v = this.attributes.get(String(k).toLowerCase()); return v === undefined ? null : v; }
	hasAttribute(k) { return this.attributes.has(String(k).toLowerCase()); }
	removeAttribute(k) { this.attributes.delete(String(k).toLowerCase()); }

	get id() { return this.getAttribute('id') || ''; }
	get className() { return this.getAttribute('class') || ''; }

	get children() { return this.childNodes.filter((c) => c.nodeType == 1); }
	get firstElementChild() { return this.children[0] || null; }

	appendChild(child) { return this.insertBefore(child, null); }

	insertBefore(child, ref) {
		if (!(child instanceof Node))
			throw new TypeError('fakedom: appendChild of a non-node: ' + child);
		if (child.parentNode)
			child.parentNode.removeChild(child);
		const i = ref ? this.childNodes.indexOf(ref) : -1;
		if (i < 0) this.childNodes.push(child); else this.childNodes.splice(i, 0, child);
		child.parentNode = this;
		return child;
	}

	removeChild(child) {
		const i = this.childNodes.indexOf(child);
		if (i < 0)
			throw new Error('fakedom: removeChild of a node that is not a child');
		this.childNodes.splice(i, 1);
		child.parentNode = null;
		return child;
	}

	set innerHTML(html) {
		while (this.firstChild) this.removeChild(this.firstChild);
		if (String(html) !== '') this.appendChild(new Markup(html));
	}

	get innerHTML() {
		return this.childNodes.map((c) => c.nodeType == 1 ? c.outerHTML : (c.html !== undefined ? c.html : c.data)).join('');
	}

	get outerHTML() {
		const tag = this.tagName.toLowerCase();
		const attrs = [...this.attributes].map(([k, v]) => ` ${k}="${v.replace(/"/g, '&quot;')}"`).join('');
		return `<${tag}${attrs}>${this.innerHTML}</${tag}>`;
	}

	/* form controls */
	get value() {
		if (this._value !== undefined) return this._value;
		if (this.tagName == 'SELECT') {
			const opts = this.querySelectorAll('option');
			const sel = opts.find((o) => o.hasAttribute('selected')) || opts[0];
			return sel ? (sel.getAttribute('value') ?? sel.textContent) : '';
		}
		return this.getAttribute('value') || '';
	}

	set value(v) { this._value = String(v); }

	get checked() { return this._checked !== undefined ? this._checked : this.hasAttribute('checked'); }
	set checked(v) { this._checked = !!v; }

	get disabled() { return this.hasAttribute('disabled'); }
	set disabled(v) { if (v) this.setAttribute('disabled', ''); else this.removeAttribute('disabled'); }

	focus() { this.ownerDocument.activeElement = this; }
	blur() {}

	/* events */
	addEventListener(type, fn) { (this.listeners[type] = this.listeners[type] || []).push(fn); }

	removeEventListener(type, fn) {
		this.listeners[type] = (this.listeners[type] || []).filter((f) => f !== fn);
	}

	dispatchEvent(ev) {
		ev.target = ev.target || this;
		ev.currentTarget = this;
		return (this.listeners[ev.type] || []).map((fn) => fn.call(this, ev));
	}

	click() {
		const ev = { type: 'click', target: this, preventDefault() {}, stopPropagation() {} };
		return Promise.all(this.dispatchEvent(ev));
	}

	/* selectors */
	matches(selector) { return parseCompound(selector)(this); }

	querySelectorAll(selector) {
		const steps = selector.trim().split(/\s+/).map(parseCompound);
		const out = [];
		const walk = (node, ancestors) => {
			for (const c of node.children) {
				if (steps[steps.length - 1](c) && matchAncestors(steps, steps.length - 2, ancestors))
					out.push(c);
				walk(c, ancestors.concat([ c ]));
			}
		};
		walk(this, []);
		return out;
	}

	querySelector(selector) { return this.querySelectorAll(selector)[0] || null; }
}

function matchAncestors(steps, i, ancestors) {
	if (i < 0) return true;
	for (let j = ancestors.length - 1; j >= 0; j--)
		if (steps[i](ancestors[j]))
			return matchAncestors(steps, i - 1, ancestors.slice(0, j));
	return false;
}

function parseCompound(sel) {
	const tests = [];
	const tag = /^([a-zA-Z][a-zA-Z0-9-]*|\*)/.exec(sel);
	let rest = sel;
	if (tag) {
		rest = sel.slice(tag[0].length);
		if (tag[1] !== '*') { const t = tag[1].toUpperCase(); tests.push((e) => e.tagName === t); }
	}
	const part = /#([\w-]+)|\.([\w-]+)|\[([\w-]+)(?:="([^"]*)")?\]/y;
	while (rest.length) {
		part.lastIndex = 0;
		const m = part.exec(rest);
		if (!m)
			throw new Error('fakedom: unsupported selector ' + sel);
		rest = rest.slice(m[0].length);
		if (m[1]) { const id = m[1]; tests.push((e) => e.getAttribute('id') === id); }
		if (m[2]) { const c = m[2]; tests.push((e) => e.classList.contains(c)); }
		if (m[3]) {
			const k = m[3], v = m[4];
			tests.push((e) => e.hasAttribute(k) && (v === undefined || e.getAttribute(k) === v));
		}
	}
	return (e) => e.nodeType === 1 && tests.every((t) => t(e));
}

class Document {
	constructor() {
		this.nodeType = 9;
		this.activeElement = null;
		this.documentElement = new Element(this, 'html');
		this.body = new Element(this, 'body');
		this.documentElement.appendChild(this.body);
	}

	createElement(tag) { return new Element(this, tag); }
	createTextNode(s) { return new Text(s); }
	getElementById(id) { return this.documentElement.querySelector('[id="' + id + '"]'); }
	querySelector(s) { return this.documentElement.querySelector(s); }
	querySelectorAll(s) { return this.documentElement.querySelectorAll(s); }
}

/* The text of a node, element boundaries read as spaces and white space
 * collapsed: <td><b>wg0</b><i>up</i></td> reads "wg0 up". */
function text(node) {
	const parts = (n) => n.nodeType == 1 ? n.childNodes.flatMap(parts) : [ n.textContent ];
	return node ? parts(node).join(' ').replace(/\s+/g, ' ').trim() : '';
}

module.exports = { Document, Element, Text, Markup, text };
