// @include panel.js
/* global panelDefaults, panelLabel, rolesInput -- from shared/panel.js, inlined at build time */
RED.nodes.registerType('impetus-ui-graph', {
  category: 'impetus',
  color: '#8FC1E3',
  defaults: panelDefaults('operator,supervisor,cyber,admin', {
    direction: { value: 'LR', validate: RED.validators.regex(/^(LR|TB)$/) },
    kinds: { value: '', validate: RED.validators.regex(/^(\s*[A-Za-z0-9_.-]{1,64}(:[^:\n,]*)?:#[0-9a-fA-F]{6}\s*([\n,]|$))*\s*$/) },
    maxNodes: { value: 200, validate: RED.validators.number(true) },
    tlp: { value: '' },
  }),
  inputs: 1,
  outputs: 0,
  icon: 'ui-graph.svg',
  paletteLabel: 'ui graph',
  label: panelLabel('graph', 'ui graph'),
  labelStyle: function () {
    return this.name ? 'node_label_italic' : '';
  },
  oneditprepare: function () {
    rolesInput('roles');
  },
});
