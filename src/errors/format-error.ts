/**
 * The one boundary where errors leave the service: known errors keep their code and message, a database that is
 * down, unreachable, busy or out of disk becomes SERVICE_UNAVAILABLE (database-errors.ts), input the schema refused keeps Apollo's code, and everything else is masked.
 */
import { unwrapResolverError } from '@apollo/server/errors';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { isDatabaseUnavailable } from '../db/database-errors.js';
import { ErrorCode, ServiceUnavailableError, isAppError } from './app-errors.js';

/** Codes Apollo and graphql-js assign to requests the schema itself refused. */
const PASS_THROUGH = new Set(['GRAPHQL_PARSE_FAILED', 'GRAPHQL_VALIDATION_FAILED', 'BAD_USER_INPUT', 'BAD_REQUEST', 'PERSISTED_QUERY_NOT_FOUND', 'OPERATION_RESOLUTION_FAILURE']);

/**
 * The error that was thrown, under the GraphQLErrors that graphql-js and Apollo wrap it in (a subscription's source
 * error is wrapped without a path, which Apollo's own unwrapping does not look through).
 */
function unwrap(error: unknown): unknown {
  let current = unwrapResolverError(error);
  while (current instanceof GraphQLError && !isAppError(current) && current.originalError) current = current.originalError;
  return current;
}

export function formatError(formatted: GraphQLFormattedError, error: unknown, log: (e: unknown) => void = () => undefined): GraphQLFormattedError {
  const original = unwrap(error);
  if (isAppError(original)) {
    return { message: original.message, path: formatted.path, locations: formatted.locations, extensions: { ...original.extensions } };
  }
  if (isDatabaseUnavailable(original)) {
    return { message: new ServiceUnavailableError().message, path: formatted.path, extensions: { code: ErrorCode.SERVICE_UNAVAILABLE } };
  }
  const code = formatted.extensions?.code;
  if (typeof code === 'string' && PASS_THROUGH.has(code)) return formatted;
  log(original);
  return { message: 'Internal server error', path: formatted.path, extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR } };
}

/**
 * The same boundary for graphql-ws, which has no Apollo in front of it: errors about the request itself (syntax,
 * validation) carry no code there, and get Apollo's; everything else goes through formatError.
 */
export function formatSubscriptionError(error: GraphQLError, log: (e: unknown) => void = () => undefined): GraphQLFormattedError {
  if (!error.originalError && !error.extensions?.code) {
    return { ...error.toJSON(), extensions: { ...error.extensions, code: 'GRAPHQL_VALIDATION_FAILED' } };
  }
  return formatError(error.toJSON(), error, log);
}
