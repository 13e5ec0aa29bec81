import type { EntityWriter } from '../../db/busy-retry.js';
import type { Orm } from '../../db/orm.js';
import { BadUserInputError, NotFoundError } from '../../errors/app-errors.js';
import { Product } from './product.entity.js';
import { checkMoney, normaliseCurrency } from '../shared/money.js';

/** Stock is a count of units in a 32-bit column (GraphQL Int): two billion units of one SKU is plenty. */
const MAX_STOCK = 2_147_483_647;

export interface ProductInput {
  sku: string;
  name: string;
  unitPrice: number;
  currency: string;
  stockOnHand: number;
}

/** The back office's catalogue. */
export class ProductService {
  constructor(
    private readonly orm: Orm,
    private readonly writer: EntityWriter,
  ) {}

  async list(): Promise<Product[]> {
    return this.orm.em.fork().find(Product, {}, { orderBy: { sku: 'asc' } });
  }

  async get(sku: string): Promise<Product> {
    const p = await this.orm.em.fork().findOne(Product, { sku });
    if (!p) throw new NotFoundError('Product', sku);
    return p;
  }

  /** Creates the product or replaces its name, price and stock. */
  async upsert(input: ProductInput): Promise<Product> {
    if (!/^[A-Za-z0-9._-]{1,64}$/.test(input.sku)) throw new BadUserInputError('sku must be 1-64 letters, digits, dots, dashes or underscores', { field: 'sku' });
    if (!input.name.trim()) throw new BadUserInputError('name must not be empty', { field: 'name' });
    checkMoney(input.unitPrice, 'unitPrice');
    if (!Number.isInteger(input.stockOnHand) || input.stockOnHand < 0 || input.stockOnHand > MAX_STOCK) {
      throw new BadUserInputError(`stockOnHand must be a whole number from 0 to ${MAX_STOCK}`, { field: 'stockOnHand' });
    }
    const currency = normaliseCurrency(input.currency);
    const fields = { name: input.name.trim(), unitPrice: input.unitPrice, currency, stockOnHand: input.stockOnHand };
    return this.writer.write(async (em) => {
      const existing = await em.findOne(Product, { sku: input.sku });
      return existing ? em.assign(existing, fields) : em.create(Product, { sku: input.sku, ...fields });
    });
  }
}
