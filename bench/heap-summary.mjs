import { readFileSync } from 'node:fs';

// What a V8 heap snapshot is made of: self sizes summed by the kind of node. Compiled
// code lives in `code` nodes (bytecode, function metadata), the text of every loaded
// module is kept as a string (V8 compiles functions lazily, from their source), and the
// app's state is objects, arrays and closures.

const GROUPS = {
  code: 'code: bytecode, function metadata, compiled code',
  source: 'strings of 16 KiB or more: module source text, mostly',
  strings: 'other strings',
  objects: 'objects',
  arrays: 'arrays (object properties and elements, internal lists)',
  closures: 'closures',
  system: 'V8 internals (maps, feedback, contexts)',
  other: 'other',
};

function groupOf(type, size) {
  if (type === 'code') return 'code';
  if (type.includes('string')) return size >= 16 * 1024 ? 'source' : 'strings';
  if (type === 'object' || type === 'native' || type === 'regexp' || type === 'number' || type === 'bigint' || type === 'symbol') return 'objects';
  if (type === 'array') return 'arrays';
  if (type === 'closure') return 'closures';
  if (type === 'hidden' || type === 'object shape' || type === 'synthetic') return 'system';
  return 'other';
}

/** Bytes by group, for a .heapsnapshot file. */
export function summariseSnapshot(path) {
  const { snapshot, nodes } = JSON.parse(readFileSync(path, 'utf8'));
  const fields = snapshot.meta.node_fields;
  const types = snapshot.meta.node_types[0];
  const typeAt = fields.indexOf('type');
  const sizeAt = fields.indexOf('self_size');
  const sums = Object.fromEntries(Object.keys(GROUPS).map((group) => [group, 0]));
  for (let i = 0; i < nodes.length; i += fields.length) {
    const size = nodes[i + sizeAt];
    sums[groupOf(types[nodes[i + typeAt]], size)] += size;
  }
  return sums;
}

export const HEAP_GROUPS = GROUPS;
