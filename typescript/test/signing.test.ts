// Signing vectors shared with the Python signer and openssl (tests/test_typescript_client.py
// writes them to CRM_CORE_VECTORS): the same inputs must give the same header, byte for byte.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { inspect } from 'node:util';

import { computeSignature, Credentials, MissingCredentialsError, RequestSigner } from '../dist/index.js';

interface Vector {
  apiKey: string;
  apiSecret: string;
  date: string;
  salt: string;
  signature: string;
  header: string;
}

const vectors: Vector[] = JSON.parse(readFileSync(process.env.CRM_CORE_VECTORS ?? '', 'utf8'));

test('every shared vector signs to the same signature and header', () => {
  assert.ok(vectors.length >= 5);
  for (const vector of vectors) {
    assert.equal(computeSignature(vector.apiSecret, vector.date, vector.salt), vector.signature);
    const signer = new RequestSigner(new Credentials(vector.apiKey, vector.apiSecret), {
      now: () => new Date(vector.date),
      salt: () => vector.salt,
    });
    if (vector.date === new Date(vector.date).toISOString()) {
      assert.equal(signer.header(), vector.header);
    }
  }
});

test('every header gets a fresh date and salt', () => {
  const signer = new RequestSigner(new Credentials('NCSXXXXXXXXXXXXX', 'YOUR_API_SECRET'));
  const headers = new Set(Array.from({ length: 50 }, () => signer.header()));
  assert.equal(headers.size, 50);
  for (const header of headers) {
    assert.match(header, /^HMAC-SHA256 apiKey=NCSXXXXXXXXXXXXX, date=\S+Z, salt=[0-9a-f]{32}, signature=[0-9a-f]{64}$/);
  }
});

test('the secret never shows in inspect, JSON or errors', () => {
  const secret = 'TOP-SECRET-VALUE-123';
  const credentials = new Credentials('NCSXXXXXXXXXXXXX', secret);
  const signer = new RequestSigner(credentials);
  for (const shown of [inspect(credentials), inspect(signer), JSON.stringify(credentials),
                       inspect(credentials, { showHidden: true, depth: 5 }), String(credentials)]) {
    assert.ok(!shown.includes(secret), shown);
  }
  assert.throws(() => new Credentials('NCSXXXXXXXXXXXXX', 42), (error: unknown) =>
    error instanceof MissingCredentialsError && !String(error).includes('42'));
  assert.throws(() => new Credentials(undefined, secret), (error: unknown) =>
    error instanceof MissingCredentialsError && !String(error.message).includes(secret));
});

test('key and secret come from SOLAPI_API_KEY / SOLAPI_API_SECRET unless given', () => {
  const saved = { key: process.env.SOLAPI_API_KEY, secret: process.env.SOLAPI_API_SECRET };
  process.env.SOLAPI_API_KEY = 'NCSENVIRONMENTXX';
  process.env.SOLAPI_API_SECRET = 'environment-secret';
  try {
    assert.equal(Credentials.fromEnvironment().apiKey, 'NCSENVIRONMENTXX');
    assert.equal(Credentials.fromEnvironment('NCSARGUMENTXXXXX', 's').apiKey, 'NCSARGUMENTXXXXX');
    delete process.env.SOLAPI_API_SECRET;
    assert.throws(() => Credentials.fromEnvironment(), MissingCredentialsError);
  } finally {
    process.env.SOLAPI_API_KEY = saved.key;
    process.env.SOLAPI_API_SECRET = saved.secret;
    if (saved.key === undefined) delete process.env.SOLAPI_API_KEY;
    if (saved.secret === undefined) delete process.env.SOLAPI_API_SECRET;
  }
});
