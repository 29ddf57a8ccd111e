// openapi-generator `typescript-axios`: the generated Configuration takes the signed header
// as its apiKey function, which the client calls for every request; answers are axios
// responses, and a refusal is an AxiosError whose `response.data` is the error body.
import { isAxiosError } from 'axios';
import { Configuration, PropertiesApi, RecordsApi } from './generated';
import type { ErrorBody } from './generated';
import { OPTIONS, authorization, plan, run } from './harness';
import type { Answers } from './harness';

function apis(basePath: string): { records: RecordsApi; properties: PropertiesApi } {
  const configuration = new Configuration({ basePath, apiKey: () => authorization() });
  return { records: new RecordsApi(configuration), properties: new PropertiesApi(configuration) };
}

async function main(): Promise<Answers> {
  const { records, properties } = apis(plan.baseUrl);
  const trashFirst = (await records.bulkDeleteRecords({ recordIds: new Set([plan.trashFirst]) })).data;
  const soft = (await records.bulkDeleteRecords({
    recordIds: new Set([plan.trashFirst, plan.soft, plan.unknown]),
  })).data;
  const permanent = (await records.bulkDeleteRecords({
    recordIds: new Set([plan.permanent]), permanent: true,
  })).data;
  const dropdown = (await properties.createProperty({
    entityId: plan.entityId, name: plan.dropdownName, fieldType: 'DROPDOWN', options: OPTIONS,
  })).data;
  const text = (await properties.createProperty({
    entityId: plan.entityId, name: plan.textName, fieldType: 'TEXT',
  })).data;
  let conflict = { status: 0, errorCode: '' };
  try {
    await properties.createProperty({ entityId: plan.entityId, name: plan.textName, fieldType: 'TEXT' });
  } catch (error) {
    if (!isAxiosError<ErrorBody>(error) || error.response === undefined) throw error;
    conflict = { status: error.response.status, errorCode: error.response.data.errorCode };
  }
  const future = apis(plan.futureUrl);
  const futureDelete = (await future.records.bulkDeleteRecords({ recordIds: new Set([plan.soft]) })).data;
  const futureProperty = (await future.properties.createProperty({
    entityId: plan.entityId, name: plan.textName, fieldType: 'TEXT',
  })).data;
  return { trashFirst, soft, permanent, dropdown, text, conflict, futureDelete, futureProperty };
}

run(main);
