/**
 * A reader that stops early (`mlp-energy sweep --dry-run | head`) closes the pipe. Unix tools die quietly of SIGPIPE
 * then; Node ignores SIGPIPE and reports EPIPE as an 'error' event on the stream, which would crash with a stack
 * trace. Whatever the command, a closed output ends the process quietly instead: nobody is left to read the rest.
 * Stores are written a run per transaction, so stopping between writes loses nothing (a rerun resumes).
 */
export function exitQuietlyWhenOutputCloses(streams: readonly NodeJS.WriteStream[] = [process.stdout, process.stderr]): void {
  for (const stream of streams) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      // Exit code 0 unless the command had already failed (its status is still worth keeping).
      if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
      throw error; // anything else is a real fault: crash as Node would without this listener
    });
  }
}
