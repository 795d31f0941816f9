'use strict';

/*
 * Stand-ins for the LuCI client modules a view uses (view, rpc, ui, poll,
 * dom, and the globals E, _ and L), written from their documented behaviour
 * in openwrt/luci (luci.js, rpc.js, ui.js) and recording what the view does
 * with them. They only use the standard DOM API of env.document, so the same
 * code runs against the small fake DOM of the Node tests and against
 * Chromium's real one in the screenshot page.
 *
 * createStandIns must stay self-contained: screenshot.js inlines its source.
 *
 * env.document, env.window: the DOM to build into.
 * env.reply(method, params): the canned answer of a wghub call, a value or
 *   a Promise; a thrown Error rejects the call as a failed HTTP request would.
 * env.mainContent: where notifications go (LuCI's #maincontent).
 */
function createStandIns(env) {
	var document = env.document;
	var log = {
		declared: [],      /* every rpc.declare() options object */
		calls: [],         /* { object, method, params } per invocation */
		notifications: [], /* { title, node, classes } */
		modals: [],        /* { title, node } of every ui.showModal */
		modalOpen: false,
		polls: [],         /* { fn, interval } */
		strings: []        /* every string passed through _() */
	};

	function isNode(x) {
		return x != null && typeof(x) == 'object' && 'nodeType' in x;
	}

	var dom = {
		elem: isNode,

		/* LuCI: an array appends each item (non-nodes as text nodes), a node
		 * is appended, a function is called with the parent, anything else
		 * is assigned to innerHTML. */
		append: function(node, children) {
			if (!isNode(node))
				return null;

			if (Array.isArray(children)) {
				for (var i = 0; i < children.length; i++) {
					if (children[i] == null)
						throw new Error('stand-in: null/undefined in a child array renders as the text "' + children[i] + '" in LuCI');
					node.appendChild(isNode(children[i]) ? children[i] : document.createTextNode('' + children[i]));
				}
				return node.lastChild;
			}

			if (typeof(children) == 'function')
				return this.append(node, children(node));

			if (isNode(children))
				return node.appendChild(children);

			if (children != null)
				node.innerHTML = '' + children;

			return node.lastChild;
		},

		content: function(node, children) {
			if (!isNode(node))
				return null;

			while (node.firstChild)
				node.removeChild(node.firstChild);

			return this.append(node, children);
		},

		attr: function(node, attrs) {
			for (var k in attrs) {
				if (!Object.prototype.hasOwnProperty.call(attrs, k) || attrs[k] == null)
					continue;

				if (typeof(attrs[k]) == 'function')
					node.addEventListener(k, attrs[k]);
				else if (typeof(attrs[k]) == 'object')
					node.setAttribute(k, JSON.stringify(attrs[k]));
				else
					node.setAttribute(k, '' + attrs[k]);
			}
		},

		parse: function(html) {
			var div = document.createElement('div');
			div.innerHTML = html;
			return div.firstChild || null;
		}
	};

	/* E(tag[, attrs][, children]): like LuCI, any non-array object as second
	 * argument is taken as the attribute map, so a node there is a bug. */
	function E(tag, a, b) {
		/* LuCI tests `instanceof Object`; typeof also works across the Node
		 * vm realm boundary */
		var attrs = (a != null && typeof(a) == 'object' && !Array.isArray(a)) ? a : null,
		    data = attrs ? b : a;

		if (attrs && isNode(attrs))
			throw new Error('stand-in: E("' + tag + '", node) takes the node as attribute map in LuCI; pass {} first');

		var el = document.createElement(tag);

		if (attrs)
			dom.attr(el, attrs);

		if (data != null)
			dom.append(el, data);

		return el;
	}

	function _(s) {
		log.strings.push(s);
		return s;
	}

	var L = {
		env: {},
		bind: function(fn, self) {
			return Function.prototype.bind.apply(fn, [ self ].concat(Array.prototype.slice.call(arguments, 2)));
		},
		resolveDefault: function(p, d) {
			return Promise.resolve(p).catch(function() { return d; });
		}
	};

	var view = {
		extend: function(proto) {
			return proto;
		}
	};

	var rpc = {
		declare: function(options) {
			log.declared.push(options);

			return function() {
				var params = {};
				var names = Array.isArray(options.params) ? options.params : [];

				for (var i = 0; i < names.length; i++)
					if (arguments[i] !== undefined)
						params[names[i]] = arguments[i];

				/* what goes over the wire is JSON */
				params = JSON.parse(JSON.stringify(params));
				log.calls.push({ object: options.object, method: options.method, params: params });

				return new Promise(function(resolve) {
					resolve(env.reply(options.method, params, options.object));
				});
			};
		},

		getStatusText: function(code) {
			var texts = [ 'Command OK', 'Invalid command', 'Invalid argument', 'Method not found',
				'Resource not found', 'No data received', 'Permission denied', 'Request timeout',
				'Not supported', 'Unspecified error', 'Connection lost' ];

			return texts[code] || 'Unknown error code';
		}
	};

	var modalOverlay = null;

	var ui = {
		showModal: function(title, children) {
			if (!modalOverlay) {
				modalOverlay = document.createElement('div');
				modalOverlay.setAttribute('id', 'modal_overlay');
				modalOverlay.appendChild(document.createElement('div'));
				modalOverlay.firstChild.setAttribute('class', 'modal');
				document.body.appendChild(modalOverlay);
			}

			var dlg = modalOverlay.firstChild;

			dom.content(dlg, E('h4', {}, title));
			dom.append(dlg, children);
			document.body.classList.add('modal-overlay-active');
			log.modals.push({ title: title, node: dlg });
			log.modalOpen = true;

			return dlg;
		},

		hideModal: function() {
			document.body.classList.remove('modal-overlay-active');
			log.modalOpen = false;
		},

		addNotification: function(title, children) {
			var classes = Array.prototype.slice.call(arguments, 2);
			var msg = E('div', { 'class': [ 'alert-message' ].concat(classes).join(' ') }, []);

			if (title != null)
				dom.append(msg, E('h4', {}, title));

			dom.append(msg, children);

			var mc = env.mainContent || document.body;
			mc.insertBefore(msg, mc.firstChild);
			log.notifications.push({ title: title, node: msg, classes: classes });

			return msg;
		},

		/* LuCI: calls fn(extra..., event) with ctx as this, marks the
		 * button busy until the returned promise settles. The stand-in also
		 * returns that promise so tests can wait for it. */
		createHandlerFn: function(ctx, fn) {
			if (typeof(fn) == 'string')
				fn = ctx[fn];

			if (typeof(fn) != 'function')
				throw new Error('stand-in: createHandlerFn without a function');

			var extra = Array.prototype.slice.call(arguments, 2);

			return function(ev) {
				var target = ev && ev.target;

				if (target && target.classList)
					target.classList.add('spinning');

				return Promise.resolve(fn.apply(ctx, extra.concat([ ev ]))).finally(function() {
					if (target && target.classList)
						target.classList.remove('spinning');
				});
			};
		}
	};

	var poll = {
		add: function(fn, interval) {
			if (typeof(fn) != 'function')
				throw new Error('stand-in: poll.add needs a function');

			log.polls.push({ fn: fn, interval: interval });
		}
	};

	return { E: E, _: _, L: L, view: view, rpc: rpc, ui: ui, poll: poll, dom: dom, log: log };
}

module.exports = { createStandIns: createStandIns };
