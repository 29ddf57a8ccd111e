// Must compile under tsc --strict: the shapes partners write.
import { createCrmCoreClient, expectSuccess, type components } from '../dist/index.js';

const client = createCrmCoreClient({ baseUrl: 'http://127.0.0.1:8080' });
const choice: components['schemas']['CreateChoicePropertyRequest'] = {
  entityId: 'CRMET1260423081530123XYZ11122233',
  name: '계약 상태',
  fieldType: 'RADIO',
  options: [{ label: '진행 중', value: 'IN_PROGRESS', priority: 1 }],
};
export async function run(): Promise<number> {
  const created = expectSuccess(await client.POST('/crm-core/v1/properties', { body: choice }));
  const scalar = expectSuccess(await client.POST('/crm-core/v1/properties', {
    body: { entityId: created.entityId, name: '메모', fieldType: 'TEXT', isMasked: false },
  }));
  const deleted = expectSuccess(await client.POST('/crm-core/v1/records/bulk/delete', {
    body: { recordIds: ['CRMRC1260423081530123REC11122233'], permanent: true },
  }));
  const reason: string | undefined = deleted.failed[0]?.reason;
  return deleted.deletedCount + scalar.options.length + (reason === undefined ? 0 : 1);
}
