/**
 * `createCrmCoreClient`: the generated types behind openapi-fetch, every attempt signed afresh,
 * timeouts and bounded retries as openapi.yaml describes them.
 *
 * @example
 * const client = createCrmCoreClient(); // SOLAPI_API_KEY / SOLAPI_API_SECRET
 * const result = expectSuccess(await client.POST('/crm-core/v1/records/bulk/delete', {
 *   body: { recordIds: ['CRMRC1260423081530123REC11122233'] },
 * }));
 * console.log(result.deletedCount);
 */
import createClient, { type Client } from 'openapi-fetch';

import { CrmCoreError } from './errors.js';
import type { paths } from './schema.js';
import { Credentials, RequestSigner } from './signing.js';

export const PRODUCTION = 'https://api.solapi.com';

export interface RetryPolicy {
  /** Re-sends after the first attempt (default 3). */
  maxRetries: number;
  /** First back-off in milliseconds, doubled per retry, with jitter (default 500). */
  backoffMs: number;
  /** The longest wait, also for `Retry-After` (default 20,000). */
  maxBackoffMs: number;
  /**
   * Re-send after 502, 503, 504 or a dropped connection, whose outcome is unknown: openapi.yaml
   * advises it for both operations (default true). 429 and a failure to connect (never sent)
   * are always retried.
   */
  resendOnUnknownOutcome: boolean;
}

export interface ClientOptions {
  baseUrl?: string;
  apiKey?: string;
  apiSecret?: string;
  /** Milliseconds for one attempt, answer included (default 30,000). */
  timeoutMs?: number;
  retry?: Partial<RetryPolicy>;
  /** Injectable for tests: the transport, the sleep between attempts, the clock. */
  fetch?: (request: Request) => Promise<Response>;
  sleep?: (ms: number) => Promise<void>;
  now?: () => Date;
}

const DEFAULT_RETRY: RetryPolicy = {
  maxRetries: 3,
  backoffMs: 500,
  maxBackoffMs: 20_000,
  resendOnUnknownOutcome: true,
};
const REFUSED = new Set([429]);
const UNKNOWN_OUTCOME = new Set([502, 503, 504]);

/** Milliseconds a `Retry-After` value asks for (seconds or an HTTP date), if valid. */
export function retryAfterMs(value: string | null, now: Date = new Date()): number | undefined {
  if (value === null) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const date = Date.parse(text);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now.getTime());
}

function isConnectFailure(error: unknown): boolean {
  // undici: fetch() rejects with TypeError('fetch failed') whose cause has the system code.
  const cause = (error as { cause?: { code?: string } } | undefined)?.cause;
  return cause?.code === 'ECONNREFUSED' || cause?.code === 'ENOTFOUND' || cause?.code === 'EAI_AGAIN';
}

/** A typed client for both operations; every attempt carries a new signature. */
export function createCrmCoreClient(options: ClientOptions = {}): Client<paths> {
  const signer = new RequestSigner(Credentials.fromEnvironment(options.apiKey, options.apiSecret), {
    now: options.now,
  });
  const policy: RetryPolicy = { ...DEFAULT_RETRY, ...options.retry };
  const send = options.fetch ?? ((request: Request) => globalThis.fetch(request));
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const timeoutMs = options.timeoutMs ?? 30_000;

  const backoff = (retry: number, response?: Response): number => {
    const asked = response ? retryAfterMs(response.headers.get('Retry-After')) : undefined;
    if (asked !== undefined) return Math.min(asked, policy.maxBackoffMs);
    const exponential = policy.backoffMs * 2 ** retry;
    return Math.min(exponential * (0.5 + Math.random() / 2), policy.maxBackoffMs);
  };

  const signedFetch = async (original: Request): Promise<Response> => {
    // The body is read once here, so that every attempt can send it again.
    const body = original.body === null ? undefined : await original.arrayBuffer();
    for (let retry = 0; ; retry += 1) {
      const request = new Request(original, { body, signal: AbortSignal.timeout(timeoutMs) });
      request.headers.set('Authorization', signer.header());
      let response: Response;
      try {
        response = await send(request);
      } catch (error) {
        const retryable = isConnectFailure(error) || policy.resendOnUnknownOutcome;
        if (retryable && retry < policy.maxRetries) {
          await sleep(backoff(retry));
          continue;
        }
        throw error;
      }
      const retryable =
        REFUSED.has(response.status) || (policy.resendOnUnknownOutcome && UNKNOWN_OUTCOME.has(response.status));
      if (!retryable || retry >= policy.maxRetries) return response;
      await response.body?.cancel();
      await sleep(backoff(retry, response));
    }
  };

  return createClient<paths>({ baseUrl: options.baseUrl ?? PRODUCTION, fetch: signedFetch });
}

/** The parsed success body, or a thrown {@link CrmCoreError} carrying the API's error. */
export function expectSuccess<T>(result: { data?: T; error?: unknown; response: Response }): T {
  if (result.response.ok && result.data !== undefined) return result.data;
  throw CrmCoreError.from(result.response, result.error);
}
