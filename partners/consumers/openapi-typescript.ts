// openapi-typescript gives types only; openapi-fetch makes the calls with them. A middleware
// signs every request. Calls return { data, error, response }: a refusal's `error` is the
// error body, typed by the status's schema.
import createClient from 'openapi-fetch';
import type { Client } from 'openapi-fetch';
import type { paths } from './generated/schema';
import { OPTIONS, authorization, plan, run } from './harness';
import type { Answers } from './harness';

function signedClient(baseUrl: string): Client<paths> {
  const client = createClient<paths>({ baseUrl });
  client.use({
    onRequest({ request }) {
      request.headers.set('Authorization', authorization());
      return request;
    },
  });
  return client;
}

function must<T>(result: { data?: T; error?: unknown; response: Response }): T {
  if (result.data === undefined) {
    throw new Error(`HTTP ${result.response.status}: ${JSON.stringify(result.error)}`);
  }
  return result.data;
}

const DELETE = '/crm-core/v1/records/bulk/delete';
const CREATE = '/crm-core/v1/properties';

async function main(): Promise<Answers> {
  const client = signedClient(plan.baseUrl);
  const trashFirst = must(await client.POST(DELETE, { body: { recordIds: [plan.trashFirst] } }));
  const soft = must(await client.POST(DELETE, {
    body: { recordIds: [plan.trashFirst, plan.soft, plan.unknown] },
  }));
  const permanent = must(await client.POST(DELETE, { body: { recordIds: [plan.permanent], permanent: true } }));
  const dropdown = must(await client.POST(CREATE, {
    body: { entityId: plan.entityId, name: plan.dropdownName, fieldType: 'DROPDOWN', options: OPTIONS },
  }));
  const textBody = { entityId: plan.entityId, name: plan.textName, fieldType: 'TEXT' } as const;
  const text = must(await client.POST(CREATE, { body: textBody }));
  const refused = await client.POST(CREATE, { body: textBody });
  const conflict = { status: refused.response.status, errorCode: refused.error?.errorCode ?? '' };
  const future = signedClient(plan.futureUrl);
  const futureDelete = must(await future.POST(DELETE, { body: { recordIds: [plan.soft] } }));
  const futureProperty = must(await future.POST(CREATE, { body: textBody }));
  return { trashFirst, soft, permanent, dropdown, text, conflict, futureDelete, futureProperty };
}

run(main);
