/** Readers of environment values shared by the service's configuration and each gateway's own section. */
import { z } from 'zod';

/** A comma-separated list; empty entries dropped. */
export const csv = z
  .string()
  .optional()
  .transform((v) => (v ?? '').split(',').map((s) => s.trim()).filter(Boolean));
