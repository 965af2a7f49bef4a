// mtl ui — the Train page (owner: ui-core). Element ids: see the list below once the page is built.
(function () {
  'use strict';
})();
