// The voice block of an alert or incident page: join or leave, who is in, who speaks, the push-to-talk
// button (press and hold; a tap toggles it on phones) and the recorded transmissions, which the
// page shows in its history.
import { api } from './api.js';
import { fill, h } from './dom.js';
import { clock } from './format.js';
import { unlockSound, voiceCue } from './sound.js';
import { VoiceChannel } from './voice.js';

const seconds = (ms) => `${(ms / 1000).toFixed(1)} s`;
const who = (user) => `${user.name} (${user.role})`;

/**
 * @param app the console app (session, live, toast)
 * @param channel the channel key, `alert:<id>` or `incident:<id>`
 * @param changed called when the recordings change, so the page redraws its history
 * @returns {{ section: Element, timeline: () => Array<{at: string, el: Element}>, unmount: () => void }}
 */
export function mountVoice(app, channel, changed) {
  const voice = new VoiceChannel(app.live, channel);
  /** Tap to start, tap to stop: the default where the pointer is a finger. */
  let toggle = window.matchMedia('(pointer: coarse)').matches || app.session.view.layout === 'compact';
  let asked = false;
  const recordings = new Map();
  const timers = [];

  const status = h('p.voice-status', { 'aria-live': 'polite' });
  const people = h('ul.voice-people', { 'aria-label': 'In the voice channel' });
  const talk = h('button.voice-talk', { type: 'button', disabled: true });
  // The join click is the gesture that lets the cues play.
  const joinButton = h('button.secondary.voice-join', { type: 'button', onclick: () => { unlockSound(); if (voice.state === 'left' || voice.state === 'refused') voice.join(); else voice.leave(); } });
  const mode = h('input', { type: 'checkbox', checked: toggle, onchange: () => { toggle = mode.checked; if (voice.speaking || asked) release(); draw(); } });
  const note = h('p.voice-note.muted');
  const section = h('div.voice', { dataset: { channel } }, status, talk, h('div.voice-controls', joinButton, h('label.voice-mode', mode, ' Tap to talk')), people, note);

  function press() {
    asked = true;
    voice.talk();
    draw();
  }
  function release() {
    asked = false;
    voice.release();
    draw();
  }

  talk.addEventListener('pointerdown', (e) => {
    if (e.button !== 0 || talk.disabled) return;
    e.preventDefault();
    if (toggle && (voice.speaking || asked)) release();
    else press();
  });
  // Released anywhere on the page: a live redraw of the alert may move the button under the
  // finger, and a button-only pointerup (or pointer capture, lost with it) would miss the release.
  const onUp = () => {
    if (!toggle && (asked || voice.speaking)) release();
  };
  // A page that is hidden (screen locked, another app in front) stops talking, toggle or not.
  const onHidden = () => {
    if (document.hidden && (asked || voice.speaking)) release();
  };
  window.addEventListener('pointerup', onUp);
  window.addEventListener('pointercancel', onUp);
  document.addEventListener('visibilitychange', onHidden);
  // A long press on a phone must not open a menu or select text.
  talk.addEventListener('contextmenu', (e) => e.preventDefault());

  /** Space: hold to talk (or tap, in toggle mode), anywhere on the page but in a text field. */
  const onKey = (e) => {
    if (e.code !== 'Space' || voice.state !== 'joined' || /^(INPUT|TEXTAREA|SELECT)$/.test(e.target.tagName) || !(voice.config && voice.config.mayTalk)) return;
    e.preventDefault();
    if (e.type === 'keydown') {
      if (e.repeat) return;
      if (toggle && (voice.speaking || asked)) release();
      else press();
    } else if (!toggle) release();
  };
  document.addEventListener('keydown', onKey);
  document.addEventListener('keyup', onKey);

  function draw() {
    const joined = voice.state === 'joined';
    const config = voice.config || {};
    const speaker = voice.speaker;
    joinButton.textContent = voice.state === 'left' || voice.state === 'refused' ? 'Join voice' : 'Leave voice';
    joinButton.classList.toggle('primary', !joined);
    const mayTalk = joined && config.mayTalk;
    talk.disabled = !mayTalk;
    talk.classList.toggle('speaking', voice.speaking);
    talk.classList.toggle('busy', Boolean(speaker) && !voice.speaking);
    talk.setAttribute('aria-pressed', String(voice.speaking));
    talk.textContent = !joined ? 'Push to talk'
      : !config.mayTalk ? 'Your role listens only'
        : voice.speaking ? (toggle ? 'Speaking: tap to stop' : 'Speaking: release to stop')
          : asked ? 'Waiting for the channel…'
            : `${toggle ? 'Tap' : 'Hold'} to talk${config.priority ? ' (priority)' : ''}`;
    status.textContent = {
      joining: 'Joining…', reconnecting: 'Connection lost: rejoining…', refused: 'You cannot join this channel.', left: `Talk with everyone on this ${channel.split(':')[0]}.`,
    }[voice.state] || (speaker ? (voice.speaking ? 'You are speaking' : `${who(speaker.user)} is speaking`) : 'Channel clear');
    status.classList.toggle('on-air', Boolean(speaker));
    const you = app.session.user;
    fill(people, joined ? [
      h('li', { class: voice.speaking ? 'speaking' : '' }, `${you.name} (you)`),
      [...voice.peers.entries()].map(([peer, p]) => h('li', { class: speaker && speaker.peer === peer ? 'speaking' : '', dataset: { state: voice.connectionState(peer) } }, who(p.user))),
    ] : null);
    note.textContent = joined && config.recording ? 'Transmissions on this channel are recorded.' : '';
  }

  voice.addEventListener('state', draw);
  voice.addEventListener('peers', draw);
  voice.addEventListener('floor', (e) => {
    const { speaker, ended } = e.detail;
    if (speaker && speaker.peer === voice.self) {
      asked = false;
      voiceCue('permit');
    } else if (!speaker && ended && ended.peer !== voice.self) voiceCue('clear');
    if (ended && ended.peer === voice.self && ended.reason !== 'released') {
      app.toast(ended.reason === 'preempted' ? `${who(ended.by)} took the channel` : ended.reason === 'timeout' ? 'Your transmission reached its time limit' : 'Your transmission ended', 'error');
    }
    draw();
  });
  voice.addEventListener('denied', (e) => {
    asked = false;
    voiceCue('busy');
    app.toast(e.detail.speaker ? `${who(e.detail.speaker.user)} is speaking: wait for the channel` : e.detail.reason, 'error');
    draw();
  });
  voice.addEventListener('error', (e) => app.toast(e.detail, 'error'));
  voice.addEventListener('recorded', (e) => add(e.detail));

  function add(r) {
    if (recordings.has(r.id)) return;
    const src = `api/voice/${encodeURIComponent(channel)}/recordings/${encodeURIComponent(r.id)}`;
    const el = h('li.voice-entry', { dataset: { recording: r.id } },
      h('time.when', { dateTime: r.startedAt }, clock(r.startedAt)), h('span.what', 'Voice'), h('span.who', who(r.speaker)),
      h('span.extra', seconds(r.durationMs)), h('audio', { controls: true, preload: 'none', src }));
    recordings.set(r.id, { at: r.startedAt, el });
    changed();
    // Deleted on the runtime at its retention time: gone from the page then too.
    const left = Date.parse(r.expiresAt) - Date.now();
    if (left < 2 ** 31) timers.push(setTimeout(() => { recordings.delete(r.id); el.remove(); changed(); }, Math.max(0, left)));
  }

  api.get(`voice/${encodeURIComponent(channel)}/recordings`).then((list) => list.items.forEach(add)).catch(() => undefined);
  draw();

  return {
    section,
    timeline: () => [...recordings.values()],
    unmount() {
      timers.forEach(clearTimeout);
      document.removeEventListener('keydown', onKey);
      document.removeEventListener('keyup', onKey);
      window.removeEventListener('pointerup', onUp);
      window.removeEventListener('pointercancel', onUp);
      document.removeEventListener('visibilitychange', onHidden);
      voice.close();
    },
  };
}
