/**
 * Who is asking: the back office (admin key) or a storefront holding one order's access token. Built once per
 * request or WebSocket connection from its bearer token.
 */
import { timingSafeEqual } from 'node:crypto';
import { ForbiddenError, UnauthenticatedError } from '../../errors/app-errors.js';

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export class OrderAccess {
  private constructor(
    readonly isAdmin: boolean,
    private readonly token: string | null,
  ) {}

  /** Reads `Bearer <token>` (or a bare token); the admin key makes the caller the back office. */
  static fromAuthorization(header: string | undefined | null, adminApiKey: string | undefined): OrderAccess {
    const token = (header ?? '').replace(/^Bearer\s+/i, '').trim() || null;
    const isAdmin = !!token && !!adminApiKey && sameSecret(token, adminApiKey);
    return new OrderAccess(isAdmin, isAdmin ? null : token);
  }

  static anonymous(): OrderAccess {
    return new OrderAccess(false, null);
  }

  mayRead(order: { accessToken: string }): boolean {
    return this.isAdmin || (!!this.token && sameSecret(this.token, order.accessToken));
  }

  requireAdmin(): void {
    if (this.isAdmin) return;
    if (this.token === null) throw new UnauthenticatedError('the back-office API key is required');
    throw new ForbiddenError('the back-office API key is required');
  }
}
