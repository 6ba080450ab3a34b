import { ErrorBody, ErrorCode, httpStatusFor } from '@conduit/contracts';

/** RFC 9457 problem details, with our error code and field errors as extension members. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: ErrorCode;
  errors?: { path: string; message: string }[];
  [extension: string]: unknown;
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

export function problemFrom(error: ErrorBody, status = httpStatusFor(error.code)): Problem {
  const { fields, ...rest } = (error.details ?? {}) as { fields?: Problem['errors'] } & Record<
    string,
    unknown
  >;
  return {
    ...rest,
    type: `urn:conduit:problem:${error.code.toLowerCase().replace(/_/g, '-')}`,
    title: titleFor(error.code),
    status,
    detail: error.message,
    code: error.code,
    ...(fields ? { errors: fields } : {}),
  };
}

function titleFor(code: ErrorCode): string {
  const words = code.toLowerCase().split('_').join(' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}
