// Must NOT compile: RADIO needs options.
import { createCrmCoreClient } from '../dist/index.js';

const client = createCrmCoreClient();
export const call = client.POST('/crm-core/v1/properties', {
  body: { entityId: 'CRMET1260423081530123XYZ11122233', name: '선택', fieldType: 'RADIO' },
});
