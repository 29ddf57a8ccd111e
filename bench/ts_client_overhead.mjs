// Per-call cost of the TypeScript client (generated types + openapi-fetch + signing + retry
// wrapper) against a bare fetch with a precomputed header, same canned local server.
// Usage: node ts_client_overhead.mjs <staged package dir> <server url>; prints one JSON line.
import { pathToFileURL } from 'node:url';
import { join } from 'node:path';

const [packageDir, url] = process.argv.slice(2);
const { createCrmCoreClient } = await import(pathToFileURL(join(packageDir, 'dist', 'index.js')).href);
const path = '/crm-core/v1/records/bulk/delete';
const body = { recordIds: ['CRMRC1260423081530999NOPE0000000'] };
const header = 'HMAC-SHA256 apiKey=NCSXXXXXXXXXXXXX, date=2026-04-23T08:15:30.123Z, salt=0123456789abcdef, signature=' + '0'.repeat(64);
const client = createCrmCoreClient({ baseUrl: url, apiKey: 'NCSXXXXXXXXXXXXX', apiSecret: 'YOUR_API_SECRET' });

const bare = async () => {
  const response = await fetch(url + path, {
    method: 'POST', body: JSON.stringify(body),
    headers: { Authorization: header, 'Content-Type': 'application/json' },
  });
  return response.json();
};
const typed = async () => (await client.POST(path, { body })).data;

async function timeOne(call, calls) {
  const start = process.hrtime.bigint();
  for (let i = 0; i < calls; i += 1) await call();
  return Number(process.hrtime.bigint() - start) / 1e3 / calls; // microseconds per call
}

for (let i = 0; i < 500; i += 1) { await bare(); await typed(); } // warm-up
const rounds = { bare: [], typed: [] };
for (let round = 0; round < 15; round += 1) { // interleaved: drift hits both alike
  rounds.bare.push(await timeOne(bare, 300));
  rounds.typed.push(await timeOne(typed, 300));
}
const median = (values) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)];
console.log(JSON.stringify({ bare_us: median(rounds.bare), typed_us: median(rounds.typed) }));
