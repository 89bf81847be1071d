import { createRequire as __bfCreateRequire } from 'node:module';
const require = __bfCreateRequire(import.meta.url);
import{c as a,d as b,e as c,f as d,g as e,h as f,i as g}from"./chunk-SP52WGPJ.js";import"./chunk-HXSC75IH.js";import"./chunk-DVTTKJ73.js";export{e as DAEMON_HINT,b as DAEMON_UNREACHABLE,d as DAEMON_UNREACHABLE_SAID,f as daemonFault,c as daemonUnreachable,a as dockerdStartedAt,g as withDaemonFault};
