// @include detector.js
/* global registerDetector -- from shared/detector.js, inlined at build time */
registerDetector('impetus-firearm-detector', {
  color: '#E2827A',
  icon: 'firearm.svg',
  label: 'firearm detector',
  profileDefaults: { includeKnife: { value: false } },
});
