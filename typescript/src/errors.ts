/** What the API answered when it refused a call: its status and error body. */
export class CrmCoreError extends Error {
  readonly status: number;
  readonly errorCode: string;
  readonly errorMessage: string;

  constructor(status: number, errorCode: string, errorMessage: string) {
    super(`${status} ${errorCode}: ${errorMessage}`);
    this.name = 'CrmCoreError';
    this.status = status;
    this.errorCode = errorCode;
    this.errorMessage = errorMessage;
  }

  /** From a response and its parsed body (any shape: a proxy may answer in its own). */
  static from(response: Response, body: unknown): CrmCoreError {
    const fields = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
    const errorCode = typeof fields.errorCode === 'string' ? fields.errorCode : `HTTP${response.status}`;
    const errorMessage =
      typeof fields.errorMessage === 'string' ? fields.errorMessage : response.statusText || 'no error body';
    return new CrmCoreError(response.status, errorCode, errorMessage);
  }
}
