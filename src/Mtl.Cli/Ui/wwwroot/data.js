// mtl ui — the Data page (owner: ui-core). Element ids: see the list below once the page is built.
(function () {
  'use strict';
})();
