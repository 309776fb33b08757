// process_photo: re-encodes an observation's photo without any metadata and deletes the
// original, queued when the observation is submitted. Safe to run twice.
import type { Task } from 'graphile-worker';
import { processObservationPhoto } from '../../app/domain/observations/photos.server';
import { storageOf } from '../storage';
import type { JobDeps } from './index';

export const processPhotoTask =
  ({ db, config, logger }: JobDeps): Task =>
  async (payload) => {
    const { observationId } = payload as { observationId: string };
    const outcome = await processObservationPhoto(db, { storage: storageOf(config, db) }, observationId);
    logger.info({ observationId, outcome }, 'observation photo processed');
  };
