// What one idle authenticated socket holds in a server's V8 heap, by constructor:
// heap snapshots before and after N sockets, the difference per socket.
//   node bench/socket-heap.mjs [--target gatehouse|reference] [--sockets N (3000)] [--top N (25)]
// BY_OWNER=1 names each array by what holds it (object and property), e.g. a Map's table.
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startGatehouse, startReference } from './servers.mjs';
import { newSecret, secureEnv, userToken } from './tokens.mjs';
import { closeSockets, openSockets } from './ws-load.mjs';

const { values: args } = parseArgs({
  options: {
    target: { type: 'string', default: 'gatehouse' },
    sockets: { type: 'string', default: '3000' },
    top: { type: 'string', default: '25' },
  },
});
const N = Number(args.sockets);
const secret = newSecret();
const server =
  args.target === 'reference'
    ? await startReference(secret)
    : await startGatehouse('gatehouse', secureEnv(secret));

/** Self size and count per node name (constructor or type) of a .heapsnapshot. */
function byName(path) {
  const { snapshot, nodes, strings } = JSON.parse(readFileSync(path, 'utf8'));
  const fields = snapshot.meta.node_fields;
  const types = snapshot.meta.node_types[0];
  const [typeAt, nameAt, sizeAt] = ['type', 'name', 'self_size'].map((f) => fields.indexOf(f));
  const sums = new Map();
  // Arrays named by what holds them (BY_OWNER=1): the owner's name and the edge's.
  const owners = new Map();
  if (process.env.BY_OWNER) {
    const { edges } = JSON.parse(readFileSync(path, 'utf8'));
    const edgeFields = snapshot.meta.edge_fields;
    const edgeTypes = snapshot.meta.edge_types[0];
    const [edgeTypeAt, edgeNameAt, toAt] = ['type', 'name_or_index', 'to_node'].map((f) => edgeFields.indexOf(f));
    const countAt = fields.indexOf('edge_count');
    let e = 0;
    for (let i = 0; i < nodes.length; i += fields.length) {
      for (let k = 0; k < nodes[i + countAt]; k++, e += edgeFields.length) {
        const to = edges[e + toAt];
        if (types[nodes[to + typeAt]] !== 'array' || owners.has(to)) continue;
        const et = edgeTypes[edges[e + edgeTypeAt]];
        const en = et === 'element' || et === 'hidden' ? '[]' : strings[edges[e + edgeNameAt]];
        owners.set(to, `${types[nodes[i + typeAt]]} ${strings[nodes[i + nameAt]]}.${en}`);
      }
    }
  }
  for (let i = 0; i < nodes.length; i += fields.length) {
    const type = types[nodes[i + typeAt]];
    let name = type === 'object' || type === 'closure' || type === 'native' ? `${type} ${strings[nodes[i + nameAt]]}` : type;
    if (type === 'array' && process.env.BY_OWNER) name = `array in ${owners.get(i) ?? '?'}`;
    const entry = sums.get(name) ?? { size: 0, count: 0 };
    entry.size += nodes[i + sizeAt];
    entry.count += 1;
    sums.set(name, entry);
  }
  return sums;
}

try {
  const url = server.url.replace('http', 'ws') + '/ws';
  // Warm up: the code paths compiled and the caches filled once.
  await closeSockets(
    (
      await openSockets(
        url,
        Array.from({ length: 500 }, (_, i) => userToken(`warm-${i}`, secret)),
      )
    ).sockets,
  );
  const before = byName((await server.heapSnapshot(join(tmpdir(), `sockets-before-${process.pid}.heapsnapshot`))).path);
  const { sockets } = await openSockets(
    url,
    Array.from({ length: N }, (_, i) => userToken(`user-${i}`, secret)),
  );
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const after = byName((await server.heapSnapshot(join(tmpdir(), `sockets-after-${process.pid}.heapsnapshot`))).path);
  const rows = [...after].map(([name, a]) => {
    const b = before.get(name) ?? { size: 0, count: 0 };
    return { name, bytes: (a.size - b.size) / N, count: (a.count - b.count) / N };
  });
  rows.sort((x, y) => y.bytes - x.bytes);
  const total = rows.reduce((sum, row) => sum + row.bytes, 0);
  console.log(`${args.target}: ${N} sockets, heap bytes per socket ${total.toFixed(0)}`);
  for (const row of rows.slice(0, Number(args.top)))
    console.log(`${row.bytes.toFixed(1).padStart(8)} B  ${row.count.toFixed(2).padStart(6)} each  ${row.name}`);
  await closeSockets(sockets);
} finally {
  await server.stop();
}
