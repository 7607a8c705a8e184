import { parse, type ValueNode } from '@humanwhocodes/momoa';

/** What a request body may hold; anything beyond is refused before a handler sees it. */
export interface JsonLimits {
  /** Nesting of objects and arrays. */
  maxDepth: number;
  /** Characters in one string (keys included). */
  maxStringLength: number;
}

export const DEFAULT_JSON_LIMITS: JsonLimits = { maxDepth: 16, maxStringLength: 10_000 };

export type StrictJsonResult = { ok: true; value: unknown } | { ok: false; field: string; message: string };

const fail = (field: string, message: string): StrictJsonResult => ({ ok: false, field, message });
const fieldName = (path: (string | number)[]) => (path.length ? path.join('.') : '(body)');

/**
 * JSON.parse accepts things Hotpath must not store: duplicate keys (the last silently wins), lone UTF-16
 * surrogates ("\ud800" is valid JSON, yet not text Postgres can hold), NUL characters, integers past 2^53 that
 * lose their value, and nesting deep enough to exhaust a recursive walk. This parses the text into a syntax
 * tree first (momoa), refuses each of those naming the field, and only then lets JSON.parse build the value.
 */
export function parseStrictJson(text: string, limits: JsonLimits = DEFAULT_JSON_LIMITS): StrictJsonResult {
  const depth = nestingDepth(text);
  if (depth > limits.maxDepth) return fail('(body)', `nests objects and arrays ${depth} deep; at most ${limits.maxDepth} levels are accepted`);
  let root: ValueNode;
  try {
    root = parse(text, { mode: 'json' }).body;
  } catch {
    return fail('(body)', 'the body is not valid JSON');
  }
  const problem = check(root, [], limits);
  if (problem) return problem;
  return { ok: true, value: JSON.parse(text) };
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** Whether the string is well-formed UTF-16 (no lone surrogate): String.prototype.isWellFormed, for ES2022. */
export const isWellFormed = (value: string) => !new RegExp(LONE_SURROGATE.source).test(value);
/** Lone surrogates replaced by U+FFFD, for naming a field in an answer. */
export const toWellFormed = (value: string) => value.replace(LONE_SURROGATE, '\uFFFD');

/** Why a string cannot be stored as text, if it cannot. */
export function textProblem(value: string, maxLength: number): string | undefined {
  if (!isWellFormed(value)) return 'holds ill-formed Unicode (a lone surrogate)';
  if (value.includes('\u0000')) return 'holds a NUL character';
  if (value.length > maxLength) return `is longer than ${maxLength} characters`;
  return undefined;
}

function check(node: ValueNode, path: (string | number)[], limits: JsonLimits): StrictJsonResult | undefined {
  switch (node.type) {
    case 'String': {
      const why = textProblem(node.value, limits.maxStringLength);
      return why ? fail(fieldName(path), why) : undefined;
    }
    case 'Number':
      if (!Number.isFinite(node.value) || (Number.isInteger(node.value) && !Number.isSafeInteger(node.value))) {
        return fail(fieldName(path), `is a number beyond the safe integers (±${Number.MAX_SAFE_INTEGER})`);
      }
      return undefined;
    case 'Array':
      for (const [i, element] of node.elements.entries()) {
        const problem = check(element.value, [...path, i], limits);
        if (problem) return problem;
      }
      return undefined;
    case 'Object': {
      const seen = new Set<string>();
      for (const member of node.members) {
        const key = member.name.type === 'String' ? member.name.value : member.name.name;
        const why = textProblem(key, limits.maxStringLength);
        if (why) return fail(fieldName([...path, toWellFormed(key)]), `the key ${why}`);
        if (seen.has(key)) return fail(fieldName([...path, key]), 'appears more than once in the object');
        seen.add(key);
        const problem = check(member.value, [...path, key], limits);
        if (problem) return problem;
      }
      return undefined;
    }
    default:
      return undefined;
  }
}

/** The deepest nesting of objects and arrays, counted without parsing (strings skipped). */
function nestingDepth(text: string): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) max = Math.max(max, ++depth);
    else if (c === 0x7d || c === 0x5d) depth--;
  }
  return max;
}
