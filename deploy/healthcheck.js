// Container HEALTHCHECK: exits 0 when the service answers GET /healthz on $PORT within the timeout.
'use strict';
const port = Number(process.env.PORT || 3000);
const timeout = setTimeout(() => process.exit(1), 4000);
fetch(`http://127.0.0.1:${port}/healthz`)
  .then((response) => process.exit(response.ok ? 0 : 1))
  .catch(() => process.exit(1))
  .finally(() => clearTimeout(timeout));
