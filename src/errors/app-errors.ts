/**
 * The errors the service answers with. Each is a GraphQLError with a literal `extensions.code`, so storefronts can
 * branch on the code; `formatError` (format-error.ts) passes these through and masks everything else.
 */
import { GraphQLError } from 'graphql';

export enum ErrorCode {
  BAD_USER_INPUT = 'BAD_USER_INPUT',
  NOT_FOUND = 'NOT_FOUND',
  FORBIDDEN = 'FORBIDDEN',
  UNAUTHENTICATED = 'UNAUTHENTICATED',
  CONFLICT = 'CONFLICT',
  ILLEGAL_TRANSITION = 'ILLEGAL_TRANSITION',
  SERVICE_UNAVAILABLE = 'SERVICE_UNAVAILABLE',
  /** A limit of the service's own (a setting such as WS_MAX_SUBSCRIPTIONS) refused the request; the caller may retry within it. */
  LIMIT_EXCEEDED = 'LIMIT_EXCEEDED',
  /** The payment method's gateway is not configured on this service: nothing can be paid there. */
  GATEWAY_NOT_CONFIGURED = 'GATEWAY_NOT_CONFIGURED',
  INTERNAL_SERVER_ERROR = 'INTERNAL_SERVER_ERROR',
}

abstract class AppError extends GraphQLError {
  abstract readonly code: ErrorCode;
  constructor(message: string, code: ErrorCode, details?: Record<string, unknown>) {
    // The code goes last: no detail can overwrite it.
    super(message, { extensions: { ...details, code } });
  }
}

export class BadUserInputError extends AppError {
  readonly code = ErrorCode.BAD_USER_INPUT;
  constructor(message: string, details?: Record<string, unknown>) {
    super(message, ErrorCode.BAD_USER_INPUT, details);
  }
}

export class NotFoundError extends AppError {
  readonly code = ErrorCode.NOT_FOUND;
  constructor(what: string, id: string) {
    super(`${what} ${id} not found`, ErrorCode.NOT_FOUND, { what, id });
  }
}

export class ForbiddenError extends AppError {
  readonly code = ErrorCode.FORBIDDEN;
  constructor(message = 'Not allowed') {
    super(message, ErrorCode.FORBIDDEN);
  }
}

export class UnauthenticatedError extends AppError {
  readonly code = ErrorCode.UNAUTHENTICATED;
  constructor(message = 'Credentials are missing or invalid') {
    super(message, ErrorCode.UNAUTHENTICATED);
  }
}

export class ConflictError extends AppError {
  readonly code = ErrorCode.CONFLICT;
  constructor(message: string, details?: Record<string, unknown>) {
    super(message, ErrorCode.CONFLICT, details);
  }
}

/** A state machine refused a transition; `reason` is the guard's own words. */
export class IllegalTransitionError extends AppError {
  readonly code = ErrorCode.ILLEGAL_TRANSITION;
  constructor(machine: string, from: string, to: string, reason: string) {
    super(`${machine} cannot go from ${from} to ${to}: ${reason}`, ErrorCode.ILLEGAL_TRANSITION, { machine, from, to, reason });
  }
}

/** The database (or another dependency) is unavailable: the caller may retry. */
export class ServiceUnavailableError extends AppError {
  readonly code = ErrorCode.SERVICE_UNAVAILABLE;
  constructor(message = 'The service is temporarily unavailable; retry later') {
    super(message, ErrorCode.SERVICE_UNAVAILABLE);
  }
}

/**
 * A request went beyond one of the service's limits. `setting` names the configuration setting (e.g.
 * `WS_MAX_SUBSCRIPTIONS`) and `max` its value, so a client can tell which limit it met.
 */
export class LimitExceededError extends AppError {
  readonly code = ErrorCode.LIMIT_EXCEEDED;
  constructor(message: string, setting: string, max: number) {
    super(message, ErrorCode.LIMIT_EXCEEDED, { setting, max });
  }
}

export function isAppError(e: unknown): e is AppError {
  return e instanceof AppError;
}

/** Asked for a gateway this service is not configured for (checkout with it, say). */
export class GatewayNotConfiguredError extends AppError {
  readonly code = ErrorCode.GATEWAY_NOT_CONFIGURED;
  constructor(gateway: string, details?: Record<string, unknown>) {
    super(`the ${gateway} gateway is not configured on this service`, ErrorCode.GATEWAY_NOT_CONFIGURED, { gateway, ...details });
  }
}
