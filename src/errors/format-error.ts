/**
 * The one boundary where errors leave the service: known errors keep their code and message, database outages
 * become SERVICE_UNAVAILABLE, input the schema refused keeps Apollo's code, and everything else is masked.
 */
import { unwrapResolverError } from '@apollo/server/errors';
import { ConnectionException, DriverException } from '@mikro-orm/core';
import type { GraphQLFormattedError } from 'graphql';
import { ErrorCode, ServiceUnavailableError, isAppError } from './app-errors.js';

/** Codes Apollo and graphql-js assign to requests the schema itself refused. */
const PASS_THROUGH = new Set(['GRAPHQL_PARSE_FAILED', 'GRAPHQL_VALIDATION_FAILED', 'BAD_USER_INPUT', 'BAD_REQUEST', 'PERSISTED_QUERY_NOT_FOUND', 'OPERATION_RESOLUTION_FAILURE']);

export function formatError(formatted: GraphQLFormattedError, error: unknown, log: (e: unknown) => void = () => undefined): GraphQLFormattedError {
  const original = unwrapResolverError(error);
  if (isAppError(original)) {
    return { message: original.message, path: formatted.path, locations: formatted.locations, extensions: { ...original.extensions } };
  }
  if (original instanceof ConnectionException || (original instanceof DriverException && /connect|ECONNREFUSED|terminat/i.test(original.message))) {
    const e = new ServiceUnavailableError();
    return { message: e.message, path: formatted.path, extensions: { code: ErrorCode.SERVICE_UNAVAILABLE } };
  }
  const code = formatted.extensions?.code;
  if (typeof code === 'string' && PASS_THROUGH.has(code)) return formatted;
  log(original);
  return { message: 'Internal server error', path: formatted.path, extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR } };
}
