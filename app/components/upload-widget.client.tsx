// The upload widget: Uppy's Dashboard sending with tus, in the browser only (a *.client
// module: Remix leaves it out of the server render). The Uppy instance is created once,
// with a stable id, so that after a reload the same file re-selected gets the same
// fingerprint and tus resumes from the server's offset instead of starting again.
import Uppy from '@uppy/core';
import type { Body, Meta, UppyOptions } from '@uppy/core';
import Dashboard from '@uppy/dashboard';
import Tus from '@uppy/tus';
import { useEffect, useRef, useState } from 'react';
import type { UploadPurpose } from '~/domain/uploads/uploads.schema';

const MAX_CHUNK = 50 * 1024 * 1024;

export interface UploadWidgetProps {
  purpose: UploadPurpose;
  endpoint: string;
  /** Bytes per PATCH; capped at 50 MiB (a proxy's body limit or a restart costs one chunk). */
  chunkBytes: number;
  maxBytes: number;
  extensions: readonly string[];
  /** Uppy's strings (Dashboard, status bar) in the page's language. */
  strings?: Record<string, string | Record<number, string>>;
  /** Accessible name of the drop area. */
  label: string;
  /** Our own sentence for a refusal, given the server's message. */
  formatError: (fileName: string, message: string) => string;
  onUploaded?: (file: { name: string; uploadUrl: string | null }) => void;
  onProgress?: () => void;
}

/** Uppy's `upload-error` carries tus's error; the server's own message is the response body. */
function serverMessage(err: unknown): string {
  const res = (err as { originalResponse?: { getBody(): string } | null })?.originalResponse;
  const body = res?.getBody?.().trim();
  return body || (err as Error)?.message || '';
}

export default function UploadWidget(props: UploadWidgetProps) {
  const target = useRef<HTMLDivElement>(null);
  const callbacks = useRef(props);
  callbacks.current = props;
  const [error, setError] = useState<string | null>(null);

  const { purpose, endpoint, chunkBytes, maxBytes } = props;
  const extensions = props.extensions.join(',');
  const strings = props.strings;

  // One Uppy per purpose, created once per mount, outside render (an effect, so React's
  // development double-mount gets a working instance). Its id is stable: the tus
  // fingerprints it stores survive a reload.
  useEffect(() => {
    if (!target.current) return;
    const uppy = new Uppy({
      id: `terridata-${purpose}`,
      autoProceed: true,
      meta: { purpose },
      restrictions: {
        maxFileSize: maxBytes,
        allowedFileTypes: extensions.split(',').map((e) => `.${e}`),
      },
      locale: (strings
        ? { strings, pluralize: (n: number) => (n === 1 ? 0 : 1) }
        : undefined) as UppyOptions<Meta, Body>['locale'],
    })
      .use(Tus, {
        endpoint,
        chunkSize: Math.min(chunkBytes, MAX_CHUNK),
        removeFingerprintOnSuccess: true,
        allowedMetaFields: ['purpose', 'name', 'type'],
        // A refusal (4xx) will not change by retrying; a dropped connection or a restart will.
        onShouldRetry: (err, _attempt, _opts, next) => {
          const status = err.originalResponse?.getStatus() ?? 0;
          return status >= 400 && status < 500 && status !== 409 && status !== 423
            ? false
            : next(err);
        },
      })
      .use(Dashboard, {
        inline: true,
        target: target.current,
        height: 320,
        width: '100%',
        hideProgressDetails: false,
        proudlyDisplayPoweredByUppy: false,
        hideRetryButton: false,
        hidePauseResumeButton: false,
        hideCancelButton: false,
        showRemoveButtonAfterComplete: false,
      });
    // Uppy's Dashboard gives each file role="listitem", but with a single file it leaves
    // out the role="list" of their container (axe: aria-required-parent). Put it back.
    const container = target.current;
    const listRole = new MutationObserver(() => {
      for (const el of container?.querySelectorAll('.uppy-Dashboard-files:not([role])') ?? []) {
        el.setAttribute('role', 'list');
      }
    });
    if (container) listRole.observe(container, { childList: true, subtree: true });
    uppy.on('upload-error', (file, err) => {
      setError(callbacks.current.formatError(file?.name ?? '', serverMessage(err)));
    });
    uppy.on('upload-success', (file, response) => {
      setError(null);
      callbacks.current.onUploaded?.({
        name: file?.name ?? '',
        uploadUrl: response?.uploadURL ?? null,
      });
    });
    uppy.on('upload', () => {
      setError(null);
      callbacks.current.onProgress?.();
    });
    return () => {
      listRole.disconnect();
      // Leaving the page pauses: the bytes stay on the server and re-selecting the file
      // resumes. (Uppy's destroy() would cancel, and tus would delete the upload.)
      uppy.pauseAll();
      uppy.iteratePlugins((plugin) => uppy.removePlugin(plugin));
    };
  }, [purpose, endpoint, chunkBytes, maxBytes, extensions, strings]);

  return (
    <div className="upload-widget">
      <div ref={target} role="region" aria-label={props.label} />
      <p role="alert" className={error ? 'notice error' : 'visually-hidden'}>
        {error}
      </p>
    </div>
  );
}
