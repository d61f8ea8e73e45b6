/** A text progress bar for the terminal (the CLI and the `npm start` demo both draw one during backfill). */

export function progressBar(done: number, total: number, width = 30): string {
  const share = total > 0 ? Math.min(1, Math.max(0, done / total)) : 1;
  const filled = Math.round(share * width);
  const percent = Math.floor(share * 100);
  return `[${'█'.repeat(filled)}${'░'.repeat(width - filled)}] ${String(percent).padStart(3)}%`;
}

/**
 * Redraws a progress line on a TTY (carriage return, no scrolling); on a pipe or log file writes a line
 * every 10 % instead, so logs stay readable.
 */
export function createProgressLine(stream: NodeJS.WritableStream & { isTTY?: boolean }, label: string) {
  let lastDecile = -1;
  let lastDraw = 0;
  return {
    update(done: number, total: number, detail = '', nowMs = Date.now()) {
      const text = `${label} ${progressBar(done, total)} ${detail}`.trimEnd();
      if (stream.isTTY) {
        if (nowMs - lastDraw < 100 && done < total) return;
        lastDraw = nowMs;
        stream.write(`\r${text}\x1b[K`);
      } else {
        const decile = total > 0 ? Math.floor((done / total) * 10) : 10;
        if (decile === lastDecile) return;
        lastDecile = decile;
        stream.write(`${text}\n`);
      }
    },
    finish(text: string) {
      stream.write(stream.isTTY ? `\r${text}\x1b[K\n` : `${text}\n`);
    },
  };
}
