import { BadUserInputError } from '../../errors/app-errors.js';
import { storableText } from './storable-text.js';

/** A reason a person gives for a back-office action, kept in the audit trail: required, 3 to 500 characters. */
export function checkReason(reason: string): string {
  const r = reason.trim();
  if (r.length < 3 || r.length > 500) throw new BadUserInputError('reason must be 3 to 500 characters', { field: 'reason' });
  return storableText(r, 500);
}
