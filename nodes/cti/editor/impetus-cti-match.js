/**
 * The allow-list entries added from the console (false positives), read from the admin API and
 * removed one at a time there: they are not part of the flow, so a removal takes effect at once,
 * without a deploy.
 */
function listConsoleAllows(node) {
  var url = 'impetus-cti-match/' + encodeURIComponent(node.id) + '/allow-list';
  var body = $('.impetus-cti-allow-table tbody');
  var note = $('.impetus-cti-allow-note');
  function say(key, error) {
    note.text(node._('impetus-cti-match.allow.' + key, { error: error || '' }));
  }
  function cell(text) {
    return $('<td>').text(text === undefined || text === null ? '' : String(text));
  }
  function load() {
    body.empty();
    $.getJSON(url).done(function (data) {
      var entries = (data && data.entries) || [];
      say(entries.length ? 'some' : 'none');
      entries.forEach(function (e) {
        var remove = $('<button type="button" class="red-ui-button red-ui-button-small"><i class="fa fa-trash"></i></button>')
          .attr('title', node._('impetus-cti-match.allow.remove'))
          .attr('aria-label', node._('impetus-cti-match.allow.remove') + ' ' + e.value)
          .on('click', function () {
            remove.prop('disabled', true);
            $.ajax({ url: url + '?' + $.param(e.asset ? { value: e.value, asset: e.asset } : { value: e.value }), type: 'DELETE' })
              .done(load)
              .fail(function (xhr) {
                remove.prop('disabled', false);
                say('failed', (xhr.responseJSON && xhr.responseJSON.error) || xhr.statusText);
              });
          });
        $('<tr>').attr('data-value', e.value).append(cell(e.value), cell(e.asset), cell(e.reason), cell(e.by), cell(e.at), cell(e.alertId), $('<td>').append(remove)).appendTo(body);
      });
    }).fail(function (xhr) {
      say('failed', (xhr.responseJSON && xhr.responseJSON.error) || xhr.statusText);
    });
  }
  load();
}

RED.nodes.registerType('impetus-cti-match', {
  category: 'impetus',
  color: '#E2D96E',
  defaults: {
    name: { value: '' },
    registerFrom: { value: 'json' },
    register: { value: '' },
    registerFile: { value: '' },
    allowList: { value: '[]' },
    minLookalikeScore: { value: 0.7, validate: RED.validators.number() },
    defaultTlp: { value: 'amber' },
    feedName: { value: '' },
  },
  inputs: 1,
  outputs: 2,
  icon: 'cti.svg',
  paletteLabel: 'cti match',
  label: function () {
    return this.name || 'cti match';
  },
  labelStyle: function () {
    return this.name ? 'node_label_italic' : '';
  },
  outputLabels: function (i) {
    return this._('impetus-cti-match.outputs.' + ['alerts', 'withdrawals'][i]);
  },
  oneditprepare: function () {
    $('#node-input-register').typedInput({ type: 'json', types: ['json'] });
    $('#node-input-allowList').typedInput({ type: 'json', types: ['json'] });
    $('#node-input-registerFrom').on('change', function () {
      var file = $(this).val() === 'file';
      $('.impetus-cti-register-json').toggle(!file);
      $('.impetus-cti-register-file').toggle(file);
    }).trigger('change');
    listConsoleAllows(this);
  },
});
