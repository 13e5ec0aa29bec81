/**
 * Cart lifecycle.
 *
 * OPEN: the shopper edits it. CHECKED_OUT: frozen while an order placed from it waits for payment or is done.
 * A cancelled or failed payment reopens the same cart (CHECKED_OUT -> OPEN); a late authorisation that revives
 * the order freezes it again (OPEN -> CHECKED_OUT). There is never a second cart for one lineage (invariant 1).
 */
import { StateMachine } from '../state-machine/state-machine.js';

export enum CartStatus {
  OPEN = 'OPEN',
  CHECKED_OUT = 'CHECKED_OUT',
}

export interface CartGuardContext {
  lineCount: number;
}

export const cartMachine = new StateMachine<CartStatus, CartGuardContext>(
  'Cart',
  Object.values(CartStatus),
  {
    [CartStatus.OPEN]: [CartStatus.CHECKED_OUT],
    [CartStatus.CHECKED_OUT]: [CartStatus.OPEN],
  },
  {
    'OPEN->CHECKED_OUT': (c) => (c.lineCount === 0 ? 'the cart is empty' : undefined),
  },
);
