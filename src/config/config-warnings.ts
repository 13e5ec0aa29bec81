/**
 * What a newly started service cannot do yet because of its configuration, said once at start-up (as warnings,
 * not errors: `npm start` with nothing set must still start, so a newcomer can try the API and the README's
 * walkthrough).
 */
import { GATEWAY_MODULES } from '../gateways/gateway-catalogue.js';
import type { AppConfig } from './config.js';

const LOCAL_HOST = /^(localhost|127\.\d+\.\d+\.\d+|\[::1\]|0\.0\.0\.0)$/i;

export function configurationWarnings(config: AppConfig): string[] {
  const warnings: string[] = [];
  if (!config.adminApiKey) {
    warnings.push('ADMIN_API_KEY is not set: the back office (catalogue, coupons, gift cards, order lists, inbox) is disabled.');
  }
  for (const m of GATEWAY_MODULES) warnings.push(...m.warnings(config.gateways.get(m.name) ?? null));
  if (!GATEWAY_MODULES.some((m) => config.gateways.has(m.name))) {
    warnings.push('No payment gateway is configured: checkout is refused (GATEWAY_NOT_CONFIGURED) until one is.');
  }
  if (!config.storefrontReturnUrlConfigured) {
    warnings.push(`STOREFRONT_RETURN_URL is not set: shoppers come back to the placeholder page ${config.publicBaseUrl}/return; point it at your storefront's confirmation page.`);
  }
  const webhook = config.shopWebhook.url;
  if (!webhook) {
    warnings.push('SHOP_WEBHOOK_URL is not set: the shop\'s systems are not sent order.ready or order.flagged webhooks (those side effects are marked done, unsent).');
  } else if (new URL(webhook).protocol === 'http:' && !LOCAL_HOST.test(new URL(webhook).hostname)) {
    warnings.push('SHOP_WEBHOOK_URL is plain http: the webhooks are signed, but the orders in them (lines, custom fields) travel unencrypted; use https.');
  }
  const mail = config.mail;
  if (!mail.smtpUrl) {
    warnings.push(`SMTP_URL is not set: e-mails (order confirmations, the shop's alerts) are written to ${mail.dir} as .eml files, not sent.`);
  } else if (!mail.fromConfigured) {
    warnings.push(`MAIL_FROM is not set: e-mails are sent from ${mail.from}, which mail servers may refuse; set it to your shop's address.`);
  }
  if (mail.shopAdminEmails.length === 0) {
    warnings.push('SHOP_ADMIN_EMAIL is not set: the shop is not e-mailed about flagged orders (amount mismatch, out of stock, …) or missing payment callbacks.');
  }
  if (LOCAL_HOST.test(new URL(config.publicBaseUrl).hostname)) {
    warnings.push(`PUBLIC_BASE_URL is ${config.publicBaseUrl}: a gateway on the internet cannot reach the callback URLs (${config.publicBaseUrl}/callbacks/…) there.`);
  }
  return warnings;
}
