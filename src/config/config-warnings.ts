/**
 * What a newly started service cannot do yet because of its configuration, said once at start-up (as warnings,
 * not errors: `npm start` with nothing set must still start, so a newcomer can try the API and the README's
 * walkthrough).
 */
import type { AppConfig } from './config.js';

const LOCAL_HOST = /^(localhost|127\.\d+\.\d+\.\d+|\[::1\]|0\.0\.0\.0)$/i;

export function configurationWarnings(config: AppConfig): string[] {
  const warnings: string[] = [];
  const qp = config.quickpay;
  if (!config.adminApiKey) {
    warnings.push('ADMIN_API_KEY is not set: the back office (catalogue, coupons, gift cards, order lists, inbox) is disabled.');
  }
  if (!qp.privateKey) {
    warnings.push('QUICKPAY_PRIVATE_KEY is not set: every QuickPay callback is refused (401), so no order can become ready.');
  }
  const missing = [
    ['QUICKPAY_MERCHANT_ID', qp.merchantId],
    ['QUICKPAY_AGREEMENT_ID', qp.agreementId],
    ['QUICKPAY_API_KEY', qp.apiKey],
  ].filter(([, v]) => !v).map(([k]) => k);
  if (missing.length) {
    warnings.push(`${missing.join(', ')} ${missing.length > 1 ? 'are' : 'is'} not set: checkout still answers, but ${qp.paymentWindowUrl} will refuse its payment form, and the QuickPay API cannot be asked about payments.`);
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
    warnings.push(`PUBLIC_BASE_URL is ${config.publicBaseUrl}: a gateway on the internet cannot reach the callback URL ${config.publicBaseUrl}/callbacks/quickpay there.`);
  }
  return warnings;
}
