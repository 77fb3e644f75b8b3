// @include panel.js
/* global panelLabel, rolesInput -- from shared/panel.js, inlined at build time */
RED.nodes.registerType('impetus-ui-map-layer', {
  category: 'impetus',
  color: '#8FC1E3',
  defaults: {
    name: { value: '' },
    page: { value: '', required: true, validate: RED.validators.regex(/^[a-z0-9][a-z0-9-]{0,63}$/) },
    title: { value: '' },
    roles: { value: 'operator,supervisor,field,manager,admin', required: true },
    color: { value: '#4cc2ff', validate: RED.validators.regex(/^#[0-9a-fA-F]{6}$/) },
    order: { value: 0, validate: RED.validators.number(true) },
  },
  inputs: 1,
  outputs: 0,
  icon: 'ui-map-layer.svg',
  paletteLabel: 'ui map layer',
  label: panelLabel('layer', 'ui map layer'),
  labelStyle: function () {
    return this.name ? 'node_label_italic' : '';
  },
  oneditprepare: function () {
    rolesInput('roles');
  },
});
