RED.nodes.registerType('impetus-camera-in', {
  category: 'impetus',
  color: '#A6BBCF',
  defaults: {
    name: { value: '' },
    cameraId: { value: '', required: true },
    source: { value: 'http' },
    url: { value: '' },
    folder: { value: '' },
    fps: { value: 2, validate: RED.validators.number() },
    loop: { value: true },
    autostart: { value: true },
    lon: { value: '' },
    lat: { value: '' },
    areaDesc: { value: '' },
    zone: { value: '' },
    zones: { value: '[]' },
    maxBytes: { value: 8388608, validate: RED.validators.number(true) },
  },
  credentials: { user: { type: 'text' }, password: { type: 'password' }, token: { type: 'password' } },
  inputs: 1,
  outputs: 1,
  icon: 'camera.svg',
  paletteLabel: 'camera in',
  label: function () {
    return this.name || this.cameraId || 'camera in';
  },
  outputLabels: function () {
    return this._('impetus-camera-in.label.output');
  },
  oneditprepare: function () {
    $('#node-input-source').on('change', function () {
      var v = $(this).val();
      $('.impetus-camera-url').toggle(v !== 'folder');
      $('.impetus-camera-folder').toggle(v === 'folder');
      $('.impetus-camera-auth').toggle(v === 'http' || v === 'mjpeg');
    }).trigger('change');
    $('#node-input-zones').typedInput({ type: 'json', types: ['json'] });
  },
});
