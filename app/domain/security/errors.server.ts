// Errors that carry an HTTP status, thrown by domain guards and turned into responses.
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly code = 'error',
  ) {
    super(message);
  }
}
