/**
 * The mail templates: Handlebars files, one per message and part (`order-confirmation.subject.hbs`,
 * `.text.hbs`, `.html.hbs`). The defaults ship in `src/mail/templates/` and are read from the source tree at run
 * time (tsc copies nothing into dist/); a shop puts its own files in MAIL_TEMPLATES_DIR, and each file found there
 * replaces the default of the same name, the others stay.
 *
 * Why Handlebars: templates a shop edits should not be programs. Handlebars is logic-less (no JavaScript in a
 * template; helpers exist only if the code registers them, and this code registers none), escapes every `{{value}}`
 * in HTML by default, forbids prototype access in templates since 4.6, and is the best-known syntax of its kind.
 *
 * Every template is compiled and rendered once against a sample order at start-up, in strict mode (a misspelt
 * field throws instead of rendering a blank), so a broken template stops the service from starting rather than
 * failing on the first real order. Templates are read at start-up only: a changed file needs a restart.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Handlebars from 'handlebars';
import type { Logger } from '../app/logger.js';
import { projectRoot } from '../runtime/project-root.js';

/** The messages the service sends. */
export enum MailTemplate {
  ORDER_CONFIRMATION = 'order-confirmation',
  SHOP_FLAG = 'shop-flag',
  PENDING_PAYMENT = 'pending-payment',
}

const PARTS = ['subject', 'text', 'html'] as const;
type Part = (typeof PARTS)[number];

/** One message rendered: a one-line subject, a plain-text body and an HTML body. */
export interface RenderedMail {
  subject: string;
  text: string;
  html: string;
}

/** Where the shipped templates are. */
export function defaultTemplatesDir(): string {
  return join(projectRoot(), 'src', 'mail', 'templates');
}

/** Thrown at start-up when a template cannot be read, compiled or rendered; names the file. */
export class MailTemplateError extends Error {
  constructor(file: string, cause: unknown) {
    super(`mail template ${file}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = 'MailTemplateError';
  }
}

type Compiled = { file: string; render: Handlebars.TemplateDelegate };

export class MailTemplates {
  private constructor(private readonly templates: ReadonlyMap<string, Compiled>) {}

  /**
   * Reads and compiles every template: from `shopDir` where it has the file, otherwise from `defaultsDir`.
   * `samples` holds a view per template to render once (strict mode finds fields the view does not have).
   * Throws MailTemplateError on the first template that fails, and when `shopDir` does not exist.
   */
  static load(options: { shopDir?: string; defaultsDir?: string; samples: Record<MailTemplate, unknown>; log?: Logger }): MailTemplates {
    const defaultsDir = options.defaultsDir ?? defaultTemplatesDir();
    const { shopDir, log } = options;
    if (shopDir && !existsSync(shopDir)) throw new MailTemplateError(shopDir, new Error('MAIL_TEMPLATES_DIR does not exist'));
    const wanted = new Set<string>();
    const templates = new Map<string, Compiled>();
    // Its own environment: nothing registered on the global Handlebars (by a library, say) reaches these templates.
    const hbs = Handlebars.create();
    for (const name of Object.values(MailTemplate)) {
      for (const part of PARTS) {
        const fileName = `${name}.${part}.hbs`;
        wanted.add(fileName);
        const shopFile = shopDir ? join(shopDir, fileName) : undefined;
        const file = shopFile && existsSync(shopFile) ? shopFile : join(defaultsDir, fileName);
        let source: string;
        try {
          source = readFileSync(file, 'utf8');
        } catch (e) {
          throw new MailTemplateError(file, e);
        }
        let render: Handlebars.TemplateDelegate;
        try {
          // HTML escapes every value; the subject and the text body are not HTML, so nothing is escaped there.
          render = hbs.compile(source, { strict: true, noEscape: part !== 'html' });
          render(options.samples[name]);
        } catch (e) {
          throw new MailTemplateError(file, e);
        }
        templates.set(`${name}.${part}`, { file, render });
        if (file === shopFile) log?.info({ template: fileName, file }, 'mail template replaced by the shop');
      }
    }
    if (shopDir) {
      for (const f of readdirSync(shopDir).filter((f) => f.endsWith('.hbs') && !wanted.has(f))) {
        log?.warn({ file: join(shopDir, f), expected: [...wanted] }, 'MAIL_TEMPLATES_DIR holds a template the service does not use; is its name misspelt?');
      }
    }
    return new MailTemplates(templates);
  }

  /** Renders one message. Throws when a template meets a view without a field it names (strict mode). */
  render(name: MailTemplate, view: unknown): RenderedMail {
    const part = (p: Part) => this.templates.get(`${name}.${p}`)!.render(view);
    return {
      // A header is one line: whatever line breaks the template has become spaces.
      subject: part('subject').replace(/\s+/g, ' ').trim(),
      text: part('text'),
      html: part('html'),
    };
  }

  /** The file each part was read from (the shop's or the default), for logs and tests. */
  files(): Record<string, string> {
    return Object.fromEntries([...this.templates].map(([k, v]) => [k, v.file]));
  }
}
