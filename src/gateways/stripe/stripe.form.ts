/**
 * Stripe's request bodies: `application/x-www-form-urlencoded` with bracket notation for nesting
 * (`payment_intent_data[metadata][reference]=R1`, `line_items[0][quantity]=1`). Shared with the simulator, which
 * reads them back.
 */

/** A value Stripe's form notation can carry. */
export type FormValue = string | number | boolean | null | undefined | FormValue[] | { [key: string]: FormValue };

/** Encodes `params` in bracket notation; null and undefined values are left out. */
export function encodeForm(params: Record<string, FormValue>): string {
  const out = new URLSearchParams();
  const walk = (key: string, value: FormValue) => {
    if (value === null || value === undefined) return;
    if (Array.isArray(value)) value.forEach((v, i) => walk(`${key}[${i}]`, v));
    else if (typeof value === 'object') for (const [k, v] of Object.entries(value)) walk(`${key}[${k}]`, v);
    else out.append(key, String(value));
  };
  for (const [k, v] of Object.entries(params)) walk(k, v);
  return out.toString();
}

/**
 * Reads a bracket-notation form back into nested objects (arrays stay objects keyed by index, which is all the
 * simulator needs). Keys deeper than 5 levels, or past 200 fields, are dropped: a form is not a way to make us work.
 */
export function decodeForm(body: string): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  let fields = 0;
  for (const [key, value] of new URLSearchParams(body)) {
    if (++fields > 200) break;
    const path = key.match(/^([^[\]]+)((?:\[[^[\]]*\])*)$/);
    if (!path) continue;
    const parts = [path[1], ...[...path[2].matchAll(/\[([^[\]]*)\]/g)].map((m) => m[1])];
    if (parts.length > 5 || parts.some((p) => p === '__proto__' || p === 'constructor' || p === 'prototype')) continue;
    // `expand[]=a&expand[]=b`: a list under `expand`.
    const isList = parts.length > 1 && parts[parts.length - 1] === '';
    const keys = isList ? parts.slice(0, -1) : parts;
    let node = root;
    for (const part of keys.slice(0, -1)) {
      if (typeof node[part] !== 'object' || node[part] === null) node[part] = {};
      node = node[part] as Record<string, unknown>;
    }
    const last = keys[keys.length - 1];
    if (isList) {
      if (!Array.isArray(node[last])) node[last] = [];
      (node[last] as string[]).push(value);
    } else node[last] = value;
  }
  return root;
}
