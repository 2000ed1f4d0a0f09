// The custom transport both drivers hand to the gigya SDK: it carries the SDK's signed form, unchanged, to a
// server on loopback (POST /<method>), and records what was sent. The SDK still signs for its canonical host.
'use strict';

const http = require('http');

function loopbackTransport(url, sent) {
  const target = new URL(url);
  return function transport(endpoint, host, params, headers) {
    sent.push({ endpoint, host, keys: Object.keys(params).sort() });
    const form = new URLSearchParams();
    for (const [key, value] of Object.entries(params)) form.append(key, String(value));
    const body = form.toString();
    return new Promise((resolve, reject) => {
      const request = http.request(
        {
          hostname: target.hostname,
          port: target.port,
          path: `/${endpoint}`,
          method: 'POST',
          headers: {
            ...headers,
            'Content-Type': 'application/x-www-form-urlencoded',
            'Content-Length': Buffer.byteLength(body),
            'X-Gigya-Host': host,
          },
        },
        (response) => {
          const chunks = [];
          response.on('data', (chunk) => chunks.push(chunk));
          response.on('end', () => {
            try {
              resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')));
            } catch (error) {
              reject(error);
            }
          });
        },
      );
      request.on('error', reject);
      request.end(body);
    });
  };
}

module.exports = { loopbackTransport };
