/** Entry of the `jobhandle` command (bin/jobhandle.mjs runs this, built or from source). */
import { runCli } from './cli/run-cli';

runCli(process.argv.slice(2), {
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
}).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`jobhandle: ${(err as Error).message}\n`);
    process.exitCode = 3;
  },
);
