/**
 * The voice routes under `<console>/api/voice`, behind the API's session and CSRF checks:
 *  - GET  `:channel/recordings`      the channel's recorded transmissions (speaker, start, duration);
 *  - GET  `:channel/recordings/:id`  one recording's audio;
 *  - POST `:channel/recordings/:id`  the speaker's browser uploads the recording of its own
 *    transmission (the id the floor grant named), once.
 * A channel the user may not join answers 404, as if it did not exist.
 */
import express from 'express';
import type { Request, Response, Router } from 'express';
import { HttpError, locals } from './auth';
import { parseChannel } from './voice-channels';
import { RecordingExistsError } from './voice-recordings';

/** What MediaRecorder produces in Chromium, Firefox and Safari. */
const AUDIO = /^audio\/(webm|ogg|mp4)(;\s*codecs="?[a-z0-9.]+"?)?$/i;

async function channelOf(req: Request, res: Response): Promise<string> {
  const { runtime, session } = locals(res);
  const key = req.params.channel;
  if (!parseChannel(key) || !(await runtime.voice.mayJoin(session.user, key))) throw new HttpError(404, 'unknown voice channel');
  return key;
}

export function createVoiceRouter(): Router {
  const router = express.Router();
  const wrap = (handler: (req: Request, res: Response) => Promise<void>) => (req: Request, res: Response, next: (err?: unknown) => void) => {
    handler(req, res).catch(next);
  };

  router.get('/:channel/recordings', wrap(async (req, res) => {
    const key = await channelOf(req, res);
    const recordings = locals(res).runtime.voice.recordings;
    res.json({ recording: recordings !== undefined, items: recordings ? await recordings.list(key) : [] });
  }));

  router.get('/:channel/recordings/:id', wrap(async (req, res) => {
    const key = await channelOf(req, res);
    const found = await locals(res).runtime.voice.recordings?.read(key, req.params.id);
    if (!found) throw new HttpError(404, 'unknown recording');
    res.set('Content-Type', found.meta.mimeType).set('X-Content-Type-Options', 'nosniff').set('Cache-Control', 'private, no-store').send(found.audio);
  }));

  router.post('/:channel/recordings/:id', wrap(async (req, res) => {
    const key = await channelOf(req, res);
    const { runtime, session } = locals(res);
    const recordings = runtime.voice.recordings;
    if (!recordings) throw new HttpError(404, 'recording is turned off on this console');
    const t = runtime.voice.transmission(req.params.id);
    // Only one's own transmission on this channel, while it is recent: the floor record is the proof it happened.
    if (!t || t.channel !== key || t.speaker.username !== session.user.username) throw new HttpError(404, 'unknown transmission');
    const type = req.get('content-type') ?? '';
    if (!AUDIO.test(type)) throw new HttpError(415, 'send the recording as audio/webm, audio/ogg or audio/mp4');
    const body = await new Promise<Buffer>((resolve, reject) => {
      express.raw({ type: () => true, limit: recordings.maxBytes })(req, res, (err?: unknown) => (err ? reject(err) : resolve(req.body as Buffer)));
    });
    if (!Buffer.isBuffer(body) || !body.length) throw new HttpError(400, 'the recording is empty');
    const endedAt = t.endedAt ?? Date.now();
    try {
      const meta = await recordings.save({
        id: t.id,
        channel: key,
        speaker: { username: t.speaker.username, name: t.speaker.name, role: t.speaker.role },
        startedAt: new Date(t.startedAt).toISOString(),
        durationMs: endedAt - t.startedAt,
        priority: t.priority,
        mimeType: type.split(';')[0].toLowerCase(),
      }, body);
      runtime.voice.recorded(meta);
      res.status(201).json(meta);
    } catch (err) {
      if (err instanceof RecordingExistsError) throw new HttpError(409, err.message);
      throw err;
    }
  }));

  return router;
}
