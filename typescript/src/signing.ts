/**
 * The `Authorization` header CRM Core expects, the counterpart of Python's `auth_plugin`:
 * `HMAC-SHA256 apiKey=<key>, date=<ISO 8601>, salt=<random>, signature=<hex>`, where the
 * signature is HMAC-SHA256(secret, date + salt) in lowercase hex.
 *
 * @example
 * const signer = new RequestSigner(Credentials.fromEnvironment());
 * headers.set('Authorization', signer.header()); // a fresh date and salt every call
 */
import { createHmac, randomBytes } from 'node:crypto';
import { inspect } from 'node:util';

export const SCHEME = 'HMAC-SHA256';
export const API_KEY_ENV = 'SOLAPI_API_KEY';
export const API_SECRET_ENV = 'SOLAPI_API_SECRET';

/** Key or secret missing or not a string. The message never holds a secret. */
export class MissingCredentialsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MissingCredentialsError';
  }
}

/** HMAC-SHA256(secret, date + salt), lowercase hex. */
export function computeSignature(apiSecret: string, date: string, salt: string): string {
  return createHmac('sha256', apiSecret).update(date + salt).digest('hex');
}

/** The header value for already computed parts. */
export function renderHeader(apiKey: string, date: string, salt: string, signature: string): string {
  return `${SCHEME} apiKey=${apiKey}, date=${date}, salt=${salt}, signature=${signature}`;
}

/** `now` as the reference samples send it: UTC with milliseconds and `Z`. */
export function newDate(now: Date = new Date()): string {
  return now.toISOString();
}

/** 32 random hex characters (16 bytes from the system's CSPRNG). */
export function newSalt(): string {
  return randomBytes(16).toString('hex');
}

/** An API key and its secret; the secret stays out of `util.inspect`, JSON and errors. */
export class Credentials {
  readonly apiKey: string;
  readonly #apiSecret: string;

  constructor(apiKey: unknown, apiSecret: unknown) {
    if (typeof apiKey !== 'string' || apiKey === '') {
      throw new MissingCredentialsError(`the API key must be a non-empty string (or set ${API_KEY_ENV})`);
    }
    if (typeof apiSecret !== 'string' || apiSecret === '') {
      throw new MissingCredentialsError(
        `the API secret must be a non-empty string (or set ${API_SECRET_ENV})`,
      );
    }
    this.apiKey = apiKey;
    this.#apiSecret = apiSecret;
  }

  /** From `SOLAPI_API_KEY` / `SOLAPI_API_SECRET`, or the arguments when given. */
  static fromEnvironment(apiKey?: string, apiSecret?: string): Credentials {
    return new Credentials(apiKey ?? process.env[API_KEY_ENV], apiSecret ?? process.env[API_SECRET_ENV]);
  }

  /** The signature of `date` + `salt` with this secret. */
  signature(date: string, salt: string): string {
    return computeSignature(this.#apiSecret, date, salt);
  }

  toJSON(): { apiKey: string } {
    return { apiKey: this.apiKey };
  }

  [inspect.custom](): string {
    return `Credentials { apiKey: '${this.apiKey}', apiSecret: [hidden] }`;
  }
}

export interface SignerOptions {
  /** The clock (injectable for tests). */
  now?: () => Date;
  /** The salt source (injectable for tests). */
  salt?: () => string;
}

/** Signs requests with one key: a fresh date and salt on every call to {@link header}. */
export class RequestSigner {
  readonly #credentials: Credentials;
  readonly #now: () => Date;
  readonly #salt: () => string;

  constructor(credentials: Credentials, options: SignerOptions = {}) {
    this.#credentials = credentials;
    this.#now = options.now ?? (() => new Date());
    this.#salt = options.salt ?? newSalt;
  }

  get apiKey(): string {
    return this.#credentials.apiKey;
  }

  header(): string {
    const date = newDate(this.#now());
    const salt = this.#salt();
    return renderHeader(this.apiKey, date, salt, this.#credentials.signature(date, salt));
  }

  [inspect.custom](): string {
    return `RequestSigner { apiKey: '${this.apiKey}' }`;
  }
}
