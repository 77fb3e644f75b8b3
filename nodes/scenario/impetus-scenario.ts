import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Node, NodeAPI, NodeDef, NodeMessage, NodeMessageInFlow, NodeStatus } from 'node-red';
import { describeSchemaErrors, ValidationError, Validators } from '../platform';
import type { Done, Send } from '../platform/node-kit';
import { asError, fail, onInput, PACKAGE_ROOT, StatusReporter, translator } from '../platform/node-kit';
import { MAX_FILE_BYTES, MAX_SPEED, Player, checkSpeed, compileTimeline } from './timeline';
import type { CompiledTimeline, PlayerSnapshot, ScheduledEvent, Timeline } from './timeline';

interface ScenarioNodeDef extends NodeDef {
  source?: 'inline' | 'file';
  timeline?: string;
  file?: string;
  speed?: number | string;
  /** '' keeps the timeline's own setting. */
  loop?: '' | 'true' | 'false' | boolean;
  autostart?: boolean;
  outputs?: number;
  outputNames?: string[] | string;
}

/** Long enough for the rest of the flow (dashboards, sinks) to finish starting. */
const AUTOSTART_DELAY_MS = 500;
const DEPLOY_FALLBACK_MS = 1000;
const COMMANDS = ['start', 'stop', 'pause', 'resume', 'restart'] as const;
type Command = (typeof COMMANDS)[number];

let validators: Validators | undefined;
function getValidators(): Validators {
  // One compiled set per runtime: compiling every schema per node would slow big deploys.
  validators ??= new Validators();
  return validators;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !Buffer.isBuffer(value);
}

function parseNames(value: string[] | string | undefined): string[] {
  const list = Array.isArray(value) ? value : typeof value === 'string' ? value.split(',') : [];
  return list.map((name) => String(name).trim()).filter((name) => name.length > 0);
}

function parseLoop(value: ScenarioNodeDef['loop']): boolean | undefined {
  if (value === true || value === 'true') return true;
  if (value === false || value === 'false') return false;
  return undefined;
}

function formatSpeed(speed: number): string {
  return String(Number(speed.toPrecision(4)));
}

/**
 * Nodes waiting for the current deploy to finish starting, per runtime. One listener per
 * runtime rather than one per node: a flow with a dozen scenarios would otherwise trip
 * EventEmitter's leak warning.
 */
const deployWaiters = new WeakMap<object, Set<() => void>>();

export = function (RED: NodeAPI): void {
  let waiters = deployWaiters.get(RED.events);
  if (!waiters) {
    const set = new Set<() => void>();
    deployWaiters.set(RED.events, set);
    RED.events.on('flows:started', () => {
      for (const wake of [...set]) wake();
    });
    waiters = set;
  }
  const pending = waiters;
  const t = translator(RED, 'impetus-scenario', __dirname);

  function ScenarioNode(this: Node, config: ScenarioNodeDef): void {
    RED.nodes.createNode(this, config);
    setup(this, config);
  }

  function setup(node: Node, config: ScenarioNodeDef): void {
    const status = new StatusReporter(node);
    const configuredNames = parseNames(config.outputNames);
    const loopOverride = parseLoop(config.loop);
    const autostart = config.autostart === true;

    let speed = 1;
    let player: Player | undefined;
    let loadError: Error | undefined;
    let autostartTimer: NodeJS.Timeout | undefined;
    let closed = false;
    /** Port names from the deployed configuration; a scenario loaded by message is mapped onto them. */
    let ports: string[] | undefined = configuredNames.length > 0 ? configuredNames : undefined;

    function showState(snapshot: PlayerSnapshot): void {
      const vars = { position: snapshot.position, total: snapshot.total, speed: formatSpeed(snapshot.speed), loop: snapshot.loop };
      let next: NodeStatus;
      switch (snapshot.state) {
        case 'running':
          next = { fill: 'green', shape: 'dot', text: t(snapshot.loop > 0 ? 'status.runningLoop' : 'status.running', vars) };
          break;
        case 'paused':
          next = { fill: 'yellow', shape: 'ring', text: t('status.paused', vars) };
          break;
        case 'finished':
          next = { fill: 'blue', shape: 'dot', text: t('status.finished', vars) };
          break;
        case 'stopped':
          next = { fill: 'grey', shape: 'ring', text: t('status.stopped', vars) };
          break;
        default:
          next = { fill: 'grey', shape: 'ring', text: t('status.ready', vars) };
      }
      status.set(next);
    }

    function emit(compiled: CompiledTimeline, event: ScheduledEvent, loop: number): void {
      // Each emission gets its own copy: downstream nodes may mutate it, and the next pass
      // of a loop must replay the timeline exactly as written.
      const payload = RED.util.cloneMessage({ payload: event.payload } as NodeMessage).payload;
      if (isPlainObject(payload)) payload.status = 'Exercise';
      const msg: NodeMessage = {
        payload,
        status: 'Exercise',
        exercise: true,
        scenario: { name: compiled.name, event: event.index, occurrence: event.occurrence, loop },
      };
      if (event.topic !== undefined) msg.topic = event.topic;
      const out: Array<NodeMessage | null> = new Array(Math.max(compiled.outputs.length, event.port + 1)).fill(null);
      out[event.port] = msg;
      node.send(out);
    }

    /** Validates and compiles; throws an Error whose message names the failing path. */
    function compile(raw: unknown): CompiledTimeline {
      let v: Validators;
      try {
        v = getValidators();
      } catch (err) {
        throw new Error(t('errors.schemas', { detail: asError(err).message }));
      }
      try {
        v.assert('scenario', raw);
        return compileTimeline(raw as Timeline, { ports, loop: loopOverride });
      } catch (err) {
        throw new Error(t('errors.invalidTimeline', { detail: explain(err) }));
      }
    }

    /** ajv quotes the whole duration regex at the author; say what is expected instead. */
    function explain(err: unknown): string {
      if (!(err instanceof ValidationError)) return asError(err).message;
      const errors = err.errors.map((e) =>
        e.keyword === 'pattern' && e.schemaPath.startsWith('#/$defs/duration/') ? { ...e, message: t('errors.durationPattern') } : e,
      );
      return `${err.schema}: ${describeSchemaErrors(errors)}`;
    }

    function install(compiled: CompiledTimeline): void {
      player?.dispose();
      loadError = undefined;
      player = new Player(compiled, { emit: (event, loop) => emit(compiled, event, loop), change: showState }, { speed });
      showState(player.snapshot());
    }

    async function readScenarioFile(file: string): Promise<unknown> {
      const candidates = path.isAbsolute(file)
        ? [file]
        : [RED.settings.userDir as string | undefined, path.join(PACKAGE_ROOT, 'flows')]
            .filter((dir): dir is string => typeof dir === 'string' && dir.length > 0)
            .map((dir) => path.resolve(dir, file));
      for (const candidate of candidates) {
        let stat: fs.Stats;
        try {
          stat = await fs.promises.stat(candidate);
        } catch {
          continue;
        }
        if (!stat.isFile()) continue;
        if (stat.size > MAX_FILE_BYTES) throw new Error(t('errors.fileTooLarge', { file: candidate, size: stat.size, max: MAX_FILE_BYTES }));
        let text: string;
        try {
          text = await fs.promises.readFile(candidate, 'utf8');
        } catch (err) {
          throw new Error(t('errors.fileRead', { file: candidate, detail: asError(err).message }));
        }
        // The file may have grown between stat and read.
        if (Buffer.byteLength(text) > MAX_FILE_BYTES) throw new Error(t('errors.fileTooLarge', { file: candidate, size: Buffer.byteLength(text), max: MAX_FILE_BYTES }));
        try {
          return JSON.parse(text);
        } catch (err) {
          throw new Error(t('errors.fileNotJson', { file: candidate, detail: asError(err).message }));
        }
      }
      throw new Error(t('errors.fileNotFound', { file, paths: candidates.join(', ') || '-' }));
    }

    async function loadConfigured(): Promise<void> {
      let raw: unknown;
      if (config.source === 'file') {
        const file = (config.file ?? '').trim();
        if (!file) throw new Error(t('errors.noFile'));
        raw = await readScenarioFile(file);
      } else {
        const text = config.timeline ?? '';
        if (Buffer.byteLength(text) > MAX_FILE_BYTES) throw new Error(t('errors.inlineTooLarge', { size: Buffer.byteLength(text), max: MAX_FILE_BYTES }));
        try {
          raw = JSON.parse(text);
        } catch (err) {
          throw new Error(t('errors.notJson', { detail: asError(err).message }));
        }
      }
      // An inline timeline edited before the editor stored its output names still gets ports.
      if (!ports && isPlainObject(raw) && Array.isArray(raw.outputs)) ports = parseNames(raw.outputs as string[]);
      install(compile(raw));
    }

    // Catch nodes are wired up only once the whole deploy has started; a load error raised
    // before then would reach the log but no Catch node. Hosts that never announce the start
    // get the report after a short delay instead.
    let deployWait: (() => void) | undefined;
    const deployed = new Promise<void>((resolve) => {
      const fallbackTimer = setTimeout(() => deployWait?.(), DEPLOY_FALLBACK_MS);
      deployWait = () => {
        if (deployWait) pending.delete(deployWait);
        deployWait = undefined;
        clearTimeout(fallbackTimer);
        resolve();
      };
      pending.add(deployWait);
    });

    function reportLoadError(err: unknown): void {
      const error = asError(err);
      loadError = error;
      status.error(error.message);
      // An empty message so Catch nodes can react to a broken scenario.
      void deployed.then(() => {
        if (!closed) node.error(error.message, {});
      });
    }

    try {
      speed = checkSpeed(Number(config.speed ?? 1));
    } catch {
      reportLoadError(new Error(t('errors.invalidSpeed', { speed: String(config.speed), max: MAX_SPEED })));
    }

    status.set({ fill: 'grey', shape: 'ring', text: t('status.loading') });
    const ready = (loadError ? Promise.resolve() : loadConfigured().catch(reportLoadError)).then(() => {
      if (closed || !autostart || !player) return;
      autostartTimer = setTimeout(() => {
        autostartTimer = undefined;
        if (!closed) player?.start();
      }, AUTOSTART_DELAY_MS);
    });

    function readSpeed(value: unknown): number {
      const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
      try {
        return checkSpeed(n as number);
      } catch {
        throw new Error(t('errors.invalidSpeed', { speed: String(value), max: MAX_SPEED }));
      }
    }

    function toCommand(raw: unknown): Command | undefined {
      const command = typeof raw === 'string' ? raw.trim().toLowerCase() : undefined;
      return command !== undefined && (COMMANDS as readonly string[]).includes(command) ? (command as Command) : undefined;
    }

    /**
     * msg.command wins over msg.payload. When the message carries msg.scenario or msg.speed,
     * a payload that is not a command is left alone: it is often unrelated data (the text a
     * file-in node read, an inject timestamp).
     */
    function readCommand(msg: NodeMessageInFlow): Command | undefined {
      if (msg.command !== undefined) {
        const command = toCommand(msg.command);
        if (!command) throw new Error(t('errors.unknownCommand', { command: describeValue(msg.command) }));
        return command;
      }
      const command = toCommand(msg.payload);
      if (command || msg.scenario !== undefined || msg.speed !== undefined) return command;
      if (msg.payload === undefined) throw new Error(t('errors.noCommand'));
      throw new Error(t('errors.unknownCommand', { command: describeValue(msg.payload) }));
    }

    function handle(msg: NodeMessageInFlow, done: Done): void {
      // Read everything first so a bad field rejects the whole message and changes nothing.
      const command = readCommand(msg);
      const newSpeed = msg.speed !== undefined ? readSpeed(msg.speed) : undefined;
      let compiled: CompiledTimeline | undefined;
      if (msg.scenario !== undefined) {
        if (!isPlainObject(msg.scenario)) throw new Error(t('errors.scenarioNotObject'));
        // Copy: the sender may keep mutating its object after handing it over.
        compiled = compile(RED.util.cloneMessage({ scenario: msg.scenario } as NodeMessage).scenario);
      }

      if (newSpeed !== undefined) {
        speed = newSpeed;
        player?.setSpeed(newSpeed);
      }
      if (compiled) install(compiled);
      const effective: Command | undefined = command ?? (compiled ? 'start' : undefined);
      if (effective === undefined) return done();
      if (!player) {
        throw new Error(loadError ? t('errors.noScenario', { detail: loadError.message }) : t('errors.noScenarioYet'));
      }
      if (autostartTimer && effective !== 'start') {
        // An explicit command supersedes the pending autostart.
        clearTimeout(autostartTimer);
        autostartTimer = undefined;
      }
      switch (effective) {
        case 'start':
          player.start();
          break;
        case 'stop':
          player.stop();
          break;
        case 'pause':
          player.pause();
          break;
        case 'resume':
          player.resume();
          break;
        case 'restart':
          player.restart();
          break;
      }
      done();
    }

    onInput(node, status, (msg: NodeMessageInFlow, _send: Send, done: Done) => {
      // Messages that arrive while a file is still loading wait for it, in arrival order.
      void ready.then(() => {
        if (closed) return done();
        try {
          handle(msg, done);
        } catch (err) {
          fail(status, done, err);
        }
      });
    });

    node.on('close', (_removed: boolean, done: () => void) => {
      closed = true;
      deployWait?.();
      if (autostartTimer) clearTimeout(autostartTimer);
      autostartTimer = undefined;
      player?.dispose();
      player = undefined;
      status.close();
      done();
    });
  }

  RED.nodes.registerType('impetus-scenario', ScenarioNode);
};

function describeValue(value: unknown): string {
  if (typeof value === 'string') return value.slice(0, 64);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value;
}
