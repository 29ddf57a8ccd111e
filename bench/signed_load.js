// Signed load for bench_mock.py: autocannon (a native-speed HTTP load generator),
// with every request signed afresh, the way the API requires.
//
// Usage: node signed_load.js '<json config>'
//   config: {url, path, operation: "bulkDelete"|"createProperty", connections,
//            amount | duration (seconds), apiKey, apiSecret, entityId, recordId,
//            [recordIds, permanent]}
// Prints one JSON line: seconds, every latency (ms), statuses.
//
// Throughput is timed from the first request sent to the last response
// received: autocannon's own duration ends on its one-second sampling tick.
'use strict';

const crypto = require('crypto');
const autocannon = require('autocannon');

const config = JSON.parse(process.argv[2]);
// Names unique across runs against the same server: a create must not hit 409.
const runToken = crypto.randomBytes(4).toString('hex');
let sequence = 0;

function authorization() {
  const date = new Date().toISOString();
  const salt = crypto.randomBytes(16).toString('hex');
  const signature = crypto
    .createHmac('sha256', config.apiSecret)
    .update(date + salt)
    .digest('hex');
  return `HMAC-SHA256 apiKey=${config.apiKey}, date=${date}, salt=${salt}, signature=${signature}`;
}

// With config.recordIds, each request deletes the next of those real records
// (config.permanent says how); without, one unknown id (nothing changes).
let nextRecord = 0;

function body() {
  if (config.operation === 'bulkDelete') {
    if (!config.recordIds) return { recordIds: [config.recordId] };
    if (nextRecord >= config.recordIds.length) throw new Error('signed_load: out of record ids');
    return { recordIds: [config.recordIds[nextRecord++]], permanent: Boolean(config.permanent) };
  }
  sequence += 1;
  return { entityId: config.entityId, name: `bench ${runToken} ${sequence}`, fieldType: 'TEXT' };
}

const latencies = [];
const statuses = {};
let firstSent = null;
let lastReceived = null;

const instance = autocannon(
  {
    url: config.url,
    connections: config.connections,
    // autocannon refuses an explicit undefined: give exactly one of the two.
    ...(config.duration ? { duration: config.duration } : { amount: config.amount }),
    pipelining: 1,
    timeout: 30,
    requests: [
      {
        method: 'POST',
        path: config.path,
        setupRequest: (request) => {
          if (firstSent === null) firstSent = process.hrtime.bigint();
          request.headers = { 'content-type': 'application/json', authorization: authorization() };
          request.body = JSON.stringify(body());
          return request;
        },
      },
    ],
  },
  (error, result) => {
    if (error) {
      console.error(`signed_load: ${error.message}`);
      process.exit(1);
    }
    if (latencies.length === 0) {
      console.error(`signed_load: no response from ${config.url} (errors: ${result.errors})`);
      process.exit(1);
    }
    console.log(
      JSON.stringify({
        seconds: Number(lastReceived - firstSent) / 1e9,
        latencies,
        statuses,
        errors: result.errors,
        timeouts: result.timeouts,
      }),
    );
  },
);

instance.on('response', (client, statusCode, bytes, milliseconds) => {
  lastReceived = process.hrtime.bigint();
  latencies.push(milliseconds);
  statuses[statusCode] = (statuses[statusCode] || 0) + 1;
});
