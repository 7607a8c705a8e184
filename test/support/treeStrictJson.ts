import { parse, type ValueNode } from '@humanwhocodes/momoa';
import { textProblem, toWellFormed, type JsonLimits, type StrictJsonResult } from '../../api/input/strictJson';

/**
 * The strict JSON check as it was before the single pass (a momoa syntax tree, walked): kept here as the
 * oracle the single pass is compared with, refusal for refusal. Never used by the API (it costs ~100×
 * JSON.parse on a body of tiny values).
 */
export function treeStrictJson(text: string, limits: JsonLimits): StrictJsonResult {
  let root: ValueNode;
  try {
    root = parse(text, { mode: 'json' }).body;
  } catch {
    return { ok: false, field: '(body)', message: 'the body is not valid JSON' };
  }
  return check(root, [], limits) ?? { ok: true, value: JSON.parse(text) };
}

const fail = (path: (string | number)[], message: string): StrictJsonResult => ({ ok: false, field: path.length ? path.join('.') : '(body)', message });

function check(node: ValueNode, path: (string | number)[], limits: JsonLimits): StrictJsonResult | undefined {
  switch (node.type) {
    case 'String': {
      const why = textProblem(node.value, limits.maxStringLength);
      return why ? fail(path, why) : undefined;
    }
    case 'Number':
      if (!Number.isFinite(node.value) || (Number.isInteger(node.value) && !Number.isSafeInteger(node.value))) {
        return fail(path, `is a number beyond the safe integers (±${Number.MAX_SAFE_INTEGER})`);
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
        if (why) return fail([...path, toWellFormed(key)], `the key ${why}`);
        if (seen.has(key)) return fail([...path, key], 'appears more than once in the object');
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
