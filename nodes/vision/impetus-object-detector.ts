import type { NodeAPI } from 'node-red';
import { registerDetector } from './detector-node';

export = function (RED: NodeAPI): void {
  registerDetector(RED, {
    type: 'impetus-object-detector',
    tool: 'objects',
    event: 'Object detected',
    defaultClasses: [],
    headline: (className, camera) => `${className} seen on ${camera}`,
    instruction: 'Check the camera image.',
    severity: 'medium',
  });
};
