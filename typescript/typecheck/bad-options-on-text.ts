// Must NOT compile: TEXT takes no options (the create-property oneOf is a discriminated union).
import { createCrmCoreClient } from '../dist/index.js';

const client = createCrmCoreClient();
export const call = client.POST('/crm-core/v1/properties', {
  body: {
    entityId: 'CRMET1260423081530123XYZ11122233',
    name: '메모',
    fieldType: 'TEXT',
    options: [{ label: 'a', value: 'a', priority: 1 }],
  },
});
