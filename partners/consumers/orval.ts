// orval (its default client, axios functions): the functions use axios' default instance,
// so one interceptor signs every request and `axios.defaults.baseURL` says where to send it;
// a call's own axios options can point it elsewhere. A refusal is an AxiosError.
import axios, { isAxiosError } from 'axios';
import { bulkDeleteRecords, createProperty } from './generated/client';
import type { ErrorBody } from './generated/client';
import { OPTIONS, authorization, plan, run } from './harness';
import type { Answers } from './harness';

axios.defaults.baseURL = plan.baseUrl;
axios.interceptors.request.use((config) => {
  config.headers.set('Authorization', authorization());
  return config;
});

async function main(): Promise<Answers> {
  const trashFirst = (await bulkDeleteRecords({ recordIds: [plan.trashFirst] })).data;
  const soft = (await bulkDeleteRecords({ recordIds: [plan.trashFirst, plan.soft, plan.unknown] })).data;
  const permanent = (await bulkDeleteRecords({ recordIds: [plan.permanent], permanent: true })).data;
  const dropdown = (await createProperty({
    entityId: plan.entityId, name: plan.dropdownName, fieldType: 'DROPDOWN', options: OPTIONS,
  })).data;
  const textBody = { entityId: plan.entityId, name: plan.textName, fieldType: 'TEXT' } as const;
  const text = (await createProperty(textBody)).data;
  let conflict = { status: 0, errorCode: '' };
  try {
    await createProperty(textBody);
  } catch (error) {
    if (!isAxiosError<ErrorBody>(error) || error.response === undefined) throw error;
    conflict = { status: error.response.status, errorCode: error.response.data.errorCode };
  }
  const future = { baseURL: plan.futureUrl };
  const futureDelete = (await bulkDeleteRecords({ recordIds: [plan.soft] }, future)).data;
  const futureProperty = (await createProperty(textBody, future)).data;
  return { trashFirst, soft, permanent, dropdown, text, conflict, futureDelete, futureProperty };
}

run(main);
