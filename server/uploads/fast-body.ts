// The request body as a web stream, for @tus/server, without Node's `Readable.toWeb`:
// toWeb queues one chunk at a time (a count strategy of 1), pausing and resuming the
// socket for every 64 KiB; here the queue holds up to 4 MiB of bytes, so a large upload
// flows at about the speed of a plain pipe (see test/bench/upload.bench.ts).
import type { IncomingMessage } from 'node:http';

const QUEUE_BYTES = 4 * 1024 * 1024;

export function requestBodyStream(req: IncomingMessage): ReadableStream<Uint8Array> {
  let done = false;
  const cleanup = () => {
    done = true;
    req.off('data', onData);
    req.off('end', onEnd);
    req.off('error', onError);
    req.off('close', onClose);
  };
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  const onData = (chunk: Buffer) => {
    controller.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    if ((controller.desiredSize ?? 0) <= 0) req.pause();
  };
  const onEnd = () => {
    cleanup();
    controller.close();
  };
  const onError = (err: Error) => {
    cleanup();
    controller.error(err);
  };
  // The client went away before the end of its body: an error, as toWeb reports it.
  const onClose = () => {
    if (done) return;
    cleanup();
    controller.error(Object.assign(new Error('aborted'), { code: 'ECONNRESET' }));
  };
  return new ReadableStream<Uint8Array>(
    {
      start(c) {
        controller = c;
        req.on('data', onData);
        req.on('end', onEnd);
        req.on('error', onError);
        req.on('close', onClose);
      },
      pull() {
        if (!done) req.resume();
      },
      cancel(reason) {
        cleanup();
        req.destroy(reason instanceof Error ? reason : undefined);
      },
    },
    { highWaterMark: QUEUE_BYTES, size: (chunk) => chunk.byteLength },
  );
}
