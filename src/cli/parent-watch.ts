import { limits } from '../limits.ts';

/**
 * Calls `onOrphaned` once when this process's parent has gone (it is re-parented). Used when npm
 * started us (`npm start`, `npx masspayout serve`): npm runs the command through a shell, and a
 * `kill` of npm reaches neither that shell's child nor us, so without this the service kept
 * running with nobody to stop it. Started any other way (systemd, a container, nohup) the service
 * does not follow its parent.
 */
export function stopWithParent(env: NodeJS.ProcessEnv, onOrphaned: () => void): void {
  if (!env.npm_command) return;
  const parent = process.ppid;
  const timer = setInterval(() => {
    if (process.ppid === parent) return;
    clearInterval(timer);
    onOrphaned();
  }, limits.parentCheckIntervalMs);
  timer.unref();
}
