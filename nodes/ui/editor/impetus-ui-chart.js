// @include panel.js
/* global panelDefaults, panelLabel, rolesInput -- from shared/panel.js, inlined at build time */
RED.nodes.registerType('impetus-ui-chart', {
  category: 'impetus',
  color: '#8FC1E3',
  defaults: panelDefaults('operator,supervisor,manager,admin', {
    chartType: { value: 'line' },
    yLabel: { value: '' },
    maxPoints: { value: 1000, validate: RED.validators.number(true) },
    samples: { value: 500, validate: RED.validators.number(true) },
    maxSeries: { value: 10, validate: RED.validators.number(true) },
    thresholds: { value: '' },
  }),
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
