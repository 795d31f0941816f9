'use strict';

/*
 * Stand-ins for the LuCI client modules a view uses (view, form, rpc, ui,
 * poll, dom, and the globals E, _ and L), written from their documented
 * behaviour in openwrt/luci (luci.js, form.js, rpc.js, ui.js) and recording
 * what the view does with them. They are models: the form stand-in checks
 * only emptiness and custom validate functions, not LuCI's datatypes, and
 * lays inputs out simply. The page in real LuCI is tested by
 * netns-tests/openwrt_luci_test.go (headless Chromium). They only use the standard DOM API of env.document, so the same
 * code could run against a real DOM as well.
 *
 * env.document, env.window: the DOM to build into.
 * env.reply(method, params): the canned answer of a wghub call, a value or
 *   a Promise; a thrown Error rejects the call as a failed HTTP request would.
 *   A thrown { rpcError: N } is a JSON-RPC error reply (e.g. -32002, access
 *   denied): the interceptors run, then the call rejects as LuCI's does.
 * env.mainContent: where notifications go (LuCI's #maincontent).
 * env.canWrite: false for a login with only read access (L.hasViewPermission).
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
		interceptors: [],  /* rpc.addInterceptor functions */
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
		},
		/* LuCI: null/undefined is [], an array itself, else [x] */
		toArray: function(x) {
			if (x == null) return [];
			return Array.isArray(x) ? x : [ x ];
		},
		isObject: function(x) {
			return x != null && typeof(x) == 'object' && !Array.isArray(x);
		},
		/* LuCI: null without access, false read-only, true with write */
		hasViewPermission: function() {
			return env.canWrite !== false;
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

				var req = { object: options.object, method: options.method, params: params };

				return new Promise(function(resolve) {
					resolve(env.reply(options.method, params, options.object));
				}).catch(function(e) {
					if (e == null || e.rpcError == null)
						throw e;

					/* LuCI: interceptors see the reply frame first; a rejecting
					 * interceptor rejects the call with its own error */
					var msg = { jsonrpc: '2.0', error: { code: e.rpcError, message: e.message || 'Access denied' } };

					return Promise.all(log.interceptors.map(function(fn) { return fn(msg, req); })).then(function() {
						var err = new Error('RPC call to ' + options.object + '/' + options.method +
							' failed with error ' + e.rpcError + ': ' + msg.error.message);
						err.name = 'RPCError';
						throw err;
					});
				});
			};
		},

		addInterceptor: function(fn) {
			log.interceptors.push(fn);
			return fn;
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

	var form = createForm(document, E);

	return { E: E, _: _, L: L, view: view, form: form, rpc: rpc, ui: ui, poll: poll, dom: dom, log: log };
}

/*
 * form.JSONMap with NamedSection and the option kinds Value, DynamicList,
 * Flag and ListValue. Inputs get LuCI's ids, widget.cbid.json.SECTION.OPTION;
 * a DynamicList is one text input of comma-separated values here (an access
 * item such as "192.168.1.10 tcp/22" has a space in it).
 * depends(field, value): as LuCI's, an option whose dependency is not met
 * gets the class "hidden", is checked again on every "change" event of an
 * input of the map, and is not validated by parse().
 */
function createForm(document, E) {
	class Option {
		constructor(section, name, title, description) {
			this.section = section;
			this.option = name;
			this.title = title;
			this.description = description;
			this.rmempty = true;
			this.optional = false;
			this.choices = [];
			this.deps = [];
		}

		depends(field, value) {
			this.deps.push([ field, value ]);
		}

		isActive(sid) {
			var section = this.section;
			return this.deps.length == 0 || this.deps.some(function(d) {
				var other = section.children.find(function(o) { return o.option == d[0]; });
				return other != null && other.isActive(sid) && other.formvalue(sid) == d[1];
			});
		}

		value(key, label) {
			this.choices.push([ key, label ]);
		}

		id(sid) {
			return 'widget.cbid.json.' + sid + '.' + this.option;
		}

		cfgvalue(sid) {
			var v = (this.section.map.data.json[sid] || {})[this.option];
			return (v == null) ? this['default'] : v;
		}

		input(sid) {
			return this.node ? (this.node.querySelector('[id="' + this.id(sid) + '"]') ||
				this.node.querySelector('[data-widget-id="' + this.id(sid) + '"]')) : null;
		}

		renderWidget(sid) {
			var v = this.cfgvalue(sid);
			return E('input', { 'type': 'text', 'class': 'cbi-input-text', 'id': this.id(sid),
				'value': (v == null) ? '' : String(v), 'placeholder': this.placeholder,
				'disabled': this.section.map.readonly ? '' : null });
		}

		render(sid) {
			var widget = this.renderWidget(sid),
			    map = this.section.map;

			widget.addEventListener('change', function() { map.checkDepends(); });

			this.node = E('div', { 'class': 'cbi-value', 'data-name': this.option }, [
				E('label', { 'class': 'cbi-value-title' }, [ this.title || '' ]),
				E('div', { 'class': 'cbi-value-field' }, [
					widget,
					this.description ? E('div', { 'class': 'cbi-value-description' }, [ this.description ]) : ''
				])
			]);
			return this.node;
		}

		formvalue(sid) {
			var el = this.input(sid);
			return el ? el.value : this.cfgvalue(sid);
		}

		parse(sid) {
			var v = this.formvalue(sid),
			    empty = (v == null || v === '' || (Array.isArray(v) && !v.length)),
			    el = this.input(sid);

			if (!this.isActive(sid))
				return Promise.resolve();

			if (empty && this.rmempty === false && !this.optional) {
				if (el) el.classList.add('cbi-input-invalid');
				return Promise.reject(new TypeError('Option "' + this.title + '" must not be empty.'));
			}

			if (!empty && typeof(this.validate) == 'function') {
				/* LuCI validates a list's items one by one */
				var self = this,
				    res = [].concat(v).map(function(x) { return self.validate(sid, x); }).find(function(r) { return r !== true; });
				if (res === undefined) res = true;
				if (res !== true) {
					if (el) el.classList.add('cbi-input-invalid');
					return Promise.reject(new TypeError('Option "' + this.title + '" contains an invalid input value. ' + res));
				}
			}

			return Promise.resolve();
		}
	}

	class Value extends Option {}

	class DynamicList extends Option {
		renderWidget(sid) {
			var v = this.cfgvalue(sid);
			return E('input', { 'type': 'text', 'class': 'cbi-input-text', 'id': this.id(sid),
				'value': Array.isArray(v) ? v.join(', ') : '', 'placeholder': this.placeholder,
				'disabled': this.section.map.readonly ? '' : null });
		}

		formvalue(sid) {
			var el = this.input(sid);
			if (!el) return this.cfgvalue(sid) || [];
			return String(el.value).split(',').map(function(x) { return x.trim(); }).filter(function(x) { return x != ''; });
		}
	}

	class Flag extends Option {
		constructor(...args) {
			super(...args);
			this['default'] = '0';
		}

		renderWidget(sid) {
			/* LuCI: the checkbox carries the widget id as data-widget-id; its
			 * own id is random, for its label */
			return E('input', { 'type': 'checkbox', 'class': 'cbi-input-checkbox', 'data-widget-id': this.id(sid),
				'checked': (this.cfgvalue(sid) == '1') ? '' : null,
				'disabled': this.section.map.readonly ? '' : null });
		}

		formvalue(sid) {
			var el = this.input(sid);
			return el ? (el.checked ? '1' : '0') : this.cfgvalue(sid);
		}
	}

	class ListValue extends Option {
		renderWidget(sid) {
			var v = this.cfgvalue(sid);
			return E('select', { 'class': 'cbi-input-select', 'id': this.id(sid),
				'disabled': this.section.map.readonly ? '' : null },
				this.choices.map(function(c) {
					return E('option', { 'value': c[0], 'selected': (c[0] == v) ? '' : null }, [ c[1] ]);
				}));
		}

		formvalue(sid) {
			var el = this.input(sid);
			return el ? el.value : this.cfgvalue(sid);
		}
	}

	class NamedSection {
		constructor(map, sid, type, title, description) {
			this.map = map;
			this.sid = sid;
			this.title = title;
			this.description = description;
			this.children = [];
		}

		option(cls, name, title, description) {
			var o = new cls(this, name, title, description);
			this.children.push(o);
			return o;
		}

		render() {
			var sid = this.sid;
			return E('div', { 'class': 'cbi-section', 'id': 'cbi-json-' + sid }, [
				this.title ? E('h3', {}, [ this.title ]) : '',
				this.description ? E('div', { 'class': 'cbi-section-descr' }, [ this.description ]) : '',
				E('div', { 'class': 'cbi-section-node' }, this.children.map(function(o) { return o.render(sid); }))
			]);
		}

		parse() {
			var sid = this.sid;
			return Promise.all(this.children.map(function(o) { return o.parse(sid); }));
		}
	}

	class JSONMap {
		constructor(data, title, description) {
			this.data = { json: data || {} };
			this.title = title;
			this.description = description;
			this.readonly = false;
			this.children = [];
		}

		section(cls, ...args) {
			var s = new cls(this, ...args);
			this.children.push(s);
			return s;
		}

		render() {
			var node = E('div', { 'class': 'cbi-map' }, [
				this.title ? E('h2', {}, [ this.title ]) : '',
				this.description ? E('div', { 'class': 'cbi-map-descr' }, [ this.description ]) : ''
			].concat(this.children.map(function(s) { return s.render(); })));

			this.checkDepends();
			return Promise.resolve(node);
		}

		checkDepends() {
			this.children.forEach(function(s) {
				s.children.forEach(function(o) {
					if (o.node)
						o.node.classList[o.isActive(s.sid) ? 'remove' : 'add']('hidden');
				});
			});
		}

		parse() {
			return Promise.all(this.children.map(function(s) { return s.parse(); }));
		}
	}

	return { JSONMap: JSONMap, NamedSection: NamedSection, Value: Value, DynamicList: DynamicList,
		Flag: Flag, ListValue: ListValue };
}

module.exports = { createStandIns: createStandIns };
