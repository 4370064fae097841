/**
 * Just enough MIME to read what the server mails (nodemailer output):
 * headers, multipart bodies, quoted-printable and base64, encoded-word
 * subjects. The tests look for the activation code and link in the text.
 */

export interface ParsedMail {
  /** Header names in lower case; folded lines joined. */
  headers: Map<string, string>;
  subject: string;
  to: string;
  /** The text/plain part, decoded ('' when there is none). */
  text: string;
  /** The text/html part, decoded ('' when there is none). */
  html: string;
}

interface Part {
  headers: Map<string, string>;
  body: string;
}

function splitPart(raw: string): Part {
  const normalized = raw.replace(/\r\n/g, '\n');
  const end = normalized.indexOf('\n\n');
  const head = end === -1 ? normalized : normalized.slice(0, end);
  const body = end === -1 ? '' : normalized.slice(end + 2);
  const headers = new Map<string, string>();
  let last: string | undefined;
  for (const line of head.split('\n')) {
    if (/^[ \t]/.test(line) && last !== undefined) {
      headers.set(last, `${headers.get(last) ?? ''} ${line.trim()}`);
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    last = line.slice(0, colon).trim().toLowerCase();
    headers.set(last, line.slice(colon + 1).trim());
  }
  return { headers, body };
}

const param = (header: string, name: string): string | undefined => {
  const match = new RegExp(`${name}\\s*=\\s*(?:"([^"]*)"|([^;\\s]+))`, 'i').exec(header);
  return match ? (match[1] ?? match[2]) : undefined;
};

function decodeQuotedPrintable(text: string, charset: string): string {
  const joined = text.replace(/=\r?\n/g, '');
  const bytes: number[] = [];
  for (let i = 0; i < joined.length; i++) {
    const ch = joined[i]!;
    if (ch === '=' && /^[0-9A-Fa-f]{2}$/.test(joined.slice(i + 1, i + 3))) {
      bytes.push(parseInt(joined.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      bytes.push(...Buffer.from(ch, 'utf8'));
    }
  }
  return Buffer.from(bytes).toString(charset === 'utf8' ? 'utf8' : 'latin1');
}

function decodeBody(part: Part): string {
  const encoding = (part.headers.get('content-transfer-encoding') ?? '7bit').toLowerCase();
  const charset = (param(part.headers.get('content-type') ?? '', 'charset') ?? 'utf-8').toLowerCase().replace('-', '');
  if (encoding === 'base64') return Buffer.from(part.body.replace(/\s+/g, ''), 'base64').toString(charset === 'utf8' ? 'utf8' : 'latin1');
  if (encoding === 'quoted-printable') return decodeQuotedPrintable(part.body, charset);
  return part.body;
}

/** Decodes RFC 2047 encoded words (`=?UTF-8?Q?…?=`, `=?UTF-8?B?…?=`). */
function decodeWords(value: string): string {
  return value
    .replace(/\?=\s+=\?/g, '?==?')
    .replace(/=\?([^?]+)\?([QqBb])\?([^?]*)\?=/g, (_all, charset: string, kind: string, data: string) => {
      const cs = charset.toLowerCase().replace('-', '') === 'utf8' ? 'utf8' : 'latin1';
      if (kind.toUpperCase() === 'B') return Buffer.from(data, 'base64').toString(cs);
      return decodeQuotedPrintable(data.replace(/_/g, ' '), cs === 'utf8' ? 'utf8' : 'latin1');
    });
}

function collect(part: Part, out: { text: string; html: string }): void {
  const type = part.headers.get('content-type') ?? 'text/plain';
  const mime = type.split(';')[0]!.trim().toLowerCase();
  if (mime.startsWith('multipart/')) {
    const boundary = param(type, 'boundary');
    if (!boundary) return;
    const pieces = part.body.split(`--${boundary}`);
    // The first piece is the preamble, the last one after `--boundary--` the epilogue.
    for (const piece of pieces.slice(1)) {
      if (piece.startsWith('--')) break;
      collect(splitPart(piece.replace(/^\n/, '')), out);
    }
    return;
  }
  if (mime === 'text/plain' && out.text === '') out.text = decodeBody(part);
  else if (mime === 'text/html' && out.html === '') out.html = decodeBody(part);
}

/** Parses one RFC 5322 message as received by the SMTP server. */
export function parseMail(raw: string): ParsedMail {
  const top = splitPart(raw);
  const out = { text: '', html: '' };
  collect(top, out);
  return {
    headers: top.headers,
    subject: decodeWords(top.headers.get('subject') ?? ''),
    to: top.headers.get('to') ?? '',
    text: out.text,
    html: out.html,
  };
}

/** The `otp://` activation link in a mail (text part first, then HTML). */
export function extractActivationLink(mail: Pick<ParsedMail, 'text' | 'html'>): string {
  const inText = /otp:\/\/p\?[^\s"'<>]+/.exec(mail.text);
  if (inText) return inText[0];
  const inHtml = /otp:\/\/p\?[^\s"'<>]+/.exec(mail.html);
  if (inHtml) return inHtml[0].replace(/&amp;/g, '&');
  throw new Error(`No otp:// link in the mail:\n${mail.text || mail.html}`);
}

/** The 8-digit activation code in a mail's text (it may be grouped `1234 5678`). */
export function extractActivationCode(mail: Pick<ParsedMail, 'text'>): string {
  const match = /\b(\d{4})[ -]?(\d{4})\b/.exec(mail.text.replace(/otp:\/\/\S+/g, ''));
  if (!match) throw new Error(`No activation code in the mail:\n${mail.text}`);
  return `${match[1]}${match[2]}`;
}
