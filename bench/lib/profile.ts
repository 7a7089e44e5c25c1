// Sums a V8 CPU profile (node --cpu-prof) by where the time went: garbage
// collection, each library, the gateway's own code, Node's internals.
import fs from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}
interface CpuProfile {
  nodes: ProfileNode[];
  /** Microseconds on the system's monotonic clock, which process.hrtime reads too. */
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** A stretch of time in microseconds of the monotonic clock (process.hrtime.bigint() / 1000n). */
export interface TimeWindow {
  fromUs: number;
  toUs: number;
}

/** Libraries grouped the way one reasons about them. */
const GROUPS: Array<[RegExp, string]> = [
  [/node_modules\/(@prisma|prisma)\//, 'Prisma'],
  [/node_modules\/(pg|pg-protocol|pg-pool|pg-types|pgpass|postgres-[a-z]+)\//, 'pg driver'],
  [/node_modules\/(express|router|body-parser|raw-body|cors|finalhandler|send|serve-static|on-finished|type-is|content-type|qs|iconv-lite|path-to-regexp|depd|accepts|negotiator|mime-[a-z]+)\//, 'express and middleware'],
  [/node_modules\/(@apollo|@as-integrations|@graphql-tools\/(utils|schema|merge))\//, 'Apollo Server'],
  [/node_modules\/graphql\//, 'graphql-js'],
  [/node_modules\/(graphql-shield|graphql-middleware|object-hash)\//, 'graphql-shield'],
  [/node_modules\/dataloader\//, 'DataLoader'],
  [/node_modules\/(pino|sonic-boom|fast-redact|thread-stream|quick-format-unescaped|safe-stable-stringify)\//, 'pino (logging)'],
  [/node_modules\/(jose)\//, 'jose (tokens)'],
];

function group(node: ProfileNode): string {
  const { url, functionName } = node.callFrame;
  if (functionName === '(garbage collector)') return 'garbage collection';
  if (functionName === '(idle)') return 'idle';
  if (functionName === '(program)') return 'V8 / native (program)';
  for (const [pattern, name] of GROUPS) if (pattern.test(url)) return name;
  const library = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
  if (library) return library[1] as string;
  if (url.startsWith('wasm://')) return "WebAssembly (Prisma's query compiler)";
  if (url.includes('/src/')) return 'gateway code (src/)';
  if (url.startsWith('node:') || (!url.includes('/') && url !== '')) return 'Node.js internals';
  if (url === '') return 'V8 builtins';
  return url;
}

/** Groups that do work on someone else's behalf: their time is charged to the nearest caller outside them. */
const RUNTIME = new Set(['Node.js internals', 'V8 builtins', 'V8 / native (program)']);

export interface ProfileSummary {
  totalMs: number;
  /** False when no sample fell in the windows asked for, and the whole profile (start-up included) was summed. */
  windowed: boolean;
  /** Share of busy (non-idle) time per group, largest first. */
  groups: Array<{ name: string; ms: number; share: number }>;
  /** The same with the runtime's time (internals, builtins) charged to the library or code that called into it. */
  charged: Array<{ name: string; ms: number; share: number }>;
  /** The functions with the most self time. */
  functions: Array<{ name: string; ms: number; share: number }>;
}

/** Where the CPU time went during `windows` (the measured load, not start-up or warm-up); all of it without windows. */
export function summariseProfile(file: string, windows: TimeWindow[] = [], top = 15): ProfileSummary {
  const profile = JSON.parse(fs.readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parentOf = new Map<number, number>();
  for (const node of profile.nodes as Array<ProfileNode & { children?: number[] }>) for (const child of node.children ?? []) parentOf.set(child, node.id);
  const chargedGroup = (start: ProfileNode): string => {
    for (let node: ProfileNode | undefined = start; node; node = byId.get(parentOf.get(node.id) ?? -1)) {
      const name = group(node);
      if (!RUNTIME.has(name) && node.callFrame.functionName !== '(root)') return name;
    }
    return group(start);
  };
  const at: number[] = [];
  let clock = profile.startTime;
  for (const delta of profile.timeDeltas) at.push((clock += delta));
  const inWindow = (i: number) => windows.some((w) => (at[i] ?? 0) >= w.fromUs && (at[i] ?? 0) <= w.toUs);
  const windowed = windows.length > 0 && profile.samples.some((_, i) => inWindow(i));
  const groups = new Map<string, number>();
  const charged = new Map<string, number>();
  const functions = new Map<string, number>();
  profile.samples.forEach((id, i) => {
    const node = byId.get(id);
    const ms = (profile.timeDeltas[i] ?? 0) / 1000;
    if (!node || (windowed && !inWindow(i))) return;
    const name = group(node);
    groups.set(name, (groups.get(name) ?? 0) + ms);
    if (name === 'idle') return;
    const payer = chargedGroup(node);
    charged.set(payer, (charged.get(payer) ?? 0) + ms);
    const where = node.callFrame.url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*?\/src\//, 'src/');
    const key = `${node.callFrame.functionName || '(anonymous)'} ${where}:${node.callFrame.lineNumber + 1}`;
    functions.set(key, (functions.get(key) ?? 0) + ms);
  });
  const busy = [...groups].filter(([name]) => name !== 'idle').reduce((sum, [, ms]) => sum + ms, 0);
  const share = (entries: Map<string, number>) =>
    [...entries].map(([name, ms]) => ({ name, ms, share: ms / busy })).sort((a, b) => b.ms - a.ms);
  return {
    totalMs: busy,
    windowed,
    groups: share(groups).filter((entry) => entry.name !== 'idle'),
    charged: share(charged),
    functions: share(functions).slice(0, top),
  };
}

export function formatProfile(summary: ProfileSummary): string {
  const scope = summary.windowed ? 'during the measured load' : 'over the whole process life (start-up included)';
  const table = (entries: ProfileSummary['groups']) =>
    entries.filter((entry) => entry.share >= 0.005).map((entry) => `  ${(entry.share * 100).toFixed(1).padStart(5)}%  ${entry.name}`);
  return [
    `busy CPU time ${scope}: ${(summary.totalMs / 1000).toFixed(1)} s`,
    '',
    'self time, by where it was spent:',
    ...table(summary.groups),
    '',
    "the same with Node's and V8's own time charged to the code that called into it:",
    ...table(summary.charged),
    '',
    'functions with the most self time:',
    ...table(summary.functions),
  ].join('\n');
}
