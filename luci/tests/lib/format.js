'use strict';

/*
 * A stand-in for the String.prototype.format that LuCI's cbi.js installs,
 * written from its documented behaviour: %s %d %u %f %x %X %h %q %t %m %%,
 * with optional padding ("0", " " or "'c"), "-" for left alignment, a width
 * and a precision. %m scales a number by the width as divisor (default 1000,
 * "%1024.2mB" gives "1.50 KiB") with the precision as decimals (default 2).
 *
 * installFormat must stay self-contained: harness.js runs its source in
 * the view's vm context.
 */
function installFormat(StringCtor) {
	function esc(value, html) {
		if (value == null || typeof(value) == 'object' || typeof(value) == 'function')
			return '';

		var s = String(value)
			.replace(/&/g, html ? '&#38;' : '&')
			.replace(/"/g, '&#34;')
			.replace(/'/g, '&#39;');

		return html ? s.replace(/</g, '&#60;').replace(/>/g, '&#62;') : s;
	}

	function duration(secs) {
		secs = Math.floor(+secs || 0);

		var d = Math.floor(secs / 86400), h = Math.floor(secs % 86400 / 3600),
		    m = Math.floor(secs % 3600 / 60), s = secs % 60;

		return (d > 0 ? d + 'd ' : '') + h + 'h ' + m + 'm ' + s + 's';
	}

	function units(value, divisor, decimals) {
		var names = [ ' ', ' K', ' M', ' G', ' T', ' P', ' E' ],
		    n = +value || 0, i = 0;

		while (i < names.length - 1 && n > divisor) {
			n /= divisor;
			i++;
		}

		if (i == 0)
			return n + ' ';

		return n.toFixed(decimals) + names[i] + (divisor == 1024 ? 'i' : '');
	}

	StringCtor.prototype.format = function() {
		var args = arguments, argi = 0,
		    re = /%(?:('.|0| )?(-)?(\d+)?(?:\.(\d+))?([sdufxXhqtm%]))/g;

		return String(this).replace(re, function(match, pad, left, width, prec, type) {
			if (type == '%')
				return '%';

			var v = (argi < args.length) ? args[argi++] : undefined, out;

			switch (type) {
			case 's': out = (v == null) ? '' : String(v); break;
			case 'd': out = Math.floor(+v || 0).toFixed(0); break;
			case 'u': out = Math.floor(Math.max(0, +v || 0)).toFixed(0); break;
			case 'f': out = (prec != null) ? (+v || 0).toFixed(+prec) : String(+v || 0); break;
			case 'x': out = Math.floor(+v || 0).toString(16); break;
			case 'X': out = Math.floor(+v || 0).toString(16).toUpperCase(); break;
			case 'h': out = esc(v, true); break;
			case 'q': out = esc(v, false); break;
			case 't': out = duration(v); break;
			case 'm':
				out = units(v, width ? +width : 1000, prec != null ? +prec : 2);
				width = null;
				break;
			}

			var padChar = pad ? (pad.charAt(0) == "'" ? pad.charAt(1) : pad) : ' ';

			while (width && out.length < +width)
				out = left ? out + ' ' : padChar + out;

			return out;
		});
	};

	StringCtor.format = function(fmt) {
		return StringCtor.prototype.format.apply(String(fmt), Array.prototype.slice.call(arguments, 1));
	};
}

module.exports = { installFormat: installFormat };
