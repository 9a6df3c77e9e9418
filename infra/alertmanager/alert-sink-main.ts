// Entry point of the native stack's alert sink (started by infra/native/stack.sh beside
// Alertmanager): ALERT_SINK_PORT to listen on (127.0.0.1 only), ALERT_SINK_FILE to append
// each notification to. The sink itself is alert-sink.ts.
import { startAlertSink } from './alert-sink.ts';

const port = Number(process.env.ALERT_SINK_PORT);
const file = process.env.ALERT_SINK_FILE;
if (!Number.isInteger(port) || port <= 0 || !file) {
  console.error(
    'alert-sink: set ALERT_SINK_PORT (a port) and ALERT_SINK_FILE (a file to append to)',
  );
  process.exit(2);
}
const sink = await startAlertSink({ port, file });
console.log(`alert-sink: listening on ${sink.url}, appending notifications to ${file}`);
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => void sink.close().then(() => process.exit(0)));
}
