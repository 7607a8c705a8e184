// Plain JavaScript: it is loaded with `--import` before any loader, also into the worker threads that inherit the flags.
/**
 * The child's side of a lifeline: loaded with `--import` into every Node process a Hotpath parent starts
 * (the supervisor, a test run, chaos, the bench). The parent keeps the other end of a pipe on fd
 * HOTPATH_LIFELINE_FD; the kernel closes it when the parent dies, however it dies (SIGKILL included), and then
 * this process stops as on SIGTERM (its own shutdown hooks run), or exits after a grace period.
 */
import { Socket } from 'node:net';
import { isMainThread } from 'node:worker_threads';

const fd = Number(process.env.HOTPATH_LIFELINE_FD);
if (isMainThread && Number.isInteger(fd) && fd > 2) {
  // This process's own children get their own lifeline, not this one.
  delete process.env.HOTPATH_LIFELINE_FD;
  const line = new Socket({ fd, readable: true, writable: false });
  // The lifeline must never be what keeps this process alive.
  line.unref();
  line.on('data', () => {});
  let cut = false;
  const parentGone = () => {
    if (cut) return;
    cut = true;
    setTimeout(() => process.exit(1), Number(process.env.HOTPATH_LIFELINE_GRACE_MS ?? 5000)).unref();
    process.kill(process.pid, 'SIGTERM');
  };
  line.once('end', parentGone);
  line.once('close', parentGone);
  line.once('error', parentGone);
}
