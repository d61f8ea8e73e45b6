/**
 * How the person reading a message runs the command line: from a checkout through npm (`qingliu` is not on PATH
 * there), or as the `qingliu` command the Docker image installs. Messages that name a command use this, so it
 * can be copied as it is.
 */

/** Running from the TypeScript sources (a checkout) rather than the compiled `dist/` of the image. */
const FROM_CHECKOUT = import.meta.url.endsWith('.ts');

/** `keys add --role admin` → `npm run -s qingliu -- keys add --role admin` (checkout) or `qingliu keys add …`. */
export function cliCommand(args: string, fromCheckout = FROM_CHECKOUT): string {
  return fromCheckout ? `npm run -s qingliu -- ${args}` : `qingliu ${args}`;
}

/** `MQTT_PORT=1884` → `MQTT_PORT=1884 npm start` from a checkout; elsewhere the setting alone (set it where the service is configured). */
export function startCommand(env: string, fromCheckout = FROM_CHECKOUT): string {
  return fromCheckout ? `${env} npm start` : env;
}
