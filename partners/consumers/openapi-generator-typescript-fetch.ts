// openapi-generator `typescript-fetch`: the generated Configuration takes the signed
// header as its apiKey function, which the client calls for every request.
// `recordIds` is a Set: openapi-generator types a `uniqueItems` array so (sent as an array).
import { Configuration, PropertiesApi, RecordsApi, ResponseError } from './generated';
import type { ErrorBody } from './generated';
import { OPTIONS, authorization, plan, run } from './harness';
import type { Answers } from './harness';

function apis(basePath: string): { records: RecordsApi; properties: PropertiesApi } {
  const configuration = new Configuration({ basePath, apiKey: () => authorization() });
  return { records: new RecordsApi(configuration), properties: new PropertiesApi(configuration) };
}

async function main(): Promise<Answers> {
  const { records, properties } = apis(plan.baseUrl);
  const trashFirst = await records.bulkDeleteRecords({
    bulkDeleteRecordsRequest: { recordIds: new Set([plan.trashFirst]) },
  });
  const soft = await records.bulkDeleteRecords({
    bulkDeleteRecordsRequest: { recordIds: new Set([plan.trashFirst, plan.soft, plan.unknown]) },
  });
  const permanent = await records.bulkDeleteRecords({
    bulkDeleteRecordsRequest: { recordIds: new Set([plan.permanent]), permanent: true },
  });
  const dropdown = await properties.createProperty({
    createPropertyRequest: {
      entityId: plan.entityId, name: plan.dropdownName, fieldType: 'DROPDOWN', options: OPTIONS,
    },
  });
  const text = await properties.createProperty({
    createPropertyRequest: { entityId: plan.entityId, name: plan.textName, fieldType: 'TEXT' },
  });
  let conflict = { status: 0, errorCode: '' };
  try {
    await properties.createProperty({
      createPropertyRequest: { entityId: plan.entityId, name: plan.textName, fieldType: 'TEXT' },
    });
  } catch (error) {
    if (!(error instanceof ResponseError)) throw error;
    const body = (await error.response.json()) as ErrorBody;
    conflict = { status: error.response.status, errorCode: body.errorCode };
  }
  const future = apis(plan.futureUrl);
  const futureDelete = await future.records.bulkDeleteRecords({
    bulkDeleteRecordsRequest: { recordIds: new Set([plan.soft]) },
  });
  const futureProperty = await future.properties.createProperty({
    createPropertyRequest: { entityId: plan.entityId, name: plan.textName, fieldType: 'TEXT' },
  });
  return { trashFirst, soft, permanent, dropdown, text, conflict, futureDelete, futureProperty };
}

run(main);
