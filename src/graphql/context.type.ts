import type { OrderAccess } from '../modules/access/order-access.js';
import type { Services } from '../app/services.js';

/** What every resolver receives: who is asking, and the services. */
export interface GraphQLContext {
  access: OrderAccess;
  services: Services;
}
