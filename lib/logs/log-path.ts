// Pure: where a node's log file is, or exactly why we can't read it from this host.

export type LogPath = { path: string } | { unreadable: string };

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|localhost)$/i;

export function isLoopback(host: string): boolean {
  return LOOPBACK.test(host.replace(/^\[|\]$/g, ""));
}

export function resolveLogPath(o: {
  host: string;
  configured?: string;
  logfile: string | null | undefined;
  dir: string | null | undefined;
  configKnown: boolean;
}): LogPath {
  if (o.configured) return { path: o.configured };
  if (!isLoopback(o.host)) {
    return { unreadable: `the node runs on another host (${o.host}); set "logFile" for it in the config file to a readable copy` };
  }
  if (!o.configKnown) return { unreadable: "CONFIG GET is not permitted for replscope's user, so the log file is unknown; set \"logFile\" in the config file" };
  if (!o.logfile) return { unreadable: 'Redis logs to stdout (logfile ""), so there is no file to follow' };
  if (o.logfile.startsWith("/")) return { path: o.logfile };
  if (!o.dir) return { unreadable: `logfile "${o.logfile}" is relative and the working dir is unknown` };
  return { path: `${o.dir.replace(/\/$/, "")}/${o.logfile}` };
}
