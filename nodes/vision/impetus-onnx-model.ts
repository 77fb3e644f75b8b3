import * as path from 'node:path';
import type { NodeAPI, NodeDef } from 'node-red';
import type { Layout } from './layout';
import { acquireModel, resolveModelFile, type ModelHandle, type OnnxModelNode } from './model-registry';

interface OnnxModelDef extends NodeDef {
  file: string;
  threads?: string | number;
  classNames?: string;
  inputSize?: string | number;
  layout?: '' | Layout;
}


export = function (RED: NodeAPI): void {
  function ImpetusOnnxModelNode(this: OnnxModelNode, config: OnnxModelDef) {
    RED.nodes.createNode(this, config);
    const node = this;
    const file = resolveModelFile(config.file || 'firearm-demo', RED.settings.userDir as string | undefined);
    const threads = Number(config.threads) || undefined;
    const classNames = (config.classNames ?? '').split(',').map((s) => s.trim()).filter(Boolean);
    const inputSize = Number(config.inputSize) || undefined;
    node.label = config.name || path.basename(file);
    // The config node holds a reference of its own, so a redeploy of a detector does not reload
    // the model; each user holds another until its last frame is done, because Node-RED closes a
    // flow's nodes and its config nodes at the same time. The registry shares the session further
    // across config nodes of the same file.
    const options = { threads, classNames, inputSize, layout: config.layout || undefined };
    let handle: Promise<ModelHandle> | undefined;
    node.acquire = async () => {
      handle ??= acquireModel(file, options);
      handle.catch(() => (handle = undefined));
      await handle;
      return acquireModel(file, options);
    };
    node.on('close', (_removed: boolean, done: () => void) => {
      const h = handle;
      handle = undefined;
      if (!h) return done();
      h.then((m) => m.release(), () => undefined).then(() => done(), () => done());
    });
  }
  RED.nodes.registerType('impetus-onnx-model', ImpetusOnnxModelNode as never);
};
