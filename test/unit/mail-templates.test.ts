/**
 * The mail templates: the shipped ones render every message; a shop's folder replaces a file at a time; a broken
 * or misspelt template stops the start (strict mode) instead of sending a blank; HTML is escaped, text is not.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { pino } from 'pino';
import { loadConfig } from '../../src/config/config.js';
import { MailTemplate, MailTemplateError, MailTemplates } from '../../src/mail/mail-templates.js';
import { createMailer } from '../../src/mail/mailer.js';
import { MailFormat } from '../../src/mail/mail-views.js';
import type { MailTransport } from '../../src/mail/mail-transport.js';

const silent = pino({ level: 'silent' });
const view = { shop: { name: 'S' }, order: { number: 'R1', note: '<b>&</b>' } };
const samples = { [MailTemplate.ORDER_CONFIRMATION]: view, [MailTemplate.SHOP_FLAG]: view, [MailTemplate.PENDING_PAYMENT]: view };

describe('mail templates', () => {
  const dirs: string[] = [];
  const folder = (files: Record<string, string>) => {
    const dir = mkdtempSync(join(tmpdir(), 'mail-templates-'));
    dirs.push(dir);
    for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
    return dir;
  };
  after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
  const minimal = (extra: Record<string, string> = {}) =>
    folder({
      ...Object.fromEntries(Object.values(MailTemplate).flatMap((t) => [[`${t}.subject.hbs`, 'Order {{order.number}}'], [`${t}.text.hbs`, '{{order.note}}'], [`${t}.html.hbs`, '<p>{{order.note}}</p>']])),
      ...extra,
    });

  it('escape values in HTML only', () => {
    const rendered = MailTemplates.load({ defaultsDir: minimal(), samples }).render(MailTemplate.ORDER_CONFIRMATION, view);
    assert.deepEqual(rendered, { subject: 'Order R1', text: '<b>&</b>', html: '<p>&lt;b&gt;&amp;&lt;/b&gt;</p>' });
  });

  it('take each file the shop provides and the default for the others', () => {
    const shopDir = folder({ 'order-confirmation.subject.hbs': 'Thanks for order\n  {{order.number}}!' });
    const templates = MailTemplates.load({ defaultsDir: minimal(), shopDir, samples });
    const rendered = templates.render(MailTemplate.ORDER_CONFIRMATION, view);
    assert.equal(rendered.subject, 'Thanks for order R1!', 'a subject is one line');
    assert.equal(rendered.text, '<b>&</b>', 'the default text');
    assert.equal(templates.files()['order-confirmation.subject'], join(shopDir, 'order-confirmation.subject.hbs'));
  });

  it('refuse to start on a template that does not compile, names a field the view lacks, or a folder that is not there', () => {
    assert.throws(() => MailTemplates.load({ defaultsDir: minimal({ 'shop-flag.html.hbs': '{{#if order}}unclosed' }), samples }), (e: unknown) => e instanceof MailTemplateError && /shop-flag\.html\.hbs/.test(e.message));
    assert.throws(() => MailTemplates.load({ defaultsDir: minimal({ 'pending-payment.text.hbs': '{{order.numbr}}' }), samples }), (e: unknown) => e instanceof MailTemplateError && /pending-payment\.text\.hbs.*numbr/s.test(e.message));
    assert.throws(() => MailTemplates.load({ defaultsDir: minimal(), shopDir: join(tmpdir(), 'no-such-templates-dir'), samples }), /MAIL_TEMPLATES_DIR does not exist/);
  });

  it('ship defaults that render every message with the service\'s own views (MAIL_TEMPLATES_DIR may replace any)', () => {
    const transport: MailTransport = { description: 'memory', send: async () => 'kept', close() {} };
    assert.doesNotThrow(() => createMailer(loadConfig({}).mail, silent, transport));
    const shopDir = folder({ 'order-confirmation.text.hbs': 'Dear customer of {{shop.name}}, order {{order.number}}: {{#each order.lines}}{{name}};{{/each}}' });
    assert.doesNotThrow(() => createMailer(loadConfig({ MAIL_TEMPLATES_DIR: shopDir }).mail, silent, transport));
    const misspelt = folder({ 'order-confirmation.text.hbs': '{{order.totl.formatted}}' });
    assert.throws(() => createMailer(loadConfig({ MAIL_TEMPLATES_DIR: misspelt }).mail, silent, transport), /order-confirmation\.text\.hbs: "formatted" not defined/);
  });
});

describe('amounts in messages', () => {
  it('are formatted exactly in the currency\'s own digits', () => {
    const f = new MailFormat('en', 'UTC');
    assert.equal(f.money(123456, 'DKK').formatted.replace(/\u00a0/g, ' '), 'DKK 1,234.56');
    assert.equal(f.money(5, 'EUR').formatted, '€0.05');
    assert.equal(f.money(1500, 'JPY').formatted, '¥1,500');
    assert.equal(f.money(1234, 'KWD').formatted.replace(/\u00a0/g, ' '), 'KWD 1.234');
    assert.equal(f.money(Number.MAX_SAFE_INTEGER, 'USD').formatted, '$90,071,992,547,409.91');
    assert.equal(new MailFormat('da-DK', 'Europe/Copenhagen').money(123456, 'DKK').formatted.replace(/\u00a0/g, ' '), '1.234,56 kr.');
  });
});
