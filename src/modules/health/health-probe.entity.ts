import { defineEntity, p } from '@mikro-orm/core';

/**
 * One row per service instance that the readiness check writes: reading alone would not notice a database that
 * can no longer be written (a read-only or full disk, a lock held elsewhere), and a write that succeeds is the
 * proof that the service can do its job right now.
 */
export const HealthProbeSchema = defineEntity({
  name: 'HealthProbe',
  tableName: 'health_probes',
  properties: {
    /** Which instance wrote it (host and process id). */
    instance: p.string().length(100).primary(),
    checkedAt: p.datetime(),
  },
});
export class HealthProbe extends HealthProbeSchema.class {}
HealthProbeSchema.setClass(HealthProbe);
