/**
 * XML through @xmldom/xmldom (a maintained W3C DOM parser and serializer): parsing that names the
 * file on a syntax error, element helpers, and number-list attributes as URDF and MJCF write them.
 */
import { DOMParser, XMLSerializer, onErrorStopParsing } from '@xmldom/xmldom';
import type { Document, Element } from '@xmldom/xmldom';

export type { Document, Element };

/**
 * Parse XML text; `origin` (a path or a topic) names the input in errors.
 * @throws Error `<origin>: not well-formed XML: <parser message>`.
 */
export function parseXml(text: string, origin: string): Document {
  try {
    return new DOMParser({ onError: onErrorStopParsing }).parseFromString(text, 'text/xml');
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    throw new Error(`robot import: ${origin}: not well-formed XML: ${message.split('\n')[0]}`);
  }
}

/** The document's root element, checked to be `<expected>`. */
export function rootElement(doc: Document, expected: string, origin: string): Element {
  const root = doc.documentElement;
  if (root === null || root.tagName !== expected) {
    throw new Error(
      `robot import: ${origin}: expected a <${expected}> root element, found <${root?.tagName ?? 'nothing'}>`,
    );
  }
  return root;
}

/** Serialize a document (or element) to XML text. */
export function serializeXml(node: Document | Element): string {
  // A document's top-level comment and root element get a line each.
  return new XMLSerializer().serializeToString(node).replace(/-->(?=<)/g, '-->\n');
}

/** Direct element children, optionally only those named `tag`. */
export function childElements(parent: Element, tag?: string): Element[] {
  const out: Element[] = [];
  for (let node = parent.firstChild; node !== null; node = node.nextSibling) {
    if (node.nodeType !== node.ELEMENT_NODE) continue;
    const element = node as Element;
    if (tag === undefined || element.tagName === tag) out.push(element);
  }
  return out;
}

/** The first direct child named `tag`, or undefined. */
export function firstChild(parent: Element, tag: string): Element | undefined {
  return childElements(parent, tag)[0];
}

/** All descendants named `tag`, in document order. */
export function descendants(parent: Element, tag: string): Element[] {
  const out: Element[] = [];
  const list = parent.getElementsByTagName(tag);
  for (let i = 0; i < list.length; i++) {
    const element = list.item(i);
    if (element !== null) out.push(element);
  }
  return out;
}

/** An attribute's value, or undefined when absent. */
export function attr(element: Element, name: string): string | undefined {
  return element.hasAttribute(name) ? (element.getAttribute(name) ?? undefined) : undefined;
}

/**
 * A whitespace-separated number list attribute (`xyz="0 0 0.1625"`), or `fallback` when absent.
 * @throws Error naming the element, attribute and text when it is not `count` finite numbers.
 */
export function numbers(
  element: Element,
  name: string,
  count: number,
  fallback: readonly number[],
  where: string,
): number[] {
  const text = attr(element, name);
  if (text === undefined) return [...fallback];
  const values = text.trim().split(/\s+/).map(Number);
  if (values.length !== count || values.some((v) => !Number.isFinite(v))) {
    throw new Error(
      `robot import: ${where}: <${element.tagName} ${name}="${text}">: expected ${count} numbers`,
    );
  }
  return values;
}

/** A single number attribute, or undefined when absent. */
export function number(element: Element, name: string, where: string): number | undefined {
  const text = attr(element, name);
  if (text === undefined) return undefined;
  const value = Number(text.trim());
  if (text.trim() === '' || !Number.isFinite(value)) {
    throw new Error(`robot import: ${where}: <${element.tagName} ${name}="${text}">: not a number`);
  }
  return value;
}

/** Format numbers for an MJCF attribute: shortest round-trip text, -0 written as 0. */
export function fmt(values: readonly number[]): string {
  return values.map((v) => (Object.is(v, -0) ? '0' : String(v))).join(' ');
}

/** The document an element belongs to. */
export function docOf(element: Element): Document {
  const doc = element.ownerDocument;
  if (doc === null) throw new Error(`robot import: <${element.tagName}> belongs to no document`);
  return doc;
}

/** Create `<tag a="..."/>` under `parent` (appended) in `parent`'s document. */
export function appendElement(
  parent: Element,
  tag: string,
  attributes: Readonly<Record<string, string>> = {},
): Element {
  const element = docOf(parent).createElement(tag);
  for (const [key, value] of Object.entries(attributes)) element.setAttribute(key, value);
  parent.appendChild(element);
  return element;
}

/**
 * Indent an element-only tree (MJCF has no mixed content) in place: two spaces per level, so the
 * written model is readable and diffable. Existing whitespace-only text nodes are replaced.
 */
export function indentXml(element: Element, level = 0): void {
  const doc = docOf(element);
  for (let node = element.firstChild; node !== null;) {
    const next = node.nextSibling;
    if (node.nodeType === node.TEXT_NODE && (node.nodeValue ?? '').trim() === '') {
      element.removeChild(node);
    }
    node = next;
  }
  const children = childElementsAndComments(element);
  if (children.length === 0) return;
  const pad = `\n${'  '.repeat(level + 1)}`;
  for (const child of children) {
    element.insertBefore(doc.createTextNode(pad), child);
    if (child.nodeType === child.ELEMENT_NODE) indentXml(child as Element, level + 1);
  }
  element.appendChild(doc.createTextNode(`\n${'  '.repeat(level)}`));
}

function childElementsAndComments(parent: Element): Element[] {
  const out: Element[] = [];
  for (let node = parent.firstChild; node !== null; node = node.nextSibling) {
    if (node.nodeType === node.ELEMENT_NODE || node.nodeType === node.COMMENT_NODE) {
      out.push(node as Element);
    }
  }
  return out;
}
