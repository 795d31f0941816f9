'use strict';

/*
 * Sample wghub answers in the shape of the rpcd contract (spec ARCH.md,
 * "rpcd methods"), for the tests. Keys are made up.
 */

const HUB_KEY = 'q2ZkT9n1rVQeYb3LhX8sWc4pJ7uA0mKdFg6oNiEtRzU=';

function peer(name, fields) {
	return Object.assign({
		name: name,
		public_key: '',
		addresses: [],
		enabled: true,
		full_tunnel: false,
		endpoint: '',
		latest_handshake: 0,
		handshake_age: -1,
		rx_bytes: 0,
		tx_bytes: 0
	}, fields);
}

/* Two peers: laptop (disabled, last handshake 80 s ago, the hub's default
 * access) and phone (enabled, its own access: LAN and Internet, never
 * handshaken). */
function statusTwoPeers() {
	return {
		setup: true,
		interface: 'wg0',
		up: true,
		listen_port: 51820,
		public_key: HUB_KEY,
		endpoint: 'vpn.example.org:51820',
		addresses: [ '192.168.100.1/24' ],
		peers: [
			peer('laptop', {
				public_key: 'Lp0AqW9vX2cR5tY8uI1oP4aS7dF0gH3jK6lZ9xC2vB4=',
				addresses: [ '192.168.100.2/32' ],
				enabled: false,
				endpoint: '203.0.113.5:41820',
				latest_handshake: 1764000000,
				handshake_age: 80,
				rx_bytes: 1268777,
				tx_bytes: 48213,
				access: [ 'lan' ],
				own_access: false
			}),
			peer('phone', {
				public_key: 'Ph9nE5bV7cX1zL3kJ6hG8fD0sA2qW4eR7tY9uI1oP3a=',
				addresses: [ '192.168.100.3/32' ],
				full_tunnel: true,
				access: [ 'lan', 'internet' ],
				own_access: true
			})
		]
	};
}

/* A settings reply of the hub of statusTwoPeers. */
function settings() {
	return {
		interface: 'wg0',
		listen_port: 51820,
		endpoint: 'vpn.example.org:51820',
		subnets: [ '192.168.100.0/24' ],
		dns: [ '192.168.1.1' ],
		lan: [ '192.168.1.0/24' ],
		keepalive: 25,
		full_tunnel: false,
		access: [ 'lan' ]
	};
}

function clientConfig(name, addr, full) {
	return [
		'[Interface]',
		'PrivateKey = cFt8rM2nQ5vW9xZ3bD6gJ0kN4pS7uY1aE5hL8oR2tV0=',
		'Address = ' + addr + '/32',
		'DNS = 192.168.1.1',
		'',
		'[Peer]',
		'PublicKey = ' + HUB_KEY,
		'PresharedKey = Ps5kQ9wE3rT7yU1iO5pA9sD3fG7hJ1kL5zX9cV3bN7m=',
		'AllowedIPs = ' + (full ? '0.0.0.0/0, ::/0' : '192.168.100.0/24, 192.168.1.0/24'),
		'Endpoint = vpn.example.org:51820',
		'PersistentKeepalive = 25',
		''
	].join('\n');
}

/* A QR-code-looking SVG (finder and timing patterns, pseudo-random data
 * modules). It is a picture for the demo, not a readable code: the real one
 * comes from wghub's qr package. */
function sampleQrSvg(seed) {
	const n = 33, quiet = 4, size = n + 2 * quiet;
	const grid = [];
	let x = (seed || 1) >>> 0;

	const rand = () => {
		x ^= x << 13; x >>>= 0;
		x ^= x >>> 17;
		x ^= x << 5; x >>>= 0;
		return x / 4294967296;
	};

	for (let r = 0; r < n; r++) {
		grid.push([]);
		for (let c = 0; c < n; c++)
			grid[r].push(rand() < 0.5);
	}

	const finder = (r0, c0) => {
		for (let r = -1; r <= 7; r++)
			for (let c = -1; c <= 7; c++) {
				const rr = r0 + r, cc = c0 + c;
				if (rr < 0 || cc < 0 || rr >= n || cc >= n)
					continue;
				const ring = Math.max(Math.abs(r - 3), Math.abs(c - 3));
				grid[rr][cc] = (ring != 2 && ring != 4);
			}
	};

	finder(0, 0);
	finder(0, n - 7);
	finder(n - 7, 0);

	for (let i = 8; i < n - 8; i++) {
		grid[6][i] = (i % 2 == 0);
		grid[i][6] = (i % 2 == 0);
	}

	for (let r = -2; r <= 2; r++)
		for (let c = -2; c <= 2; c++)
			grid[n - 9 + r][n - 9 + c] = (Math.max(Math.abs(r), Math.abs(c)) != 1);

	let d = '';
	for (let r = 0; r < n; r++)
		for (let c = 0; c < n; c++)
			if (grid[r][c])
				d += 'M' + (c + quiet) + ' ' + (r + quiet) + 'h1v1h-1z';

	return '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ' + size + ' ' + size +
		'" shape-rendering="crispEdges"><path fill="#fff" d="M0 0h' + size + 'v' + size +
		'H0z"/><path fill="#000" d="' + d + '"/></svg>';
}

function peerConfigReply(name, addr, full) {
	return {
		name: name,
		config: clientConfig(name, addr, full),
		qr_svg: sampleQrSvg(name.length * 7919 + 17)
	};
}

module.exports = { statusTwoPeers, settings, peerConfigReply, clientConfig, sampleQrSvg, HUB_KEY };
