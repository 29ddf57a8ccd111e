// @hey-api/openapi-ts: each call takes the client to use; the client's `auth` callback is
// asked for the Authorization header before every request. Calls return { data, error,
// response } instead of throwing: a refusal's `error` is the error body, typed.
import { createClient, createConfig } from './generated/client';
import type { Client } from './generated/client';
import { bulkDeleteRecords, createProperty } from './generated';
import { OPTIONS, authorization, plan, run } from './harness';
import type { Answers } from './harness';

function signedClient(baseUrl: string): Client {
  return createClient(createConfig({ baseUrl, auth: () => authorization() }));
}

function must<T>(result: { data?: T; error?: unknown; response?: Response }): T {
  if (result.data === undefined) {
    throw new Error(`HTTP ${result.response?.status}: ${JSON.stringify(result.error)}`);
  }
  return result.data;
}

async function main(): Promise<Answers> {
  const client = signedClient(plan.baseUrl);
  const trashFirst = must(await bulkDeleteRecords({ client, body: { recordIds: [plan.trashFirst] } }));
  const soft = must(await bulkDeleteRecords({
    client, body: { recordIds: [plan.trashFirst, plan.soft, plan.unknown] },
  }));
  const permanent = must(await bulkDeleteRecords({
    client, body: { recordIds: [plan.permanent], permanent: true },
  }));
  const dropdown = must(await createProperty({
    client,
    body: { entityId: plan.entityId, name: plan.dropdownName, fieldType: 'DROPDOWN', options: OPTIONS },
  }));
  const textBody = { entityId: plan.entityId, name: plan.textName, fieldType: 'TEXT' } as const;
  const text = must(await createProperty({ client, body: textBody }));
  const refused = await createProperty({ client, body: textBody });
  const conflict = { status: refused.response?.status ?? 0, errorCode: refused.error?.errorCode ?? '' };
  const future = signedClient(plan.futureUrl);
  const futureDelete = must(await bulkDeleteRecords({ client: future, body: { recordIds: [plan.soft] } }));
  const futureProperty = must(await createProperty({ client: future, body: textBody }));
  return { trashFirst, soft, permanent, dropdown, text, conflict, futureDelete, futureProperty };
}

run(main);
