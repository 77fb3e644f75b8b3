// @include panel.js
/* global panelLabel, rolesInput -- from shared/panel.js, inlined at build time */
RED.nodes.registerType('impetus-ui-chart', {
  category: 'impetus',
  color: '#8FC1E3',
  defaults: {
    name: { value: '' },
    page: { value: '', required: true, validate: RED.validators.regex(/^[a-z0-9][a-z0-9-]{0,63}$/) },
    title: { value: '' },
    roles: { value: 'operator,supervisor,manager,admin', required: true },
    order: { value: 0, validate: RED.validators.number(true) },
    chartType: { value: 'line' },
    yLabel: { value: '' },
    maxPoints: { value: 1000, validate: RED.validators.number(true) },
    samples: { value: 500, validate: RED.validators.number(true) },
    maxSeries: { value: 10, validate: RED.validators.number(true) },
    thresholds: { value: '' },
  },
  inputs: 1,
  outputs: 0,
  icon: 'ui-chart.svg',
  paletteLabel: 'ui chart',
  label: panelLabel('chart', 'ui chart'),
  labelStyle: function () {
    return this.name ? 'node_label_italic' : '';
  },
  oneditprepare: function () {
    rolesInput('roles');
  },
});
