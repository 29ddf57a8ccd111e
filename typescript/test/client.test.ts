// The client against a real mock on 127.0.0.1 (CRM_CORE_MOCK_URL, started by
// tests/test_typescript_client.py with --signatures-per-key CRM_CORE_KEY_BUDGET), and its
// retry policy against an injected transport.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { createCrmCoreClient, CrmCoreError, expectSuccess } from '../dist/index.js';

const baseUrl = process.env.CRM_CORE_MOCK_URL ?? '';
const OWNER = { apiKey: 'NCSXXXXXXXXXXXXX', apiSecret: 'YOUR_API_SECRET' };
const MEMBER = { apiKey: 'NCSMEMBERXXXXXXX', apiSecret: 'YOUR_MEMBER_SECRET' };
const BUDGET_KEY = { apiKey: process.env.CRM_CORE_BUDGET_KEY ?? '', apiSecret: process.env.CRM_CORE_BUDGET_SECRET ?? '' };
const ENTITY = 'CRMET1260423081530123XYZ11122233';
const RECORD_SOFT = 'CRMRC1260423081530123REC11122233';
const RECORD_PERMANENT = 'CRMRC1260423081530124REC11122234';
const UNKNOWN_RECORD = 'CRMRC1260423081530999NOPE0000000';
const noRetry = { retry: { maxRetries: 0 } };

async function refusal(promise: Promise<unknown>): Promise<CrmCoreError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof CrmCoreError, String(error));
    return error;
  }
  assert.fail('expected a CrmCoreError');
}

test('bulk delete: soft, then the same id again, then permanent', async () => {
  const client = createCrmCoreClient({ baseUrl, ...OWNER });
  const soft = expectSuccess(await client.POST('/crm-core/v1/records/bulk/delete', {
    body: { recordIds: [RECORD_SOFT, UNKNOWN_RECORD] },
  }));
  assert.equal(soft.permanent, false);
  assert.equal(soft.deletedCount, 1);
  assert.deepEqual(soft.deleted, [{ recordId: RECORD_SOFT, entityId: ENTITY }]);
  assert.deepEqual(soft.failed.map((f) => [f.recordId, f.reason]), [[UNKNOWN_RECORD, 'NOT_FOUND']]);
  assert.match(soft.dateTrashExpires ?? '', /Z$/);

  const again = expectSuccess(await client.POST('/crm-core/v1/records/bulk/delete', {
    body: { recordIds: [RECORD_SOFT] },
  }));
  assert.deepEqual(again.failed.map((f) => f.reason), ['ALREADY_IN_TRASH']);

  const permanent = expectSuccess(await client.POST('/crm-core/v1/records/bulk/delete', {
    body: { recordIds: [RECORD_PERMANENT], permanent: true },
  }));
  assert.equal(permanent.permanent, true);
  assert.equal(permanent.deletedCount, 1);
  assert.equal(permanent.dateTrashExpires, null);
});

test('create property: a choice type with options, a scalar type, a masked one with a key', async () => {
  const client = createCrmCoreClient({ baseUrl, ...OWNER });
  const choice = expectSuccess(await client.POST('/crm-core/v1/properties', {
    body: {
      entityId: ENTITY, name: 'TS 계약 상태', fieldType: 'DROPDOWN',
      options: [{ label: '진행 중', value: 'IN_PROGRESS', priority: 1 }],
    },
  }));
  assert.equal(choice.fieldType, 'DROPDOWN');
  assert.deepEqual(choice.options.map((o) => o.value), ['IN_PROGRESS']);
  const scalar = expectSuccess(await client.POST('/crm-core/v1/properties', {
    body: { entityId: ENTITY, name: 'TS 메모', fieldType: 'TEXT' },
  }));
  assert.deepEqual(scalar.options, []);
  assert.equal(scalar.isMasked, false);
  const masked = expectSuccess(await client.POST('/crm-core/v1/properties', {
    body: { entityId: ENTITY, name: 'TS 휴대폰', fieldType: 'PHONE', isMasked: true, key: 'ts_phone' },
  }));
  assert.equal(masked.isMasked, true);
  assert.equal(masked.key, 'ts_phone');
});

test('each documented error comes back as a CrmCoreError with its status and errorCode', async () => {
  const owner = createCrmCoreClient({ baseUrl, ...OWNER, ...noRetry });
  const member = createCrmCoreClient({ baseUrl, ...MEMBER, ...noRetry });
  const cases: Array<[number, string, () => Promise<unknown>]> = [
    // The client always signs: a proxy that drops the header is what gets a 401.
    [401, 'Unauthorized', () => createCrmCoreClient({ baseUrl, ...OWNER, ...noRetry,
      fetch: (request) => { request.headers.delete('Authorization'); return fetch(request); } })
      .POST('/crm-core/v1/records/bulk/delete', { body: { recordIds: [UNKNOWN_RECORD] } }).then(expectSuccess)],
    [400, 'ValidationError', () => owner.POST('/crm-core/v1/records/bulk/delete', { body: { recordIds: [] } }).then(expectSuccess)],
    [400, 'InvalidAPIKey', () => createCrmCoreClient({ baseUrl, apiKey: 'NCSUNKNOWNXXXXXX', apiSecret: 'x', ...noRetry })
      .POST('/crm-core/v1/records/bulk/delete', { body: { recordIds: [UNKNOWN_RECORD] } }).then(expectSuccess)],
    [403, 'SignatureDoesNotMatch', () => createCrmCoreClient({ baseUrl, apiKey: OWNER.apiKey, apiSecret: 'wrong', ...noRetry })
      .POST('/crm-core/v1/records/bulk/delete', { body: { recordIds: [UNKNOWN_RECORD] } }).then(expectSuccess)],
    [403, 'Forbidden', () => member.POST('/crm-core/v1/properties', { body: { entityId: ENTITY, name: 'x', fieldType: 'TEXT' } }).then(expectSuccess)],
    [404, 'NotFound', () => owner.POST('/crm-core/v1/properties', {
      body: { entityId: 'CRMET1260423081530123NOPE0000000', name: 'x', fieldType: 'TEXT' } }).then(expectSuccess)],
    [409, 'DuplicatedName', () => owner.POST('/crm-core/v1/properties', { body: { entityId: ENTITY, name: 'TS 메모', fieldType: 'TEXT' } }).then(expectSuccess)],
    [413, 'PayloadTooLarge', () => owner.POST('/crm-core/v1/properties', {
      body: { entityId: ENTITY, name: 'big', fieldType: 'TEXT', description: 'x'.repeat(2 * 1024 * 1024) } }).then(expectSuccess)],
    [415, 'UnsupportedMediaType', () => owner.POST('/crm-core/v1/records/bulk/delete', {
      body: { recordIds: [UNKNOWN_RECORD] }, headers: { 'Content-Type': 'text/plain' } }).then(expectSuccess)],
  ];
  // One at a time: each call is made and awaited in turn.
  for (const [status, errorCode, call] of cases) {
    const error = await refusal(call());
    assert.equal(error.status, status, `${errorCode}: ${error.message}`);
    assert.equal(error.errorCode, errorCode);
    assert.ok(error.errorMessage.length > 0);
  }
});

test('a key over its budget gets 429 TooManyRequests, with Retry-After', async () => {
  const client = createCrmCoreClient({ baseUrl, ...BUDGET_KEY, ...noRetry });
  const budget = Number(process.env.CRM_CORE_KEY_BUDGET);
  for (let i = 0; i < budget; i += 1) {
    expectSuccess(await client.POST('/crm-core/v1/records/bulk/delete', { body: { recordIds: [UNKNOWN_RECORD] } }));
  }
  const { response, error } = await client.POST('/crm-core/v1/records/bulk/delete', { body: { recordIds: [UNKNOWN_RECORD] } });
  assert.equal(response.status, 429);
  assert.equal((error as { errorCode: string }).errorCode, 'TooManyRequests');
  assert.match(response.headers.get('Retry-After') ?? '', /^\d+$/);
});

// --- the retry policy, on an injected transport ---------------------------------------------

function scripted(answers: Array<() => Response | Promise<Response>>) {
  const seen: Request[] = [];
  const fetch = async (request: Request): Promise<Response> => {
    seen.push(request);
    const next = answers.shift();
    assert.ok(next, 'more attempts than scripted');
    return next();
  };
  return { seen, fetch };
}

const ok = () => Response.json({ permanent: false, requestedCount: 1, deletedCount: 0, failedCount: 1,
  deleted: [], failed: [], dateDeleted: '2026-04-23T08:20:00.000Z', dateTrashExpires: null });

test('429 is retried after Retry-After, every attempt signed afresh with the same body', async () => {
  const waits: number[] = [];
  const { seen, fetch } = scripted([
    () => Response.json({ errorCode: 'TooManyRequests', errorMessage: 'slow down' }, { status: 429, headers: { 'Retry-After': '2' } }),
    ok,
  ]);
  const client = createCrmCoreClient({ baseUrl: 'http://127.0.0.1:9', ...OWNER, fetch, sleep: async (ms) => { waits.push(ms); } });
  const result = await client.POST('/crm-core/v1/records/bulk/delete', { body: { recordIds: [UNKNOWN_RECORD] } });
  assert.equal(result.response.status, 200);
  assert.deepEqual(waits, [2000]);
  assert.equal(seen.length, 2);
  const [first, second] = seen.map((r) => r.headers.get('Authorization'));
  assert.notEqual(first, second);
  assert.deepEqual(await Promise.all(seen.map((r) => r.text())), Array(2).fill(JSON.stringify({ recordIds: [UNKNOWN_RECORD] })));
});

test('retries are bounded and 500 is never retried', async () => {
  const busy = () => Response.json({ errorCode: 'TooManyRequests', errorMessage: 'busy' }, { status: 429 });
  const { seen, fetch } = scripted([busy, busy, busy]);
  const client = createCrmCoreClient({ baseUrl: 'http://127.0.0.1:9', ...OWNER, fetch, sleep: async () => {}, retry: { maxRetries: 2 } });
  const error = await refusal(client.POST('/crm-core/v1/records/bulk/delete', { body: { recordIds: [UNKNOWN_RECORD] } }).then(expectSuccess));
  assert.equal(error.status, 429);
  assert.equal(seen.length, 3);

  const failing = scripted([() => Response.json({ errorCode: 'InternalServerError', errorMessage: 'x' }, { status: 500 })]);
  const once = createCrmCoreClient({ baseUrl: 'http://127.0.0.1:9', ...OWNER, fetch: failing.fetch, sleep: async () => {} });
  assert.equal((await refusal(once.POST('/crm-core/v1/properties', { body: { entityId: ENTITY, name: 'x', fieldType: 'TEXT' } }).then(expectSuccess))).status, 500);
  assert.equal(failing.seen.length, 1);
});

test('a refused connection is retried; a timeout gives up after the retries', async () => {
  const refused = Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED' } });
  const { seen, fetch } = scripted([() => Promise.reject(refused), ok]);
  const client = createCrmCoreClient({ baseUrl: 'http://127.0.0.1:9', ...OWNER, fetch, sleep: async () => {} });
  assert.equal((await client.POST('/crm-core/v1/records/bulk/delete', { body: { recordIds: [UNKNOWN_RECORD] } })).response.status, 200);
  assert.equal(seen.length, 2);

  const slow = async (request: Request) => new Promise<Response>((_, reject) => {
    request.signal.addEventListener('abort', () => reject(request.signal.reason));
  });
  const impatient = createCrmCoreClient({ baseUrl: 'http://127.0.0.1:9', ...OWNER, fetch: slow, timeoutMs: 50,
    sleep: async () => {}, retry: { maxRetries: 1 } });
  await assert.rejects(impatient.POST('/crm-core/v1/records/bulk/delete', { body: { recordIds: [UNKNOWN_RECORD] } }),
    (error: unknown) => error instanceof Error && error.name === 'TimeoutError');
});
