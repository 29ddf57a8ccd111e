// orval (its default client, axios functions): the functions use axios' default instance,
// so one interceptor signs every request and `axios.defaults.baseURL` says where to send it;
// a call's own axios options can point it elsewhere. A refusal is an AxiosError.
import axios, { isAxiosError } from 'axios';
import { bulkDeleteRecords, createProperty } from './generated/client';
import type { ErrorBody } from './generated/client';
import { OPTIONS, authorization, plan, report } from './harness';

axios.defaults.baseURL = plan.baseUrl;
axios.interceptors.request.use((config) => {
  config.headers.set('Authorization', authorization());
  return config;
});

async function main(): Promise<void> {
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
  report({
    trashFirst: { deletedCount: trashFirst.deletedCount },
    soft: {
      permanent: soft.permanent, deletedCount: soft.deletedCount,
      failed: soft.failed.map((f) => ({ recordId: f.recordId, reason: f.reason })),
    },
    permanent: {
      permanent: permanent.permanent, deletedCount: permanent.deletedCount,
      dateTrashExpires: permanent.dateTrashExpires ?? null,
    },
    dropdown: {
      propertyId: dropdown.propertyId, fieldType: dropdown.fieldType,
      options: dropdown.options.map((o) => o.value),
    },
    text: { propertyId: text.propertyId, fieldType: text.fieldType },
    conflict,
    futureDelete: { reasons: futureDelete.failed.map((f) => f.reason) },
    futureProperty: { fieldType: futureProperty.fieldType },
  });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
