// swagger-typescript-api: the Api class asks its securityWorker for the request parameters of
// every secured call, so it hands back a freshly signed header each time. A refusal is thrown
// as the response itself, with the error body parsed into its `error`.
import { Api } from './generated/api';
import type { ErrorBody, HttpResponse } from './generated/api';
import { OPTIONS, authorization, plan, run } from './harness';
import type { Answers } from './harness';

function signedApi(baseUrl: string): Api<unknown> {
  return new Api({ baseUrl, securityWorker: () => ({ headers: { Authorization: authorization() } }) });
}

function isRefusal(error: unknown): error is HttpResponse<unknown, ErrorBody> {
  return error instanceof Response && 'error' in error;
}

async function main(): Promise<Answers> {
  const { crmCore } = signedApi(plan.baseUrl);
  const trashFirst = (await crmCore.bulkDeleteRecords({ recordIds: [plan.trashFirst] })).data;
  const soft = (await crmCore.bulkDeleteRecords({
    recordIds: [plan.trashFirst, plan.soft, plan.unknown],
  })).data;
  const permanent = (await crmCore.bulkDeleteRecords({ recordIds: [plan.permanent], permanent: true })).data;
  const dropdown = (await crmCore.createProperty({
    entityId: plan.entityId, name: plan.dropdownName, fieldType: 'DROPDOWN', options: OPTIONS,
  })).data;
  const textBody = { entityId: plan.entityId, name: plan.textName, fieldType: 'TEXT' } as const;
  const text = (await crmCore.createProperty(textBody)).data;
  let conflict = { status: 0, errorCode: '' };
  try {
    await crmCore.createProperty(textBody);
  } catch (error) {
    if (!isRefusal(error)) throw error;
    conflict = { status: error.status, errorCode: error.error.errorCode };
  }
  const future = signedApi(plan.futureUrl).crmCore;
  const futureDelete = (await future.bulkDeleteRecords({ recordIds: [plan.soft] })).data;
  const futureProperty = (await future.createProperty(textBody)).data;
  return { trashFirst, soft, permanent, dropdown, text, conflict, futureDelete, futureProperty };
}

run(main);
