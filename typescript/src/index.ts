export { createCrmCoreClient, expectSuccess, PRODUCTION, retryAfterMs } from './client.js';
export type { ClientOptions, RetryPolicy } from './client.js';
export { CrmCoreError } from './errors.js';
export type { components, operations, paths } from './schema.js';
export {
  API_KEY_ENV,
  API_SECRET_ENV,
  computeSignature,
  Credentials,
  MissingCredentialsError,
  newDate,
  newSalt,
  renderHeader,
  RequestSigner,
  SCHEME,
} from './signing.js';
