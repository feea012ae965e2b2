/**
 * Kill a process and everything it started. The command handler starts each command as the
 * leader of its own process group, so on POSIX killing the group reaches its grandchildren; on
 * Windows `taskkill /T` walks the tree.
 */
import { spawn } from 'node:child_process';

/** Best effort: errors (already gone) are ignored. */
export function killProcessTree(pid: number): void {
  if (process.platform === 'win32') {
    spawn('taskkill', ['/pid', String(pid), '/T', '/F'], { stdio: 'ignore', windowsHide: true }).on('error', () => undefined);
    return;
  }
  for (const target of [-pid, pid]) {
    try {
      process.kill(target, 'SIGKILL');
    } catch {
      /* ESRCH: gone already */
    }
  }
}
