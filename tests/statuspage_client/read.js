// Reads a published bundle with the statuspage.io client, as it reads a hosted Statuspage page,
// and prints what each of its calls returned as one JSON object. Usage: node read.js BASE_URL
const { Statuspage } = require('statuspage.io');

async function main(base) {
  const page = new Statuspage('elytra');
  page.setApiUrl(base); // the only change a client of a hosted page needs
  const api = page.api;
  return {
    summary: await api.getSummary(),
    status: await api.getStatus(),
    components: await api.getComponents(),
    incidents: await api.incidents.getAll(),
    unresolved: await api.incidents.getUnresolved(),
    maintenances: await api.scheduledMaintenances.getAll(),
    upcoming: await api.scheduledMaintenances.getUpcoming(),
    active: await api.scheduledMaintenances.getActive(),
  };
}

main(process.argv[2]).then(
  (out) => process.stdout.write(JSON.stringify(out)),
  (err) => {
    process.stderr.write(`statuspage.io client failed: ${err.message}\n`);
    process.exit(1);
  },
);
