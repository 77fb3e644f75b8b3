import { XMLParser, XMLValidator } from 'fast-xml-parser';
import type { CapAlert, Field, FieldKind } from './cap-model';
import { ALERT_FIELDS, CAP_NAMESPACE, CapFormatError, CapXmlError, checkCap, isXmlSafe } from './cap-model';

/** Larger messages are refused before parsing; a CAP message with its media by reference is a few KiB. */
export const MAX_CAP_XML_BYTES = 1024 * 1024;
/** CAP nests five levels deep (alert/info/area/geocode/value); anything much deeper is hostile. */
const MAX_DEPTH = 12;
const XMLDSIG_NAMESPACE = 'http://www.w3.org/2000/09/xmldsig#';

// ---------------------------------------------------------------------------------------------
// Writing

function escapeText(text: string): string {
  // Element content needs only &, < and > (for "]]>") escaped; quotes stay readable in JSON
  // parameters. \r is escaped because every XML reader turns a literal CR into LF (XML 1.0 §2.11).
  return text.replace(/[&<>\r]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '\r': '&#13;' })[c] as string);
}

function writeGroup(fields: readonly Field[], value: Record<string, unknown>, indent: string, out: string[]): void {
  for (const field of fields) {
    const raw = value[field.name];
    if (raw === undefined) continue;
    for (const item of field.many ? (raw as unknown[]) : [raw]) {
      if (typeof field.kind === 'object' && 'fields' in field.kind) {
        out.push(`${indent}<${field.name}>`);
        writeGroup(field.kind.fields, item as Record<string, unknown>, `${indent}  `, out);
        out.push(`${indent}</${field.name}>`);
      } else {
        out.push(`${indent}<${field.name}>${escapeText(String(item))}</${field.name}>`);
      }
    }
  }
}

/** Serialises a CAP message as CAP 1.2 XML, elements in XSD order. Throws CapFormatError for a malformed object. */
export function capToXml(cap: CapAlert): string {
  const checked = checkCap(cap) as unknown as Record<string, unknown>;
  const out = ['<?xml version="1.0" encoding="UTF-8"?>', `<alert xmlns="${CAP_NAMESPACE}">`];
  writeGroup(ALERT_FIELDS, checked, '  ', out);
  out.push('</alert>', '');
  return out.join('\n');
}

// ---------------------------------------------------------------------------------------------
// Reading

type OrderedNode = Record<string, unknown> & { ':@'?: Record<string, string> };

interface Element {
  ns: string | undefined;
  local: string;
  children: Element[];
  text: string;
  hasText: boolean;
}

const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  // Entities are decoded here instead, so that nothing but the five predefined ones and
  // character references can ever expand.
  processEntities: false,
  htmlEntities: false,
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  cdataPropName: '#cdata',
  ignoreDeclaration: true,
  ignorePiTags: true,
});

const PREDEFINED: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

function decodeEntities(raw: string, where: string): string {
  return raw.replace(/&([^;&\s]{0,12});?/g, (whole, name: string) => {
    if (!whole.endsWith(';')) throw new CapXmlError(`${where}: bare '&' (write &amp;)`);
    if (name in PREDEFINED) return PREDEFINED[name];
    const ref = /^#(?:x([0-9a-fA-F]{1,6})|([0-9]{1,7}))$/.exec(name);
    if (!ref) throw new CapXmlError(`${where}: undefined entity &${name}; (only the XML predefined entities and character references are allowed)`);
    const code = ref[1] !== undefined ? parseInt(ref[1], 16) : parseInt(ref[2], 10);
    const char = code <= 0x10ffff ? String.fromCodePoint(code) : '';
    if (!char || !isXmlSafe(char)) throw new CapXmlError(`${where}: character reference &${name}; is not an XML character`);
    return char;
  });
}

/** XML 1.0 §2.11: CRLF and lone CR become LF before anything else. */
function normaliseNewlines(raw: string): string {
  return raw.replace(/\r\n?/g, '\n');
}

function splitName(qname: string): [string | undefined, string] {
  const colon = qname.indexOf(':');
  return colon < 0 ? [undefined, qname] : [qname.slice(0, colon), qname.slice(colon + 1)];
}

function toElement(node: OrderedNode, scope: ReadonlyMap<string, string>, depth: number, where: string): Element {
  const qname = Object.keys(node).find((k) => k !== ':@') as string;
  if (depth > MAX_DEPTH) throw new CapXmlError(`${where}: elements nested deeper than ${MAX_DEPTH} levels`);
  let nsScope = scope;
  const attrs = node[':@'];
  if (attrs) {
    const own = new Map(scope);
    for (const [name, value] of Object.entries(attrs)) {
      if (name === 'xmlns') own.set('', decodeEntities(normaliseNewlines(value), where));
      else if (name.startsWith('xmlns:')) own.set(name.slice(6), decodeEntities(normaliseNewlines(value), where));
    }
    nsScope = own;
  }
  const [prefix, local] = splitName(qname);
  const ns = nsScope.get(prefix ?? '');
  if (prefix !== undefined && ns === undefined) throw new CapXmlError(`${where}/${qname}: namespace prefix '${prefix}' is not declared`);
  const here = `${where}/${local}`;
  const element: Element = { ns: ns || undefined, local, children: [], text: '', hasText: false };
  for (const child of node[qname] as OrderedNode[]) {
    if ('#text' in child) {
      element.text += decodeEntities(normaliseNewlines(String(child['#text'])), here);
      element.hasText ||= String(child['#text']).trim() !== '';
    } else if ('#cdata' in child) {
      for (const part of child['#cdata'] as OrderedNode[]) element.text += normaliseNewlines(String(part['#text'] ?? ''));
      element.hasText = true;
    } else {
      element.children.push(toElement(child, nsScope, depth + 1, here));
    }
  }
  return element;
}

function readLeaf(kind: FieldKind, el: Element, path: string): unknown {
  if (el.children.length) throw new CapFormatError(path, `must contain text only, found <${el.children[0].local}>`);
  if (kind === 'text') return el.text;
  // xs:dateTime, xs:decimal, xs:integer and the enumerations collapse surrounding whitespace.
  const text = el.text.trim();
  if (kind === 'integer') {
    if (!/^[+-]?\d{1,15}$/.test(text)) throw new CapFormatError(path, `must be an integer, got ${JSON.stringify(text)}`);
    return Number(text);
  }
  if (kind === 'decimal') {
    if (!/^[+-]?(\d{1,20}(\.\d{0,20})?|\.\d{1,20})$/.test(text)) throw new CapFormatError(path, `must be a decimal number, got ${JSON.stringify(text)}`);
    return Number(text);
  }
  return text;
}

function readGroup(fields: readonly Field[], el: Element, path: string, allowSignature = false): Record<string, unknown> {
  if (el.hasText) throw new CapFormatError(path, `unexpected text ${JSON.stringify(el.text.trim().slice(0, 40))}`);
  const byName = new Map(fields.map((f) => [f.name, f]));
  const found = new Map<string, Element[]>();
  for (const child of el.children) {
    if (child.ns !== CAP_NAMESPACE) {
      // The XSD lets a signature follow the message; it cannot survive re-serialisation, so it is dropped.
      if (allowSignature && child.ns === XMLDSIG_NAMESPACE) continue;
      throw new CapFormatError(`${path}/${child.local}`, `element from namespace ${child.ns ?? '(none)'} is not allowed here; CAP 1.2 elements use ${CAP_NAMESPACE}`);
    }
    if (!byName.has(child.local)) throw new CapFormatError(`${path}/${child.local}`, 'is not a CAP 1.2 element here');
    const list = found.get(child.local) ?? [];
    list.push(child);
    found.set(child.local, list);
  }
  const out: Record<string, unknown> = {};
  for (const field of fields) {
    const list = found.get(field.name);
    if (!list) continue;
    if (!field.many && list.length > 1) throw new CapFormatError(`${path}/${field.name}`, `appears ${list.length} times, at most once is allowed`);
    const values = list.map((child, i) => {
      const where = field.many ? `${path}/${field.name}[${i}]` : `${path}/${field.name}`;
      return typeof field.kind === 'object' && 'fields' in field.kind ? readGroup(field.kind.fields, child, where) : readLeaf(field.kind, child, where);
    });
    out[field.name] = field.many ? values : values[0];
  }
  return out;
}

/**
 * Parses CAP 1.2 XML. Hardened for input from outside: refuses more than 1 MiB, any DTD (so no
 * external entities and no entity expansion), undefined entities, characters XML cannot carry,
 * and anything that is not a CAP 1.2 `<alert>`. Throws CapXmlError or CapFormatError.
 */
export function xmlToCap(xml: string | Buffer): CapAlert {
  if (typeof xml !== 'string' && !Buffer.isBuffer(xml)) throw new CapXmlError('CAP XML must be a string or a Buffer');
  const bytes = typeof xml === 'string' ? Buffer.byteLength(xml, 'utf8') : xml.length;
  if (bytes > MAX_CAP_XML_BYTES) throw new CapXmlError(`CAP XML is ${bytes} bytes, more than the ${MAX_CAP_XML_BYTES} allowed`);
  let text = typeof xml === 'string' ? xml : xml.toString('utf8');
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  if (/<!DOCTYPE/i.test(text)) throw new CapXmlError('CAP XML must not contain a <!DOCTYPE> (DTDs are refused)');
  if (/<!ENTITY/i.test(text)) throw new CapXmlError('CAP XML must not declare entities (<!ENTITY>)');
  if (!isXmlSafe(text)) throw new CapXmlError('CAP XML contains a character that XML 1.0 does not allow');

  let verdict: ReturnType<typeof XMLValidator.validate>;
  try {
    verdict = XMLValidator.validate(text, { allowBooleanAttributes: false });
  } catch (err) {
    throw new CapXmlError(`CAP XML could not be checked: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (verdict !== true) {
    const { msg, line, col } = verdict.err;
    throw new CapXmlError(`CAP XML is not well-formed: ${msg} (line ${line}${col ? `, column ${col}` : ''})`);
  }
  let nodes: OrderedNode[];
  try {
    nodes = parser.parse(text) as OrderedNode[];
  } catch (err) {
    throw new CapXmlError(`CAP XML could not be parsed: ${err instanceof Error ? err.message : String(err)}`);
  }
  const roots = nodes.filter((n) => !('#text' in n) && !('#cdata' in n));
  if (roots.length !== 1) throw new CapXmlError(`CAP XML must have exactly one root element, found ${roots.length}`);
  const root = toElement(roots[0], new Map(), 0, '');
  if (root.local !== 'alert' || root.ns !== CAP_NAMESPACE) {
    throw new CapFormatError(`/${root.local}`, `root must be <alert> in namespace ${CAP_NAMESPACE}, found <${root.local}> in ${root.ns ?? 'no namespace'}`);
  }
  return checkCap(readGroup(ALERT_FIELDS, root, '/alert', true));
}
