import type { NodeAPI } from 'node-red';
import { registerDetector } from './detector-node';

/** Names firearm classes go by in common detector exports, ours included. */
const FIREARM_CLASSES = ['handgun', 'pistol', 'rifle', 'gun', 'firearm', 'weapon', 'shotgun', 'revolver'];

export = function (RED: NodeAPI): void {
  registerDetector(RED, {
    type: 'impetus-firearm-detector',
    tool: 'firearm',
    event: 'Firearm detected',
    defaultClasses: FIREARM_CLASSES,
    optionalClasses: ['knife'],
    headline: (className, camera) => `${className[0].toUpperCase()}${className.slice(1)} seen on camera ${camera}`,
    instruction: 'Verify the image, dispatch the nearest patrol and share the location with the field team.',
    severity: 'critical',
  });
};
