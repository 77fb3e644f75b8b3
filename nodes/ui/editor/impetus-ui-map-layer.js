// @include panel.js
/* global panelDefaults, panelLabel, rolesInput -- from shared/panel.js, inlined at build time */
RED.nodes.registerType('impetus-ui-map-layer', {
  category: 'impetus',
  color: '#8FC1E3',
  defaults: panelDefaults('operator,supervisor,field,manager,admin', {
    color: { value: '#4cc2ff', validate: RED.validators.regex(/^#[0-9a-fA-F]{6}$/) },
    actions: { value: '' },
    actionRoles: { value: '' },
  }),
  inputs: 1,
  outputs: 1,
  icon: 'ui-map-layer.svg',
  paletteLabel: 'ui map layer',
  label: panelLabel('layer', 'ui map layer'),
  labelStyle: function () {
    return this.name ? 'node_label_italic' : '';
  },
  outputLabels: function () {
    return this._('impetus-ui-map-layer.label.output');
  },
  oneditprepare: function () {
    rolesInput('roles');
    rolesInput('actionRoles');
  },
});
