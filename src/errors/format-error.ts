/**
 * The one boundary where errors leave the service: known errors keep their code and message, a database that is
 * down, unreachable, busy or out of disk becomes SERVICE_UNAVAILABLE (database-errors.ts), input the schema refused keeps Apollo's code, and everything else is masked.
 */
import { unwrapResolverError } from '@apollo/server/errors';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { isDatabaseUnavailable } from '../db/database-errors.js';
import { ErrorCode, ServiceUnavailableError, isAppError } from './app-errors.js';

/** What the boundary may say beyond the error itself. */
export interface BoundaryOptions {
  /**
   * Drop graphql-js's "Did you mean …?" suggestions, which name fields, arguments and types the caller may not be
   * allowed to discover (GRAPHQL_INTROSPECTION other than `public`). Done here, rather than with Apollo's
   * `hideSchemaDetailsFromClientErrors`, because that covers only validation over HTTP: variables that do not fit
   * their input type ("Field "idempotencyKy" is not defined … Did you mean …?") and every WebSocket error come
   * through here too.
   */
  hideSuggestions?: boolean;
}

/** graphql-js puts its suggestions at the end of a message; the same pattern as Apollo's DisableSuggestions plugin. */
const SUGGESTION = / ?Did you mean(.+?)\?$/;

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

export function formatError(
  formatted: GraphQLFormattedError,
  error: unknown,
  log: (e: unknown) => void = () => undefined,
  options: BoundaryOptions = {},
): GraphQLFormattedError {
  const original = unwrap(error);
  if (isAppError(original)) {
    return { message: original.message, path: formatted.path, locations: formatted.locations, extensions: { ...original.extensions } };
  }
  if (isDatabaseUnavailable(original)) {
    return { message: new ServiceUnavailableError().message, path: formatted.path, extensions: { code: ErrorCode.SERVICE_UNAVAILABLE } };
  }
  const code = formatted.extensions?.code;
  if (typeof code === 'string' && PASS_THROUGH.has(code)) {
    return options.hideSuggestions && SUGGESTION.test(formatted.message) ? { ...formatted, message: formatted.message.replace(SUGGESTION, '') } : formatted;
  }
  log(original);
  return { message: 'Internal server error', path: formatted.path, extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR } };
}

/**
 * The same boundary for graphql-ws, which has no Apollo in front of it: errors about the request itself (syntax,
 * validation) carry no code there, and get Apollo's; everything else goes through formatError.
 */
export function formatSubscriptionError(error: GraphQLError, log: (e: unknown) => void = () => undefined, options: BoundaryOptions = {}): GraphQLFormattedError {
  if (!error.originalError && !error.extensions?.code) {
    return formatError({ ...error.toJSON(), extensions: { ...error.extensions, code: 'GRAPHQL_VALIDATION_FAILED' } }, error, log, options);
  }
  return formatError(error.toJSON(), error, log, options);
}
