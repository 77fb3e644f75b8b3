RED.nodes.registerType('impetus-evacuation', {
  category: 'impetus',
  color: '#E9967A',
  defaults: {
    name: { value: '' },
    siteFile: { value: 'padova-piazza-dei-signori.geojson' },
    siteJson: { value: '' },
    profile: { value: 'calibrated' },
    debounce: { value: 2, validate: RED.validators.number() },
    limitSeconds: { value: '', validate: RED.validators.regex(/^(\d+(\.\d+)?)?$/) },
    maxRisk: { value: '', validate: RED.validators.regex(/^(\d+(\.\d+)?)?$/) },
    silentAfter: { value: 300, validate: RED.validators.number() },
    counters: { value: '' },
    emptyAt: { value: '', validate: RED.validators.regex(/^(\d{1,2}:\d{2})?$/) },
    timeZone: { value: 'UTC' },
    presimulate: { value: false },
  },
  inputs: 1,
  outputs: 7,
  icon: 'evacuation.svg',
  paletteLabel: 'evacuation',
  label: function () {
    return this.name || 'evacuation';
  },
  labelStyle: function () {
    return this.name ? 'node_label_italic' : '';
  },
  outputLabels: function (i) {
    return this._('impetus-evacuation.outputs.' + ['plan', 'alerts', 'map', 'state', 'clear', 'routes', 'whatIf'][i]);
  },
  oneditprepare: function () {
    // Every problem the node would refuse the site for at deploy, asked of the runtime (the same
    // checks, site-admin.ts) a moment after the integrator stops typing or picks another file.
    var node = this;
    var out = $('#impetus-evacuation-site-check');
    var timer;
    var asked = 0;
    function check() {
      var mine = ++asked;
      $.ajax({
        url: 'impetus-evacuation/check-site',
        type: 'POST',
        contentType: 'application/json',
        data: JSON.stringify({ siteJson: $('#node-input-siteJson').val(), siteFile: $('#node-input-siteFile').val() }),
      }).done(function (r) {
        if (mine !== asked) return;
        out.empty().removeClass('impetus-evacuation-site-ok impetus-evacuation-site-bad');
        if (r.ok) {
          out.addClass('impetus-evacuation-site-ok').text(node._('impetus-evacuation.check.ok', r.summary));
        } else {
          out.addClass('impetus-evacuation-site-bad').append($('<ul>').append(r.problems.slice(0, 20).map(function (p) { return $('<li>').text(p); })));
          if (r.problems.length > 20) out.append($('<div>').text(node._('impetus-evacuation.check.more', { count: r.problems.length - 20 })));
        }
      }).fail(function (xhr) {
        if (mine !== asked) return;
        out.removeClass('impetus-evacuation-site-ok').addClass('impetus-evacuation-site-bad').text(node._('impetus-evacuation.check.failed', { status: xhr.status }));
      });
    }
    $('#node-input-siteJson, #node-input-siteFile').on('input change', function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(check, 400);
    });
    check();
  },
});
