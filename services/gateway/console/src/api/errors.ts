/** An RFC 9457 problem answer (or a network failure) as the console shows it. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly code?: string,
    readonly problem?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** Reads a failed answer's problem+json body into an ApiError with a message a person can act on. */
export async function errorFrom(response: Response): Promise<ApiError> {
  let problem: Record<string, unknown> | undefined;
  try {
    problem = (await response.json()) as Record<string, unknown>;
  } catch {
    problem = undefined;
  }
  const fields = Array.isArray(problem?.errors)
    ? (problem.errors as { path?: string; message?: string }[])
        .map((error) => [error.path, error.message].filter(Boolean).join(': '))
        .join('; ')
    : '';
  const detail = typeof problem?.detail === 'string' ? problem.detail : undefined;
  const title = typeof problem?.title === 'string' ? problem.title : response.statusText;
  const message = [detail ?? title ?? `HTTP ${response.status}`, fields].filter(Boolean).join(' — ');
  const code = typeof problem?.code === 'string' ? problem.code : undefined;
  return new ApiError(response.status, message || `HTTP ${response.status}`, code, problem);
}
