// @include panel.js
/* global panelDefaults, panelLabel, rolesInput -- from shared/panel.js, inlined at build time */
RED.nodes.registerType('impetus-ui-table', {
  category: 'impetus',
  color: '#8FC1E3',
  defaults: panelDefaults('operator,supervisor,manager,admin', {
    columns: { value: '', required: true },
    key: { value: '' },
    filters: { value: '' },
    actions: { value: '' },
    actionRoles: { value: 'operator,supervisor,admin' },
    maxRows: { value: 200, validate: RED.validators.number(true) },
    tlp: { value: '' },
    personal: { value: false },
  }),
  inputs: 1,
  outputs: 1,
  icon: 'ui-table.svg',
  paletteLabel: 'ui table',
  label: panelLabel('table', 'ui table'),
  labelStyle: function () {
    return this.name ? 'node_label_italic' : '';
  },
  outputLabels: function () {
    return this._('impetus-ui-table.label.output');
  },
  oneditprepare: function () {
    rolesInput('roles');
    rolesInput('actionRoles');
  },
});
