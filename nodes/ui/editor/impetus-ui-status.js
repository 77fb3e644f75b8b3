// @include panel.js
/* global panelDefaults, rolesInput -- from shared/panel.js, inlined at build time */
RED.nodes.registerType('impetus-ui-status', {
  category: 'impetus',
  color: '#8FC1E3',
  defaults: panelDefaults('operator,supervisor,field,cyber,intel,manager,admin', {
    page: null,
    tool: { value: '', required: true, validate: RED.validators.regex(/^[a-z][a-z0-9-]{0,63}$/) },
    silentAfter: { value: 60, validate: RED.validators.number(true) },
    order: { value: -100, validate: RED.validators.number(true) },
  }),
  inputs: 1,
  outputs: 0,
  icon: 'ui-status.svg',
  paletteLabel: 'ui status',
  label: function () {
    return this.name || (this.tool ? this.tool + ' status' : 'ui status');
  },
  labelStyle: function () {
    return this.name ? 'node_label_italic' : '';
  },
  oneditprepare: function () {
    rolesInput('roles');
  },
});
