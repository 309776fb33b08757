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

  // One Uppy per purpose, created once; the stable id keeps tus fingerprints across reloads.
  const [uppy] = useState(() =>
    new Uppy({
      id: `terridata-${props.purpose}`,
      autoProceed: true,
      meta: { purpose: props.purpose },
      restrictions: {
        maxFileSize: props.maxBytes,
        allowedFileTypes: props.extensions.map((e) => `.${e}`),
      },
      locale: (props.strings
        ? { strings: props.strings, pluralize: (n: number) => (n === 1 ? 0 : 1) }
        : undefined) as UppyOptions<Meta, Body>['locale'],
    }).use(Tus, {
      endpoint: props.endpoint,
      chunkSize: Math.min(props.chunkBytes, MAX_CHUNK),
      removeFingerprintOnSuccess: true,
      allowedMetaFields: ['purpose', 'name', 'type'],
      // A refusal (4xx) will not change by retrying; a dropped connection or a restart will.
      onShouldRetry: (err, _attempt, _opts, next) => {
        const status = err.originalResponse?.getStatus() ?? 0;
        return status >= 400 && status < 500 && status !== 409 && status !== 423 ? false : next(err);
      },
    }),
  );

  useEffect(() => {
    if (!target.current) return;
    uppy.use(Dashboard, {
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
    const onError = (file: { name?: string } | undefined, err: unknown) => {
      setError(callbacks.current.formatError(file?.name ?? '', serverMessage(err)));
    };
    const onSuccess = (file: { name?: string } | undefined, response: { uploadURL?: string }) => {
      setError(null);
      callbacks.current.onUploaded?.({ name: file?.name ?? '', uploadUrl: response?.uploadURL ?? null });
    };
    const onUploadStart = () => {
      setError(null);
      callbacks.current.onProgress?.();
    };
    uppy.on('upload-error', onError);
    uppy.on('upload-success', onSuccess);
    uppy.on('upload', onUploadStart);
    return () => {
      uppy.off('upload-error', onError);
      uppy.off('upload-success', onSuccess);
      uppy.off('upload', onUploadStart);
      const dashboard = uppy.getPlugin('Dashboard');
      if (dashboard) uppy.removePlugin(dashboard);
    };
  }, [uppy]);

  useEffect(() => () => uppy.destroy(), [uppy]);

  return (
    <div className="upload-widget">
      <div ref={target} role="region" aria-label={props.label} />
      <p role="alert" className={error ? 'notice error' : 'visually-hidden'}>
        {error}
      </p>
    </div>
  );
}
