// The demo mailbox: lists what the demo's SMTP server received (GET /shop/mailbox.json), newest first. The HTML
// part of a message is shown in a sandboxed frame (no scripts, no same origin): it is the service's own template,
// but it carries what shoppers wrote.
import { show } from '/shop/shop-api.js';

const $ = (id) => document.getElementById(id);
const REFRESH_MS = 3000;
let shown = '';

function entry(m) {
  const li = document.createElement('li');
  li.className = 'message card';
  li.id = `message-${m.n}`;
  const h = document.createElement('h2');
  h.textContent = m.subject || '(no subject)';
  const facts = document.createElement('dl');
  facts.className = 'facts';
  for (const [k, v] of [['To', m.to.join(', ')], ['From', m.from], ['Received', new Date(m.receivedAt).toLocaleString()], ['Message-ID', m.messageId]]) {
    const dt = document.createElement('dt');
    dt.textContent = k;
    const dd = document.createElement('dd');
    dd.textContent = v;
    facts.append(dt, dd);
  }
  const details = document.createElement('details');
  const summary = document.createElement('summary');
  summary.textContent = 'Read it';
  details.append(summary);
  if (m.html) {
    const frame = document.createElement('iframe');
    frame.title = `HTML of "${m.subject}"`;
    frame.setAttribute('sandbox', '');
    frame.srcdoc = m.html;
    details.append(frame);
  }
  const text = document.createElement('pre');
  text.textContent = m.text;
  details.append(text);
  li.append(h, facts, details);
  return li;
}

async function refresh() {
  try {
    const res = await fetch('/shop/mailbox.json', { cache: 'no-store' });
    if (!res.ok) throw new Error(`The mailbox answered ${res.status}`);
    const { messages } = await res.json();
    show($('error'), '');
    const key = messages.map((m) => m.n).join(',');
    if (key === shown) return; // keep open messages open
    shown = key;
    $('empty').hidden = messages.length > 0;
    $('messages').replaceChildren(...messages.map(entry));
  } catch (e) {
    show($('error'), e.message);
  }
}

await refresh();
setInterval(refresh, REFRESH_MS);
