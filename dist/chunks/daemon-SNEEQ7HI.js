import { createRequire as __bfCreateRequire } from 'node:module';
const require = __bfCreateRequire(import.meta.url);
import{c as a,d as b,e as c,f as d,g as e,h as f}from"./chunk-CLR6GSCQ.js";import"./chunk-TECHN2FH.js";import"./chunk-CVIAFCHR.js";export{d as DAEMON_HINT,b as DAEMON_UNREACHABLE,e as daemonFault,c as daemonUnreachable,a as dockerdStartedAt,f as withDaemonFault};
