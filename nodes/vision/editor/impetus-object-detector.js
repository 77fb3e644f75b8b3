// @include detector.js
/* global registerDetector -- from shared/detector.js, inlined at build time */
registerDetector('impetus-object-detector', {
  color: '#E9967A',
  icon: 'detector.svg',
  label: 'object detector',
});
