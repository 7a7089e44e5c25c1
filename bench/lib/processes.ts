// Starting and stopping the processes the bench measures: each in its own
// process group (so `npm start` and everything under it stop together), with
// its output in a log file the bench reads SQL counts from.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';

/** The core servers run on, and the one the load generator (this process) runs on. */
export const SERVER_CORE = 0;
export const LOAD_CORE = 1;

let tasksetChecked: boolean | undefined;
/** Pinning needs taskset and at least two cores (one for the server, one for the load). */
export function canPin(): boolean {
  if (tasksetChecked === undefined) {
    try {
      execFileSync('taskset', ['-V'], { stdio: 'ignore' });
      tasksetChecked = os.availableParallelism() >= 2;
    } catch {
      tasksetChecked = false;
    }
  }
  return tasksetChecked;
}

/** Moves this process (all its threads) to the load generator's core. */
export function pinSelf(): boolean {
  if (!canPin()) return false;
  execFileSync('taskset', ['-a', '-cp', String(LOAD_CORE), String(process.pid)], { stdio: 'ignore' });
  return true;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export interface ProcessSpec {
  name: string;
  command: string;
  args: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Pin to this core when pinning is possible. */
  core: number;
  logFile: string;
}

export interface RunningProcess {
  name: string;
  pid: number;
  logFile: string;
  /** Bytes written to the log so far. */
  logSize(): number;
  /** The log from byte `from` on. */
  readLog(from: number): string;
  /** The last lines of the log, for error messages. */
  logTail(lines?: number): string;
  exited: Promise<number | null>;
  hasExited(): boolean;
  /** SIGTERM to the whole process group, SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const running = new Set<RunningProcess>();

function signalGroup(pid: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-pid, signal);
    return true;
  } catch {
    return false;
  }
}

const groupAlive = (pid: number) => signalGroup(pid, 0);

/**
 * The node processes of group `pgid` with no node process below them: the
 * servers themselves, under npm, sh and tsx (esbuild's service, a child of
 * the server, is not node and does not count).
 */
function serversOfGroup(pgid: number): number[] {
  const parentOf = new Map<number, number>();
  const isNode = new Set<number>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    try {
      // pid (comm) state ppid pgrp …; comm may hold spaces and parentheses, so split after its last ')'.
      const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      const [, ppid, pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(pgrp) !== pgid) continue;
      parentOf.set(pid, Number(ppid));
      if (fs.readlinkSync(`/proc/${pid}/exe`) === process.execPath) isNode.add(pid);
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  const hasNodeBelow = new Set<number>();
  for (const pid of isNode) {
    for (let up = parentOf.get(pid); up !== undefined; up = parentOf.get(up)) hasNodeBelow.add(up);
  }
  return [...isNode].filter((pid) => !hasNodeBelow.has(pid));
}

/**
 * Asks the group to stop by signalling its servers only: tsx relays a SIGTERM
 * to its child and SIGKILLs it when the child has not acknowledged within
 * 30 ms, which a server busy on a shared core easily misses. The wrappers
 * exit by themselves once the server has.
 */
function terminate(pgid: number): void {
  const leaves = fs.existsSync('/proc') ? serversOfGroup(pgid) : [];
  if (leaves.length === 0) {
    signalGroup(pgid, 'SIGTERM');
    return;
  }
  for (const pid of leaves) {
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      // gone meanwhile
    }
  }
}

/** Kills whatever is still running (SIGKILL): for an interrupted or failed run. */
export function killAll(): void {
  for (const child of running) signalGroup(child.pid, 'SIGKILL');
  running.clear();
}

export function startProcess(spec: ProcessSpec): RunningProcess {
  const fd = fs.openSync(spec.logFile, 'w');
  const [command, args] = canPin() ? ['taskset', ['-c', String(spec.core), spec.command, ...spec.args]] : [spec.command, spec.args];
  let child: ChildProcess;
  try {
    child = spawn(command as string, args as string[], { cwd: spec.cwd, env: spec.env, stdio: ['ignore', fd, fd], detached: true });
  } finally {
    fs.closeSync(fd);
  }
  if (child.pid === undefined) throw new Error(`${spec.name}: could not start ${spec.command}`);
  const pid = child.pid;
  let exitCode: number | null | undefined;
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => {
      exitCode = code;
      resolve(code);
    });
    child.once('error', () => resolve(null));
  });
  const readLog = (from: number) => {
    const size = fs.statSync(spec.logFile).size;
    if (size <= from) return '';
    const buffer = Buffer.alloc(size - from);
    const handle = fs.openSync(spec.logFile, 'r');
    try {
      fs.readSync(handle, buffer, 0, buffer.length, from);
    } finally {
      fs.closeSync(handle);
    }
    return buffer.toString('utf8');
  };
  const handle: RunningProcess = {
    name: spec.name,
    pid,
    logFile: spec.logFile,
    logSize: () => fs.statSync(spec.logFile).size,
    readLog,
    logTail: (lines = 20) => readLog(0).trimEnd().split('\n').slice(-lines).join('\n'),
    exited,
    hasExited: () => exitCode !== undefined,
    async stop(graceMs = 45_000) {
      terminate(pid);
      // The leader (npm, sh) may go at once while the server under it is still draining: wait for the whole group.
      const deadline = Date.now() + graceMs;
      while (groupAlive(pid) && Date.now() < deadline) await sleep(100);
      if (groupAlive(pid)) signalGroup(pid, 'SIGKILL');
      await exited;
      running.delete(handle);
    },
  };
  running.add(handle);
  return handle;
}

/** Polls `url` until it answers 200; fails early when `child` exits, with the end of its log. */
export async function waitUntilReady(child: RunningProcess, url: string, timeoutMs = 180_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.hasExited()) throw new Error(`${child.name} exited before it was ready:\n${child.logTail()}`);
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
      await response.arrayBuffer();
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await sleep(250);
  }
  throw new Error(`${child.name} was not ready at ${url} after ${timeoutMs / 1000} s:\n${child.logTail()}`);
}
