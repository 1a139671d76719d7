import { readFileSync } from 'node:fs';
import { limits } from '../limits.ts';

/** How far up from this process npm may be: npm → sh → node is two hops; a wrapper or two more is fine. */
const npmHopsMax = 4;

/** The parent of `pid` (Linux's /proc), or undefined where there is no /proc or the process is gone. */
function parentOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (2nd field) may hold spaces and parentheses; the fields after its last ')' do not.
    const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    return Number.isInteger(parent) ? parent : undefined;
  } catch {
    return undefined;
  }
}

/** npm names its process after the command it runs (`npm start`, `npm exec …`); npx as itself. */
function isNpm(pid: number): boolean {
  try {
    const command = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
    return /^(\S*\/)?(npm|npx)(\s|$)|\/(npm|npx)-cli\.js(\s|$)/.test(command);
  } catch {
    return false;
  }
}

/** The pids above this process, nearest first, at most `hops` of them. */
function ancestors(hops: number): number[] {
  const found: number[] = [];
  for (let pid: number | undefined = process.ppid; pid !== undefined && pid > 1 && found.length < hops; pid = parentOf(pid)) found.push(pid);
  return found;
}

/**
 * Calls `onOrphaned` once when the npm process that started us is gone. npm runs the command
 * through a shell (npm → sh → node), and a `kill` of npm reaches neither that shell nor us: without
 * this the service kept running with nobody to stop it. Watching our own parent is not enough —
 * it is the shell, which outlives npm — so npm is found among our ancestors and we stop once it is
 * no longer one (gone, or this branch re-parented). Where there is no /proc, our parent changing
 * is the sign. Started any other way (systemd, a container, nohup) the service follows no one.
 */
export function stopWithParent(env: NodeJS.ProcessEnv, onOrphaned: () => void): void {
  if (!env.npm_command) return;
  const npm = ancestors(npmHopsMax).find(isNpm);
  const parent = process.ppid;
  const orphaned = npm === undefined ? () => process.ppid !== parent : () => !ancestors(npmHopsMax).includes(npm);
  const timer = setInterval(() => {
    if (!orphaned()) return;
    clearInterval(timer);
    onOrphaned();
  }, limits.parentCheckIntervalMs);
  timer.unref();
}
