/**
 * Run bench jobs (whole training runs) at most `parallel` at a time, in order of submission; each
 * result goes to `onDone` as it finishes. Results come back in completion order.
 */
export async function runJobPool<R>(
  jobs: ReadonlyArray<() => Promise<R>>,
  parallel: number,
  onDone: (result: R) => void = () => {},
): Promise<R[]> {
  const results: R[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.max(1, parallel) }, async () => {
      while (next < jobs.length) {
        const job = jobs[next++];
        if (!job) break;
        const r = await job();
        results.push(r);
        onDone(r);
      }
    }),
  );
  return results;
}
