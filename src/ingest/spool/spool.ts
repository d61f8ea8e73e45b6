/**
 * The local spool: a write-ahead log of accepted readings and dead letters (docs/adr/0003-delivery-guarantee.md).
 *
 * - `append` writes with one synchronous write(2): once it returns, the bytes are in the kernel page cache and
 *   survive a SIGKILL of the process, so the message can be acknowledged to the broker.
 * - Data is fdatasync'ed every `fsyncIntervalMs` (0 = before `append` returns), on rotation and on close:
 *   that bounds what a power loss can cost.
 * - The log is cut into segment files; the forwarder `read`s batches from a cursor and `commit`s what the store
 *   confirmed, which moves the checkpoint and deletes fully drained segments.
 * - On `open` the spool resumes from the checkpoint (replayed lines may reach the store twice: harmless, a
 *   reading's identity is station+parameter+ts) and starts a fresh segment, so a torn tail of the previous
 *   run's last segment stays at that segment's end, where the reader skips it.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { DeadLetter, Reading } from '../../domain/reading.js';
import type { LoggerValue } from '../../domain/logger-data.js';
import type { Logger } from '../../logger.js';
import { ensurePrivateDir, openPrivateSync, PRIVATE_FILE_MODE } from '../../fs/private-files.js';
import { decodeEncodedReadings, trailingRunStart, type EncodedReadings } from '../../store/encoded-readings.js';
import { encodeRecords, RecordCollector, type RecordGroup } from './spool-codec.js';

export interface SpoolPosition {
  segment: number;
  offset: number;
}

export interface SpoolBatch {
  /** The batch's readings as read, in the store's compact form: what the forwarder hands to the store. */
  encoded: EncodedReadings;
  /** The same readings as objects (decoded when first asked for). */
  readonly readings: Reading[];
  deadLetters: DeadLetter[];
  /** HJ 212 logger data (docs/adr/0012-logger-aggregates.md). */
  loggerData: LoggerValue[];
  /** Undecodable lines skipped in this batch. */
  corrupt: number;
  /** Of those, the lines that started like a reading (they were counted as pending when the spool opened). */
  corruptReadings: number;
  /** Where the batch ends; pass the batch to `commit` once the store confirmed it. */
  end: SpoolPosition;
  bytes: number;
}

export interface SpoolOptions {
  dir: string;
  /** Soft limit of the segment files' total size; beyond it `full` is true and the caller holds messages back. */
  maxBytes: number;
  /** A segment is sealed and a new one started once it reaches this size. */
  segmentBytes?: number;
  /** fdatasync period; 0 syncs inside every `append` (strict, slower). */
  fsyncIntervalMs: number;
  logger: Logger;
}

export interface SpoolStats {
  /** Bytes and readings written but not yet committed. */
  pendingBytes: number;
  pendingReadings: number;
  /** Total size of the segment files on disk. */
  diskBytes: number;
  segments: number;
}

export interface Spool {
  /** Opens (creating the directory), resumes from the checkpoint and starts a new segment. */
  open(): void;
  /** Writes the records durably enough to acknowledge (see above). Throws on I/O errors, leaving the log intact. */
  append(readings: readonly Reading[], deadLetters: readonly DeadLetter[], loggerData?: readonly LoggerValue[]): void;
  /** The records of several messages with one write (and at most one fdatasync): a group commit. */
  appendGroup(group: RecordGroup): void;
  /** Up to about `maxBytes` of records from the read cursor; undefined when everything has been read. */
  read(maxBytes: number): SpoolBatch | undefined;
  /** Marks everything up to `batch.end` as stored. */
  commit(batch: SpoolBatch): void;
  /** Bytes written and not yet read: what the next `read`s would return. */
  unreadBytes(): number;
  /** True while the disk budget is used up. */
  readonly full: boolean;
  stats(): SpoolStats;
  /** Called after every append (the forwarder wakes up). Returns an unsubscribe function. */
  onAppend(listener: () => void): () => void;
  /** Called when a commit freed disk space (held messages may proceed). */
  onFreed(listener: () => void): () => void;
  /** fdatasync now. */
  sync(): void;
  /** Syncs and closes; safe to call twice. */
  close(): void;
}

interface Segment {
  seq: number;
  file: string;
  /** Bytes of whole lines; for the active segment, what this process wrote. */
  size: number;
}

const SEGMENT_SUFFIX = '.seg';
const CHECKPOINT_FILE = 'checkpoint';
const CHECKPOINT_LENGTH = 40;
const DEFAULT_SEGMENT_BYTES = 64 * 1024 * 1024;

export function createSpool(options: SpoolOptions): Spool {
  const log = options.logger.child({ component: 'spool' });
  const dir = options.dir;
  // A segment larger than a quarter of the budget could keep the spool full with nothing left to delete.
  const segmentBytes = Math.max(
    4096,
    Math.min(options.segmentBytes ?? DEFAULT_SEGMENT_BYTES, Math.floor(options.maxBytes / 4)),
  );
  const segments: Segment[] = [];
  let active: Segment | undefined;
  let writeFd: number | undefined;
  let checkpointFd: number | undefined;
  let checkpoint: SpoolPosition = { segment: 0, offset: 0 };
  let cursor: SpoolPosition = { segment: 0, offset: 0 };
  let readFd: { seq: number; fd: number } | undefined;
  let pendingReadings = 0;
  let dirty = false;
  let syncing: Promise<void> | undefined;
  let timer: NodeJS.Timeout | undefined;
  let opened = false;
  let closed = false;
  let readBuffer = Buffer.alloc(1024 * 1024);
  // The buffers of committed batches, collected into again: a batch's bytes live until the store has them,
  // long enough for V8 to promote them, and fresh ones would pile up as external memory until a full GC.
  const recycled: Buffer[] = [];
  /** The batches read and not yet committed, with the buffer each was collected into. */
  const uncommitted = new WeakMap<SpoolBatch, Buffer>();
  const appendListeners = new Set<() => void>();
  const freedListeners = new Set<() => void>();

  const segmentFile = (seq: number) => path.join(dir, `${String(seq).padStart(16, '0')}${SEGMENT_SUFFIX}`);
  const diskBytes = () => segments.reduce((sum, s) => sum + s.size, 0);
  const find = (seq: number) => segments.find((s) => s.seq === seq);

  /** Bytes in the log after a position: after the checkpoint, pending; after the read cursor, unread. */
  function bytesAfter(pos: SpoolPosition): number {
    let sum = 0;
    for (const s of segments) {
      if (s.seq > pos.segment) sum += s.size;
      else if (s.seq === pos.segment) sum += Math.max(0, s.size - pos.offset);
    }
    return sum;
  }
  const pendingBytes = () => bytesAfter(checkpoint);
  const unreadBytes = () => bytesAfter(cursor);

  function fsyncDir(): void {
    // Makes a new segment's directory entry survive a power loss; not every file system supports it.
    try {
      const fd = fs.openSync(dir, 'r');
      try {
        fs.fsyncSync(fd);
      } finally {
        fs.closeSync(fd);
      }
    } catch {
      // best effort
    }
  }

  function startSegment(): void {
    const seq = (segments.at(-1)?.seq ?? 0) + 1;
    const file = segmentFile(seq);
    writeFd = openPrivateSync(file, 'wx');
    active = { seq, file, size: 0 };
    segments.push(active);
    fsyncDir();
  }

  function sealActive(): void {
    if (writeFd === undefined) return;
    const fd = writeFd;
    writeFd = undefined;
    active = undefined;
    fs.fdatasyncSync(fd);
    dirty = false;
    // An interval sync may still be running on this descriptor in the thread pool; close after it.
    if (syncing) void syncing.finally(() => fs.closeSync(fd));
    else fs.closeSync(fd);
  }

  function writeCheckpoint(): void {
    if (checkpointFd === undefined) return;
    // Rewritten in place and not fsync'ed: a stale or torn checkpoint only causes a replay, and replays are harmless.
    const text = `${checkpoint.segment} ${checkpoint.offset}\n`.padEnd(CHECKPOINT_LENGTH, ' ');
    fs.writeSync(checkpointFd, text, 0, 'latin1');
  }

  function readCheckpoint(): SpoolPosition | undefined {
    try {
      const text = fs.readFileSync(path.join(dir, CHECKPOINT_FILE), 'latin1');
      const m = /^(\d+) (\d+)\n/.exec(text);
      return m ? { segment: Number(m[1]), offset: Number(m[2]) } : undefined;
    } catch {
      return undefined;
    }
  }

  /** Moves a position that sits at the end of a sealed segment to the start of the next one. */
  function normalise(pos: SpoolPosition): SpoolPosition {
    let p = pos;
    for (;;) {
      const seg = find(p.segment);
      const next = segments.find((s) => s.seq > p.segment);
      if (seg === undefined) return next ? { segment: next.seq, offset: 0 } : p;
      if (seg !== active && p.offset >= seg.size && next) p = { segment: next.seq, offset: 0 };
      else return p;
    }
  }

  function deleteDrained(): boolean {
    let freed = false;
    while (segments.length > 0) {
      const first = segments[0]!;
      if (first === active || first.seq >= checkpoint.segment) break;
      segments.shift();
      if (readFd?.seq === first.seq) {
        fs.closeSync(readFd.fd);
        readFd = undefined;
      }
      try {
        fs.unlinkSync(first.file);
      } catch (err) {
        log.warn({ err, file: first.file }, 'could not delete a drained spool segment');
      }
      freed = true;
    }
    return freed;
  }

  function readFdFor(seg: Segment): number {
    if (readFd?.seq !== seg.seq) {
      if (readFd) fs.closeSync(readFd.fd);
      readFd = { seq: seg.seq, fd: fs.openSync(seg.file, 'r') };
    }
    return readFd.fd;
  }

  /** Counts reading lines in the pending part of the log, for the depth gauge after a restart. */
  function countPendingReadings(): number {
    let count = 0;
    for (const seg of segments) {
      if (seg.seq < checkpoint.segment || seg === active) continue;
      const fd = fs.openSync(seg.file, 'r');
      try {
        let offset = seg.seq === checkpoint.segment ? checkpoint.offset : 0;
        let atLineStart = true;
        while (offset < seg.size) {
          const n = fs.readSync(fd, readBuffer, 0, Math.min(readBuffer.length, seg.size - offset), offset);
          if (n <= 0) break;
          for (let i = 0; i < n; i++) {
            const byte = readBuffer[i]!;
            if (atLineStart && byte === 82) count++;
            atLineStart = byte === 10;
          }
          offset += n;
        }
      } finally {
        fs.closeSync(fd);
      }
    }
    return count;
  }

  function fire(listeners: Set<() => void>): void {
    for (const listener of listeners) {
      try {
        listener();
      } catch (err) {
        log.error({ err }, 'spool listener failed');
      }
    }
  }

  function appendGroup(group: RecordGroup): void {
    appendBytes(group.bytes(), group.readings);
  }

  function appendBytes(bytes: Buffer, readingCount: number): void {
    if (closed || writeFd === undefined || active === undefined) throw new Error('spool is not open');
    if (bytes.length === 0) return;
    const seg = active;
    let written = 0;
    try {
      while (written < bytes.length)
        written += fs.writeSync(writeFd, bytes, written, bytes.length - written, seg.size + written);
      if (options.fsyncIntervalMs === 0) fs.fdatasyncSync(writeFd);
      else dirty = true;
    } catch (err) {
      // Cut a partial line off, so that the next record does not merge with it into one undecodable line.
      try {
        fs.ftruncateSync(writeFd, seg.size);
      } catch {
        // the reader stops at seg.size in this process; a restart skips the torn tail
      }
      throw err;
    }
    seg.size += bytes.length;
    pendingReadings += readingCount;
    if (seg.size >= segmentBytes) {
      sealActive();
      startSegment();
    }
    fire(appendListeners);
  }

  return {
    open() {
      if (opened) return;
      opened = true;
      // Segments hold raw station payloads: the directory and its files are the service user's only.
      ensurePrivateDir(dir);
      for (const name of fs.readdirSync(dir).sort()) {
        if (!name.endsWith(SEGMENT_SUFFIX)) continue;
        const seq = Number(name.slice(0, -SEGMENT_SUFFIX.length));
        if (!Number.isSafeInteger(seq) || seq <= 0) continue;
        const file = path.join(dir, name);
        const st = fs.statSync(file);
        if ((st.mode & 0o077) !== 0) fs.chmodSync(file, PRIVATE_FILE_MODE); // written by an older release
        segments.push({ seq, file, size: st.size });
      }
      segments.sort((a, b) => a.seq - b.seq);
      const saved = readCheckpoint();
      const first = segments[0];
      checkpoint = saved && first && saved.segment >= first.seq ? saved : { segment: first?.seq ?? 0, offset: 0 };
      checkpoint = normalise(checkpoint);
      deleteDrained();
      checkpointFd = openPrivateSync(
        path.join(dir, CHECKPOINT_FILE),
        fs.existsSync(path.join(dir, CHECKPOINT_FILE)) ? 'r+' : 'w+',
      );
      pendingReadings = countPendingReadings();
      startSegment();
      checkpoint = normalise(checkpoint);
      deleteDrained();
      writeCheckpoint();
      cursor = { ...checkpoint };
      if (options.fsyncIntervalMs > 0) {
        timer = setInterval(() => {
          if (!dirty || syncing || writeFd === undefined) return;
          dirty = false;
          const fd = writeFd;
          syncing = new Promise<void>((resolve) =>
            fs.fdatasync(fd, (err) => {
              if (err) log.error({ err }, 'spool fdatasync failed');
              syncing = undefined;
              resolve();
            }),
          );
        }, options.fsyncIntervalMs);
        timer.unref();
      }
      const stats = { pendingBytes: pendingBytes(), pendingReadings, segments: segments.length };
      log.info(
        { dir, ...stats, checkpoint },
        stats.pendingBytes > 0 ? 'spool opened; replaying the backlog' : 'spool opened',
      );
    },

    append(readings, deadLetters, loggerData) {
      appendBytes(Buffer.from(encodeRecords(readings, deadLetters, loggerData), 'utf8'), readings.length);
    },

    appendGroup,

    read(maxBytes) {
      if (!opened || closed) return undefined;
      const into = new RecordCollector(recycled.pop());
      let pos = normalise(cursor);
      let bytes = 0;
      while (bytes < maxBytes) {
        const seg = find(pos.segment);
        if (!seg) break;
        if (pos.offset >= seg.size) {
          const next = normalise(pos);
          if (next.segment === pos.segment) break;
          pos = next;
          continue;
        }
        let want = Math.min(seg.size - pos.offset, Math.max(maxBytes - bytes, 4096));
        if (want > readBuffer.length) readBuffer = Buffer.alloc(Math.max(want, readBuffer.length * 2));
        const fd = readFdFor(seg);
        let n = fs.readSync(fd, readBuffer, 0, want, pos.offset);
        let lastNewline = n > 0 ? readBuffer.lastIndexOf(10, n - 1) : -1;
        // A line longer than what we asked for (a big dead letter): read on until its end.
        while (lastNewline < 0 && pos.offset + n < seg.size) {
          want = Math.min(seg.size - pos.offset, readBuffer.length * 2);
          readBuffer = Buffer.alloc(want);
          n = fs.readSync(fd, readBuffer, 0, want, pos.offset);
          lastNewline = n > 0 ? readBuffer.lastIndexOf(10, n - 1) : -1;
        }
        if (n <= 0 || lastNewline < 0) {
          // No newline before the segment's end: a torn tail from a crash during a write (or a file cut
          // short). Nothing after it in this segment; move on.
          if (seg === active) break;
          into.skip(n > 0 ? readBuffer[0] : undefined);
          bytes += seg.size - pos.offset;
          pos = { segment: pos.segment, offset: seg.size };
          continue;
        }
        // Cut by the size limit (more follows in this segment): not inside a run of readings (trailingRunStart).
        const cutBySize = pos.offset + n < seg.size && bytes + n >= maxBytes;
        const take = cutBySize ? trailingRunStart(readBuffer, 0, lastNewline + 1) : lastNewline + 1;
        into.add(readBuffer, 0, take);
        bytes += take;
        pos = { segment: pos.segment, offset: pos.offset + take };
        if (cutBySize) break;
      }
      if (bytes === 0) return undefined;
      cursor = pos;
      const encoded = into.readings();
      let readings: Reading[] | undefined;
      const batch: SpoolBatch = {
        encoded,
        get readings() {
          if (!readings && encoded.count > 0 && !uncommitted.has(batch))
            throw new Error('a committed batch cannot be read: its buffer is reused');
          return (readings ??= decodeEncodedReadings(encoded));
        },
        deadLetters: into.deadLetters,
        loggerData: into.loggerData,
        corrupt: into.corrupt,
        corruptReadings: into.corruptReadings,
        end: pos,
        bytes,
      };
      uncommitted.set(batch, encoded.bytes);
      return batch;
    },

    commit(batch) {
      const buffer = uncommitted.get(batch);
      uncommitted.delete(batch);
      // The whole allocation (RecordCollector allocates its own, never a slice of Node's pool).
      if (buffer && buffer.byteOffset === 0 && buffer.buffer.byteLength > 0 && recycled.length < 4) {
        recycled.push(Buffer.from(buffer.buffer));
      }
      if (closed) return;
      checkpoint = normalise(batch.end);
      // Skipped lines that looked like readings were counted when the spool opened (countPendingReadings).
      pendingReadings = Math.max(0, pendingReadings - batch.encoded.count - batch.corruptReadings);
      writeCheckpoint();
      if (deleteDrained()) fire(freedListeners);
    },

    get full() {
      return diskBytes() >= options.maxBytes;
    },

    unreadBytes,

    stats() {
      return { pendingBytes: pendingBytes(), pendingReadings, diskBytes: diskBytes(), segments: segments.length };
    },

    onAppend(listener) {
      appendListeners.add(listener);
      return () => appendListeners.delete(listener);
    },

    onFreed(listener) {
      freedListeners.add(listener);
      return () => freedListeners.delete(listener);
    },

    sync() {
      if (writeFd !== undefined) fs.fdatasyncSync(writeFd);
      dirty = false;
    },

    close() {
      if (closed || !opened) return;
      closed = true;
      if (timer) clearInterval(timer);
      try {
        sealActive();
      } finally {
        if (readFd) fs.closeSync(readFd.fd);
        readFd = undefined;
        if (checkpointFd !== undefined) fs.closeSync(checkpointFd);
        checkpointFd = undefined;
        appendListeners.clear();
        freedListeners.clear();
      }
      log.info(this.stats(), 'spool closed');
    },
  };
}
